"""The progress dashboard: numbers and server-rendered SVG charts."""

from __future__ import annotations

import functools
from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from cards import charts, dashboard, study
from cards.models import StudySettings

DEFAULT_PERIOD = 30


@require_GET
def dashboard_page(request: HttpRequest) -> HttpResponse:
    settings = StudySettings.for_user(request.user)
    day = study.current_day(settings)
    board = dashboard.build(settings, day)
    wanted = request.GET.get("period", "")
    period = int(wanted) if wanted.isdecimal() and int(wanted) in dashboard.RETENTION_PERIODS else DEFAULT_PERIOD
    context = {
        "board": board,
        "period": period,
        "periods": dashboard.RETENTION_PERIODS,
        "retention": board.retention[period],
        "heatmap_svg": _heatmap(board),
        "forecast_svg": _bars(
            "forecast",
            _("Cards due in the next 30 days"),
            [(date_format(d, "M j"), n) for d, n in board.forecast],
            _("What each of the next 30 days costs; cards overdue now count on today."),
        ),
        "intervals_svg": _bars(
            "intervals", _("Intervals"), [(b.label, b.count) for b in board.intervals],
            _("How many cards have each interval, in days."),
        ),  # fmt: skip
        "eases_svg": _bars(
            "eases", _("E-Factors"), [(b.label, b.count) for b in board.eases],
            _("How many cards have each E-Factor; 2.5 is where every card starts."),
        ),  # fmt: skip
    }
    if request.htmx and wanted:
        return render(request, "cards/dashboard.html#retention", context)
    return render(request, "cards/dashboard.html", context)


def _heatmap(board: dashboard.Dashboard) -> str:
    heat = board.heatmap
    description = ngettext(
        "%(reviews)d review on %(days)d day in the last year.",
        "%(reviews)d reviews on %(days)d days in the last year.",
        heat.total,
    ) % {"reviews": heat.total, "days": heat.active_days}
    return mark_safe(
        charts.heatmap_svg(
            heat,
            chart_id="heatmap",
            title=_("Reviews per day, last 365 days"),
            description=description,
            cell_text=_cell_text,
            weekday_labels=[str(WEEKDAYS_ABBR[i]) for i in range(7)],
            month_labels=[str(MONTHS_3[i]).title() for i in range(1, 13)],
        )
    )


def _cell_text(day: date, count: int) -> str:
    # ISO dates: readable in every language, and 365 localised date formats would cost more
    # than the rest of the page. The plural form is looked up once per count, not per day.
    return _reviews_on(count, get_language()) % {"date": day.isoformat(), "n": count}


@functools.lru_cache(maxsize=1024)
def _reviews_on(count: int, language: str) -> str:
    return ngettext("%(date)s: %(n)d review", "%(date)s: %(n)d reviews", count)


def _bars(chart_id: str, title: str, bars: list[tuple[str, int]], description: str) -> str:
    return mark_safe(charts.bar_chart_svg(bars, chart_id=chart_id, title=title, description=description))
