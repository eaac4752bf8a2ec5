"""Imports from the browser: stage the uploads, preview what would change, then commit.

Nothing is written to the collection before the user confirms the preview. The uploads wait
in the database (a zip in a ``PendingImport`` row, one per user), never on disk, and are parsed
again on commit, so the preview and the commit see exactly the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field, replace

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import Http404

from cards import backup
from cards.formats import DeckFormatError, Problem
from cards.importing import DeckReport, import_decks, read_uploads
from cards.models import PendingImport, Review



@dataclass(frozen=True)
class Outcome:
    """What an import would do (a preview) or did: per-deck reports, or a backup's restore."""

    pending_id: int
    reports: list[DeckReport] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    backup_cards: int | None = None
    """For a backup: how many cards it holds (restored with their history)."""
    backup_reviews: int = 0


def stage(user: AbstractBaseUser, uploads: list[tuple[str, bytes]], *, deck_name: str) -> Outcome:
    """Keep the uploads and return the preview; raises ``DeckFormatError`` for bad files."""
    # One waiting import per user (a new preview replaces the last), so uploads cannot pile up.
    PendingImport.objects.filter(owner=user).delete()
    preview = _run(user, uploads, deck_name=deck_name, dry_run=True, pending_id=0)
    pending = PendingImport.objects.create(owner=user, deck_name=deck_name, archive=_zip(uploads))
    return replace(preview, pending_id=pending.pk)


def commit(user: AbstractBaseUser, pending_id: int, *, prune: bool) -> Outcome:
    """Import what ``stage`` kept, in one transaction; raises ``Http404`` for another user's."""
    with transaction.atomic():
        pending = PendingImport.objects.select_for_update().filter(owner=user, pk=pending_id).first()
        if pending is None:
            raise Http404
        uploads = _unzip(bytes(pending.archive))
        outcome = _run(
            user, uploads, deck_name=pending.deck_name, dry_run=False, prune=prune, pending_id=pending.pk
        )
        pending.delete()
        return outcome


def _run(
    user: AbstractBaseUser,
    uploads: list[tuple[str, bytes]],
    *,
    deck_name: str,
    dry_run: bool,
    pending_id: int,
    prune: bool = False,
) -> Outcome:
    backups = [(name, data) for name, data in uploads if name.lower().endswith(".json")]
    if backups:
        return _restore(user, backups, uploads, dry_run=dry_run, pending_id=pending_id)
    batch = read_uploads(uploads, deck_name=deck_name or None)
    if not batch.decks:
        raise DeckFormatError([Problem(uploads[0][0], 1, "no cards in the files")])
    reports = import_decks(
        batch.decks, owner=user, deck_name=deck_name or None, dry_run=dry_run, prune=prune
    )
    return Outcome(pending_id=pending_id, reports=reports, skipped=batch.skipped)


def _restore(
    user: AbstractBaseUser,
    backups: list[tuple[str, bytes]],
    uploads: list[tuple[str, bytes]],
    *,
    dry_run: bool,
    pending_id: int,
) -> Outcome:
    name, data = backups[0]
    if len(uploads) > 1:
        raise DeckFormatError([Problem(name, 1, "restore a backup on its own, without other files")])
    saved = backup.load(data, source=name)
    if Review.objects.filter(user=user).exists():
        message = "a backup is restored into an account without review history"
        raise DeckFormatError([Problem(name, 1, message)])
    cards = sum(len(deck["cards"]) for deck in saved["decks"])
    reviews = sum(len(card["reviews"]) for deck in saved["decks"] for card in deck["cards"])
    if not dry_run:
        backup.restore(user, data, source=name)
    return Outcome(pending_id=pending_id, backup_cards=cards, backup_reviews=reviews)


def _zip(uploads: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(uploads):
            archive.writestr(f"{index:04d}/{name}", data)
    return buffer.getvalue()


def _unzip(archive: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(archive)) as files:
        return [(member.split("/", 1)[1], files.read(member)) for member in sorted(files.namelist())]
