"""A record model's rules as DuckDB SQL, so a national source is checked in the database, not row by row in Python.

From a pydantic record model this derives (1) the JSON structure that `from_json` parses a line into, in one pass,
with every checked leaf kept as JSON, and (2) a SQL predicate that is true only when the parsed record certainly
meets every rule of the model. It is conservative by design: whatever it cannot prove (a missing list, an empty
object, a number sent as a string) makes the predicate false, and landing then asks the model itself, which decides
and gives the field-level reason. So the SQL never lets through a record the model would refuse, and the model
stays the one statement of the rules. Only the rule kinds the models use are translated; anything else raises at
import, so a new kind of rule cannot silently go unchecked.
"""

from __future__ import annotations

import itertools
import json
import types
import typing
from dataclasses import dataclass

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic.functional_validators import AfterValidator, BeforeValidator

from clusterscore.cvr_numbers import valid_cvr_sql
from clusterscore.sources import fields
from clusterscore.warehouse import sql_literal

INTEGER = "('BIGINT', 'UBIGINT')"
# Hours 00-23, minutes and seconds 00-59, up to microseconds: what Python's datetime.fromisoformat reads back.
ISO_DATETIME = r"^\d{4}-\d{2}-\d{2}[T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?$"


class UnsupportedRule(TypeError):
    """A model uses a rule this module cannot state in SQL: extend it (and its tests) before using the model."""


@dataclass
class _Leaf:
    base: type
    strict: bool = False
    min_length: int | None = None
    ge: float | None = None
    le: float | None = None
    pattern: str | None = None
    check: str | None = None  # cvr | iso_date | iso_datetime


_VALIDATORS = {fields._cvr: "cvr", fields._iso_date: "iso_date", fields._iso_datetime: "iso_datetime"}
_names = itertools.count()


def _leaf(base: type, metadata: list) -> _Leaf:
    leaf = _Leaf(base)
    for item in metadata:
        if isinstance(item, BeforeValidator | AfterValidator) and item.func in _VALIDATORS:
            leaf.check = _VALIDATORS[item.func]
        elif isinstance(item, annotated_types.MinLen):
            leaf.min_length = item.min_length
        elif isinstance(item, annotated_types.Ge):
            leaf.ge = item.ge
        elif isinstance(item, annotated_types.Le):
            leaf.le = item.le
        elif type(item).__name__ == "Strict":
            leaf.strict = item.strict
        elif getattr(item, "pattern", None):
            leaf.pattern = item.pattern
        elif isinstance(item, FieldInfo):
            leaf = _merge(leaf, _leaf(base, item.metadata))
        else:
            raise UnsupportedRule(f"no SQL for the rule {item!r}")
    return leaf


def _merge(into: _Leaf, other: _Leaf) -> _Leaf:
    for name in ("min_length", "ge", "le", "pattern", "check"):
        if getattr(other, name) is not None:
            setattr(into, name, getattr(other, name))
    into.strict = into.strict or other.strict
    return into


def _split(annotation, metadata: list) -> tuple[object, list, bool]:
    """(inner annotation, its rules, whether None is allowed) of a field's annotation."""
    optional = False
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) != 1:
            raise UnsupportedRule(f"no SQL for the union {annotation!r}")
        optional, annotation = True, members[0]
    if typing.get_origin(annotation) is typing.Annotated:
        annotation, *extra = typing.get_args(annotation)
        metadata = [*extra, *metadata]
    return annotation, metadata, optional


def _model_fields(model: type[BaseModel]):
    if model.__pydantic_decorators__.model_validators or model.__pydantic_decorators__.field_validators:
        raise UnsupportedRule(f"{model.__name__} has validators of its own: no SQL for them")
    for name, info in model.model_fields.items():
        yield info.alias or name, info


def json_structure(model: type[BaseModel]) -> dict:
    """The `from_json` structure of a model: objects as objects, lists of models as lists, every leaf JSON."""
    structure = {}
    for key, info in _model_fields(model):
        annotation, _, _ = _split(info.annotation, list(info.metadata))
        if typing.get_origin(annotation) is list:
            (item,) = typing.get_args(annotation)
            structure[key] = [json_structure(item)] if _is_model(item) else "JSON"
        else:
            structure[key] = json_structure(annotation) if _is_model(annotation) else "JSON"
    return structure


def _is_model(annotation) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _quoted(key: str) -> str:
    return '"' + key.replace('"', '""') + '"'


