"""Generate (or reuse) the national-scale synthetic data set the other bench scripts read, and print its figures.

    .venv/bin/python bench/national_data.py [--out data/bench/national] [--companies 2200000] ...
        [--changed]          also the changed variant (1 % of companies) in <out>-changed, for the incremental bench

A data set under --out is reused when its MANIFEST.json says it was made by the same generator version with the
same sizes and seed (and its files are there); --force regenerates. Prints wall time, records per second, peak
resident memory of this process and of the largest worker process, and the file sizes.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

from _measure import REPO_ROOT, machine, mib, peak_rss_mib, shown

sys.path.insert(0, str(REPO_ROOT))

from clusterscore.sample import DEFAULT_SEED
from clusterscore.sample.generator import CVR_FILE, FILES
from clusterscore.sample.national import (
    DEFAULT_CHUNK,
    NATIONAL_VERSION,
    NationalSizes,
    generate_national,
    write_changed,
)

DEFAULT_OUT = REPO_ROOT / "data" / "bench" / "national"


def reusable(out: Path, sizes: NationalSizes, seed: int) -> dict | None:
    """The existing manifest under `out` when it describes exactly the data set asked for."""
    path = out / "MANIFEST.json"
    if not path.exists():
        return None
    manifest = json.loads(path.read_text(encoding="utf-8"))
    national = manifest.get("national", {})
    same = (
        national.get("version") == NATIONAL_VERSION
        and national.get("requested") == sizes.__dict__
        and national.get("chunk_size") == DEFAULT_CHUNK
        and manifest.get("seed") == seed
        and all((out / name).exists() for name in FILES)
    )
    return manifest if same else None


def report(out: Path, manifest: dict, seconds: float | None) -> None:
    national = manifest["national"]
    companies = manifest["files"][CVR_FILE]["records"]
    print(f"data set: {shown(out)} (seed {manifest['seed']})")
    print(
        f"  companies {companies:,}, participants {national['participants']:,}, "
        f"organisations {national['organisations']}, memberships {national['memberships']:,}"
    )
    for name in FILES:
        figures = manifest["files"][name]
        on_disk = (out / name).stat().st_size
        print(
            f"  {name:<38} {figures['records']:>10,} records  {mib(figures['bytes']):>12} json  {mib(on_disk):>11} gz"
        )
    if seconds is not None:
        print(f"  wall time {seconds:,.1f} s, {companies / seconds:,.0f} companies/s; {machine()}")
        print(
            f"  peak RSS: this process {peak_rss_mib():,.0f} MiB, "
            f"largest worker {peak_rss_mib(resource.RUSAGE_CHILDREN):,.0f} MiB"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--companies", type=int, default=NationalSizes.companies)
    parser.add_argument("--participants", type=int, default=NationalSizes.participants)
    parser.add_argument("--organisations", type=int, default=NationalSizes.organisations)
    parser.add_argument("--memberships", type=int, default=NationalSizes.memberships)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--workers", type=int, default=None, help="processes (default: up to 2)")
    parser.add_argument("--force", action="store_true", help="regenerate even when a matching set exists")
    parser.add_argument("--changed", action="store_true", help="also write <out>-changed with 1 %% changed")
    parser.add_argument("--changed-share", type=float, default=0.01)
    args = parser.parse_args()
    sizes = NationalSizes(args.companies, args.participants, args.organisations, args.memberships)

    manifest = None if args.force else reusable(args.out, sizes, args.seed)
    if manifest is not None:
        print("reusing the existing data set (same generator version, sizes and seed)")
        report(args.out, manifest, None)
    else:
        started = time.perf_counter()
        manifest = generate_national(
            args.out, sizes, args.seed, args.workers, progress=lambda line: print(f"  {line}", flush=True)
        )
        report(args.out, manifest, time.perf_counter() - started)

    if args.changed:
        changed_out = args.out.with_name(args.out.name + "-changed")
        existing = changed_out / "MANIFEST.json"
        previous = json.loads(existing.read_text(encoding="utf-8")) if existing.exists() else {}
        if (
            not args.force
            and previous.get("changed", {}).get("from_cvr_sha256") == manifest["files"][CVR_FILE]["sha256"]
            and previous["changed"]["share"] == args.changed_share
        ):
            print(f"reusing the changed variant {shown(changed_out)}")
        else:
            started = time.perf_counter()
            changed = write_changed(args.out, changed_out, args.changed_share, args.seed, args.workers)
            seconds = time.perf_counter() - started
            print(
                f"changed variant: {shown(changed_out)}: {changed['changed']['companies']:,} companies changed "
                f"{changed['changed']['kinds']} in {seconds:,.1f} s"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
