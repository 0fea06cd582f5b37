"""Paginated JSON lists for every API list endpoint: ?cursor= (from `next`), or ?page= (from 1), and ?page_size=.

Lists with a keyset hand out cursors: `next` carries one, and following it costs the same on any
page. `page` keeps working for the first MAX_OFFSET rows. Counts stop at COUNT_CAP (`count_capped`).
"""

from urllib.parse import urlencode

from flask import current_app, request

from models import db
from services.errors import InputError
from services.paging import COUNT_CAP, capped_count, keyset_page
from services.schemas.meta import page_of
from services.validation import parse_int

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_OFFSET = COUNT_CAP  # deeper than this, `page` answers 400 and points to the cursor


def _paging_arg(name, default):
    """The query argument `name`, or `default` when it is missing or blank (`?page=%20`)."""
    return (request.args.get(name) or "").strip() or default


def next_page_url(**position):
    """This request's URL at `position` (`page=` or `cursor=`), on BACKEND_URL (never the request's Host header)."""
    args = request.args.copy()
    for name in ("page", "cursor"):
        args.pop(name, None)
    args.update({name: str(value) for name, value in position.items()})
    return f"{current_app.config['BACKEND_URL']}{request.path}?{urlencode(list(args.items(multi=True)))}"


def paginated(query, item, *, count_column, keyset=None, count_cap=None, serialize=None):
    """The page (`{"results", "count", "count_capped", "page", "pages", "next"}`) of `item`s of a select;
    bad paging arguments are an InputError (400). Each row is `serialize(row)`, by default `item.of(row)`.

    `count_column` is a narrow column of the query's rows to count (up to `count_cap`, default
    COUNT_CAP). With a `keyset`, `next` carries a
    cursor and `?cursor=` answers the page after it (`page` is then null). An empty list still has
    one (empty) page, so `pages` is at least 1.
    """
    errors = {}
    cursor = _paging_arg("cursor", None)
    page = parse_int(_paging_arg("page", 1), "page", errors, label="page", low=1, high=1_000_000)
    size = parse_int(_paging_arg("page_size", DEFAULT_PAGE_SIZE), "page_size", errors, label="page_size", low=1, high=1_000_000)
    if cursor and keyset is None:
        errors["cursor"] = "This list has no cursors; use page."
    if errors:
        raise InputError(errors, message="Invalid paging arguments.")
    size = min(size, MAX_PAGE_SIZE)  # like DRF's max_page_size: larger requests get the largest page
    offset = 0 if cursor else (page - 1) * size
    if offset >= MAX_OFFSET:
        raise InputError(
            {"page": f"Pages reach the first {MAX_OFFSET:,} rows; beyond them follow `next` (a cursor)."},
            message="Invalid paging arguments.",
        )
    count = capped_count(query.with_only_columns(count_column), count_cap)
    if keyset is not None:
        result = keyset_page(query, keyset, size, cursor=cursor, offset=offset)
        items, next_url = result.items, next_page_url(cursor=result.next_cursor) if result.next_cursor else None
    else:
        items = db.session.scalars(query.offset(offset).limit(size + 1)).unique().all()
        next_url = next_page_url(page=page + 1) if len(items) > size else None
        items = items[:size]
    return page_of(item)(
        results=[(serialize or item.of)(row) for row in items],
        count=int(count),
        count_capped=count.capped,
        page=None if cursor else page,
        pages=max(-(-int(count) // size), 1),
        next=next_url,
    )
