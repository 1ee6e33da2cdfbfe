"""Cluster-management label awards, one row of the public list of benchmarked and labelled organisations."""

from __future__ import annotations

from typing import Any

from clusterscore.sources.fields import IsoDate, Loose, NonEmptyStr, Percent, one_of
from clusterscore.sources.spec import SourceSpec, single

LABEL_LEVELS = ("BRONZE", "SILVER", "GOLD")


class LabelAward(Loose):
    organisation_name: NonEmptyStr
    label: one_of(*LABEL_LEVELS)
    valid_until: IsoDate
    awarded_on: IsoDate | None = None
    score_pct: Percent | None = None
    country: str | None = None


def _key(row: Any) -> str:
    return f"{row.get('organisation_name')}/{row.get('label')}/{row.get('valid_until')}"


LABEL_AWARDS = SourceSpec(
    name="label_awards",
    description="Label awards (Bronze, Silver, Gold) with award date, expiry and score.",
    sample_file="labels/label_list.jsonl.gz",
    live_uri="https://www.cluster-analysis.org/benchmarked-clusters",
    split=single("label_award", LabelAward, _key),
)
