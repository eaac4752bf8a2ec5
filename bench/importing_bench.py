"""Import speed and memory: a generated 10,000-card native deck, imported, then imported again."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable

from django.contrib.auth import get_user_model

from cards.importing import import_decks, read_uploads
from cards.models import Card

CARDS = 10_000


def generated_deck(cards: int = CARDS) -> bytes:
    """A deck like the bundled ones: prose, inline and display math, a table, some code."""
    parts = ['+++\ndeck = "Generated"\ntags = ["bench"]\n+++\n']
    for i in range(cards):
        parts.append(
            f"\n## What is the complexity of step {i} of the algorithm? {{#q-{i} tags=\"topic-{i % 40}\"}}\n\n"
            f"The **key idea** first: step {i} costs $O(n^2 d)$ because every pair of the $n$ tokens "
            f"is compared in $d$ dimensions.\n\n$$\\operatorname{{softmax}}(QK^\\top / \\sqrt{{d_k}})V$$\n\n"
            "| variant | cost |\n|---|---|\n| naive | $O(n^2)$ |\n| tiled | $O(n^2)$ with less memory |\n"
        )
        if i % 10 == 0:
            parts.append("\n```python\nimport numpy as np\nx = np.ones((4, 4))\nprint(x @ x.T)\n```\n")
    return "".join(parts).encode()


def measure() -> dict[str, float]:
    data = generated_deck()
    user_model = get_user_model()

    def first_import(owner) -> Callable[[], object]:
        return lambda: import_decks(read_uploads([("generated.md", data)]).decks, owner=owner)

    timed_owner = user_model.objects.create_user("bench-import-time")
    import_seconds = _timed(first_import(timed_owner))
    reimport_seconds = _timed(first_import(timed_owner))
    assert Card.objects.filter(owner=timed_owner).count() == CARDS

    memory_owner = user_model.objects.create_user("bench-import-memory")
    import_peak = _peak_mib(first_import(memory_owner))
    reimport_peak = _peak_mib(first_import(memory_owner))
    return {
        "import_10k_cards_per_s": CARDS / import_seconds,
        "reimport_vs_import": reimport_seconds / import_seconds,
        "import_10k_peak_mib": import_peak,
        "reimport_10k_peak_mib": reimport_peak,
    }


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _peak_mib(action: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
