"""Page-numbered JSON lists for every API list endpoint: ?page= (from 1) and ?page_size= (at most 100)."""
from flask import jsonify, request, url_for

from blueprints.api.responses import bad_input
from models import db
from services.validation import parse_int

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def paginated_response(query, serialize):
    """`{"results", "count", "page", "pages", "next"}` for a select; bad paging arguments are a 400.

    An empty list still has one (empty) page, so `pages` is at least 1.
    """
    errors = {}
    page = parse_int(request.args.get("page") or 1, "page", errors, label="page", low=1, high=1_000_000)
    size = parse_int(request.args.get("page_size") or DEFAULT_PAGE_SIZE, "page_size", errors, label="page_size", low=1, high=1_000_000)
    if errors:
        return bad_input("Invalid paging arguments.", errors)
    size = min(size, MAX_PAGE_SIZE)  # like DRF's max_page_size: larger requests get the largest page
    result = db.paginate(query, page=page, per_page=size, max_per_page=MAX_PAGE_SIZE, error_out=False)
    next_url = None
    if result.has_next:
        args = {**request.args.to_dict(), "page": page + 1}
        next_url = url_for(request.endpoint, **(request.view_args or {}), **args, _external=True)
    return jsonify(results=[serialize(row) for row in result.items], count=result.total, page=page, pages=max(result.pages, 1), next=next_url)
