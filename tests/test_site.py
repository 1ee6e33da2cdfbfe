"""The static scorecard site, built from one real refresh, served over loopback HTTP and opened in Debian's chromium.

The browser runs headless through its command line: `--dump-dom` gives the DOM after table.js ran, `--screenshot`
the PNGs in tests/artifacts/, and `--enable-logging=stderr` prints every console message (errors and uncaught
exceptions included) as a `CONSOLE` line, which the tests collect. HTML validity is checked with html5lib's strict
parser.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import duckdb
import html5lib
import pytest

from clusterscore.site import build_site
from clusterscore.site.render import org_filename
from clusterscore.site.serve import make_server

pytestmark = pytest.mark.slow  # every test reads the site of a full refresh

ARTIFACTS = Path(__file__).parent / "artifacts"
SVG = "{http://www.w3.org/2000/svg}"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
]
# chromium prints each console message as e.g. `[pid:tid:date:INFO:CONSOLE:12] "Uncaught ...", source: URL (12)`.
CONSOLE_LINE = re.compile(r":CONSOLE(?::\d+)?\]")
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


@dataclass
class Site:
    root: Path
    database: Path
    pages: list[str]  # paths relative to root, posix, index.html first


@dataclass
class Browser:
    executable: str
    profile: Path

    def run(self, url: str, *args: str) -> subprocess.CompletedProcess:
        command = [self.executable, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", *args, url]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)

    def dump_dom(self, url: str) -> tuple[str, list[str]]:
        """The DOM after scripts ran, and the console lines the page produced."""
        result = self.run(url, "--dump-dom")
        assert result.returncode == 0, f"chromium failed on {url}: {result.stderr[-2000:]}"
        return result.stdout, [line for line in result.stderr.splitlines() if CONSOLE_LINE.search(line)]

    def screenshot(self, url: str, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        result = self.run(url, f"--screenshot={target}", "--window-size=1280,2000")
        assert result.returncode == 0 and target.exists(), f"no screenshot of {url}: {result.stderr[-2000:]}"


@functools.cache
def parse(html: str):
    """html5lib's etree with plain tag names (SVG keeps its namespace); cached because the tests share pages."""
    return html5lib.parse(html, treebuilder="etree", namespaceHTMLElements=False)


def text_of(element) -> str:
    return " ".join("".join(element.itertext()).split())


def by_id(tree, element_id: str):
    found = [e for e in tree.iter() if e.get("id") == element_id]
    assert len(found) == 1, f"expected one element with id {element_id!r}, found {len(found)}"
    return found[0]


