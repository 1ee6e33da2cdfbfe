"""Command line for the sample generator.

python -m clusterscore.sample --out sample --scale 1.0 --seed 20261127
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from clusterscore.sample import DEFAULT_SEED, generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m clusterscore.sample", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("sample"), help="output directory (default: sample)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies companies and members (default: 1.0)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default: {DEFAULT_SEED})")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be positive")
    started = time.perf_counter()
    manifest = generate(args.out, scale=args.scale, seed=args.seed)
    elapsed = time.perf_counter() - started
    for name, figures in manifest["files"].items():
        print(f"{name}: {figures['records']} records, {figures['bytes']} bytes decompressed")
    print(f"{len(manifest['bad_records'])} deliberately bad records; wrote {args.out} in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
