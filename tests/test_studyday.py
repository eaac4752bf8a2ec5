"""The study day: the user's local date, starting at their chosen hour, across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from cards.studyday import day_start, study_day

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


class TestStudyDay:
    def test_before_the_start_hour_is_still_yesterday(self):
        # 03:59 in Berlin (CET, UTC+1) on 10 January
        assert study_day(datetime(2026, 1, 10, 2, 59, tzinfo=UTC), BERLIN, 4) == date(2026, 1, 9)

    def test_at_the_start_hour_a_new_day_begins(self):
        assert study_day(datetime(2026, 1, 10, 3, 0, tzinfo=UTC), BERLIN, 4) == date(2026, 1, 10)

    def test_midnight_start(self):
        assert study_day(datetime(2026, 1, 9, 23, 30, tzinfo=UTC), BERLIN, 0) == date(2026, 1, 10)

    def test_time_zone_decides_the_date(self):
        moment = datetime(2026, 1, 10, 7, 0, tzinfo=UTC)  # 02:00 in New York, 08:00 in Berlin
        assert study_day(moment, NEW_YORK, 4) == date(2026, 1, 9)
        assert study_day(moment, BERLIN, 4) == date(2026, 1, 10)


class TestDayStart:
    def test_start_in_utc(self):
        assert day_start(date(2026, 1, 10), BERLIN, 4) == datetime(2026, 1, 10, 3, 0, tzinfo=UTC)

    def test_spring_forward_day_is_23_hours(self):
        # Europe/Berlin springs forward on 29 March 2026 at 02:00 → 03:00, inside the study
        # day of 28 March (04:00 on the 28th to 04:00 on the 29th).
        start = day_start(date(2026, 3, 28), BERLIN, 4)
        end = day_start(date(2026, 3, 29), BERLIN, 4)
        assert start == datetime(2026, 3, 28, 3, 0, tzinfo=UTC)
        assert end == datetime(2026, 3, 29, 2, 0, tzinfo=UTC)
        assert end - start == timedelta(hours=23)

    def test_fall_back_day_is_25_hours(self):
        # Europe/Berlin falls back on 25 October 2026 at 03:00 → 02:00 (study day of the 24th).
        start = day_start(date(2026, 10, 24), BERLIN, 4)
        end = day_start(date(2026, 10, 25), BERLIN, 4)
        assert end - start == timedelta(hours=25)

    def test_start_hour_inside_the_skipped_hour(self):
        # 02:00 does not exist on 29 March 2026 in Berlin; the day starts when the clock shows 03:00.
        start = day_start(date(2026, 3, 29), BERLIN, 2)
        assert start == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
        assert study_day(start, BERLIN, 2) == date(2026, 3, 29)

    def test_every_instant_of_a_dst_day_maps_back_to_it(self):
        dst_days = [(BERLIN, date(2026, 3, 28)), (BERLIN, date(2026, 10, 24)), (NEW_YORK, date(2026, 10, 31))]
        for zone, day in dst_days:
            start, end = day_start(day, zone, 4), day_start(day + timedelta(days=1), zone, 4)
            moment = start
            while moment < end:
                assert study_day(moment, zone, 4) == day
                moment += timedelta(minutes=15)
            assert study_day(end, zone, 4) == day + timedelta(days=1)