def latest_scorecard(database: Path) -> list[dict]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        cursor = con.execute(
            """
            select * from marts.scorecard
            where run_id = (select run_id from marts.scorecard order by computed_at desc limit 1)
            """
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


@pytest.fixture(scope="module")
def site(refreshed, tmp_path_factory) -> Site:
    paths, outcome = refreshed
    assert outcome.success, "the refresh the site is built from failed"
    root = tmp_path_factory.mktemp("site") / "site"
    index = build_site(paths.published_db, root)
    assert index == root / "index.html"
    pages = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.html"))
    pages.remove("index.html")
    return Site(root, paths.published_db, ["index.html", *pages])


@pytest.fixture(scope="module")
def server(site) -> Iterator[tuple[str, list[tuple[str, int]]]]:
    """The site over real HTTP on 127.0.0.1 (a free port), recording every request's path and status."""
    requests: list[tuple[str, int]] = []

    class Recording(SimpleHTTPRequestHandler):
        def log_request(self, code="-", size="-"):
            requests.append((self.path, int(code)))

        def log_message(self, format, *args):  # keep pytest output clean
            pass

    httpd = make_server(site.root, "127.0.0.1", 0, handler=Recording)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    host, port = httpd.server_address[:2]
    try:
        yield f"http://{host}:{port}/", requests
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Browser:
    executable = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if executable is None:
        pytest.fail("chromium is not installed: run `make browser` (Debian's chromium drives the site tests)")
    return Browser(executable, tmp_path_factory.mktemp("chromium-profile"))


@pytest.fixture(scope="module")
def rendered(site, server, browser) -> dict[str, tuple[str, list[str]]]:
    """Every page opened once in the browser: its DOM after JavaScript and its console lines."""
    base, _ = server
    return {page: browser.dump_dom(urljoin(base, page)) for page in site.pages}


def test_overview_loads_without_console_errors(site, server, browser, rendered):
    base, requests = server
    dom, console = rendered["index.html"]
    assert console == [], "console messages on the overview:\n" + "\n".join(console)
    tree = parse(dom)
    table = by_id(tree, "overview")
    assert table.get("data-enhanced") == "true", "table.js did not run"
    assert by_id(tree, "overview-filter").tag == "input"
    count = len(latest_scorecard(site.database))
    assert text_of(by_id(tree, "overview-status")) == f"Showing {count} of {count} rows"
    browser.screenshot(urljoin(base, "index.html"), ARTIFACTS / "overview.png")
    failed = [(path, status) for path, status in requests if status >= 400]
    assert failed == [], f"requests that failed while the browser loaded the site: {failed}"


def test_console_capture_sees_script_errors(browser, tmp_path):
    """Guards the console checks: this chromium must report an uncaught error on stderr."""
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><title>x</title><script>notDefinedAnywhere();</script>", encoding="utf-8")
    _, console = browser.dump_dom(page.as_uri())
    assert any("Uncaught" in line and "notDefinedAnywhere" in line for line in console), console


def test_every_page_loads_without_console_errors(rendered, server):
    _, requests = server
    noisy = {page: console for page, (_, console) in rendered.items() if console}
    assert noisy == {}, f"console messages: {noisy}"
    assert [(path, status) for path, status in requests if status >= 400] == []


def test_overview_filter_and_sort_from_the_url(site, server, browser):
    """table.js reads ?level= and ?sort=: the view a reviewer can share as a link."""
    base, _ = server
    rows = latest_scorecard(site.database)
    level = max({r["readiness_level"] for r in rows}, key=lambda lv: sum(r["readiness_level"] == lv for r in rows))
    query = urlencode({"level": level, "sort": 4, "dir": "descending"})  # column 4: total score
    dom, console = browser.dump_dom(urljoin(base, f"index.html?{query}"))
    assert console == []
    table = by_id(parse(dom), "overview")
    visible = [tr for tr in table.find("tbody").findall("tr") if tr.get("hidden") is None]
    assert {tr.get("data-level") for tr in visible} == {level}
    assert len(visible) == sum(r["readiness_level"] == level for r in rows)
    scores = [tr.findall("td")[3].get("data-sort") for tr in visible]
    numbers = [float(s) for s in scores if s]
    assert numbers == sorted(numbers, reverse=True)
    assert scores[len(numbers) :] == [""] * (len(scores) - len(numbers)), "missing scores sort last"
    headers = table.find("thead").find("tr").findall("th")
    assert headers[4].get("aria-sort") == "descending"


def test_every_organisation_page_shows_its_level_and_score(site, rendered, server, browser):
    base, _ = server
    rows = latest_scorecard(site.database)
    assert rows, "the refresh produced no scorecard"
    overview = parse(rendered["index.html"][0])
    overview_rows = {
        tr.find("th").find("a").get("href"): tr for tr in by_id(overview, "overview").find("tbody").findall("tr")
    }
    for row in rows:
        page = f"org/{org_filename(row['cluster_org_id'])}"
        assert (site.root / page).is_file(), f"no page for {row['cluster_org_id']}"
        tree = parse(rendered[page][0])
        assert text_of(by_id(tree, "readiness-level")) == row["readiness_level"]
        shown = text_of(by_id(tree, "total-score"))
        if row["total_score_pct"] is None:
            assert shown == "missing"
        else:
            assert float(NUMBER.search(shown).group()) == pytest.approx(row["total_score_pct"], abs=0.005), shown
        if row["level_reason"]:
            assert text_of(by_id(tree, "level-reason")) not in ("", "missing")
        # The overview row links to the page and shows the same level.
        overview_row = overview_rows[page]
        assert row["readiness_level"] in text_of(overview_row)
    first = f"org/{org_filename(min(r['cluster_org_id'] for r in rows))}"
    browser.screenshot(urljoin(base, first), ARTIFACTS / "organisation.png")


def test_missing_data_is_listed_with_what_would_fill_it(site, rendered):
    con = duckdb.connect(str(site.database), read_only=True)
    try:
        missing = con.execute(
            """
            select v.cluster_org_id, r.indicator_name, r.measurement
            from marts.fct_indicator_value as v
            inner join rulebook.rulebook_indicators as r using (rulebook_version, indicator_id)
            where v.data_status = 'missing'
              and v.run_id = (select run_id from marts.scorecard order by computed_at desc limit 1)
            """
        ).fetchall()
    finally:
        con.close()
    for org_id, name, measurement in missing:
        tree = parse(rendered[f"org/{org_filename(org_id)}"][0])
        section = next(s for s in tree.iter("section") if s.get("aria-labelledby") == "missing-heading")
        text = text_of(section)
        assert name in text and " ".join(measurement.split()) in text, f"{org_id}: {name} not listed as missing"


def test_every_internal_link_resolves(site):
    root = site.root.resolve()
    checked = 0
    for page in site.pages:
        tree = parse((site.root / page).read_text(encoding="utf-8"))
        for element in tree.iter():
            target = element.get("href") or element.get("src")
            if not target or element.tag == f"{SVG}use":
                continue
            parts = urlsplit(target)
            if parts.scheme or parts.netloc:  # external (rulebook basis links) or data: URLs
                assert parts.scheme in ("http", "https", "data"), f"{page}: unexpected link {target}"
                continue
            assert not parts.path.startswith("/"), f"{page}: absolute link {target} breaks file:// reading"
            resolved = (site.root / page).parent / parts.path if parts.path else site.root / page
            resolved = resolved.resolve()
            assert resolved.is_relative_to(root) and resolved.is_file(), f"{page}: broken link {target}"
            if parts.fragment:
                ids = {e.get("id") for e in parse(resolved.read_text(encoding="utf-8")).iter()}
                assert parts.fragment in ids, f"{page}: link {target} points at no element"
            checked += 1
    assert checked > len(site.pages) * 5


def test_charts_render_with_a_text_alternative(rendered):
    pages = ["index.html", next(p for p in rendered if p.startswith("org/"))]
    for page in pages:
        tree = parse(rendered[page][0])
        charts = [e for e in tree.iter(f"{SVG}svg") if "chart" in (e.get("class") or "").split()]
        assert len(charts) >= (2 if page == "index.html" else 1), f"{page}: charts missing"
        for chart in charts:
            assert chart.get("role") == "img"
            title = by_id(tree, chart.get("aria-labelledby"))
            assert title.tag == f"{SVG}title" and len(text_of(title)) > 20
            drawn = [e for e in chart.iter() if e.tag in (f"{SVG}path", f"{SVG}text", f"{SVG}rect", f"{SVG}use")]
            assert len(drawn) > 10, f"{page}: chart {chart.get('id')} draws nothing"
            # Labels and values as SVG text (searchable, read by screen readers), not as glyph outlines.
            labels = " ".join(text_of(e) for e in chart.iter(f"{SVG}text"))
            assert any(c.isdigit() for c in labels), f"{page}: chart {chart.get('id')} shows no numbers as text"
        figures = [f for f in tree.iter("figure") if f.find("figcaption") is not None]
        assert len(figures) == len(charts)


def test_html_is_valid(site):
    """html5lib's strict parser raises on any parse error (unclosed or misnested tags, stray end tags)."""
    for page in site.pages:
        html = (site.root / page).read_text(encoding="utf-8")
        assert html.startswith("<!DOCTYPE html>"), page
        try:
            tree = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)
        except html5lib.html5parser.ParseError as error:
            pytest.fail(f"{page}: {error}")
        assert tree.get("lang") == "en"
        assert text_of(tree.find("head").find("title"))
        ids = [e.get("id") for e in tree.iter() if e.get("id")]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        assert duplicated == [], f"{page}: duplicate ids {duplicated}"


