"""python manage.py import_cards PATH... --user NAME [--deck NAME] [--dry-run] [--prune]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cards import backup
from cards.formats import DeckFormatError
from cards.formats.detect import DECK_SUFFIXES
from cards.importing import import_decks, read_paths
from cards.management.users import user_named


class Command(BaseCommand):
    help = (
        "Import decks into a user's collection: Recall Markdown, Anki plain text (.txt/.tsv), "
        "CSV/TSV with a header row, Anki packages (.apkg); a folder stands for its deck files. "
        "A Recall backup (.json) is restored, history included, into an account without reviews."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
        parser.add_argument("--user", required=True, help="username that owns the cards")
        parser.add_argument("--deck", help="put every card into this deck")
        parser.add_argument("--dry-run", action="store_true", help="report, write nothing")
        parser.add_argument(
            "--prune", action="store_true", help="delete cards of these decks the files no longer have"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = user_named(options["user"])
        backups = [path for path in options["paths"] if path.suffix.lower() == ".json"]
        if backups:
            self._restore(user, backups, dry_run=options["dry_run"])
            return
        try:
            batch = read_paths(options["paths"], deck_name=options["deck"])
            reports = import_decks(
                batch.decks,
                owner=user,
                deck_name=options["deck"],
                dry_run=options["dry_run"],
                prune=options["prune"],
            )
        except DeckFormatError as error:
            raise CommandError(f"nothing imported:\n{error}") from None
        if not batch.decks:
            raise CommandError(f"no deck files ({', '.join(DECK_SUFFIXES)}) in the paths given")
        for report in reports:
            self.stdout.write(report.describe(dry_run=options["dry_run"]))
        for reason, count in batch.skipped.items():
            self.stdout.write(f"skipped {count} notes: {reason}")

    def _restore(self, user: Any, paths: list[Path], *, dry_run: bool) -> None:
        if len(paths) > 1:
            raise CommandError("restore one backup (.json) at a time, without other files")
        path = paths[0]
        try:
            data = path.read_bytes()
            if dry_run:
                saved = backup.load(data, source=str(path))
                count = sum(len(deck["cards"]) for deck in saved["decks"])
                self.stdout.write(f"{path}: a valid backup of {count} cards (nothing restored)")
                return
            count = backup.restore(user, data, source=str(path))
        except OSError as error:
            raise CommandError(f"{path}:1: cannot read the file: {error.strerror}") from None
        except DeckFormatError as error:
            raise CommandError(f"nothing restored:\n{error}") from None
        self.stdout.write(f"restored {count} cards with their schedules and history from {path}")
