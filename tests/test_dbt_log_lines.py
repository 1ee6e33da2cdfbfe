"""dbt's log lines made only at their logger's level (clusterscore/dbt_log_lines.py), on dbt's own loggers and
events: the same lines written, and no line made for an event the logger does not write."""

from __future__ import annotations

import io
import itertools
import json

import pytest
from dbt_common.events import logger as dbt_logger
from dbt_common.events.base_types import EventLevel, msg_from_base_event
from dbt_common.events.logger import LineFormat, LoggerConfig
from dbt_common.events.types import Note, PrintEvent

from clusterscore.dbt_log_lines import make_only_lines_at_level

EVENTS = [
    (Note(msg="a statement's SQL"), EventLevel.DEBUG),
    (Note(msg="a node started"), EventLevel.INFO),
    (Note(msg="a deprecation"), EventLevel.WARN),
    (Note(msg="a node failed"), EventLevel.ERROR),
    (PrintEvent(msg="printed even when quiet"), None),
]


def _write(logger_level: EventLevel, line_format: LineFormat) -> tuple[list[str], int]:
    """The lines a dbt logger at `logger_level` writes for EVENTS, and how many lines it made (scrubbed)."""
    made = itertools.count()
    out = io.StringIO()
    name = f"clusterscore-test-{logger_level.value}-{line_format.value}"
    logger = (dbt_logger._JsonLogger if line_format == LineFormat.Json else dbt_logger._TextLogger)(
        LoggerConfig(
            name=name,
            level=logger_level,
            line_format=line_format,
            output_stream=out,
            scrubber=lambda line: (next(made), line)[1],
        )
    )
    for event, level in EVENTS:
        logger.write_line(msg_from_base_event(event, level=level))
    lines = out.getvalue().splitlines()
    if line_format == LineFormat.Json:  # the timestamps differ from one writing to the next
        lines = [json.loads(line)["info"]["msg"] for line in lines]
    else:
        lines = [line.split("  ", 1)[-1] for line in lines]
    return lines, next(made)


@pytest.fixture
def dbt_write_line(monkeypatch):
    """dbt's own write_line, put back after the test (make_only_lines_at_level replaces it for the process)."""
    monkeypatch.setattr(dbt_logger._Logger, "write_line", dbt_logger._Logger.write_line)


@pytest.mark.parametrize("line_format", [LineFormat.Json, LineFormat.PlainText])
def test_the_same_lines_are_written_and_only_they_are_made(dbt_write_line, line_format):
    levels = [EventLevel.DEBUG, EventLevel.INFO, EventLevel.WARN, EventLevel.ERROR]
    dbts = {level: _write(level, line_format) for level in levels}
    assert all(made == len(EVENTS) for _, made in dbts.values())  # dbt makes every line, whatever its level

    make_only_lines_at_level()
    make_only_lines_at_level()  # a second call changes nothing
    ours = {level: _write(level, line_format) for level in levels}

    for level in levels:
        assert ours[level][0] == dbts[level][0]
        assert ours[level][1] == len(ours[level][0])  # each line made was written
    assert ours[EventLevel.INFO][0] == [
        "a node started",
        "a deprecation",
        "a node failed",
        "printed even when quiet",
    ]
    assert ours[EventLevel.ERROR][0] == ["a node failed", "printed even when quiet"]  # --quiet keeps prints
    assert "a statement's SQL" in ours[EventLevel.DEBUG][0]
