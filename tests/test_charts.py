"""The SVG charts: well-formed, accessible, escaped, free of inline styles, ids unique per chart."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cards.charts import bar_chart_svg, heatmap_svg
from cards.stats import heatmap

NS = {"svg": "http://www.w3.org/2000/svg"}
TODAY = date(2026, 3, 18)
HOSTILE = '<script>alert("x")</script> & Co'


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def calendar(**kwargs) -> str:
    counts = {TODAY: 4, TODAY - timedelta(days=1): 1, TODAY - timedelta(days=40): 9}
    options = {
        "chart_id": "calendar",
        "title": "Reviews",
        "description": "14 reviews on 3 days",
        "cell_text": lambda day, count: f"{count} reviews on {day:%d %b}",
    }
    return heatmap_svg(heatmap(counts, today=TODAY, days=365), **options | kwargs)


def bars(**kwargs) -> str:
    options = {"chart_id": "due", "title": "Due", "description": "Cards due per day"}
    data = [("18 Mar", 12), ("19 Mar", 0), ("20 Mar", 30)]
    return bar_chart_svg(kwargs.pop("data", data), **options | kwargs)


def assert_accessible(root: ET.Element, chart_id: str) -> None:
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%" and root.get("viewBox", "").startswith("0 0 ")
    title = root.find("svg:title", NS)
    desc = root.find("svg:desc", NS)
    assert title is not None and title.text and title.get("id") == f"{chart_id}-title"
    assert desc is not None and desc.text and desc.get("id") == f"{chart_id}-desc"
    assert root.get("aria-labelledby") == f"{chart_id}-title"
    assert root.get("aria-describedby") == f"{chart_id}-desc"


def assert_no_inline_style(svg: str) -> None:
    root = parse(svg)
    for element in root.iter():
        assert "style" not in element.attrib
        assert element.tag != "{http://www.w3.org/2000/svg}style"
        assert not {"fill", "stroke"} & element.attrib.keys()
    assert "style" not in svg


class TestHeatmapSvg:
    def test_accessible(self):
        assert_accessible(parse(calendar()), "calendar")

    def test_one_rect_per_day_with_its_level_and_title(self):
        rects = parse(calendar()).findall("svg:rect", NS)
        assert len(rects) == 365
        by_date = {rect.get("data-date"): rect for rect in rects}
        assert len(by_date) == 365
        today = by_date[TODAY.isoformat()]
        assert today.get("class") == "heat-2"  # quartiles of 1, 4, 9: 2.5, 4, 6.5
        assert today.find("svg:title", NS).text == "4 reviews on 18 Mar"
        assert by_date[(TODAY - timedelta(days=1)).isoformat()].get("class") == "heat-1"
        assert by_date[(TODAY - timedelta(days=40)).isoformat()].get("class") == "heat-4"
        assert by_date[(TODAY - timedelta(days=2)).isoformat()].get("class") == "heat-0"

    def test_weekday_and_month_labels(self):
        texts = [text.text for text in parse(calendar()).findall("svg:text", NS)]
        assert texts[:3] == ["Mon", "Wed", "Fri"]
        assert texts[3:] == ["Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
                             "Jan", "Feb", "Mar"]  # fmt: skip

    def test_translated_labels(self):
        weekdays = ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."]
        months = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.",
                  "oct.", "nov.", "déc."]  # fmt: skip
        texts = [t.text for t in parse(calendar(weekday_labels=weekdays, month_labels=months))
                 .findall("svg:text", NS)]  # fmt: skip
        assert texts[:4] == ["lun.", "mer.", "ven.", "avr."]

    def test_wrong_number_of_labels(self):
        with pytest.raises(ValueError, match="7 names"):
            calendar(weekday_labels=["Mon"])

    def test_escapes_everything_it_is_given(self):
        svg = calendar(
            title=HOSTILE,
            description=HOSTILE,
            cell_text=lambda day, count: HOSTILE,
            weekday_labels=[HOSTILE] * 7,
            month_labels=[HOSTILE] * 12,
        )
        assert "<script>" not in svg
        root = parse(svg)
        assert root.find("svg:title", NS).text == HOSTILE
        assert root.find("svg:rect/svg:title", NS).text == HOSTILE
        assert root.find("svg:text", NS).text == HOSTILE

    def test_no_inline_style(self):
        assert_no_inline_style(calendar())


class TestBarChartSvg:
    def test_accessible(self):
        assert_accessible(parse(bars()), "due")

    def test_bars_with_titles_and_max_label(self):
        root = parse(bars())
        rects = root.findall("svg:rect", NS)
        assert [rect.get("class") for rect in rects] == ["bar"] * 3
        assert [rect.find("svg:title", NS).text for rect in rects] == [
            "18 Mar: 12", "19 Mar: 0", "20 Mar: 30",
        ]  # fmt: skip
        heights = [float(rect.get("height")) for rect in rects]
        assert heights[1] == 0 and heights[0] == pytest.approx(heights[2] * 12 / 30)
        texts = [text.text for text in root.findall("svg:text", NS)]
        assert texts == ["30", "0", "18 Mar", "19 Mar", "20 Mar"]
        assert len(root.findall("svg:line[@class='axis']", NS)) == 2

    def test_bar_text_from_the_caller(self):
        svg = bars(bar_text=lambda label, count: f"{label} : {count} cartes")
        assert parse(svg).find("svg:rect/svg:title", NS).text == "18 Mar : 12 cartes"

    def test_many_bars_thin_the_labels(self):
        data = [(f"{day} Apr", day) for day in range(1, 31)]
        texts = [text.text for text in parse(bars(data=data)).findall("svg:text", NS)][2:]
        assert 3 <= len(texts) < 30
        assert texts[0] == "1 Apr"
        assert len(parse(bars(data=data)).findall("svg:rect", NS)) == 30

    def test_no_bars(self):
        root = parse(bars(data=[]))
        assert root.findall("svg:rect", NS) == []
        assert_accessible(root, "due")

    def test_negative_count(self):
        with pytest.raises(ValueError, match="negative"):
            bars(data=[("x", -1)])

    def test_escapes_everything_it_is_given(self):
        svg = bars(title=HOSTILE, description=HOSTILE, data=[(HOSTILE, 3)])
        assert "<script>" not in svg
        root = parse(svg)
        assert root.find("svg:desc", NS).text == HOSTILE
        assert root.find("svg:rect/svg:title", NS).text == f"{HOSTILE}: 3"
        assert root.findall("svg:text", NS)[-1].text == HOSTILE

    def test_no_inline_style(self):
        assert_no_inline_style(bars())

    @given(st.lists(st.tuples(st.text(max_size=20), st.integers(0, 10**6)), max_size=100))
    def test_any_data_makes_well_formed_svg(self, data):
        root = parse(bars(data=data, title="".join(label for label, _ in data)))
        assert len(root.findall("svg:rect", NS)) == len(data)


class TestIds:
    def test_unique_across_charts_on_one_page(self):
        page = f"<div>{calendar()}{bars()}{bars(chart_id='intervals')}</div>"
        ids = [element.get("id") for element in parse(page).iter() if element.get("id")]
        assert len(ids) == len(set(ids)) == 9

    def test_deterministic(self):
        assert calendar() == calendar() and bars() == bars()

    @pytest.mark.parametrize("chart_id", ["", "1st", 'a"b', "a b"])
    def test_chart_id_must_be_a_plain_name(self, chart_id):
        with pytest.raises(ValueError, match="chart_id"):
            bars(chart_id=chart_id)
