"""Small helpers the bench scripts share: wall time per stage, peak memory, readable sizes, measured child
processes (wall time and the resident memory of their whole process tree)."""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import subprocess
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
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


def speed_probe() -> float:
    """Seconds for a fixed single-core workload (a Python loop, then sha256 over 128 MiB), best of three: the
    machine's speed drifts by a quarter over minutes (bench/README.md), so each scenario prints it beside its
    figures, and runs can be compared with their probes in view. Lower is faster."""
    block = bytes(128 << 20)
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(2_000_000):
            total += i * i
        hashlib.sha256(block).digest()
        best = min(best, time.perf_counter() - started)
    return best


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


# ------------------------------------------------------------------------------------------- child processes
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def _children_by_parent() -> dict[int, list[int]]:
    """Every process's children, from /proc/<pid>/stat (Linux; no psutil needed)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:  # ended meanwhile
            continue
        # "pid (command name) state ppid ...": the name may hold spaces and parentheses, so split after the last ")"
        ppid = int(stat[stat.rfind(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def tree_rss(root: int) -> tuple[int, int]:
    """Resident bytes summed over `root` and all its descendants, and how many processes that was. A page shared
    by two processes (libraries, copy-on-write after fork) counts twice, so the sum is an upper bound."""
    children = _children_by_parent()
    total, processes, stack = 0, 0, [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * PAGE_SIZE
            processes += 1
        except OSError:
            continue
        stack.extend(children.get(pid, ()))
    return total, processes


# Files there are memory too (landing's chunk files: clusterscore/landing.py, MEMORY_FOLDER). Named again, not
# imported: bench/floor.py uses this module and imports nothing of the project (no pandas in the floor's process).
MEMORY_FOLDER = Path("/dev/shm")


def memory_files_bytes() -> int:
    """Bytes held by files in the memory-backed file system (0 where there is none)."""
    try:
        return shutil.disk_usage(MEMORY_FOLDER).used if MEMORY_FOLDER.is_dir() else 0
    except OSError:
        return 0


@dataclass
class ChildRun:
    """One measured child process: wall time, memory of its whole process tree, exit code."""

    command: list[str]
    returncode: int
    started: float  # time.time() at the start (the clock Dagster's event timestamps use)
    finished: float
    seconds: float  # wall time, perf_counter
    peak_tree_mib: float  # largest sampled sum of resident memory over the child and all its descendants, plus
    # what the files in MEMORY_FOLDER grew by since the child started (they are not in any process's resident set)
    peak_process_mib: float  # largest single process of the tree: the kernel's high-water mark, via wait4
    max_processes: int
    samples: list[tuple[float, float]] = field(default_factory=list)  # (time.time(), tree MiB)

    def peak_between(self, start: float, end: float) -> float | None:
        """The largest sampled tree sum in [start, end] (time.time() seconds), None without a sample there."""
        inside = [rss for stamp, rss in self.samples if start <= stamp <= end]
        return max(inside) if inside else None


def run_child(
    command: list[str],
    env: dict[str, str] | None = None,
    log: Path | None = None,
    interval: float = 0.2,
    cwd: Path = REPO_ROOT,
) -> ChildRun:
    """Run `command` to its end, its output (stdout and stderr) into `log`, sampling the resident memory of its
    process tree every `interval` seconds. The sampled peak can miss a spike shorter than the interval; the
    single-process peak (wait4's ru_maxrss over the child and the descendants it waited for) misses nothing. Each
    sample adds what the files in MEMORY_FOLDER grew by since the start: memory the child uses outside any
    process."""
    out = log.open("wb") if log else subprocess.DEVNULL
    samples: list[tuple[float, float]] = []
    most = [0]
    stop = threading.Event()
    try:
        started, clock, files_before = time.time(), time.perf_counter(), memory_files_bytes()
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)

        def poll() -> None:
            while not stop.is_set():
                total, processes = tree_rss(process.pid)
                total += max(0, memory_files_bytes() - files_before)
                if processes:
                    samples.append((time.time(), total / 2**20))
                    most[0] = max(most[0], processes)
                stop.wait(interval)

        sampler = threading.Thread(target=poll, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds, finished = time.perf_counter() - clock, time.time()
        stop.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if log:
            out.close()
    return ChildRun(
        command=command,
        returncode=process.returncode,
        started=started,
        finished=finished,
        seconds=seconds,
        peak_tree_mib=max((rss for _, rss in samples), default=0.0),
        peak_process_mib=usage.ru_maxrss / 1024,
        max_processes=most[0],
        samples=samples,
    )
