"""Live designations: the designated organisations of the reference seed, with the CVR numbers a person confirmed.

No public service lists the designated cluster organisations with CVR numbers. The public facts (name, business
area, programme, source URL) are the dbt seed `ref_designated_organisations.csv`; the numbers are the confirmed
mapping (config/cvr_mapping.yaml). Together they give lines in the layout of sample/clusters/designations.jsonl.gz.
The designation period is the programme's (innovationskraft-2021-2024: 2021-01-01 to 2024-12-31), as its name
states; organisations without a confirmed number are listed in the details, not written.
"""

import csv
import re
from pathlib import Path

from clusterscore.connectors.cvr_mapping import ConfirmedCvr, load_mapping
from clusterscore.connectors.errors import SourceConfigError
from clusterscore.settings import DBT_PROJECT_DIR

SEED = DBT_PROJECT_DIR / "seeds" / "reference" / "ref_designated_organisations.csv"
PROGRAMME_YEARS = re.compile(r"(\d{4})-(\d{4})$")


def read_designations(mapping: list[ConfirmedCvr] | None = None, seed: Path = SEED) -> tuple[list[dict], dict]:
    mapping = load_mapping() if mapping is None else mapping
    confirmed = {entry.organisation_name.casefold(): entry for entry in mapping}
    with open(seed, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    records, unresolved, no_period, used = [], [], [], set()
    for row in rows:
        name = row["organisation_name"].strip()
        entry = confirmed.get(name.casefold())
        if entry is None:
            unresolved.append(name)
            continue
        years = PROGRAMME_YEARS.search(row["programme"])
        if not years:
            no_period.append(f"{name}: programme {row['programme']!r} names no period")
            continue
        used.add(name.casefold())
        records.append(
            {
                "cvr": entry.cvr,
                "organisation_name": name,
                "business_area_code": row["business_area_code"],
                "programme": row["programme"],
                "designated_from": f"{years[1]}-01-01",
                "designated_to": f"{years[2]}-12-31",
                "source_url": row.get("source_url") or None,
                "cvr_confirmed_by": entry.confirmed_by,
                "cvr_confirmed_on": entry.confirmed_on,
            }
        )
    if not records:
        raise SourceConfigError(
            "cluster_designations",
            str(seed.relative_to(DBT_PROJECT_DIR.parent)),
            "no designated organisation has a confirmed CVR number yet: confirm them with `clusterscore cvr-search` "
            "and `clusterscore cvr-confirm` (config/cvr_mapping.yaml), or keep this source in sample mode",
        )
    details = {
        "organisations": len(records),
        "unresolved_cvr": unresolved,
        "no_period": no_period,
        "mapping_not_in_seed": sorted(
            e.organisation_name for e in mapping if e.organisation_name.casefold() not in used
        ),
    }
    return sorted(records, key=lambda r: (r["cvr"], r["programme"])), details