def test_strict_parser_catches_broken_html():
    """Guards the check above: the validator must actually reject bad markup."""
    with pytest.raises(html5lib.html5parser.ParseError):
        html5lib.HTMLParser(strict=True).parse("<!DOCTYPE html><title>x</title><table><tr><td>a</table><div>")


def test_tables_are_semantic(site):
    checked = 0
    for page in site.pages:
        tree = parse((site.root / page).read_text(encoding="utf-8"))
        for table in tree.iter("table"):
            checked += 1
            caption = table.find("caption")
            assert caption is not None and text_of(caption), f"{page}: table without caption"
            head = table.find("thead")
            assert head is not None and head.findall("tr/th"), f"{page}: table without a header row"
            assert all(th.get("scope") == "col" for th in head.iter("th")), page
            body_headers = list(table.find("tbody").iter("th"))
            assert all(th.get("scope") == "row" for th in body_headers), page
    assert checked >= len(site.pages), "fewer tables than pages: the checks above saw too little"


def test_every_page_marks_synthetic_organisations(site, rendered):
    rows = latest_scorecard(site.database)
    synthetic = [r for r in rows if r["is_synthetic"]]
    assert synthetic, "the bundled sample is synthetic: the site must say so"
    for page in site.pages:
        tree = parse(rendered[page][0])
        banners = [e for e in tree.iter("div") if "synthetic-banner" in (e.get("class") or "")]
        assert len(banners) == 1 and "SYNTHETIC" in text_of(banners[0]), f"{page}: no synthetic banner"
        assert "never a real organisation" in text_of(banners[0])
    for row in synthetic:
        tree = parse(rendered[f"org/{org_filename(row['cluster_org_id'])}"][0])
        assert "synthetic" in text_of(tree.find("body").find("main").find("h1")).lower()


