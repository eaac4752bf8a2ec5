"""A page and the floor view timed in turn, so that both see the same machine."""

from __future__ import annotations

import statistics
import time

from django.test import Client

WARM_UP = 5


def medians(
    client: Client, url: str, floor_url: str, rounds: int, params: dict[str, str] | None = None
) -> tuple[float, float]:
    """Median times of ``url`` (with ``params``) and of the floor, requested in turn."""
    requests = ((url, params or {}), (floor_url, {}))
    for _ in range(WARM_UP):
        for each, query in requests:
            client.get(each, query)
    times: dict[str, list[float]] = {url: [], floor_url: []}
    for _ in range(rounds):
        for each, query in requests:
            started = time.perf_counter()
            response = client.get(each, query)
            times[each].append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
    return statistics.median(times[url]), statistics.median(times[floor_url])
