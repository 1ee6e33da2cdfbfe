"""Which CVR numbers a live CVR read needs: the organisations and every party their submissions and registry
documents name (members, board affiliations, project participants, auditors), read from the landed raw tables.

Reading only these keeps the nightly CVR read to a few thousand documents instead of the 2.2M of the index; the
members' documents are what the claim checks (ceased, bankrupt, other size class) compare against.
"""

import duckdb
import orjson

from clusterscore.connectors.cvr_mapping import load_mapping
from clusterscore.cvr_numbers import is_valid_cvr
from clusterscore.warehouse import table_type


def _current_payloads(con: duckdb.DuckDBPyConnection, table: str, record_types: tuple[str, ...] = ()) -> list:
    """Payloads of the current record versions (not superseded) of a raw table; none before its first landing."""
    if table_type(con, table) is None:
        return []
    where, params = "superseded_at is null", list(record_types)
    if record_types:
        where += f" and record_type in ({', '.join('?' for _ in record_types)})"
    rows = con.execute(f"select payload from {table} where {where}", params).fetchall()
    return [orjson.loads(row[0]) for row in rows]


def _add(numbers: set[int], value: object) -> None:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and is_valid_cvr(value):
        numbers.add(value)


def cvr_numbers_in_scope(con: duckdb.DuckDBPyConnection, include_mapping: bool = True) -> list[int]:
    """Sorted valid CVR numbers named by the confirmed mapping and the current raw records."""
    numbers: set[int] = set()
    if include_mapping:
        for entry in load_mapping():
            numbers.add(entry.cvr)
    for payload in _current_payloads(con, "raw.cluster_designations"):
        _add(numbers, payload.get("cvr"))
    for payload in _current_payloads(con, "raw.cluster_submissions"):
        for key in ("organisation_cvr", "member_cvr", "affiliation_cvr"):
            _add(numbers, payload.get(key))
        participants = payload.get("participants")  # a project's list (an event's is a count)
        for participant in participants if isinstance(participants, list) else []:
            if isinstance(participant, dict):
                _add(numbers, participant.get("participant_cvr"))
    for payload in _current_payloads(con, "raw.cvr_companies"):
        document = (payload.get("_source") or {}).get("Vrvirksomhed") or {}
        for relation in document.get("deltagerRelation") or []:
            party = (relation or {}).get("deltager") or {}
            if party.get("enhedstype") == "VIRKSOMHED":
                _add(numbers, party.get("forretningsnoegle"))
    return sorted(numbers)
