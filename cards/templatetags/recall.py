"""Template filters for Recall's pages."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    """0.873 → "87%"; no value → an em dash."""
    if value is None:
        return "—"
    return f"{number_format(round(value * 100))}%"
