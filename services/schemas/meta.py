"""What every operation shares: the error body, the token's user, a page of a list."""

from functools import cache

from pydantic import create_model

from services.schemas import BOOLEAN, NULLABLE_STRING, UUID, Answer, Query
from services.validation import Described

PORTAL_STATES = ["countdown", "interview", "expired", "completed", "cancelled"]


class Error(Answer):
    error: Described({"type": "string"})
    fields: Described({"type": "object", "additionalProperties": {"type": "string"}}) = None
    code: Described(
        {"type": "string"},
        "/ai/ refusals: not_open, completed, taken_over, not_current, time_up, too_large, bad_input; "
        "interview changes: already_scheduled, changed_meanwhile",
    ) = None
    interview_id: Described(UUID, "already_scheduled: the candidate's open interview for the job") = None
    state: Described({"enum": PORTAL_STATES}, "/ai/ refusals: the portal's state") = None
    interviews_to_move: Described(
        {"type": "integer", "minimum": 1}, "Moving a booked slot without confirm: how many interviews would move"
    ) = None
    overlaps: Described(
        {"type": "array", "items": {"type": "object"}},
        "A new or moved slot that would overlap: the job's slots in the way (as Slot)",
    ) = None


class User(Answer):
    id: Described(UUID)
    email: Described({"type": "string"})
    role: Described({"enum": ["admin", "recruiter"]})


class Me(Answer):
    user: User

    @classmethod
    def of(cls, user):
        return cls(user=User(id=str(user.id), email=user.email, role=user.role))


@cache
def page_of(item):
    """The page model of a list of `item`s (blueprints/api/pagination.py fills it)."""
    return create_model(
        f"{item.__name__}Page",
        __base__=Answer,
        results=(list[item], ...),
        count=(Described({"type": "integer", "minimum": 0, "maximum": 10000}, "Rows in the list, counted up to 10,000"), ...),
        count_capped=(Described(BOOLEAN, "True when there are more than `count` rows"), ...),
        page=(Described({"type": ["integer", "null"], "minimum": 1}, "Null on a page reached by `cursor`"), ...),
        pages=(Described({"type": "integer", "minimum": 1}), ...),
        next=(Described(NULLABLE_STRING, "The next page (with `cursor` on lists that have cursors)"), ...),
    )


class Paging(Query):
    """?page= and ?page_size= of every list (read by blueprints/api/pagination.py)."""

    page: Described(
        {"type": "integer", "minimum": 1}, "Page number, from 1 (while page × page_size stays within 10,000 rows)"
    ) = None
    page_size: Described({"type": "integer", "minimum": 1, "maximum": 100}, "Rows per page (default 20)") = None


class CursorPaging(Paging):
    """Lists with a keyset also take ?cursor=."""

    cursor: Described({"type": "string"}, "From a `next` link: the page after its row (any depth, same cost)") = None
