"""Sign-up and study settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cards.forms import SignupForm, StudySettingsForm
from cards.library import copy_library_to
from cards.models import StudySettings


@login_not_required
def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
            StudySettings.objects.create(user=user, time_zone=form.cleaned_data["time_zone"])
            copy_library_to(user)
        login(request, user, backend="cards.auth.StudyUserBackend")
        return redirect("review")
    return render(request, "registration/signup.html", {"form": form})


def study_settings(request: HttpRequest) -> HttpResponse:
    form = StudySettingsForm(request.POST or None, instance=StudySettings.for_user(request.user))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Settings saved."))
        return redirect("settings")
    return render(request, "cards/settings.html", {"form": form})
