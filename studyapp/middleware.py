"""Project middleware."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django_htmx.http import HttpResponseClientRedirect


class HtmxLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Django's login requirement, plus: an htmx request from an expired session sends the
    whole page to the login form (with the page, not the POST endpoint, as ``next``) instead of
    swapping the login form into the card."""

    def handle_no_permission(
        self, request: HttpRequest, view_func: Callable[..., HttpResponse]
    ) -> HttpResponse:
        if not request.htmx:
            return super().handle_no_permission(request, view_func)
        login = redirect_to_login(
            request.htmx.current_url_abs_path or "/",
            self.get_login_url(view_func),
            self.get_redirect_field_name(view_func),
        )
        return HttpResponseClientRedirect(login.url)