def test_shared_navigation_on_every_page(site):
    for page in site.pages:
        tree = parse((site.root / page).read_text(encoding="utf-8"))
        nav = next(tree.iter("nav"))
        targets = {urlsplit(a.get("href")).path.rsplit("/", 1)[-1] for a in nav.iter("a")}
        assert targets == {"index.html", "rulebook.html", "quality.html", "how-to-read.html"}, page


def test_rulebook_and_quality_pages_show_the_tables(site):
    con = duckdb.connect(str(site.database), read_only=True)
    try:
        indicators = [r[0] for r in con.execute("select indicator_id from rulebook.rulebook_indicators").fetchall()]
        quarantined = con.execute(
            """
            select count(*) from meta.quarantine as q
            inner join (
                select batch_id from meta.batches where status = 'landed'
                qualify row_number() over (partition by source_name order by fetched_at desc) = 1
            ) using (batch_id)
            """
        ).fetchone()[0]
        sources = [r[0] for r in con.execute("select distinct source_name from meta.batches").fetchall()]
    finally:
        con.close()
    rulebook = (site.root / "rulebook.html").read_text(encoding="utf-8")
    assert all(f"<code>{indicator}</code>" in rulebook for indicator in indicators)
    quality = parse((site.root / "quality.html").read_text(encoding="utf-8"))
    records = by_id(quality, "quarantine-records") if quarantined else None
    assert records is None or len(records.find("tbody").findall("tr")) == quarantined
    freshness = text_of(next(e for e in quality.iter("ul") if e.get("class") == "freshness"))
    assert all(source in freshness for source in sources)


def test_rebuild_replaces_the_site_and_refuses_foreign_folders(site, tmp_path):
    out = tmp_path / "site"
    build_site(site.database, out)
    stale = out / "org" / "00000000.html"
    stale.write_text("an organisation no longer scored")
    build_site(site.database, out)
    assert not stale.exists() and (out / "index.html").is_file()

    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("not ours")
    with pytest.raises(FileExistsError):
        build_site(site.database, foreign)
    assert (foreign / "keep.txt").exists()


def test_served_over_http(site, server):
    base, _ = server
    with urllib.request.urlopen(urljoin(base, "index.html"), timeout=10) as response:
        assert response.status == 200
        assert response.read() == (site.root / "index.html").read_bytes()
