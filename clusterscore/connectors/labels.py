"""Label-list connector: the public list of benchmarked and labelled cluster organisations (an HTML table).

The page (https://www.cluster-analysis.org/benchmarked-clusters) is read with html5lib, which parses HTML the way
browsers do. The table is found by its header row, matched exactly (case and spacing aside) against the names
below; the column order does not matter. Organisation, label and valid-until columns are required: when no table
on a page has them, the read fails with SourceLayoutError naming what was expected and what was found, instead of
loading nothing. Pages are followed through rel="next" / "Next" links on the same host, up to `max_pages`.

One line per award, in the layout of sample/labels/label_list.jsonl.gz: organisation_name, country, sector,
website, label (BRONZE | SILVER | GOLD), awarded_on, valid_until, score_pct. What a row does not say stays null.
Values are read, not guessed: a label cell naming no level or more than one, or a date in a form not listed in
`parse_date`, is kept as written so the landing rule quarantines that row with its reason. A row with an empty
label cell is a benchmarked organisation without a label: it is not an award and is counted, not written.
"""

import calendar
import datetime as dt
import re
from urllib.parse import urljoin, urlsplit

import html5lib

from clusterscore.connectors.errors import SourceLayoutError, SourceQueryError
from clusterscore.connectors.http_client import HttpClient

# Landed field -> header texts that name it (lower case, single spaces).
COLUMNS: dict[str, tuple[str, ...]] = {
    "organisation_name": (
        "cluster organisation",
        "cluster organization",
        "cluster organisation name",
        "cluster organization name",
        "organisation",
        "organization",
        "cluster name",
        "cluster",
        "name",
    ),
    "country": ("country",),
    "sector": ("sector", "sectors", "industry", "sectoral focus"),
    "website": ("website", "web site", "web", "url", "homepage"),
    "label": ("label", "label level", "quality label", "cluster management label", "level"),
    "valid_until": ("valid until", "label valid until", "valid till", "validity", "expiry date", "expires"),
    "awarded_on": ("awarded", "awarded on", "date of award", "award date", "label awarded"),
    "score_pct": ("score", "score %", "score (%)", "total score"),
}
REQUIRED = ("organisation_name", "label", "valid_until")
LEVELS = re.compile(r"\b(bronze|silver|gold)\b", re.IGNORECASE)
NEXT_TEXTS = {
    "next",
    "next page",
    "next >",
    "next \u203a",
    "next \u00bb",
    "\u203a",
    "\u00bb",
}  # single and double angle quotes
MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name} | {
    name.lower(): number for number, name in enumerate(calendar.month_abbr) if name
}


def _text(element) -> str:
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip()


def _header_key(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip(" :*")


def parse_date(text: str) -> str | None:
    """ISO date from the forms the list may use; None for an empty cell; the text itself when not understood.

    Accepted: 2026-12-31, 31.12.2026, 31/12/2026, 31-12-2026, 31 December 2026, December 31, 2026, and a month
    alone (December 2026, Dec 2026, 12/2026, 12.2026), read as the month's last day ("valid until 12/2026").
    """
    text = text.strip()
    if not text:
        return None
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
            return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        if m := re.fullmatch(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})", text):
            return dt.date(int(m[3]), int(m[2]), int(m[1])).isoformat()
        if (m := re.fullmatch(r"(\d{1,2})\.? ([A-Za-z]+)\.? (\d{4})", text)) and m[2].lower() in MONTHS:
            return dt.date(int(m[3]), MONTHS[m[2].lower()], int(m[1])).isoformat()
        if (m := re.fullmatch(r"([A-Za-z]+)\.? (\d{1,2}),? (\d{4})", text)) and m[1].lower() in MONTHS:
            return dt.date(int(m[3]), MONTHS[m[1].lower()], int(m[2])).isoformat()
        month_year = re.fullmatch(r"([A-Za-z]+)\.? (\d{4})", text) or re.fullmatch(r"(\d{1,2})[./](\d{4})", text)
        if month_year:
            month_text, year = month_year[1], int(month_year[2])
            month = int(month_text) if month_text.isdigit() else MONTHS.get(month_text.lower())
            if month and 1 <= month <= 12:
                return dt.date(year, month, calendar.monthrange(year, month)[1]).isoformat()
    except ValueError:
        return text  # e.g. 31.02.2026: kept, so the landing rule says it is no calendar date
    return text


def parse_label(text: str) -> str | None:
    levels = {level.upper() for level in LEVELS.findall(text)}
    if not text.strip():
        return None
    return levels.pop() if len(levels) == 1 else text.strip().upper()


def parse_score(text: str) -> float | str | None:
    text = text.strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{1,3}(?:[.,]\d+)?)\s*%?", text)
    return float(match[1].replace(",", ".")) if match else text


def _rows(table) -> list:
    rows = []
    for section in [table, *table.findall("thead"), *table.findall("tbody"), *table.findall("tfoot")]:
        rows.extend(section.findall("tr"))
    return rows


