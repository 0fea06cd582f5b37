"""JSON API views. Each area adds its endpoints in its own module of this package."""

from flask import g

from blueprints.api.operations import operation
from services.schemas.meta import Me


@operation("GET", "/", summary="Who the token belongs to", tag="Meta", response=Me)
def root():
    """Who the token belongs to, so a script can check its credentials."""
    return Me.of(g.api_user)
