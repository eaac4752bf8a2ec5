"""The card browser's search on a 20,000-card collection, against the floor view."""

from __future__ import annotations

import statistics

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from side_by_side import medians

ROUNDS = 60
SEARCHES = [
    {"q": "algorithm 1234"},  # words anywhere in question, answer or tags
    {"q": "measure", "sort": "lapses"},
    {"state": "review", "due": "today", "sort": "interval"},
]


def measure(user) -> dict[str, float]:
    client = Client()
    client.force_login(user)
    floor_url = f"/bench/floor/{user.pk}/"
    ratios = []
    for params in SEARCHES:  # each search against the floor requested in turn with it
        search, floor = medians(client, "/cards/", floor_url, ROUNDS, params)
        ratios.append(search / floor)
    queries = set()
    for params in SEARCHES:
        with CaptureQueriesContext(connection) as captured:
            client.get("/cards/", params)
        queries.add(len(captured))
    return {"card_search_vs_floor": statistics.median(ratios), "card_search_queries": max(queries)}
