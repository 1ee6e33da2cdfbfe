"""The synthetic sample generator: reproducible, valid CVR numbers, edge cases present, scales linearly.

The committed `sample/` must be exactly what the generator writes for the default seed and scale, so a change
to the generator that alters the sample shows up here until the sample is regenerated and committed.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest

from clusterscore.cvr_numbers import CvrAllocator, is_valid_cvr
from clusterscore.sample import DEFAULT_SEED, generate
from clusterscore.sample.generator import CVR_FILE, FILES

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO_ROOT / "sample"


def decompressed_sha256(path: Path) -> str:
    with gzip.open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def read_lines(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def manifest(directory: Path) -> dict:
    return json.loads((directory / "MANIFEST.json").read_text(encoding="utf-8"))


def cvr_documents(directory: Path) -> list[dict]:
    return [
        hit["_source"]["Vrvirksomhed"]
        for hit in read_lines(directory / CVR_FILE)
        if "Vrvirksomhed" in hit.get("_source", {})
    ]


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample_default")
    generate(out, scale=1.0, seed=DEFAULT_SEED)
    return out


def test_regenerating_reproduces_the_committed_sample(regenerated: Path) -> None:
    committed = manifest(SAMPLE_DIR)
    fresh = manifest(regenerated)
    assert fresh == committed
    for name in FILES:
        assert decompressed_sha256(regenerated / name) == decompressed_sha256(SAMPLE_DIR / name), name
        assert decompressed_sha256(SAMPLE_DIR / name) == committed["files"][name]["sha256"], name
        assert len(read_lines(SAMPLE_DIR / name)) == committed["files"][name]["records"], name


def test_a_different_seed_gives_different_content(tmp_path: Path) -> None:
    other = generate(tmp_path, scale=1.0, seed=DEFAULT_SEED + 1)
    committed = manifest(SAMPLE_DIR)
    for name in (CVR_FILE, "clusters/submissions.jsonl.gz"):
        assert other["files"][name]["sha256"] != committed["files"][name]["sha256"], name


def test_every_cvr_number_passes_modulus_11_except_the_listed_bad_records() -> None:
    listed = manifest(SAMPLE_DIR)["bad_records"]
    bad_lines = {entry["line"] for entry in listed if entry["file"] == CVR_FILE}
    failing = set()
    for line_no, hit in enumerate(read_lines(SAMPLE_DIR / CVR_FILE), start=1):
        doc = hit.get("_source", {}).get("Vrvirksomhed")
        if doc is None or not is_valid_cvr(doc["cvrNummer"]):
            failing.add(line_no)
    assert failing == bad_lines
    kinds = {entry["kind"] for entry in listed}
    expected = {
        "cvr_check_digit",
        "missing_vrvirksomhed",
        "member_malformed_cvr",
        "negative_funding",
        "unknown_label_level",
    }
    assert expected <= kinds


def test_cvr_and_unit_numbers_are_distinct() -> None:
    docs = cvr_documents(SAMPLE_DIR)
    cvrs = [doc["cvrNummer"] for doc in docs]
    units = [doc["enhedsNummer"] for doc in docs]
    assert len(set(cvrs)) == len(cvrs)
    assert len(set(units)) == len(units)
    assert all(1_000_000_000 <= unit < 10_000_000_000 for unit in units)


def test_is_valid_cvr_known_values() -> None:
    # 1234567?: 1*2 + 2*7 + 3*6 + 4*5 + 5*4 + 6*3 + 7*2 = 106; 106 % 11 = 7, so the check digit is 4.
    assert is_valid_cvr(12345674)
    assert is_valid_cvr("12345674")
    # 2345678?: 2*2 + 3*7 + 4*6 + 5*5 + 6*4 + 7*3 + 8*2 = 135; 135 % 11 = 3, so the check digit is 8.
    assert is_valid_cvr(23456788)
    # 1000000?: 1*2 = 2, so the check digit is 9.
    assert is_valid_cvr("10000009")
    assert not is_valid_cvr(12345675)  # wrong check digit
    assert not is_valid_cvr(23456789)  # wrong check digit
    assert not is_valid_cvr(1234567)  # 7 digits
    assert not is_valid_cvr("1234567")
    assert not is_valid_cvr("1234567A")  # letters
    assert not is_valid_cvr("12 345 674")
    # 0234567?: 2*7 + 3*6 + 4*5 + 5*4 + 6*3 + 7*2 = 104; 104 % 11 = 5, check digit 6: the sum passes, but
    # a CVR number never starts with 0.
    assert not is_valid_cvr("02345676")
    assert not is_valid_cvr(True)
    assert not is_valid_cvr(None)  # type: ignore[arg-type]


def test_allocator_hands_out_distinct_valid_numbers() -> None:
    import random

    allocator = CvrAllocator(random.Random(7))
    numbers = [allocator.next() for _ in range(2000)]
    assert len(set(numbers)) == len(numbers)
    assert all(is_valid_cvr(number) for number in numbers)
    assert not is_valid_cvr(allocator.next_invalid())


def test_the_registry_edge_cases_are_present() -> None:
    docs = cvr_documents(SAMPLE_DIR)

    def current_status(doc: dict) -> str:
        return next(s["status"] for s in doc["virksomhedsstatus"] if s["periode"]["gyldigTil"] is None)

    def has_ended_board_role(doc: dict) -> bool:
        return any(
            value["periode"]["gyldigTil"] is not None
            for relation in doc.get("deltagerRelation", [])
            for organisation in relation["organisationer"]
            if organisation["hovedtype"] == "LEDELSESORGAN"
            for data in organisation["medlemsData"]
            for attribute in data["attributter"]
            for value in attribute["vaerdier"]
        )

    statuses = [current_status(doc) for doc in docs]
    assert sum("virksomhedMetadata" not in doc for doc in docs) > 0
    assert statuses.count("OPHØRT") > 0
    assert statuses.count("UNDER KONKURS") > 0
    assert statuses.count("OPLØST EFTER KONKURS") > 0
    assert sum(not doc.get("aarsbeskaeftigelse") for doc in docs) > 0
    assert sum(has_ended_board_role(doc) for doc in docs) > 0
    assert (
        sum(
            bool(doc.get("aarsbeskaeftigelse")) and doc["aarsbeskaeftigelse"][-1]["antalAnsatte"] is None
            for doc in docs
        )
        > 0
    )
    assert sum(len(doc["navne"]) > 1 for doc in docs) > 0
    assert sum(len(doc["beliggenhedsadresse"]) > 1 for doc in docs) > 0
    assert all(doc.get("virksomhedMetadata", {}).get("nyesteStatus") is None for doc in docs)


def test_every_record_is_labelled_synthetic() -> None:
    for name in FILES:
        assert all(record.get("synthetic") is True for record in read_lines(SAMPLE_DIR / name)), name


def test_scale_two_gives_about_twice_the_companies(tmp_path: Path) -> None:
    base = manifest(SAMPLE_DIR)["files"][CVR_FILE]["records"]
    doubled = generate(tmp_path, scale=2.0)["files"][CVR_FILE]["records"]
    assert 1.7 <= doubled / base <= 2.3
