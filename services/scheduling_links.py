"""The links of scheduling invitations: `{BACKEND_URL}/schedule/<token>`.

Each e-mail that carries a link gets a token of its own (secrets.token_urlsafe(32), 256 bits),
stored only as its hash, so a later e-mail (a reminder, a waitlist notice) can carry a working
link without any raw token being kept. Every token of an invitation dies with it (revoked or
expired); the invitation's state decides, not the token.
"""

import re
import secrets

from flask import current_app
from sqlalchemy import select

from models import SchedulingInvitation, SchedulingToken, db
from services.secret_tokens import hash_token

# token_urlsafe(32) is 43 characters; anything not shaped like one is never looked up.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{40,64}")


def mint(invitation_id):
    """A new raw token for the invitation (its hash added to the session; the caller commits)."""
    raw = secrets.token_urlsafe(32)
    db.session.add(SchedulingToken(token_hash=hash_token(raw), invitation_id=invitation_id))
    return raw


def url(raw):
    """The candidate's scheduling (and, once booked, manage) link for a raw token."""
    return f"{current_app.config['BACKEND_URL']}/schedule/{raw}"


def new_link(invitation_id):
    """A fresh link of the invitation, for one e-mail."""
    return url(mint(invitation_id))


def manage_link(interview):
    """A fresh manage link for an interview booked from a scheduling link, else None."""
    if interview.scheduling_invitation_id is None:
        return None
    return new_link(interview.scheduling_invitation_id)


def find_invitation(raw):
    """The invitation a raw token belongs to, or None (unknown or malformed tokens alike)."""
    if not isinstance(raw, str) or not TOKEN_PATTERN.fullmatch(raw):
        return None
    return db.session.scalar(
        select(SchedulingInvitation)
        .join(SchedulingToken, SchedulingToken.invitation_id == SchedulingInvitation.id)
        .where(SchedulingToken.token_hash == hash_token(raw))
    )
