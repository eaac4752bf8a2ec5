"""The card browser's search on a 20,000-card collection, against the floor view."""

from __future__ import annotations

import statistics
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

ROUNDS = 60
SEARCHES = [
    {"q": "algorithm 1234"},  # words anywhere in question, answer or tags
    {"q": "measure", "sort": "lapses"},
    {"state": "review", "due": "today", "sort": "interval"},
]


def measure(user) -> dict[str, float]:
    client = Client()
    client.force_login(user)
    floor = _median(client, f"/bench/floor/{user.pk}/", {})
    search = statistics.median(_median(client, "/cards/", params) for params in SEARCHES)
    queries = set()
    for params in SEARCHES:
        with CaptureQueriesContext(connection) as captured:
            client.get("/cards/", params)
        queries.add(len(captured))
    return {"card_search_vs_floor": search / floor, "card_search_queries": max(queries)}


def _median(client: Client, url: str, params: dict[str, str]) -> float:
    for _ in range(3):
        client.get(url, params)
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        response = client.get(url, params)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    return statistics.median(times)