def _header_map(cells: list[str]) -> dict[str, int]:
    positions = {}
    for index, cell in enumerate(cells):
        key = _header_key(cell)
        for field, names in COLUMNS.items():
            if key in names and field not in positions:
                positions[field] = index
                break
    return positions


def parse_page(html: bytes | str, url: str, source: str = "label_awards", encoding: str | None = None) -> dict:
    """Rows and the next page's URL of one page; SourceLayoutError when no table has the expected header."""
    kwargs = {"transport_encoding": encoding} if isinstance(html, bytes) and encoding else {}
    root = html5lib.parse(html, treebuilder="etree", namespaceHTMLElements=False, **kwargs)
    seen_headers = []
    for table in root.iter("table"):
        rows = _rows(table)
        if not rows:
            continue
        header_cells = [_text(cell) for cell in rows[0] if cell.tag in ("th", "td")]
        positions = _header_map(header_cells)
        if not all(field in positions for field in REQUIRED):
            seen_headers.append(header_cells)
            continue
        records, unlabelled = [], 0
        for row in rows[1:]:
            cells = [cell for cell in row if cell.tag in ("td", "th")]
            if not cells or not any(_text(cell) for cell in cells):
                continue
            record = _record(cells, positions)
            if record is None:
                unlabelled += 1
                continue
            records.append(record)
        return {"records": records, "unlabelled": unlabelled, "next": _next_link(root, url), "header": header_cells}
    expected = ", ".join(f"{field} ({' / '.join(COLUMNS[field][:3])})" for field in REQUIRED)
    found = "; ".join(" | ".join(h) for h in seen_headers[:5]) if seen_headers else "no table at all"
    raise SourceLayoutError(
        source,
        url,
        f"the label list's layout has changed: expected a table with columns {expected}; found: {found}",
    )


def _record(cells: list, positions: dict[str, int]) -> dict | None:
    def cell(field: str):
        index = positions.get(field)
        return cells[index] if index is not None and index < len(cells) else None

    def text(field: str) -> str:
        element = cell(field)
        return _text(element) if element is not None else ""

    label = parse_label(text("label"))
    if label is None:
        return None
    website = None
    if (element := cell("website")) is not None:
        link = element.find(".//a[@href]")
        website = link.get("href") if link is not None else (text("website") or None)
    return {
        "organisation_name": text("organisation_name") or None,
        "country": text("country") or None,
        "sector": text("sector") or None,
        "website": website,
        "label": label,
        "awarded_on": parse_date(text("awarded_on")),
        "valid_until": parse_date(text("valid_until")),
        "score_pct": parse_score(text("score_pct")),
    }


def _next_link(root, url: str) -> str | None:
    for element in root.iter():
        if (
            element.tag in ("a", "link")
            and "next" in (element.get("rel") or "").lower().split()
            and element.get("href")
        ):
            return urljoin(url, element.get("href"))
    for element in root.iter("a"):
        if element.get("href") and _text(element).lower() in NEXT_TEXTS:
            return urljoin(url, element.get("href"))
    return None


class LabelListConnector:
    def __init__(self, settings, client: HttpClient | None = None):
        self.settings = settings
        self.client = client or HttpClient.from_settings(settings)

    def close(self) -> None:
        self.client.close()

    def read(self) -> tuple[list[dict], dict]:
        url, host = self.settings.url, urlsplit(self.settings.url).netloc
        pages, records, unlabelled, visited = 0, [], 0, set()
        while url and url not in visited and pages < self.settings.max_pages:
            visited.add(url)
            response = self.client.request("GET", url, headers={"Accept": "text/html"})
            charset = re.search(r"charset=\"?([\w-]+)", response.headers.get("Content-Type", ""))
            page = parse_page(response.content, url, self.settings.name, charset[1] if charset else None)
            pages += 1
            records.extend(page["records"])
            unlabelled += page["unlabelled"]
            url = page["next"] if page["next"] and urlsplit(page["next"]).netloc == host else None
        if url and url not in visited:
            raise SourceQueryError(
                self.settings.name,
                url,
                f"the list has more than max_pages={self.settings.max_pages} pages; raise max_pages (a partial list "
                "would make labels look expired)",
            )
        if not records:
            raise SourceLayoutError(
                self.settings.name,
                self.settings.url,
                f"the label table was found but has no labelled rows on {pages} page(s): refusing to load nothing",
            )
        unique = {tuple(sorted((k, str(v)) for k, v in r.items())): r for r in records}
        rows = sorted(
            unique.values(), key=lambda r: (str(r["organisation_name"]), str(r["label"]), str(r["valid_until"]))
        )
        details = {
            "pages": pages,
            "rows": len(records),
            "duplicates_dropped": len(records) - len(unique),
            "benchmarked_without_label": unlabelled,
        }
        return rows, details
