"""The confirmed organisation name -> CVR number mapping kept in the repository (config/cvr_mapping.yaml).

No public page gives the cluster organisations' CVR numbers, and a name search returns look-alikes (a merged
predecessor, a namesake foundation), so a person confirms each number and the file records who and when. Live
connectors fetch exactly these organisations; nothing is ever matched by name automatically.
"""

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from clusterscore.config import ConfigError, cvr_mapping_path
from clusterscore.cvr_numbers import is_valid_cvr

FIELDS = ("organisation_name", "cvr", "confirmed_by", "confirmed_on", "note")


@dataclass(frozen=True)
class ConfirmedCvr:
    organisation_name: str
    cvr: int
    confirmed_by: str
    confirmed_on: str  # YYYY-MM-DD
    note: str = ""


def _entry(raw: object, where: str) -> ConfirmedCvr:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping with {', '.join(FIELDS)}")
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; known: {', '.join(FIELDS)}")
    name, cvr, by, on = (raw.get(key) for key in FIELDS[:4])
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where}: organisation_name is required")
    if isinstance(cvr, bool) or not is_valid_cvr(cvr if isinstance(cvr, int) else str(cvr or "")):
        raise ConfigError(f"{where} ({name}): cvr {cvr!r} is not an 8-digit CVR number passing the modulus-11 check")
    if not isinstance(by, str) or not by.strip():
        raise ConfigError(f"{where} ({name}): confirmed_by is required (who checked the number)")
    on_text = on.isoformat() if isinstance(on, dt.date) else str(on or "")
    try:
        dt.date.fromisoformat(on_text)
    except ValueError:
        raise ConfigError(f"{where} ({name}): confirmed_on must be a date YYYY-MM-DD, got {on!r}") from None
    return ConfirmedCvr(name.strip(), int(cvr), by.strip(), on_text, str(raw.get("note") or ""))


def load_mapping(path: Path | None = None) -> list[ConfirmedCvr]:
    """The confirmed entries; a malformed file or entry is a ConfigError naming it."""
    path = path or cvr_mapping_path()
    if not path.exists():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path.name}: not valid YAML: {exc}") from exc
    raw_entries = data.get("organisations") if isinstance(data, dict) else None
    if raw_entries is None:
        raw_entries = []
    if not isinstance(raw_entries, list):
        raise ConfigError(f"{path.name}: `organisations` must be a list")
    entries = [_entry(raw, f"{path.name}: organisations[{i}]") for i, raw in enumerate(raw_entries)]
    seen: dict[str, int] = {}
    for entry in entries:
        key = entry.organisation_name.casefold()
        if key in seen:
            raise ConfigError(f"{path.name}: {entry.organisation_name!r} is listed twice")
        seen[key] = entry.cvr
    return entries


def confirm(
    organisation_name: str, cvr: int, confirmed_by: str, note: str = "", path: Path | None = None
) -> ConfirmedCvr:
    """Append a confirmed entry to the mapping file (comments and earlier entries are kept as written)."""
    path = path or cvr_mapping_path()
    entry = _entry(
        {
            "organisation_name": organisation_name,
            "cvr": cvr,
            "confirmed_by": confirmed_by,
            "confirmed_on": dt.date.today().isoformat(),
            "note": note,
        },
        "new entry",
    )
    existing = load_mapping(path)
    if any(e.organisation_name.casefold() == entry.organisation_name.casefold() for e in existing):
        raise ConfigError(f"{path.name}: {entry.organisation_name!r} is already confirmed; edit the file to change it")
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if "organisations:" not in text:
        text = text.rstrip("\n") + ("\n" if text else "") + "organisations:\n"
    text = text.replace("organisations: []", "organisations:")
    block = yaml.safe_dump([asdict(entry)], allow_unicode=True, sort_keys=False, width=1000)
    text = text.rstrip("\n") + "\n" + "".join(f"  {line}\n" for line in block.splitlines())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    load_mapping(path)  # the file still reads back
    return entry
