"""Which data each source reads (the bundled sample or the live service) and how the live service is read.

One file, `config/sources.yaml` (or the file named by CLUSTERSCORE_CONFIG), holds a `defaults` block and one block
per source. Environment variables override it, most specific first:

    CLUSTERSCORE_SOURCE_<SOURCE>_<SETTING>   one source, e.g. CLUSTERSCORE_SOURCE_CVR_COMPANIES_MODE=live
    CLUSTERSCORE_SOURCES_<SETTING>           every source, e.g. CLUSTERSCORE_SOURCES_MODE=live

then the source's block, then `defaults`, then the values below (a source's `stale_after_hours` defaults to its
SourceSpec's). Unknown sources, unknown settings and values of the wrong type are errors that name the file or
variable, so a typo never silently falls back to a default. Relative paths are relative to the repository root.
Credentials are never in this file: it names the environment variables that hold them.
"""

import dataclasses
import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from clusterscore.settings import REPO_ROOT
from clusterscore.sources import SOURCES

DEFAULT_CONFIG = REPO_ROOT / "config" / "sources.yaml"
MODES = ("sample", "live")


class ConfigError(ValueError):
    """The configuration file or an override is wrong; the message names where."""


@dataclass(frozen=True)
class SourceSettings:
    """How one source is read. Only the settings its connector uses matter; the rest keep their defaults."""

    name: str
    mode: str = "sample"  # sample | live
    stale_after_hours: int = 24 * 14  # older than this, the source's data is stale (config/sources.yaml sets each)
    read: str = "full"  # cvr_companies: full (every number in scope) | incremental (changed since the last batch)
    url: str = ""  # the live service: search endpoint or page
    scroll_url: str = ""  # Elasticsearch scroll endpoint (default: <scheme>://<host>/_search/scroll)
    folder: str = ""  # cluster submissions: the folder with one file per organisation and year
    username_env: str = ""  # the environment variable holding the HTTP Basic user name
    password_env: str = ""  # the environment variable holding the HTTP Basic password
    batch_size: int = 500  # CVR numbers per terms query (Elasticsearch: from + size <= 3,000)
    scroll_size: int = 500  # hits per scroll page
    scroll_keepalive: str = "2m"  # how long Elasticsearch keeps a scroll context between pages
    scroll_style: str = "auto"  # auto | json (ES >= 2) | raw (ES 1.x: the scroll id is the request body)
    max_documents: int = 200_000  # refuse a query matching more than this (the full CVR index is ~2.2M)
    incremental_overlap_hours: float = 2.0  # an incremental read starts this long before `since`
    years_back: int = 6  # annual reports published in the last N years
    max_pages: int = 50  # label list: pages followed through "next" links
    requests_per_second: float = 2.0  # at most this many requests per second to the service
    timeout_seconds: float = 60.0  # read timeout of one request
    connect_timeout_seconds: float = 10.0
    retries: int = 4  # retries of one request on 5xx, 429, timeouts and refused connections
    backoff_seconds: float = 1.0  # first retry delay; doubles each retry, with jitter
    max_backoff_seconds: float = 60.0
    max_retry_after_seconds: float = 300.0  # a longer Retry-After is not waited for: the source counts as down
    max_document_bytes: int = 100_000_000  # a larger download (after gunzip) is refused

    @property
    def is_live(self) -> bool:
        return self.mode == "live"

    def folder_path(self) -> Path:
        path = Path(self.folder).expanduser()
        return path if path.is_absolute() else REPO_ROOT / path

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


SETTING_NAMES = tuple(f.name for f in fields(SourceSettings) if f.name != "name")
_TYPES = {f.name: f.type for f in fields(SourceSettings)}


def config_path() -> Path:
    """The configuration file: CLUSTERSCORE_CONFIG, default `config/sources.yaml` in the repository."""
    chosen = os.environ.get("CLUSTERSCORE_CONFIG")
    return Path(chosen).expanduser().resolve() if chosen else DEFAULT_CONFIG


