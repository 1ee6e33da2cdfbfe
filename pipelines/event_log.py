"""Cheaper event storage for a run on Dagster's SQLite storage (the default instance of `clusterscore refresh`)."""

import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME, SqliteEventLogStorage


@contextmanager
def event_log_kept_open(instance, run_id: str | None) -> Iterator[None]:
    """Hold one SQLite connection to the run's event-log file and to the cross-run index while the run goes on.

    Dagster's SQLite event log opens and closes a connection for every write, about 3,000 in a sample run. When the
    last connection to a database in WAL mode closes, SQLite checkpoints the WAL into the database and syncs it to
    disk: ~2 ms each on this machine, most of what storing an event costs. With a connection held open no close is
    the last one; SQLite still checkpoints as the WAL grows, and once more when this connection closes after the run.
    The held connections only read (one query, no open transaction), so they block no writer and no checkpoint.

    `clusterscore refresh` holds them from before the run is created (Dagster stores ~250 "planned" events then);
    the warehouse resource holds them for runs started from the UI or the schedule.
    """
    storage = getattr(instance, "event_log_storage", None)
    if not isinstance(storage, SqliteEventLogStorage) or run_id is None:
        yield
        return
    if not Path(storage.path_for_shard(run_id)).exists():
        with storage.run_connection(run_id):  # a run about to start: Dagster creates and sets up its file
            pass
    with ExitStack() as held:
        for shard in (run_id, INDEX_SHARD_NAME):
            path = Path(storage.path_for_shard(shard))
            if path.exists():  # the index is created with the instance; never created here
                connection = sqlite3.connect(path, timeout=15)
                held.callback(connection.close)
                connection.execute("select 1 from sqlite_master limit 1").fetchall()
        yield
