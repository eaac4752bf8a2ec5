"""Recall's benchmarks: ratios measured side by side in one run, printed as `name value` lines.

    make bench                      # SQLite file in a temporary folder
    DATABASE_URL=postgres://… make bench

review_step_vs_floor   median time of a review step (grade + next card, htmx, through Django's
                       test client) over a floor view (signed in, one primary-key query, a tiny
                       template), for a user with 20,000 cards and 1,000,000 reviews
review_step_queries    data queries of one review step (transaction control not counted), at
                       20,000 cards; review_step_queries_200 the same for a user with 200 cards
import_10k_cards_per_s cards per second importing a generated 10,000-card Markdown deck
reimport_vs_import     time of re-importing the same unchanged deck over the first import
*_peak_mib             peak Python memory (tracemalloc) of each, measured in separate runs
dashboard_1m_vs_10k    the dashboard of one user (5,000 cards) after 1,000,000 reviews over
                       the same after 10,000 (each over the floor view measured alongside it)
dashboard_vs_floor     the dashboard at 1,000,000 reviews over the floor view, requested in turn
card_search_vs_floor   the card browser's search on 20,000 cards: the median over three searches
                       of each one's time over the floor's, the two requested in turn
card_search_queries    its query count, the same whatever the search, page or collection size
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studyapp.settings")
# Measure what production runs: debug off (no query log, no debug-only scripts).
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-secret-key-not-for-production-use")
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='recall-bench-')}/bench.sqlite3"

# The benchmark serves no static files; WhiteNoise would note the missing STATIC_ROOT.
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

import dashboard_bench  # noqa: E402
import importing_bench  # noqa: E402
import search_bench  # noqa: E402
from population import populate  # noqa: E402

TRANSACTION_CONTROL = re.compile(r"\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT|BEGIN|COMMIT)\b")
CARD_RE = re.compile(r'name="card" value="(\d+)">\s*<input type="hidden" name="version" value="(\d+)"')
UNDO_RE = re.compile(r'name="review" value="(\d+)"')
WARM_UP = 20
ROUNDS = 300


def main() -> None:
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.ROOT_URLCONF = "floor_urls"
    settings.STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"  # no collectstatic here
    }
    call_command("migrate", verbosity=0)
    for name, value in {**importing_bench.measure(), **dashboard_bench.measure()}.items():
        print(f"{name} {value:.2f}" if value < 100 else f"{name} {value:.0f}")
    started = time.perf_counter()
    large = populate("bench-large", cards=20_000, reviews=1_000_000)
    small = populate("bench-small", cards=200, reviews=10_000)
    print(f"# population built in {time.perf_counter() - started:.0f} s ({connection.vendor})")

    for name, value in search_bench.measure(large).items():
        print(f"{name} {value:.2f}" if isinstance(value, float) else f"{name} {value}")
    ratio, queries = measure(large)
    ratio_small, queries_small = measure(small)
    print(f"review_step_vs_floor {ratio:.2f}")
    print(f"review_step_queries {queries}")
    print(f"review_step_vs_floor_200 {ratio_small:.2f}")
    print(f"review_step_queries_200 {queries_small}")


def measure(user) -> tuple[float, int]:
    client = Client()
    client.force_login(user)
    loop = ReviewLoop(client, client.get("/review/").content.decode())
    floor_url = f"/bench/floor/{user.pk}/"
    for _ in range(WARM_UP):
        client.get(floor_url)
        loop.grade()
        loop.undo()
    floor_times, step_times = [], []
    for _ in range(ROUNDS):  # interleaved, so both see the same machine
        floor_times.append(timed(lambda: client.get(floor_url)))
        step_times.append(timed(loop.grade))
        loop.undo()  # untimed: puts the card back, so every round grades the same queue
    with CaptureQueriesContext(connection) as captured:
        loop.grade()
    data = [q for q in captured.captured_queries if not TRANSACTION_CONTROL.match(q["sql"])]
    return statistics.median(step_times) / statistics.median(floor_times), len(data)


class ReviewLoop:
    """Grades the card on screen Good (the measured step), and undoes that grade."""

    def __init__(self, client: Client, page: str) -> None:
        self.client = client
        self.card, self.version = CARD_RE.search(page).groups()
        self.review = ""

    def grade(self) -> None:
        response = self.post("/review/grade/", card=self.card, version=self.version, quality=4)
        (self.review,) = UNDO_RE.search(response.content.decode()).groups()

    def undo(self) -> None:
        response = self.post("/review/undo/", review=self.review)
        self.card, self.version = CARD_RE.search(response.content.decode()).groups()

    def post(self, url: str, **data: object) -> HttpResponse:
        """As htmx posts a form: URL-encoded, with its request header."""
        return self.client.post(
            url, urlencode(data), content_type="application/x-www-form-urlencoded", HTTP_HX_REQUEST="true"
        )


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
