"""The refresh itself at scale: full, 1 % incremental, a handful changed, nothing changed, one audit, and the floor
beside them.

    .venv/bin/python bench/refresh.py --data data/bench/national [--changed data/bench/national-changed]
        [--home data/bench/refresh-home] [--scenarios full,incremental,handful,unchanged,audit,floor] [--keep-home]
        [--handful 22] [--night-repeats 3] [--json-out FILE] [--floor-first] [--floor-memory-limit 3GB]

Each scenario is a real `clusterscore refresh` (or `clusterscore audit`, or bench/floor.py) run as a child process,
in this order on one CLUSTERSCORE_HOME:

1. full: a fresh home (one this script made; it refuses to empty any other folder), every source from --data;
2. incremental: the CVR file holds only the documents --changed changed (its MANIFEST lists them), read with
   CLUSTERSCORE_SOURCE_CVR_COMPANIES_READ=incremental, as the live incremental read by `sidstOpdateret` returns
   them; the other files are --data's. That data folder is written once and kept (--delta, default the changed
   set's name with `-delta`); without --changed the scenario is skipped. The night runs --night-repeats times (3)
   from the same home, restored from a copy taken before the first (the copy and restore are not timed): the
   machine's speed drifts by up to a quarter from one minute to the next, so one night says little. Each night
   is printed; the median one is the scenario's figure (its ratio, the target), and all are in --json-out;
3. handful: as the incremental night, but its CVR file holds only the first --handful documents of it (22: 0.001 %
   of the register), each updated once more: what a night that scores again costs whatever the number of changed
   companies, so the incremental night's figure can be read against it. No target of its own;
4. unchanged: the same data folder and read as the run before, again: nothing new;
5. audit: `clusterscore audit ORG INDICATOR` three times on the published scorecard, the indicator with the most
   evidence rows (or --audit-org / --audit-indicator);
6. floor: bench/floor.py on --data (last, or first with --floor-first), for the ratio full / floor.

Per refresh it prints the wall time of the command (Python start included), the Dagster run's own time, the
peak memory, and the profile: every Dagster step from the run's event log (landing per source, the two dbt
steps, each check, publish; the peak memory while it ran), the time before the run starts (imports, dbt parse)
and after it ends (summary, audit record), and dbt's slowest models and tests from the run_results kept in the
audit store. Memory: the child's whole process tree (dbt runs as a grandchild) is sampled from /proc every
--interval seconds (0.1) and its resident set sizes summed (a shared page counts in every process that maps it,
so an upper bound, but a spike shorter than the interval is missed), plus what the files in /dev/shm grew by (the
landing's chunk files live there: memory, though in no process); beside it the largest single process (the
kernel's high-water mark, exact). The summary's peak is the larger of the two; the 4 GB target is read as
4,096 MiB of it.

It asserts nothing; the summary table (and --json-out) says which target each figure meets. The machine is
shared: the load average is printed beside every figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from _measure import REPO_ROOT, ChildRun, machine, mib, peak_rss_mib, run_child, shown, speed_probe

from clusterscore.sample.national import dumps_line

BIN = Path(sys.executable).parent
CVR_FILE = "cvr/virksomhed.jsonl.gz"
OTHER_FILES = (
    "annual_reports/regnskaber.jsonl.gz",
    "clusters/designations.jsonl.gz",
    "clusters/submissions.jsonl.gz",
    "labels/label_list.jsonl.gz",
)
HOME_MARKER = ".bench-refresh-home"
SCENARIOS = ("full", "incremental", "handful", "unchanged", "audit", "floor")
NIGHTS = ("incremental", "handful", "unchanged")  # refreshes on the full run's home
REFRESHES = ("full", *NIGHTS)
READ_VARIABLE = "CLUSTERSCORE_SOURCE_CVR_COMPANIES_READ"
MEMORY_TARGET_MIB = 4096  # "4 GB"
TARGETS = {
    "full_seconds": 600,  # the 10-minute nightly run (bench/README.md)
    "full_over_floor": 2.0,
    "incremental_over_full": 0.1,
    "unchanged_seconds": 60,
    "audit_seconds": 1.0,
}


# ------------------------------------------------------------------------------------------------ data folders
def delta_folder(data: Path, changed: Path, delta: Path) -> Path:
    """A data folder equal to `data` except its CVR file, which holds only the documents `changed` changed (the
    lines of the CVR numbers its manifest lists, in the changed file's order). The CVR file is written once and
    reused while the changed set's CVR file is the same; the other files are links to `data`'s."""
    manifest = json.loads((changed / "MANIFEST.json").read_text(encoding="utf-8"))
    numbers = manifest.get("changed", {}).get("cvr_numbers")
    if not numbers:
        raise SystemExit(f"{shown(changed)}/MANIFEST.json lists no changed CVR numbers: not a changed variant")
    key = {"from_changed_cvr_sha256": manifest["files"][CVR_FILE]["sha256"], "companies": len(numbers)}
    marker = delta / "DELTA.json"
    cached = json.loads(marker.read_text(encoding="utf-8")) if marker.exists() else {}
    if cached.get("key") == key and (delta / CVR_FILE).exists():
        figures = cached["figures"]
        print(f"incremental data: {shown(delta)} (kept; {figures['records']:,} CVR documents)")
    else:
        figures = write_delta_cvr(changed / CVR_FILE, delta / CVR_FILE, numbers)
        marker.write_text(json.dumps({"key": key, "figures": figures}, indent=2), encoding="utf-8")
    link_other_files(data, delta)
    base = json.loads((data / "MANIFEST.json").read_text(encoding="utf-8"))
    delta_manifest = base | {
        "files": base["files"] | {CVR_FILE: figures},
        "changed": manifest["changed"],
        "delta": {"of": changed.name, "base": data.name, "cvr_documents": figures["records"]},
    }
    (delta / "MANIFEST.json").write_text(json.dumps(delta_manifest, indent=2), encoding="utf-8")
    return delta


def link_other_files(data: Path, folder: Path) -> None:
    """The files but the CVR one, as links to `data`'s: (re)linked every time, so --data decides what they are."""
    for name in OTHER_FILES:
        link = folder / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.unlink(missing_ok=True)
        link.symlink_to(os.path.relpath(data / name, link.parent))


def handful_folder(data: Path, delta: Path, folder: Path, documents: int) -> Path:
    """A data folder like the incremental one whose CVR file holds only its first `documents` documents, each
    updated once more (`sidstOpdateret` a minute later, so a new version of it): a night on which a handful of
    companies changed. Run after the incremental night, it measures what any night that scores again costs
    whatever the number of changed companies."""
    lines = []
    with gzip.open(delta / CVR_FILE, "rb") as source:
        for line in source:
            if len(lines) == documents:
                break
            document = json.loads(line)
            company = document["_source"]["Vrvirksomhed"]
            stamp = company.get("sidstOpdateret") or "2026-01-01T00:00:00+00:00"
            updated = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            company["sidstOpdateret"] = (updated + dt.timedelta(minutes=1)).isoformat(timespec="milliseconds")
            lines.append(dumps_line(document))  # as the generator writes a line
    text = b"".join(lines)
    target = folder / CVR_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(target, "wb", mtime=0) as out:  # the same bytes every time: a kept batch stays unchanged
        out.write(text)
    link_other_files(data, folder)
    figures = {"records": len(lines), "bytes": len(text), "sha256": hashlib.sha256(text).hexdigest()}
    manifest = json.loads((delta / "MANIFEST.json").read_text(encoding="utf-8"))
    manifest |= {"files": manifest["files"] | {CVR_FILE: figures}, "handful": {"of": delta.name, **figures}}
    (folder / "MANIFEST.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    print(f"handful data: {shown(folder)} ({len(lines):,} CVR documents, the first of {shown(delta)})")
    return folder


def write_delta_cvr(source: Path, target: Path, numbers: list[int]) -> dict:
    """Stream `source` (gzip, one document a line) and keep the lines of `numbers`: a cheap byte search first,
    then the document's own `cvrNummer` (a changed number may also appear inside another company's document)."""
    try:
        import orjson

        loads = orjson.loads
    except ImportError:  # pragma: no cover - the project has orjson
        loads = json.loads
    wanted = {str(number).encode() for number in numbers}
    pattern = re.compile(rb'"cvrNummer":(\d+)')
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    print(f"writing the incremental CVR file {shown(target)} from {shown(source)} ({len(numbers):,} companies) ...")
    digest, size, records, read = hashlib.sha256(), 0, 0, 0
    with gzip.open(source, "rb") as lines, gzip.open(partial, "wb", compresslevel=6) as out:
        for line in lines:
            read += 1
            if not wanted.intersection(pattern.findall(line)):
                continue
            company = (loads(line).get("_source") or {}).get("Vrvirksomhed") or {}
            if str(company.get("cvrNummer")).encode() not in wanted:
                continue
            out.write(line)
            digest.update(line)
            size += len(line)
            records += 1
    partial.replace(target)
    if records != len(numbers):
        print(f"  note: {records:,} documents found for {len(numbers):,} changed numbers")
    print(f"  {records:,} of {read:,} documents, {mib(size)} JSON, {mib(target.stat().st_size)} gz")
    return {"records": records, "bytes": size, "sha256": digest.hexdigest()}


def default_delta(changed: Path) -> Path:
    name = changed.name
    return changed.with_name((name[: -len("-changed")] if name.endswith("-changed") else name) + "-delta")


# ------------------------------------------------------------------------------------------------ the home
def fresh_home(home: Path) -> None:
    """Empty `home` for a full refresh, but only a home this script made (it leaves a marker file)."""
    if home.exists() and any(home.iterdir()):
        if not (home / HOME_MARKER).exists():
            raise SystemExit(f"{shown(home)} is not empty and was not made by bench/refresh.py: give another --home")
        shutil.rmtree(home)
    home.mkdir(parents=True, exist_ok=True)
    (home / HOME_MARKER).write_text("made by bench/refresh.py; emptied by its next full run\n", encoding="utf-8")


def ensure_home(home: Path) -> None:
    """A home for a scenario that continues one: made (with the marker) when there is none yet."""
    if not home.exists():
        fresh_home(home)


def remove_home(home: Path) -> None:
    if (home / HOME_MARKER).exists():
        shutil.rmtree(home)
        print(f"removed {shown(home)} (--keep-home keeps it)")


def child_env(home: Path, data: Path | None = None, incremental: bool = False) -> dict[str, str]:
    """The environment of a `clusterscore` child: this home, this data folder, nothing inherited that would send
    its files elsewhere (DAGSTER_HOME, the DuckDB path) or change what it scores (the as-of date)."""
    env = dict(os.environ)
    for variable in ("DAGSTER_HOME", "CLUSTERSCORE_DUCKDB_PATH", "CLUSTERSCORE_AS_OF", READ_VARIABLE):
        env.pop(variable, None)
    env["CLUSTERSCORE_HOME"] = str(home)
    if data is not None:
        env["CLUSTERSCORE_SAMPLE_DIR"] = str(data)
    if incremental:
        env[READ_VARIABLE] = "incremental"
    return env


# ------------------------------------------------------------------------------------------------ profile
# The readers of the Dagster event log and the published database run in a helper process (`--inspect`), so this
# process never imports Dagster or DuckDB: a child's kernel high-water mark starts from the size of the process
# that started it (exec records the forked memory), and this one stays a small Python.
def inspect(kind: str, home: Path, **payload):
    """Run one reader in a helper process and return what it printed (JSON, its last line)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--inspect", kind, str(home), json.dumps(payload)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT)
    if done.returncode != 0:
        raise SystemExit(f"bench/refresh.py --inspect {kind} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def inspect_main(argv: list[str]) -> int:
    kind, home, payload = argv[0], Path(argv[1]), json.loads(argv[2])
    if kind == "runs":
        answer = sorted(dagster_run_ids(home))
    elif kind == "profile":
        answer = dagster_profile(home, set(payload["known"]))
    elif kind == "pick":
        answer = pick_indicator(home, payload["run_id"], payload["org"], payload["indicator"])
    else:
        raise SystemExit(f"unknown --inspect {kind}")
    print(json.dumps(answer, default=str))
    return 0


def dagster_run_ids(home: Path) -> set[str]:
    if not (home / "dagster" / "dagster.yaml").exists():
        return set()
    import dagster as dg

    instance = dg.DagsterInstance.from_config(str(home / "dagster"))
    try:
        return {run.run_id for run in instance.get_runs()}
    finally:
        instance.dispose()


def dagster_profile(home: Path, known: set[str]) -> dict | None:
    """The newest run not in `known`: its status, start and end, and each step's start, end and outcome."""
    if not (home / "dagster" / "dagster.yaml").exists():
        return None
    import dagster as dg

    kinds = dg.DagsterEventType
    instance = dg.DagsterInstance.from_config(str(home / "dagster"))
    try:
        runs = [run for run in instance.get_runs() if run.run_id not in known]
        if not runs:
            return None
        run = runs[0]  # newest first
        steps: dict[str, dict] = {}
        profile = {"run_id": run.run_id, "status": run.status.value, "start": None, "end": None, "steps": steps}
        last = None
        for record in instance.get_records_for_run(run.run_id, limit=1_000_000).records:
            entry = record.event_log_entry
            event = entry.dagster_event
            last = entry.timestamp
            if event is None:
                continue
            kind = event.event_type
            if kind == kinds.RUN_START:
                profile["start"] = entry.timestamp
            elif kind in (kinds.RUN_SUCCESS, kinds.RUN_FAILURE, kinds.RUN_CANCELED):
                profile["end"] = entry.timestamp
            elif kind == kinds.STEP_START:
                steps[event.step_key] = {"start": entry.timestamp, "end": None, "outcome": "running"}
            elif kind in (kinds.STEP_SUCCESS, kinds.STEP_FAILURE):
                step = steps.setdefault(event.step_key, {"start": entry.timestamp})
                step["end"] = entry.timestamp
                step["outcome"] = "ok" if kind == kinds.STEP_SUCCESS else "FAILED"
            elif kind == kinds.STEP_SKIPPED:
                steps[event.step_key] = {"start": entry.timestamp, "end": entry.timestamp, "outcome": "skipped"}
        profile["end"] = profile["end"] or last
        return profile
    finally:
        instance.dispose()


def step_group(key: str) -> str:
    if "_gx_" in key or key.startswith("gx_"):  # a raw source's suite, or the step of the suites on dbt's models
        return "check (Great Expectations)"
    if key.endswith("_records_reconcile"):
        return "check (reconcile)"
    if key.startswith("raw__"):
        return "landing"
    if key.startswith("dbt_"):
        return "dbt"
    if key.startswith("published__"):
        return "publish"
    return "other"


def dbt_profile(home: Path, run_id: str, top: int) -> dict:
    """Per dbt step: dbt's own elapsed time and node counts; over both, the slowest nodes (run_results.json)."""
    folder = home / "audit" / "runs" / run_id / "dbt"
    steps, nodes = {}, []
    for path in sorted(folder.glob("*/run_results.json.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            results = json.load(handle)
        step = path.parent.name
        by_type: dict[str, list[float]] = {}
        for result in results["results"]:
            # model.<project>.<name>, test.<project>.<name>.<hash>, unit_test.<project>.<model>.<name>
            parts = result["unique_id"].split(".")
            kind, name = parts[0], ".".join(parts[2:-1] if kind_has_hash(parts) else parts[2:])
            by_type.setdefault(kind, []).append(result["execution_time"] or 0.0)
            nodes.append((result["execution_time"] or 0.0, step, kind, name, result["status"]))
        reused = folder / step / "reused.json"  # the nodes left out as they were for the release (dbt_reuse.py)
        steps[step] = {
            "elapsed": results.get("elapsed_time"),
            "by_type": {kind: {"count": len(times), "seconds": sum(times)} for kind, times in sorted(by_type.items())},
            "reused": len(json.loads(reused.read_text(encoding="utf-8"))["unique_ids"]) if reused.exists() else 0,
        }
    slowest = [
        {"seconds": round(seconds, 2), "step": step, "type": kind, "name": name, "status": status}
        for seconds, step, kind, name, status in sorted(nodes, reverse=True)[:top]
    ]
    return {"steps": steps, "slowest": slowest}


def kind_has_hash(parts: list[str]) -> bool:
    """A data test's unique id ends in a hash of its arguments."""
    return parts[0] == "test" and len(parts) > 3


def audit_record(home: Path, run_id: str, name: str):
    path = home / "audit" / "runs" / run_id / name
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


# ------------------------------------------------------------------------------------------------ scenarios
def log_path(args, scenario: str) -> Path:
    args.log_dir.mkdir(parents=True, exist_ok=True)
    return args.log_dir / f"{args.data.name}-{scenario}.log"


def tail(path: Path, lines: int = 25) -> str:
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join("    | " + line for line in text[-lines:])


def refresh(args, scenario: str, data: Path, incremental: bool, repeat: tuple[int, int] | None = None) -> dict:
    home = args.home
    read = "incremental" if incremental else "full"
    which = f" (night {repeat[0]} of {repeat[1]})" if repeat else ""
    print(f"\n== {scenario}{which}: clusterscore refresh on {shown(data)} (CVR read {read}), home {shown(home)}")
    load_before, probe = machine(), speed_probe()
    print(f"   before: {load_before}; speed probe {probe:.3f} s")
    known = inspect("runs", home)
    log = log_path(args, scenario if repeat is None else f"{scenario}-{repeat[0]}")
    child = run_child([str(BIN / "clusterscore"), "refresh"], child_env(home, data, incremental), log, args.interval)
    load_after = machine()
    result = {
        "scenario": scenario,
        "data": shown(data),
        "cvr_read": read,
        "exit_code": child.returncode,
        "wall_seconds": round(child.seconds, 1),
        "peak_mib": round(max(child.peak_tree_mib, child.peak_process_mib)),
        "peak_tree_mib": round(child.peak_tree_mib),
        "peak_process_mib": round(child.peak_process_mib),
        "max_processes": child.max_processes,
        "load_before": load_before,
        "speed_probe_seconds": round(probe, 3),
        "load_after": load_after,
        "log": shown(log),
    }
    print(
        f"   exit {child.returncode}; wall {child.seconds:,.1f} s; peak memory {child.peak_tree_mib:,.0f} MiB "
        f"(process tree, up to {child.max_processes} processes), largest process {child.peak_process_mib:,.0f} MiB"
    )
    print(f"   after:  {load_after}; output in {shown(log)}")
    profile = inspect("profile", home, known=known)
    if profile is None:
        print("   no Dagster run was recorded; the end of its output:\n" + tail(log))
        return result
    result |= describe_run(args, child, profile, log)
    if child.returncode != 0:
        print("   the refresh did not succeed; the end of its output:\n" + tail(log))
    return result


def repeated_night(args, scenario: str, data: Path) -> dict:
    """The night `--night-repeats` times from the same home: copied first, restored from the copy before each
    later night, the disk written out before each (as after the run before). Returns the median night's result
    (by wall time) with every night's wall time and probe under `nights`. The home is left as the last night
    left it; the other nights' records went with the restores, but their output was printed."""
    repeats = max(1, args.night_repeats)
    before = args.home.with_name(f"{args.home.name}.before-{scenario}")
    runs = []
    try:
        if repeats > 1:
            shutil.rmtree(before, ignore_errors=True)
            shutil.copytree(args.home, before, symlinks=True)  # `published` is a relative symbolic link
        for number in range(1, repeats + 1):
            if number > 1:
                shutil.rmtree(args.home)
                shutil.copytree(before, args.home, symlinks=True)
            os.sync()
            runs.append(refresh(args, scenario, data, True, (number, repeats) if repeats > 1 else None))
    finally:
        shutil.rmtree(before, ignore_errors=True)
    median = sorted(runs, key=lambda run: run["wall_seconds"])[len(runs) // 2]
    median["nights"] = [
        {key: run.get(key) for key in ("wall_seconds", "speed_probe_seconds", "run_id", "result", "peak_mib")}
        for run in runs
    ]
    if repeats > 1:
        walls = ", ".join(f"{run['wall_seconds']:.1f} s (probe {run['speed_probe_seconds']:.3f} s)" for run in runs)
        print(f"\n== {scenario}: {repeats} nights from the same home: {walls}; median {median['wall_seconds']:.1f} s")
    return median


def describe_run(args, child: ChildRun, profile: dict, log: Path) -> dict:
    """Print and return the profile of one refresh: run, steps, dbt, batches and result."""
    home, run_id = args.home, profile["run_id"]
    start, end = profile["start"] or child.started, profile["end"] or child.finished
    run_seconds = end - start
    print(f"   Dagster run {run_id} {profile['status']}: {run_seconds:,.1f} s from run start to run end")
    rows = [("(process start to run start: imports, dbt manifest)", "overhead", child.started, start, "")]
    for key, step in sorted(profile["steps"].items(), key=lambda item: item[1]["start"]):
        rows.append((key, step_group(key), step["start"], step["end"] or end, step["outcome"]))
    rows.append(("(run end to process exit: summary, audit record, status)", "overhead", end, child.finished, ""))
    steps, groups = [], {}
    print(f"   {'step':<68} {'group':<27} {'seconds':>9} {'peak MiB':>9}")
    for key, group, began, ended, outcome in rows:
        seconds = max(ended - began, 0.0)
        peak = child.peak_between(began, ended)
        groups[group] = groups.get(group, 0.0) + seconds
        flag = "" if outcome in ("ok", "") else f"  {outcome}"
        shown_peak = f"{peak:,.0f}" if peak is not None else "-"
        print(f"   {key:<68} {group:<27} {seconds:9.1f} {shown_peak:>9}{flag}")
        steps.append(
            {
                "step": key,
                "group": group,
                "seconds": round(seconds, 2),
                "peak_tree_mib": round(peak) if peak is not None else None,
                "outcome": outcome,
            }
        )
    between = run_seconds - sum(s["seconds"] for s in steps if s["group"] != "overhead")
    print("   by group: " + ", ".join(f"{group} {seconds:,.1f} s" for group, seconds in groups.items()))
    print(f"   (Dagster between steps: {between:,.1f} s)")

    dbt = dbt_profile(home, run_id, args.top)
    for step, figures in dbt["steps"].items():
        step_seconds = next((s["seconds"] for s in steps if s["step"] == step), None)
        kinds = ", ".join(f"{n['count']} {kind}s {n['seconds']:,.1f} s" for kind, n in figures["by_type"].items())
        wrapper = f" of the step's {step_seconds:,.1f} s" if step_seconds is not None else ""
        reused = f"; {figures['reused']} nodes not built again (as for the release)" if figures["reused"] else ""
        print(f"   dbt {step}: dbt's own elapsed {figures['elapsed'] or 0:,.1f} s{wrapper}; nodes: {kinds}{reused}")
    if dbt["slowest"]:
        print("   slowest dbt nodes:")
        for node in dbt["slowest"]:
            print(
                f"     {node['seconds']:8.2f} s  {node['step']:<12} {node['type']:<9} {node['name']} ({node['status']})"
            )

    phases = (audit_record(home, run_id, "release.json") or {}).get("phases") or []
    if phases:
        print("   publish, phase by phase (start in s from publishing's start; worker and child phases overlap):")
        for phase in sorted(phases, key=lambda p: p["start_s"]):
            print(f"     {phase['start_s']:7.2f} s  {phase['seconds']:7.2f} s  {phase['phase']}")

    batches = [b for b in audit_record(home, run_id, "batches.json") or [] if b.get("run_id") == run_id]
    if batches:
        print("   batches of this run (received = landed + quarantined; stored new, superseded):")
        for b in batches:
            print(
                f"     {b['source_name']:<22} {b['load_kind']:<11} {b['received']:>10,} = {b['landed']:>10,} + "
                f"{b['quarantined']:>5,}; new {b['stored_new']:>10,}, superseded {b['superseded']:>8,}"
            )
    record = audit_record(home, run_id, "run.json") or {}
    levels = {level: n for level, n, *_ in record.get("levels") or []}
    text = log.read_text(encoding="utf-8", errors="replace")
    checked = re.search(r"Checked: (\d+) of (\d+) checks passed", text)
    checks = f"{checked.group(1)} of {checked.group(2)} checks passed" if checked else "checks: not reported"
    kept = record.get("unchanged_since")
    published = f"not scored again (release {kept} stays published)" if kept else f"published {record.get('published')}"
    print(
        f"   result: {record.get('result', profile['status'])}, {published}; {checks}; "
        "levels " + (", ".join(f"{level} {n}" for level, n in levels.items()) or "-")
    )
    # Error texts may name files of this machine: shown relative to the repository.
    failed = [
        str(failure).replace(f"{REPO_ROOT}/", "")
        for failure in (record.get("failed_checks") or []) + (record.get("failed_steps") or [])
    ]
    for failure in failed:
        print(f"     FAILED {failure[:300]}")
    return {
        "run_id": run_id,
        "dagster_status": profile["status"],
        "run_seconds": round(run_seconds, 1),
        "result": record.get("result"),
        "published": record.get("published"),
        "unchanged_since": kept,
        "checks": checks,
        "levels": levels,
        "failed": failed,
        "steps": steps,
        "groups": {group: round(seconds, 1) for group, seconds in groups.items()},
        "dbt": dbt,
        "publish_phases": phases,
        "batches": batches,
    }


def pick_indicator(home: Path, run_id: str, org: str | None, indicator: str | None) -> list | None:
    """The organisation and indicator of `run_id` with the most evidence rows (within the ones asked for)."""
    import duckdb

    with duckdb.connect(str(home / "published" / "clusterscore.duckdb"), read_only=True) as con:
        chosen = con.execute(
            """
            select v.cluster_org_id, v.indicator_id, count(e.record_key) as evidence
            from marts.fct_indicator_value as v
            left join marts.fct_indicator_evidence as e using (run_id, cluster_org_id, indicator_id)
            where v.run_id = ? and (? is null or v.cluster_org_id = ?) and (? is null or v.indicator_id = ?)
            group by all order by evidence desc, 1, 2 limit 1
            """,
            [run_id, org, org, indicator, indicator],
        ).fetchone()
    return list(chosen) if chosen else None


def audit(args) -> dict:
    home = args.home
    print(f"\n== audit: clusterscore audit on {shown(home)}/published")
    status_path = home / "status.json"
    status = json.loads(status_path.read_text(encoding="utf-8")) if status_path.exists() else {}
    last = status.get("last_success") or {}
    run_id = last.get("release") or last.get("run_id")  # a run that scored nothing left its release published
    database = home / "published" / "clusterscore.duckdb"
    if not run_id or not database.exists():
        print("   nothing published in this home: skipped")
        return {"scenario": "audit", "skipped": "nothing published"}
    chosen = inspect("pick", home, run_id=run_id, org=args.audit_org, indicator=args.audit_indicator)
    if chosen is None:
        print(f"   no indicator value for {args.audit_org or 'any organisation'} in run {run_id}: skipped")
        return {"scenario": "audit", "skipped": "no indicator value"}
    org, indicator, evidence = chosen
    help_text = subprocess.run(
        [str(BIN / "clusterscore"), "audit", "--help"], capture_output=True, text=True, env=child_env(home)
    ).stdout
    command = [str(BIN / "clusterscore"), "audit", org]
    command += ["--indicator", indicator] if "--indicator" in help_text else [indicator]
    print(f"   organisation {org}, indicator {indicator}: {evidence:,} evidence rows in run {run_id}")
    times, traced, exits, peak = [], None, [], 0.0
    for attempt in range(1, args.audit_repeats + 1):
        log = log_path(args, f"audit-{attempt}")
        child = run_child(command, child_env(home), log, args.interval)
        found = re.search(r"raw records \((\d+)\)", log.read_text(encoding="utf-8", errors="replace"))
        traced = int(found.group(1)) if found else traced
        times.append(child.seconds)
        exits.append(child.returncode)
        peak = max(peak, child.peak_tree_mib, child.peak_process_mib)
        print(
            f"   run {attempt}: {child.seconds:.2f} s, exit {child.returncode}, peak {child.peak_tree_mib:,.0f} MiB "
            f"(largest process {child.peak_process_mib:,.0f} MiB); {machine()}"
        )
        if child.returncode not in (0, 3):
            print("   the audit did not run; the end of its output:\n" + tail(log))
    print(f"   best {min(times):.2f} s of {len(times)}; raw records traced: {traced if traced is not None else '?'}")
    return {
        "scenario": "audit",
        "organisation": org,
        "indicator": indicator,
        "evidence_rows": evidence,
        "raw_records_traced": traced,
        "wall_seconds_each": [round(t, 2) for t in times],
        "wall_seconds": round(min(times), 2),
        "exit_codes": exits,
        "peak_mib": round(peak),
        "load_after": machine(),
    }


def floor(args) -> dict:
    folder = args.home / "bench-floor"
    command = [sys.executable, str(REPO_ROOT / "bench" / "floor.py"), "--data", str(args.data)]
    command += ["--db", str(folder / "floor.duckdb")]
    if args.floor_memory_limit:
        command += ["--memory-limit", args.floor_memory_limit]
    print(f"\n== floor: bench/floor.py on {shown(args.data)}")
    probe = speed_probe()
    print(f"   before: {machine()}; speed probe {probe:.3f} s")
    log = log_path(args, "floor")
    child = run_child(command, child_env(args.home), log, args.interval)
    text = log.read_text(encoding="utf-8", errors="replace")
    total = re.search(r"= floor ([\d.]+) s", text)
    own_peak = re.search(r"peak RSS ([\d,]+) MiB", text)
    print("\n".join("   | " + line for line in text.splitlines()))
    result = {
        "scenario": "floor",
        "exit_code": child.returncode,
        "speed_probe_seconds": round(probe, 3),
        "floor_seconds": float(total.group(1)) if total else None,
        "wall_seconds": round(child.seconds, 1),
        "peak_mib": round(max(child.peak_tree_mib, child.peak_process_mib)),
        "peak_tree_mib": round(child.peak_tree_mib),
        "peak_process_mib": round(child.peak_process_mib),
        "peak_floor_process_mib": int(own_peak.group(1).replace(",", "")) if own_peak else None,
        "load_after": machine(),
        "log": shown(log),
    }
    print(
        f"   exit {child.returncode}; floor {result['floor_seconds']} s (its ingest and scoring; the untimed dbt "
        f"compile and Python start make the command's {child.seconds:,.1f} s); peak memory {child.peak_tree_mib:,.0f} "
        f"MiB (process tree, dbt compile included), largest process {child.peak_process_mib:,.0f} MiB; "
        f"{result['load_after']}"
    )
    if not args.keep_home:
        shutil.rmtree(folder, ignore_errors=True)
    return result


# ------------------------------------------------------------------------------------------------ summary
def summarise(results: dict[str, dict]) -> list[dict]:
    """One row per scenario: wall time, peak memory, ratio, targets and whether each is met."""
    full, floor_run = results.get("full", {}), results.get("floor", {})
    rows = []

    def ratio(a, b):
        return round(a / b, 3) if a is not None and b else None

    for name in SCENARIOS:
        result = results.get(name)
        if not result or result.get("skipped"):
            continue
        wall, peak, checks, ratio_text, value = result.get("wall_seconds"), result.get("peak_mib"), [], None, None
        if name == "full":
            value = ratio(wall, floor_run.get("floor_seconds"))
            ratio_text = f"{value} x floor" if value is not None else None
            checks.append((f"<= {TARGETS['full_seconds']} s", wall is not None and wall <= TARGETS["full_seconds"]))
            if value is not None:
                checks.append((f"<= {TARGETS['full_over_floor']:g} x floor", value <= TARGETS["full_over_floor"]))
        elif name in NIGHTS:  # each read against the full run; the handful night has no target of its own
            value = ratio(wall, full.get("wall_seconds"))
            ratio_text = f"{value} x full" if value is not None else None
            if name == "incremental" and value is not None:
                checks.append(
                    (f"<= {TARGETS['incremental_over_full']:g} x full", value <= TARGETS["incremental_over_full"])
                )
            elif name == "unchanged":
                checks.append(
                    (f"<= {TARGETS['unchanged_seconds']} s", wall is not None and wall <= TARGETS["unchanged_seconds"])
                )
        elif name == "audit":
            checks.append(
                (f"<= {TARGETS['audit_seconds']:g} s (best)", wall is not None and wall <= TARGETS["audit_seconds"])
            )
        if name in REFRESHES:
            checks.append((f"<= {MEMORY_TARGET_MIB:,} MiB", peak is not None and peak <= MEMORY_TARGET_MIB))
            succeeded = result.get("result") == "success"
            checks.append(("refresh succeeds", succeeded))
        if name == "floor":
            wall = result.get("floor_seconds")
        missed = [target for target, ok in checks if not ok]
        rows.append(
            {
                "scenario": name,
                "wall_seconds": wall,
                "peak_mib": peak,
                "ratio": ratio_text,
                "ratio_value": value if name in REFRESHES else None,
                "target": "; ".join(target for target, _ in checks) or "(reference)",
                "met": ("yes" if not missed else "no: " + "; ".join(missed)) if checks else "-",
                "load_after": result.get("load_after"),
                "speed_probe_seconds": result.get("speed_probe_seconds"),
            }
        )
    return rows


def print_summary(rows: list[dict]) -> None:
    print(
        "\n== summary (wall: the command, Python start included; floor: its own total; peak: the larger of the "
        "sampled process-tree sum and the largest single process; probe: `_measure.speed_probe` just before, lower "
        "is faster)"
    )
    header = f"{'scenario':<12} {'wall s':>9} {'peak MiB':>9} {'probe s':>7}  {'ratio':<16} {'target':<58} met?"
    print(header)
    print("-" * len(header))
    for row in rows:
        wall = f"{row['wall_seconds']:,.1f}" if row["wall_seconds"] is not None else "-"
        if row["scenario"] == "audit" and row["wall_seconds"] is not None:
            wall = f"{row['wall_seconds']:.2f}"
        peak = f"{row['peak_mib']:,}" if row["peak_mib"] is not None else "-"
        probe = f"{row['speed_probe_seconds']:.3f}" if row.get("speed_probe_seconds") is not None else "-"
        print(
            f"{row['scenario']:<12} {wall:>9} {peak:>9} {probe:>7}  {row['ratio'] or '-':<16} {row['target']:<58} "
            f"{row['met']}"
        )


def main() -> int:
    if sys.argv[1:2] == ["--inspect"]:
        return inspect_main(sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO_ROOT / "data" / "bench" / "national")
    parser.add_argument("--changed", type=Path, default=None, help="the changed variant (incremental scenario)")
    parser.add_argument(
        "--delta", type=Path, default=None, help="the incremental data folder (default <changed>-delta)"
    )
    parser.add_argument(
        "--handful", type=int, default=22, help="CVR documents of the handful night (22: 0.001 %% of 2.2 million)"
    )
    parser.add_argument(
        "--night-repeats", type=int, default=3, help="incremental nights from the same home (the median counts)"
    )
    parser.add_argument("--home", type=Path, default=REPO_ROOT / "data" / "bench" / "refresh-home")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated, of " + ",".join(SCENARIOS))
    parser.add_argument("--keep-home", action="store_true", help="keep the home (and the floor's database)")
    parser.add_argument("--json-out", type=Path, default=None, help="default data/bench/refresh-<data>.json")
    parser.add_argument("--log-dir", type=Path, default=REPO_ROOT / "data" / "bench" / "refresh-logs")
    parser.add_argument("--floor-first", action="store_true", help="run the floor before the refreshes")
    parser.add_argument("--floor-memory-limit", default=None, help="bench/floor.py --memory-limit, e.g. 3GB")
    parser.add_argument("--audit-org", default=None)
    parser.add_argument("--audit-indicator", default=None)
    parser.add_argument("--audit-repeats", type=int, default=3)
    parser.add_argument("--top", type=int, default=10, help="slowest dbt nodes shown")
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between memory samples")
    args = parser.parse_args()
    args.data, args.home, args.log_dir = args.data.resolve(), args.home.resolve(), args.log_dir.resolve()
    chosen = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(SCENARIOS))
    if unknown:
        parser.error(f"unknown scenarios {unknown}; known: {', '.join(SCENARIOS)}")
    if not (args.data / CVR_FILE).exists():
        parser.error(f"no {CVR_FILE} under {shown(args.data)}")
    json_out = (args.json_out or REPO_ROOT / "data" / "bench" / f"refresh-{args.data.name}.json").resolve()

    print(f"bench/refresh.py: data {shown(args.data)}, home {shown(args.home)}, scenarios {', '.join(chosen)}")
    print(f"machine: {machine()}")
    delta = handful = None
    if {"handful", "incremental"} & set(chosen):
        if args.changed is None:
            print("handful, incremental: no --changed data set given: skipped")
        else:
            changed = args.changed.resolve()
            delta = delta_folder(args.data, changed, (args.delta or default_delta(changed)).resolve())
            if "handful" in chosen:
                handful = handful_folder(args.data, delta, delta.with_name(delta.name + "-handful"), args.handful)

    results: dict[str, dict] = {}
    order = [name for name in SCENARIOS if name in chosen]
    if args.floor_first and "floor" in order:
        order = ["floor"] + [name for name in order if name != "floor"]
    previous = (args.data, False)  # the data folder and CVR read of the last refresh
    for name in order:
        if name == "full":
            fresh_home(args.home)
            results[name] = refresh(args, name, args.data, False)
            previous = (args.data, False)
        elif name == "handful" and handful is not None:
            ensure_home(args.home)
            results[name] = refresh(args, name, handful, True)
            previous = (handful, True)
        elif name == "incremental" and delta is not None:
            ensure_home(args.home)
            results[name] = repeated_night(args, name, delta)
            previous = (delta, True)
        elif name == "unchanged":
            ensure_home(args.home)
            results[name] = refresh(args, name, *previous)
        elif name == "audit":
            results[name] = audit(args)
        elif name == "floor":
            ensure_home(args.home)  # the floor's database goes under the home
            results[name] = floor(args)

    rows = summarise(results)
    print_summary(rows)
    print(f"machine: {machine()}; this process's peak RSS {peak_rss_mib():,.0f} MiB (a child's largest-process figure")
    print("  starts from it: exec keeps the high-water mark of the memory forked from here)")
    json_out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "data": shown(args.data),
        "changed": shown(args.changed.resolve()) if args.changed else None,
        "incremental_data": shown(delta) if delta else None,
        "memory": "peak resident set size summed over the child's process tree plus the growth of the files in "
        f"/dev/shm (landing's chunk files), sampled every {args.interval} s (MiB); largest single process exact "
        "(wait4)",
        "targets": TARGETS | {"peak_mib": MEMORY_TARGET_MIB},
        "summary": rows,
        "scenarios": results,
    }
    json_out.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    print(f"written: {shown(json_out)}")
    if not args.keep_home:
        remove_home(args.home)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
