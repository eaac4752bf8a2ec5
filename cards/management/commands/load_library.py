"""python manage.py load_library [--update-accounts] — load or update the bundled decks, and with
the flag bring every account's copies up to date with them."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from cards.formats import DeckFormatError
from cards.library import load_library, update_from_library


class Command(BaseCommand):
    help = "Load (or update) the bundled decks from fixtures/ into the library new accounts copy."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--update-accounts",
            action="store_true",
            help="Then give every account the library's new cards, corrections and new decks "
            "(edited cards, schedules and deleted decks are left alone).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            reports = load_library()
        except DeckFormatError as error:
            raise CommandError(f"bundled decks not loaded:\n{error}") from None
        for report in reports:
            self.stdout.write(report.describe())
        if options["update_accounts"]:
            user_model = get_user_model()
            for user in user_model._default_manager.order_by(user_model.USERNAME_FIELD):
                self.stdout.write(f"{user.get_username()}: {update_from_library(user).describe()}")