def _leaf_ok(value: str, leaf: _Leaf) -> str:
    """SQL: the JSON leaf `value` (not null) meets the leaf's rules.

    It reads the leaf's JSON text as `from_json` re-serialised it (a cast, no parse): a number is its digits, a
    string its quoted value, escaped only for quotes, backslashes and control characters. So type and format are
    one regular expression on the text, and only a string holding a backslash is unescaped by the JSON reader.
    """
    raw = f"({value}::varchar)"
    text = f"(case when contains({raw}, '\\') then json_extract_string({value}, '$') else {raw}[2:-2] end)"
    if leaf.check == "cvr":  # a number, or a string of digits
        return f"(regexp_full_match({raw}, '\\d+|\"\\d+\"') and {valid_cvr_sql(f'trim({raw}, chr(34))')})"
    if leaf.base is int:
        parts = [f"regexp_full_match({raw}, '-?\\d+')"]
        parts += [f"try_cast({raw} as hugeint) >= {leaf.ge}"] if leaf.ge is not None else []
        parts += [f"try_cast({raw} as hugeint) <= {leaf.le}"] if leaf.le is not None else []
        return "(" + " and ".join(parts) + ")"
    if leaf.base is str:
        if leaf.check in ("iso_date", "iso_datetime"):  # the pattern is part of the shape
            if leaf.check == "iso_date":
                shape, value = r"\d{4}-\d{2}-\d{2}", f"try_cast({raw}[2:-2] as date)"
            else:
                shape = ISO_DATETIME.strip("^$")
                value = f"try_cast(replace({raw}[2:-2], 'Z', '+00:00') as timestamptz)"
            return (
                f"(regexp_full_match({raw}, {sql_literal(chr(34) + shape + chr(34))}) and {raw} >= '\"0001'"
                f" and {value} is not null)"
            )
        parts = [f"starts_with({raw}, '\"')"]
        if leaf.min_length is not None:
            parts.append(f"length({text}) >= {leaf.min_length}")
        if leaf.pattern is not None:
            parts.append(f"regexp_matches({text}, {sql_literal(leaf.pattern)})")
        return "(" + " and ".join(parts) + ")"
    raise UnsupportedRule(f"no SQL for a {leaf.base!r} field")


def _model_ok(value: str, model: type[BaseModel], line: str) -> str:
    """SQL: the parsed struct `value` (not null) is an object meeting the model's rules."""
    checks = member_checks(value, model, line)
    # An object whose every member is null may be {} or a scalar in the object's place: let the model decide.
    everything_null = " and ".join(f"{value}.{_quoted(key)} is null" for key in checks)
    return "(" + " and ".join([*checks.values(), f"not ({everything_null})"]) + ")"


def _absent(key: str, line: str) -> str:
    """SQL: the key occurs nowhere in the line's text, so a null member is missing, not of the wrong type. Sound
    only without \\u escapes (a key could be spelled with them); otherwise false, and the model decides."""
    return f"not contains({line}, {sql_literal(json.dumps(key))}) and not contains({line}, '\\u')"


def _when_null(member: str, if_null: str, check: str) -> str:
    """SQL: `if_null` for a null member, else `check`. A CASE, so each side is evaluated only for its own rows (the
    text scans of `_absent` only where the member is missing, the member's rules only where it is there)."""
    return f"case when {member} is null then {if_null} else {check} end"


def member_checks(value: str, model: type[BaseModel], line: str) -> dict[str, str]:
    """SQL per member of the model: that member of the parsed struct `value` meets its rules (`line`: the text)."""
    parts = {}
    for key, info in _model_fields(model):
        member = f"{value}.{_quoted(key)}"
        # Null passes only where the model allows None; a missing member also parses to null, so a member that
        # may be missing but not null (a default) is not passed either: the model decides.
        annotation, metadata, optional = _split(info.annotation, list(info.metadata))
        if typing.get_origin(annotation) is list:
            (item,) = typing.get_args(annotation)
            if not _is_model(item):
                raise UnsupportedRule(f"{model.__name__}.{key}: no SQL for a list of {item!r}")
            rules = _leaf(list, metadata)
            element = f"e{next(_names)}"
            each = f"coalesce(list_bool_and(list_transform({member}, lambda {element}: "
            each += f"{element} is not null and {_model_ok(element, item, line)})), true)"
            check = f"{member} is not null and {each}"
            if rules.min_length:
                check += f" and len({member}) >= {rules.min_length}"
            # A missing list and a list of the wrong type both parse to null: a list with a default passes null
            # only when its key is nowhere in the text.
            may_be_null = "true" if optional else (_absent(key, line) if not info.is_required() else "false")
            parts[key] = _when_null(member, may_be_null, check)
        elif _is_model(annotation):
            check = f"{member} is not null and {_model_ok(member, annotation, line)}"
            parts[key] = _when_null(member, "true" if optional else "false", check)
        else:
            parts[key] = _when_null(
                member, "true" if optional else "false", _leaf_ok(member, _leaf(annotation, metadata))
            )
    # Null in SQL is "unknown": a check that cannot say true counts as false (list_bool_and would skip it).
    return {key: f"coalesce({check}, false)" for key, check in parts.items()}


def passes_sql(model: type[BaseModel], parsed: str, line: str) -> str:
    """SQL true only if `parsed` (the text `line` through `from_json(line, json_structure(model))`) certainly meets
    the model; false means: ask the model."""
    return f"coalesce({parsed} is not null and {_model_ok(parsed, model, line)}, false)"


def structure_sql(model: type[BaseModel]) -> str:
    """The structure as the SQL string literal `from_json` takes."""
    return sql_literal(json.dumps(json_structure(model)))
