"""Facts the rulebook reads, taken from a Danish annual report in XBRL (an instance document or inline XBRL).

Danish annual reports use the Danish Business Authority's taxonomy; its financial-statement elements live in the
namespace http://xbrl.dcca.dk/fsa (prefix `fsa` by convention, but reports use other prefixes too, so elements are
matched by namespace URI and local name, never by prefix). The facts read, keyed as in the landed record:

| key                            | element                                      | period                        |
|--------------------------------|----------------------------------------------|-------------------------------|
| fsa:Revenue                    | {http://xbrl.dcca.dk/fsa}Revenue             | duration = the report period  |
| fsa:ProfitLoss                 | {http://xbrl.dcca.dk/fsa}ProfitLoss          | duration = the report period  |
| fsa:Equity                     | {http://xbrl.dcca.dk/fsa}Equity              | instant = the period's end    |
| fsa:AverageNumberOfEmployees   | {http://xbrl.dcca.dk/fsa}AverageNumberOfEmployees | duration = the report period |

The report period is the publication's `regnskabsperiode` (else gsd:ReportingPeriodStartDate / EndDate from
http://xbrl.dcca.dk/gsd). Only contexts without dimensions (no xbrli:segment or xbrli:scenario) count: a
dimensioned fact is a breakdown (e.g. a component of equity, consolidated vs. solo), not the total. Monetary facts
must be in DKK (unit iso4217:DKK). fsa:GrossProfitLoss is not read: small (class B) companies may report gross
profit instead of revenue, and revenue then stays missing rather than being replaced by another figure.

Nothing is guessed: a fact stated twice with different values, in another currency, or with an inline XBRL number
format we do not know is left out with a note; a document that is not XBRL, has no FSA facts at all (e.g. an
IFRS/ESEF report) or states no period raises XbrlLayoutError with the reason. Documents with DTD entity
declarations are refused (no entity expansion); the standard library parser fetches no external resources.
"""

import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

XBRLI = "http://www.xbrl.org/2003/instance"
FSA = "http://xbrl.dcca.dk/fsa"
GSD = "http://xbrl.dcca.dk/gsd"
INLINE = ("http://www.xbrl.org/2013/inlineXBRL", "http://www.xbrl.org/2008/inlineXBRL")
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"

# Landed key -> (local name in the FSA namespace, period type).
FACTS: dict[str, tuple[str, str]] = {
    "fsa:Revenue": ("Revenue", "duration"),
    "fsa:ProfitLoss": ("ProfitLoss", "duration"),
    "fsa:Equity": ("Equity", "instant"),
    "fsa:AverageNumberOfEmployees": ("AverageNumberOfEmployees", "duration"),
}
MONETARY = frozenset({"fsa:Revenue", "fsa:ProfitLoss", "fsa:Equity"})

# Inline XBRL transformation formats (local names, any registry version) and how to read them.
_DOT_DECIMAL = frozenset({"numdotdecimal", "num-dot-decimal", "numcommadot", "num-comma-dot"})
_COMMA_DECIMAL = frozenset({"numcommadecimal", "num-comma-decimal", "numdotcomma", "num-dot-comma"})
_ZERO = frozenset({"zerodash", "fixed-zero", "numdash", "nocontent"})


class XbrlLayoutError(ValueError):
    """The document cannot be read as a Danish XBRL annual report; the message says why."""


@dataclass
class Context:
    start: str | None = None
    end: str | None = None
    instant: str | None = None
    dimensioned: bool = False


@dataclass
class Fact:
    context: str
    unit: str | None
    value: Decimal | None  # None: nil
    problem: str | None = None


@dataclass
class XbrlFacts:
    facts: dict[str, int | float]
    kind: str  # instance | inline
    period: tuple[str, str]
    contexts: dict[str, str] = field(default_factory=dict)  # landed key -> context id used
    notes: list[str] = field(default_factory=list)