def env_name(source: str | None, setting: str) -> str:
    """The variable overriding `setting` of `source` (or of every source when `source` is None)."""
    if source is None:
        return f"CLUSTERSCORE_SOURCES_{setting.upper()}"
    return f"CLUSTERSCORE_SOURCE_{source.upper()}_{setting.upper()}"


def _convert(setting: str, value: Any, where: str) -> Any:
    kind = _TYPES[setting]
    try:
        if kind is int:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(value)
        if kind is float:
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        if isinstance(value, dict | list) or value is None:
            raise ValueError
        return str(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: {setting} must be {kind.__name__}, got {value!r}") from None


def _check_block(block: Any, where: str) -> dict:
    if block is None:
        return {}
    if not isinstance(block, dict):
        raise ConfigError(f"{where}: expected a mapping of settings, got {type(block).__name__}")
    unknown = sorted(set(block) - set(SETTING_NAMES))
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {unknown}; known: {', '.join(SETTING_NAMES)}")
    return {key: _convert(key, value, f"{where}.{key}") for key, value in block.items()}


def load_config(path: Path | None = None) -> dict:
    """The parsed configuration file: {"defaults": {...}, "sources": {name: {...}}, other top-level keys}."""
    path = path or config_path()
    if not path.exists():
        if path == DEFAULT_CONFIG:
            return {"defaults": {}, "sources": {}}
        raise ConfigError(f"configuration file {path} (CLUSTERSCORE_CONFIG) does not exist")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path.name}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path.name}: expected a mapping at the top level")
    unknown_top = sorted(set(data) - {"defaults", "sources", "cvr_mapping_file"})
    if unknown_top:
        raise ConfigError(f"{path.name}: unknown top-level key(s) {unknown_top}")
    sources = data.get("sources") or {}
    if not isinstance(sources, dict):
        raise ConfigError(f"{path.name}: sources must be a mapping of source name to settings")
    unknown_sources = sorted(set(sources) - set(SOURCES))
    if unknown_sources:
        raise ConfigError(f"{path.name}: unknown source(s) {unknown_sources}; known: {', '.join(SOURCES)}")
    return {
        "defaults": _check_block(data.get("defaults"), f"{path.name}: defaults"),
        "sources": {name: _check_block(block, f"{path.name}: sources.{name}") for name, block in sources.items()},
        "cvr_mapping_file": data.get("cvr_mapping_file"),
    }


def source_settings(name: str, path: Path | None = None) -> SourceSettings:
    """The settings of source `name`: built-in defaults < file defaults < file source block < environment."""
    if name not in SOURCES:
        raise ConfigError(f"unknown source {name!r}; known: {', '.join(SOURCES)}")
    config = load_config(path)
    values: dict[str, Any] = {}
    values.update(config["defaults"])
    values.update(config["sources"].get(name, {}))
    for scope in (None, name):
        for setting in SETTING_NAMES:
            variable = env_name(scope, setting)
            raw = os.environ.get(variable)
            if raw is not None and raw != "":
                values[setting] = _convert(setting, raw, variable)
    settings = SourceSettings(name=name, **values)
    if settings.mode not in MODES:
        raise ConfigError(f"source {name}: mode must be one of {MODES}, got {settings.mode!r}")
    if settings.read not in ("full", "incremental"):
        raise ConfigError(f"source {name}: read must be full or incremental, got {settings.read!r}")
    if settings.scroll_style not in ("auto", "json", "raw"):
        raise ConfigError(f"source {name}: scroll_style must be auto, json or raw, got {settings.scroll_style!r}")
    return settings


def all_source_settings(path: Path | None = None) -> dict[str, SourceSettings]:
    return {name: source_settings(name, path) for name in SOURCES}


def cvr_mapping_path(path: Path | None = None) -> Path:
    """The confirmed organisation name -> CVR number mapping (CLUSTERSCORE_CVR_MAPPING_FILE overrides)."""
    chosen = os.environ.get("CLUSTERSCORE_CVR_MAPPING_FILE") or load_config(path).get("cvr_mapping_file")
    candidate = Path(chosen or "config/cvr_mapping.yaml").expanduser()
    return candidate if candidate.is_absolute() else REPO_ROOT / candidate
