"""Lists whose cost does not grow with the table: keyset ("cursor") pages and capped counts."""

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select, tuple_

from models import db
from services.errors import InputError

COUNT_CAP = 10_000
BAD_CURSOR = "Not a cursor from this list; follow the list's `next` link."


class CappedCount(int):
    """A row count that stops at a cap; it reads "10,000+" when there are more."""

    def __new__(cls, value, capped=False):
        count = super().__new__(cls, value)
        count.capped = capped
        return count

    def __str__(self):
        return f"{int(self):,}+" if self.capped else int.__repr__(self)


def _capped_count_query(query, cap):
    return select(func.count()).select_from(query.order_by(None).limit(cap + 1).subquery())


def capped_count(query, cap=None):
    """The rows of `query` (select only a narrow column) counted up to `cap` (COUNT_CAP), reading no more than cap + 1."""
    return capped_counts([query], cap)[0]


def capped_counts(queries, cap=None):
    """Several capped counts in one statement."""
    cap = COUNT_CAP if cap is None else cap
    values = db.session.execute(select(*(_capped_count_query(q, cap).scalar_subquery() for q in queries))).one()
    return [CappedCount(min(value, cap), capped=value > cap) for value in values]


def encode_cursor(values):
    """An opaque cursor for a row's sort key (its values as text, base64url-encoded JSON)."""
    text = json.dumps([value.isoformat() if isinstance(value, datetime) else str(value) for value in values])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _key_value(text, column):
    kind = getattr(column.type, "impl", column.type).python_type  # a TypeDecorator names its impl's
    if kind is datetime:
        value = datetime.fromisoformat(text)
        if value.tzinfo is None:
            raise ValueError("naive time in a cursor")
        return value
    return uuid.UUID(text) if kind is uuid.UUID else kind(text)


def decode_cursor(cursor, columns):
    """The sort key a cursor from encode_cursor() carries, typed as `columns`; InputError when it is not one."""
    try:
        texts = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(texts, list) or len(texts) != len(columns) or not all(isinstance(t, str) for t in texts):
            raise ValueError("wrong shape")
        return [_key_value(text, column) for text, column in zip(texts, columns, strict=True)]
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InputError({"cursor": BAD_CURSOR}, message="Invalid paging arguments.") from None


@dataclass(frozen=True)
class Keyset:
    """The sort key of a list: unique together (the primary key last), all one direction."""

    columns: tuple
    descending: bool = False

    def order(self):
        return [column.desc() if self.descending else column for column in self.columns]

    def after(self, query, key):
        """`query` narrowed to the rows that come after the row whose sort key is `key`."""
        bound = tuple_(*(bindparam(None, value, type_=column.type) for value, column in zip(key, self.columns, strict=True)))
        row = tuple_(*self.columns)
        return query.where(row < bound if self.descending else row > bound)

    def key_of(self, row):
        return [getattr(row, column.key) for column in self.columns]


@dataclass
class Page:
    items: list
    next_cursor: str | None


def keyset_page(query, keyset, size, *, cursor=None, offset=0):
    """`size` rows of `query` in the keyset's order after `cursor` (or after `offset` rows), and the next cursor."""
    if cursor:
        query = keyset.after(query, decode_cursor(cursor, keyset.columns))
    rows = db.session.scalars(query.order_by(None).order_by(*keyset.order()).offset(offset).limit(size + 1)).unique().all()
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, encode_cursor(keyset.key_of(rows[-1])) if more else None)
