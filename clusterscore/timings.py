"""Wall-clock phases of one piece of work, for its profile (publish's, in the run's audit record `release.json`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Timings:
    """Phases as (name, start and end offsets, seconds) from when this was made. Phases on other threads are
    recorded as they end and may overlap: the offsets show what ran beside what."""

    def __init__(self) -> None:
        self._started = time.perf_counter()
        self.phases: list[dict] = []

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        end = self.begin(name)
        try:
            yield
        finally:
            end()

    def begin(self, name: str) -> Callable[[], None]:
        """A phase that ends where the returned function is called (for one that is not a block: a child process
        waited for elsewhere)."""
        began = time.perf_counter()

        def end() -> None:
            # offsets rounded each (rounding keeps their order); list.append is atomic: worker threads record theirs
            start, end_ = (round(t - self._started, 3) for t in (began, time.perf_counter()))
            self.phases.append({"phase": name, "start_s": start, "end_s": end_, "seconds": round(end_ - start, 3)})

        return end
