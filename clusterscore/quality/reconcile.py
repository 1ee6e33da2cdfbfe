"""Reconciliation: a batch's received count must equal the rows actually stored in raw plus quarantine."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from clusterscore.landing import latest_batch
from clusterscore.sources import SOURCES


@dataclass
class Reconciliation:
    source_name: str
    batch_id: str | None
    received: int
    landed_rows: int
    quarantined_rows: int

    @property
    def balanced(self) -> bool:
        return self.batch_id is not None and self.received == self.landed_rows + self.quarantined_rows

    def describe(self) -> str:
        if self.batch_id is None:
            return f"{self.source_name}: no landed batch to reconcile"
        verdict = "balanced" if self.balanced else "NOT balanced"
        return (
            f"{self.source_name} batch {self.batch_id}: received {self.received} = landed {self.landed_rows}"
            f" + quarantined {self.quarantined_rows}: {verdict}"
        )

    def as_metadata(self) -> dict:
        return {**asdict(self), "balanced": self.balanced}


def reconcile_latest_batch(con, source_name: str) -> Reconciliation:
    spec = SOURCES[source_name]
    latest = latest_batch(con, source_name)
    if latest is None:
        return Reconciliation(source_name, None, 0, 0, 0)
    batch_id, received = latest.batch_id, latest.received
    # Records are stored by content: a batch's landed records are the versions it stored or saw again.
    (landed,) = con.execute(
        f"select count(*) from {spec.raw_table} where last_seen_batch_id = ?", [batch_id]
    ).fetchone()
    (quarantined,) = con.execute("select count(*) from meta.quarantine where batch_id = ?", [batch_id]).fetchone()
    return Reconciliation(source_name, batch_id, received, landed, quarantined)
