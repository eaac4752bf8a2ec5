"""The dashboard at 10,000 and at 1,000,000 reviews of one user, against the floor view."""

from __future__ import annotations

from django.test import Client

from population import add_reviews, populate
from side_by_side import medians

CARDS = 5_000
ROUNDS = 60


def measure() -> dict[str, float]:
    user = populate("bench-dashboard", cards=CARDS, reviews=10_000)
    client = Client()
    client.force_login(user)
    floor_url = f"/bench/floor/{user.pk}/"
    at_10k, floor_10k = medians(client, "/dashboard/", floor_url, ROUNDS)
    add_reviews(user, 990_000)
    at_1m, floor_1m = medians(client, "/dashboard/", floor_url, ROUNDS)
    # Each size against the floor measured alongside it, so that the machine's drift between
    # the two measurements does not enter the ratio.
    return {
        "dashboard_1m_vs_10k": (at_1m / floor_1m) / (at_10k / floor_10k),
        "dashboard_vs_floor": at_1m / floor_1m,
    }

