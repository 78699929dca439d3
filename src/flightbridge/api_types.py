"""Field types shared by every app's API schemas, so the OpenAPI contract means what it says.

pydantic's lax mode would accept `to=0` as a date (the Unix epoch); a query parameter documented as
`format: date` must be a `YYYY-MM-DD` string, nothing else.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination
from pydantic import BeforeValidator, model_validator

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date_string(value):
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date_string)]

#: The largest id a BIGINT primary key holds. A bigger number in a path or query used to reach the
#: database and come back as an OverflowError 500; now it is a 422 naming the parameter.
MAX_ROW_ID = 2**63 - 1
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]


class Pages(PageNumberPagination):
    """Page-number paging with bounds a database can honour (SQLite rejects an OFFSET past 2^63)."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000, description="page number, from 1")
        page_size: int | None = Field(None, ge=1, le=500, description="items per page (at most 500)")

    def __init__(self, page_size: int = 50, max_page_size: int = 500, **kwargs):
        super().__init__(page_size=page_size, max_page_size=max_page_size, **kwargs)


class ObjectBody(Schema):
    """A request body that must be a JSON object. Ninja's Schema reads any value by attribute, so an
    array (`[null, null]`) used to pass as an object with every optional field unset (found by the
    superuser fuzz of the fleet routes, issue 13). Replaces Schema's root validator of the same name."""

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values, handler, info):
        if not isinstance(values, dict):
            raise ValueError("the body must be a JSON object")
        return handler(values)
