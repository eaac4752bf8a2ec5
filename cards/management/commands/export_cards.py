"""python manage.py export_cards --user NAME --format md|csv|json|anki OUT"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cards.exporting import ExportFormat, export_collection
from cards.management.users import user_named


class Command(BaseCommand):
    help = (
        "Export a user's collection: md (Recall Markdown, one file per deck, zipped when there "
        "are several), csv, anki (Anki plain text) or json (the full backup, history included)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", type=Path, metavar="OUT", help="file to write")
        parser.add_argument("--user", required=True, help="username whose collection to export")
        parser.add_argument("--format", required=True, choices=[f.value for f in ExportFormat])

    def handle(self, *args: Any, **options: Any) -> None:
        user = user_named(options["user"])
        exported = export_collection(user, ExportFormat(options["format"]))
        out: Path = options["out"]
        try:
            out.write_bytes(exported.content)
        except OSError as error:
            raise CommandError(f"cannot write {out}: {error.strerror}") from None
        zipped = " (a zip of the deck files)" if exported.content_type == "application/zip" else ""
        self.stdout.write(f"wrote {out}: {len(exported.content)} bytes{zipped}")
