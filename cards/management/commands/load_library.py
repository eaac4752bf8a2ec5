"""python manage.py load_library — load or update the bundled decks new accounts start with."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cards.formats import DeckFormatError
from cards.library import load_library


class Command(BaseCommand):
    help = "Load (or update) the bundled decks from fixtures/ into the library new accounts copy."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            reports = load_library()
        except DeckFormatError as error:
            raise CommandError(f"bundled decks not loaded:\n{error}") from None
        for report in reports:
            self.stdout.write(report.describe())
