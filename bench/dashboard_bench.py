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
    at_10k, floor = _median(client, "/dashboard/"), _median(client, floor_url)
    add_reviews(user, 990_000)
    at_1m = _median(client, "/dashboard/")
    return {"dashboard_1m_vs_10k": at_1m / at_10k, "dashboard_vs_floor": at_1m / floor}


def _median(client: Client, url: str) -> float:
    for _ in range(5):
        client.get(url)
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return statistics.median(times)
