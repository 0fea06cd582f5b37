"""Page-numbered JSON lists for every API list endpoint: ?page= (from 1) and ?page_size= (at most 100)."""
from urllib.parse import urlencode

from flask import current_app, jsonify, request

from blueprints.api.responses import bad_input
from models import db
from services.validation import parse_int

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def _paging_arg(name, default):
    """The query argument `name`, or `default` when it is missing or blank (`?page=%20`)."""
    return (request.args.get(name) or "").strip() or default


def next_page_url(page):
    """This request's URL for `page`, on BACKEND_URL (never the request's Host header)."""
    args = request.args.copy()
    args["page"] = str(page)
    return f"{current_app.config['BACKEND_URL']}{request.path}?{urlencode(list(args.items(multi=True)))}"


def paginated_response(query, serialize):
    """`{"results", "count", "page", "pages", "next"}` for a select; bad paging arguments are a 400.

    An empty list still has one (empty) page, so `pages` is at least 1.
    """
    errors = {}
    page = parse_int(_paging_arg("page", 1), "page", errors, label="page", low=1, high=1_000_000)
    size = parse_int(_paging_arg("page_size", DEFAULT_PAGE_SIZE), "page_size", errors, label="page_size", low=1, high=1_000_000)
    if errors:
        return bad_input("Invalid paging arguments.", errors)
    size = min(size, MAX_PAGE_SIZE)  # like DRF's max_page_size: larger requests get the largest page
    result = db.paginate(query, page=page, per_page=size, max_per_page=MAX_PAGE_SIZE, error_out=False)
    next_url = next_page_url(page + 1) if result.has_next else None
    return jsonify(results=[serialize(row) for row in result.items], count=result.total, page=page, pages=max(result.pages, 1), next=next_url)
