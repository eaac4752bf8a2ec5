"""The dashboard at 10,000 and at 1,000,000 reviews of one user, against the floor view."""

from __future__ import annotations

import statistics
import time

from django.test import Client

from population import add_reviews, populate

CARDS = 5_000
ROUNDS = 60


def measure() -> dict[str, float]:
    user = populate("bench-dashboard", cards=CARDS, reviews=10_000)
    client = Client()
    client.force_login(user)
    floor_url = f"/bench/floor/{user.pk}/"
    at_10k, floor_10k = _medians(client, "/dashboard/", floor_url)
    add_reviews(user, 990_000)
    at_1m, floor_1m = _medians(client, "/dashboard/", floor_url)
    # Each size against the floor measured alongside it, so that the machine's drift between
    # the two measurements does not enter the ratio.
    return {
        "dashboard_1m_vs_10k": (at_1m / floor_1m) / (at_10k / floor_10k),
        "dashboard_vs_floor": at_1m / floor_1m,
    }


def _medians(client: Client, url: str, floor_url: str) -> tuple[float, float]:
    """Median times of ``url`` and of the floor, requested in turn."""
    for _ in range(5):
        client.get(url)
        client.get(floor_url)
    times: dict[str, list[float]] = {url: [], floor_url: []}
    for _ in range(ROUNDS):
        for each in (url, floor_url):
            started = time.perf_counter()
            response = client.get(each)
            times[each].append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
    return statistics.median(times[url]), statistics.median(times[floor_url])
