"""Small helpers the bench scripts share: wall time per stage, peak memory, readable sizes."""

from __future__ import annotations

import os
import resource
import time
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def peak_rss_mib(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory in MiB (Linux reports ru_maxrss in KiB); RUSAGE_CHILDREN: the largest child's."""
    return resource.getrusage(who).ru_maxrss / 1024


def machine() -> str:
    """Cores, memory and load: the machine is shared, so a figure means little without the load beside it."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return f"{os.cpu_count()} cores, {memory:.0f} GiB, load average {load}"


def mib(size: int) -> str:
    return f"{size / 2**20:,.1f} MiB"


def shown(path: Path) -> str:
    """A path as printed: relative to the repository when inside it, so no machine's layout is printed."""
    try:
        return str(Path(path).resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


class Stages:
    """Collects (stage, seconds) in order and prints them as they finish."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self.started = time.perf_counter()

    @contextmanager
    def stage(self, name: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - started
            self.times[name] = self.times.get(name, 0.0) + elapsed
            print(f"  {name:<40} {elapsed:8.2f} s", flush=True)

    @contextmanager
    def quiet(self, name: str):
        """Add to a stage's time without printing (many small steps of one stage)."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.times[name] = self.times.get(name, 0.0) + time.perf_counter() - started

    def total(self) -> float:
        return time.perf_counter() - self.started