def _local(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        uri, _, local = tag[1:].partition("}")
        return uri, local
    return "", tag


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _parse(data: bytes) -> tuple[ET.Element, dict[str, set[str]]]:
    head = data[:65536]
    if b"<!ENTITY" in head:
        raise XbrlLayoutError("the document declares DTD entities, which are not accepted")
    prefixes: dict[str, set[str]] = {}
    try:
        events = ET.iterparse(io.BytesIO(data), events=("start-ns",))
        for _, (prefix, uri) in events:
            prefixes.setdefault(prefix, set()).add(uri)
    except ET.ParseError as exc:
        raise XbrlLayoutError(f"not well-formed XML: {exc}") from exc
    return events.root, prefixes


def _contexts(root: ET.Element) -> dict[str, Context]:
    contexts = {}
    for element in root.iter(f"{{{XBRLI}}}context"):
        period = element.find(f"{{{XBRLI}}}period")
        context = Context()
        if period is not None:
            context.start = (period.findtext(f"{{{XBRLI}}}startDate") or "").strip()[:10] or None
            context.end = (period.findtext(f"{{{XBRLI}}}endDate") or "").strip()[:10] or None
            context.instant = (period.findtext(f"{{{XBRLI}}}instant") or "").strip()[:10] or None
        context.dimensioned = any(
            len(part) > 0 or (part.text or "").strip()
            for part in list(element.iter(f"{{{XBRLI}}}segment")) + list(element.iter(f"{{{XBRLI}}}scenario"))
        )
        contexts[element.get("id", "")] = context
    return contexts


def _units(root: ET.Element) -> dict[str, str]:
    units = {}
    for element in root.iter(f"{{{XBRLI}}}unit"):
        measures = [(m.text or "").strip() for m in element.iter(f"{{{XBRLI}}}measure")]
        units[element.get("id", "")] = "/".join(measures)
    return units


def _inline_value(element: ET.Element) -> tuple[Decimal | None, str | None]:
    if element.get(XSI_NIL) == "true":
        return None, None
    text = "".join(element.itertext()).strip()
    fmt = (element.get("format") or "").rpartition(":")[2].lower()
    if fmt in _ZERO:
        number = "0"
    elif fmt in _COMMA_DECIMAL:
        number = re.sub(r"[\s.\u00a0']", "", text).replace(",", ".")
    elif fmt in _DOT_DECIMAL or not fmt:
        number = re.sub(r"[\s,\u00a0']", "", text)
    else:
        return None, f"unknown inline XBRL number format {element.get('format')!r}"
    try:
        value = Decimal(number)
    except InvalidOperation:
        return None, f"not a number: {text!r}"
    scale = element.get("scale")
    if scale:
        try:
            value = value.scaleb(int(scale))
        except ValueError:
            return None, f"bad scale {scale!r}"
    if element.get("sign") == "-":
        value = -value
    return value, None


def _instance_value(element: ET.Element) -> tuple[Decimal | None, str | None]:
    if element.get(XSI_NIL) == "true":
        return None, None
    text = (element.text or "").strip()
    try:
        return Decimal(text), None
    except InvalidOperation:
        return None, f"not a number: {text!r}"


def _collect(root: ET.Element, prefixes: dict[str, set[str]], inline: bool) -> tuple[dict, dict, int]:
    """FSA facts by local name, GSD period facts, and how many FSA facts the document has at all."""
    facts: dict[str, list[Fact]] = {}
    period: dict[str, str] = {}
    fsa_count = 0
    wanted = {local for local, _ in FACTS.values()}
    if inline:
        ix = {f"{{{uri}}}nonFraction" for uri in INLINE}
        ix_text = {f"{{{uri}}}nonNumeric" for uri in INLINE}
        for element in root.iter():
            if element.tag not in ix and element.tag not in ix_text:
                continue
            prefix, _, local = (element.get("name") or "").rpartition(":")
            uris = prefixes.get(prefix, set())
            if len(uris) > 1:
                raise XbrlLayoutError(f"prefix {prefix!r} is bound to several namespaces: {sorted(uris)}")
            uri = next(iter(uris), "")
            if uri == FSA:
                fsa_count += 1
            if element.tag in ix_text:
                if uri == GSD and local in ("ReportingPeriodStartDate", "ReportingPeriodEndDate"):
                    period[local] = "".join(element.itertext()).strip()[:10]
                continue
            if uri == FSA and local in wanted:
                value, problem = _inline_value(element)
                facts.setdefault(local, []).append(
                    Fact(element.get("contextRef", ""), element.get("unitRef"), value, problem)
                )
    else:
        for element in root:
            uri, local = _local(element.tag)
            if uri == GSD and local in ("ReportingPeriodStartDate", "ReportingPeriodEndDate"):
                period[local] = (element.text or "").strip()[:10]
            if uri != FSA:
                continue
            fsa_count += 1
            if local in wanted:
                value, problem = _instance_value(element)
                facts.setdefault(local, []).append(
                    Fact(element.get("contextRef", ""), element.get("unitRef"), value, problem)
                )
    return facts, period, fsa_count


def parse_xbrl(data: bytes, period_start: str | None = None, period_end: str | None = None) -> XbrlFacts:
    """The rulebook's facts for the report period; raises XbrlLayoutError when the document cannot be read."""
    root, prefixes = _parse(data)
    uri, local = _local(root.tag)
    if uri == XBRLI and local == "xbrl":
        inline = False
    elif local == "html":
        inline = True
    else:
        raise XbrlLayoutError(f"the root element is {root.tag}, neither an XBRL instance (xbrli:xbrl) nor inline XBRL")
    contexts, units = _contexts(root), _units(root)
    facts, period, fsa_count = _collect(root, prefixes, inline)
    if fsa_count == 0:
        raise XbrlLayoutError(
            f"no facts of the Danish FSA taxonomy ({FSA}) in this {'inline XBRL' if inline else 'XBRL'} document "
            "(an IFRS/ESEF report, or another taxonomy)"
        )
    start = period_start or period.get("ReportingPeriodStartDate")
    end = period_end or period.get("ReportingPeriodEndDate")
    if not start or not end:
        raise XbrlLayoutError("the report period is not stated (no regnskabsperiode, no gsd:ReportingPeriod dates)")
    result = XbrlFacts({}, "inline" if inline else "instance", (start, end))
    for key, (name, period_type) in FACTS.items():
        candidates = []
        for fact in facts.get(name, []):
            context = contexts.get(fact.context)
            if context is None or context.dimensioned:
                continue
            current = (
                (context.start, context.end) == (start, end) if period_type == "duration" else context.instant == end
            )
            if current:
                candidates.append(fact)
        if not candidates:
            if facts.get(name):
                result.notes.append(f"{key}: stated only for other periods or with dimensions")
            continue
        problems = [fact.problem for fact in candidates if fact.problem]
        values = {fact.value for fact in candidates if fact.value is not None and not fact.problem}
        if problems and not values:
            result.notes.append(f"{key}: {problems[0]}")
            continue
        if not values:
            continue  # nil: the report says it has no value
        if len(values) > 1:
            result.notes.append(f"{key}: stated with different values {sorted(str(v) for v in values)}; left out")
            continue
        chosen = next(fact for fact in candidates if fact.value in values)
        if key in MONETARY:
            unit = units.get(chosen.unit or "", "")
            if not unit.upper().endswith("DKK"):
                result.notes.append(f"{key}: reported in {unit or 'no unit'}, not DKK; left out")
                continue
        result.facts[key] = _number(values.pop())
        result.contexts[key] = chosen.context
    return result
