"""python manage.py rebuild_daily_stats [--user NAME] — recompute the dashboard's per-day rows."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cards import daily


class Command(BaseCommand):
    help = "Recompute the per-day aggregates the dashboard reads from the review log."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", help="only this user (default: everyone)")

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model()._default_manager.all()
        if options["user"]:
            users = users.filter(username=options["user"])
            if not users.exists():
                raise CommandError(f"no user named '{options['user']}'")
        for user in users.iterator():
            days = daily.rebuild(user)
            self.stdout.write(f"{user}: {days} study days")
