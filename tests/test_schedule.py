"""The nightly schedule, evaluated for given nights without a daemon."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg
from dagster._utils.schedules import cron_string_iterator

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def nightly():
    from pipelines.definitions import build_definitions

    return build_definitions().resolve_schedule_def("nightly_refresh")


def test_a_night_at_two_in_copenhagen_requests_one_refresh_run():
    schedule = nightly()
    assert schedule.job_name == "refresh"
    night = dt.datetime(2026, 11, 28, 2, 0, tzinfo=COPENHAGEN)
    result = schedule.evaluate_tick(dg.build_schedule_context(scheduled_execution_time=night))
    assert len(result.run_requests) == 1


def test_ticks_stay_at_night_in_local_time_across_the_spring_dst_change():
    schedule = nightly()
    start = dt.datetime(2027, 3, 26, 12, 0, tzinfo=COPENHAGEN).timestamp()
    ticks = cron_string_iterator(start, schedule.cron_schedule, schedule.execution_timezone)
    local = [next(ticks).astimezone(COPENHAGEN) for _ in range(3)]
    # 28 March 2027 has no 02:00 (clocks jump to 03:00): that night runs at 03:00, the others at 02:00.
    assert [(t.day, t.hour) for t in local] == [(27, 2), (28, 3), (29, 2)]


def test_cron_and_timezone_are_configurable(monkeypatch):
    monkeypatch.setenv("CLUSTERSCORE_SCHEDULE_CRON", "30 3 * * 1-5")
    monkeypatch.setenv("CLUSTERSCORE_SCHEDULE_TIMEZONE", "UTC")
    schedule = nightly()
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("30 3 * * 1-5", "UTC")
