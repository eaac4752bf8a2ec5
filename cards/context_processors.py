"""Template context every page needs."""

from __future__ import annotations

from django.http import HttpRequest

from cards.models import StudySettings


def theme(request: HttpRequest) -> dict[str, str]:
    """The signed-in user's theme ("light"/"dark"), or nothing to follow the system.

    The settings come with the user (one query, see cards.auth), so this costs nothing more.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    try:
        chosen = user.study_settings.theme
    except StudySettings.DoesNotExist:
        return {}
    return {"theme": chosen} if chosen != "system" else {}
