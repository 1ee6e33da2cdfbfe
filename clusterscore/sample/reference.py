"""Reads the reference seeds the sample reuses (kommuner and regions, business areas) from the repository.

The generator reads them at generation time instead of copying them, so the sample and the dbt seeds agree.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SEEDS_DIR = REPO_ROOT / "dbt_project" / "seeds" / "reference"


@dataclass(frozen=True)
class Municipality:
    code: int
    name: str
    region_code: int
    region_name: str


@dataclass(frozen=True)
class Reference:
    municipalities: dict[int, Municipality]
    business_areas: dict[str, str]
    """business_area_code -> area name."""


def load_reference(seeds_dir: Path = SEEDS_DIR) -> Reference:
    with (seeds_dir / "ref_municipalities.csv").open(encoding="utf-8", newline="") as handle:
        municipalities = {
            int(row["municipality_code"]): Municipality(
                int(row["municipality_code"]),
                row["municipality_name"],
                int(row["region_code"]),
                row["region_name"],
            )
            for row in csv.DictReader(handle)
        }
    with (seeds_dir / "ref_business_areas.csv").open(encoding="utf-8", newline="") as handle:
        areas = {row["business_area_code"]: row["area_name"] for row in csv.DictReader(handle)}
    return Reference(dict(sorted(municipalities.items())), areas)
