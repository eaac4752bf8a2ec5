"""The project's URLs plus the floor view that benchmark ratios are measured against."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template import Context, Template
from django.urls import path

from cards.models import Card
from studyapp.urls import urlpatterns as project_urlpatterns

TINY = Template("<p>{{ card.key }}</p>")


def floor(request: HttpRequest, user_id: int) -> HttpResponse:
    """Signed in, one primary-key query, a tiny template: the least a page here can cost."""
    card = get_object_or_404(Card.objects.only("key"), pk=user_id)
    return HttpResponse(TINY.render(Context({"card": card})))


urlpatterns = [*project_urlpatterns, path("bench/floor/<int:user_id>/", floor)]
