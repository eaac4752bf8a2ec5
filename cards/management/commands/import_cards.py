"""python manage.py import_cards PATH... --user NAME [--deck NAME] [--dry-run]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cards.formats import DeckFormatError
from cards.importing import import_decks, read_deck_files


class Command(BaseCommand):
    help = "Import native Markdown decks (files or folders of *.md) into a user's collection."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
        parser.add_argument("--user", required=True, help="username that owns the cards")
        parser.add_argument("--deck", help="put every card into this deck")
        parser.add_argument("--dry-run", action="store_true", help="report, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        try:
            user = user_model._default_manager.get_by_natural_key(options["user"])
        except user_model.DoesNotExist:
            raise CommandError(f"no user named '{options['user']}'") from None
        try:
            decks = read_deck_files(options["paths"])
            reports = import_decks(
                decks, owner=user, deck_name=options["deck"], dry_run=options["dry_run"]
            )
        except DeckFormatError as error:
            raise CommandError(f"nothing imported:\n{error}") from None
        for report in reports:
            self.stdout.write(report.describe(dry_run=options["dry_run"]))
