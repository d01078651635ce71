"""Typed input fields shared by every domain's API models, sized to the columns they
are stored in: a value the database cannot hold is refused (422, naming the field)
before any statement runs, never turned into a 500.

- integers carry the range of their column (`Id`, `Count`, `Int4`);
- text never carries NUL (PostgreSQL cannot store it, in text or in jsonb), and every
  text field has a maximum length that fits its column (`InputModel` checks NUL at any
  depth, keys of free-form objects included).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

INT4_MAX = 2**31 - 1
INT4_MIN = -(2**31)
#: the longest free text a form sends (notes, descriptions, comments)
LONG_TEXT_MAX = 10_000

def _no_bool(value: Any) -> Any:
    """JSON true/false is not a number, though Python's bool is an int."""
    if isinstance(value, bool):
        raise ValueError("expected an integer, not true or false")
    return value


#: an integer that is not true/false
NotBool = BeforeValidator(_no_bool)

#: the id of a row (SERIAL/INTEGER primary keys)
Id = Annotated[int, Field(ge=1, le=INT4_MAX), NotBool]
#: a count or an offset in a list
Count = Annotated[int, Field(ge=0, le=INT4_MAX), NotBool]
#: any INTEGER column
Int4 = Annotated[int, Field(ge=INT4_MIN, le=INT4_MAX), NotBool]
#: a filter value or search text (longer than any name it is compared with)
SearchText = Annotated[str, StringConstraints(max_length=200)]
#: a finite number (no NaN or infinity, which JSON cannot carry either)
Finite = Annotated[float, Field(allow_inf_nan=False, ge=-1e15, le=1e15)]
#: an integer a JSON column keeps exactly (double precision's 53 bits)
JsonInt = Annotated[int, Field(ge=-(2**53), le=2**53), NotBool]
#: a plain value in a free-form JSON object
PlainValue = Annotated[str, StringConstraints(max_length=1000)] | JsonInt | Finite | bool | None
#: free text of a form field (notes, addresses, descriptions)
LongText = Annotated[str, StringConstraints(max_length=LONG_TEXT_MAX)]

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


def _iso(pattern: re.Pattern[str], what: str) -> Any:
    """Pydantic's lax mode reads a number as a Unix time ("0" is 1970-01-01): the API
    takes what its schema says, an ISO 8601 text."""

    example = "2026-12-04" if what == "date" else "2026-12-04T10:00:00Z"

    def check(value: Any) -> Any:
        if isinstance(value, str) and not pattern.match(value):
            raise ValueError(f"expected an ISO 8601 {what} (e.g. {example})")
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise ValueError(f"expected an ISO 8601 {what}, not a number")
        return value

    return BeforeValidator(check)


#: a calendar day as ISO 8601 text (YYYY-MM-DD)
IsoDate = Annotated[date, _iso(_ISO_DATE, "date")]
#: a moment as ISO 8601 text
IsoDateTime = Annotated[datetime, _iso(_ISO_DATETIME, "date-time")]


class InputModel(BaseModel):
    """Base of every request body and query model."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        for path in _nul_paths(data, ()):
            raise ValueError(f"{'.'.join(path) or 'value'}: text cannot contain the NUL character")
        return data


class PatchModel(InputModel):
    """A partial update: only the fields sent are changed, and `null` is only accepted
    (and only documented) for columns that may be empty."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _reject_null_for_required_fields(self) -> PatchModel:
        for field in self.model_fields_set:
            if getattr(self, field) is None and field not in self.nullable:
                raise ValueError(f"{field} cannot be null")
        return self

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler.resolve_ref_schema(handler(core_schema))
        for name, prop in schema.get("properties", {}).items():
            options = prop.get("anyOf")
            if name in cls.nullable or not options:
                continue
            kept = [option for option in options if option != {"type": "null"}]
            if len(kept) == 1:
                del prop["anyOf"]
                prop.update(kept[0])
            else:
                prop["anyOf"] = kept
        return schema

    def changes(self, exclude: frozenset[str] = frozenset()) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.model_fields_set if k not in exclude}


def _nul_paths(value: Any, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    if isinstance(value, str):
        if "\x00" in value:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and "\x00" in key:
                yield (*path, repr(key))
            yield from _nul_paths(item, (*path, str(key)))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _nul_paths(item, (*path, str(index)))
