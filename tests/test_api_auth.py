"""Token authentication for the JSON API."""

import pytest
from sqlalchemy import select

from models import ApiToken, db
from services import accounts


def test_api_without_token_is_401_json(client):
    response = client.get("/api/")
    assert response.status_code == 401
    assert response.is_json and "error" in response.json
    assert response.headers["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("header", ["Token wrong", "Bearer abc", "Token", "garbage"])
def test_api_with_a_bad_token_is_401_json(client, api_token, header):
    response = client.get("/api/", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json["error"]


def test_api_with_a_good_token(client, api_headers):
    response = client.get("/api/", headers=api_headers)
    assert response.status_code == 200
    assert response.json["user"]["role"] == "admin"


def test_revoked_token_stops_working(client, admin):
    raw = accounts.create_token(admin)
    db.session.commit()
    token = db.session.scalar(select(ApiToken))
    accounts.revoke_token(token)
    db.session.commit()
    assert token.revoked_at is not None
    assert client.get("/api/", headers={"Authorization": f"Token {raw}"}).status_code == 401


def test_only_the_hash_of_a_token_is_stored(admin):
    raw = accounts.create_token(admin)
    db.session.commit()
    stored = db.session.scalar(select(ApiToken))
    assert stored.token_hash != raw and raw not in stored.token_hash
    assert stored.token_hash == accounts.hash_token(raw)


def test_unknown_api_route_is_json_404(client, api_headers):
    response = client.get("/api/nothing-here/", headers=api_headers)
    assert response.status_code == 404
    assert response.json == {"error": "Not found."}
