"""python manage.py rerender_cards — bring stored card HTML up to the current renderer."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from cards.importing import BULK_BATCH, render_card
from cards.models import Card
from cards.rendering import RENDERER_VERSION


class Command(BaseCommand):
    help = "Re-render the HTML of every card made with an older renderer (schedules untouched)."

    def handle(self, *args: Any, **options: Any) -> None:
        stale = Card.objects.exclude(render_version=RENDERER_VERSION).only("pk", "front", "back", "is_html")
        done = 0
        while batch := list(stale[:BULK_BATCH]):
            for card in batch:
                render_card(card)
            with transaction.atomic():
                Card.objects.bulk_update(batch, ["front_html", "back_html", "render_version"])
            done += len(batch)
        self.stdout.write(f"{done} cards re-rendered")
