"""Quarantine reasons that point into the file a person filled in: file, sheet, row and column.

A converted submission line carries `source_ref` ("nordlys-2026.xlsx, sheet Members, row 7") and the submission
header carries `source_columns` (per section, field -> "column B"; for the key/value header sheet, field ->
"row 3, column B"). The splitter then validates the line with `located(model, ...)`: the same rules, but each error
is reported at "nordlys-2026.xlsx, sheet Members, row 7, column B (member_cvr)" instead of "members[3].member_cvr".
Lines without `source_ref` (the sample, JSON-lines files) are validated with the plain model, exactly as before.
"""

import functools
from typing import Any

from pydantic import BaseModel, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from clusterscore.sources.fields import Loose


def _dotted(loc: tuple) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _reason(error: dict) -> str:
    return "required field is missing" if error["type"] == "missing" else error["msg"].removeprefix("Value error, ")


def _where(data: Any, loc: tuple, columns: dict, nested: dict) -> str:
    ref = data.get("source_ref") if isinstance(data, dict) else None
    if len(loc) >= 2 and loc[0] in nested and isinstance(loc[1], int) and isinstance(data, dict):
        refs_key, nested_columns = nested[loc[0]]
        refs = data.get(refs_key) or []
        if loc[1] < len(refs):
            ref, loc, columns = refs[loc[1]], loc[2:], nested_columns
    field = _dotted(loc)
    if not ref:
        return field or "(record)"
    if not field:
        return str(ref)
    position = columns.get(str(loc[0]))
    return f"{ref}, {position} ({field})" if position else f"{ref}, field {field}"


@functools.cache
def located(model: type[BaseModel], columns: tuple = (), nested: tuple = ()) -> type[BaseModel]:
    """`model` whose errors are placed by the record's `source_ref` and `columns` ((field, position) pairs).

    `nested` holds (list field, refs field, columns) triples for lists whose items have rows of their own (a
    project's participants: "participants", "participant_refs", their sheet's columns).
    """
    column_of = dict(columns)
    nested_of = {name: (refs, dict(cols)) for name, refs, cols in nested}

    class Located(model):
        @model_validator(mode="wrap")
        @classmethod
        def _locate(cls, data: Any, handler: Any) -> Any:
            try:
                return handler(data)
            except ValidationError as exc:
                errors = [
                    {
                        "type": PydanticCustomError("located", "{reason}", {"reason": _reason(error)}),
                        "loc": (_where(data, tuple(error["loc"]), column_of, nested_of),),
                        "input": error.get("input"),
                    }
                    for error in exc.errors()
                ]
                raise ValidationError.from_exception_data(exc.title, errors) from None

    Located.__name__ = Located.__qualname__ = f"Located{model.__name__}"
    return Located


def columns_of(layout: Any, section: str) -> tuple:
    """The (field, position) pairs of one section from a header's `source_columns`, hashable for the cache."""
    block = layout.get(section) if isinstance(layout, dict) else None
    return tuple(sorted((str(k), str(v)) for k, v in block.items())) if isinstance(block, dict) else ()


class UnreadableSource(Loose):
    """Stands in for a submission file that could not be converted at all: quarantined with the reason."""

    @model_validator(mode="before")
    @classmethod
    def _reject(cls, value: Any) -> Any:
        raise ValueError(str(value.get("source_error") if isinstance(value, dict) else "file could not be read"))
