"""Authentication backend that loads the user's study settings with the user, in one query."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import AbstractBaseUser


class StudyUserBackend(ModelBackend):
    def get_user(self, user_id: object) -> AbstractBaseUser | None:
        user_model = get_user_model()
        user = (
            user_model._default_manager.select_related("study_settings")
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
