"""API tokens: created on a page (shown once) or by a command, stored hashed, revocable."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from portal.models import ApiToken, AuditEvent
from portal.services import api_token_create


def test_a_request_without_a_token_gets_401_with_a_clear_message(api_client, db):
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}
    assert response["WWW-Authenticate"] == "Token"


def test_a_valid_token_authenticates_and_records_its_last_use(api_client, engineer):
    token, secret = api_token_create(actor=engineer, user=engineer, name="ci")
    response = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {secret}")
    assert response.status_code == 200
    assert response.json() == {
        "username": "eng1",
        "full_name": "Erin Engineer",
        "email": "eng1@example.com",
        "roles": ["engineer"],
    }
    token.refresh_from_db()
    assert token.last_used is not None


def test_a_revoked_token_gets_401(client, api_client, engineer):
    token, secret = api_token_create(actor=engineer, user=engineer, name="ci")
    client.force_login(engineer)
    response = client.post(f"/accounts/tokens/{token.token_key}/revoke/", follow=True)
    assert b"Token &#x27;ci&#x27; revoked" in response.content
    response = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {secret}")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_an_expired_token_gets_401(api_client, engineer):
    token, secret = api_token_create(actor=engineer, user=engineer, name="old", expires_in_days=1)
    ApiToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - timedelta(minutes=1))
    response = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {secret}")
    assert response.status_code == 401


def test_a_malformed_authorization_header_gets_a_clear_401(api_client, db):
    response = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token")
    assert response.status_code == 401
    assert "No credentials provided" in response.json()["detail"]


def test_the_tokens_page_shows_a_new_token_once_and_stores_only_its_hash(client, engineer):
    client.force_login(engineer)
    response = client.post("/accounts/tokens/", {"name": "laptop", "expires_in_days": "30"})
    assert response.status_code == 200
    secret = response.context["new_secret"]
    assert secret.startswith("dp_") and secret.encode() in response.content
    token = ApiToken.objects.get(user=engineer)
    assert token.name == "laptop"
    assert secret not in (token.digest, token.token_key)
    assert token.expiry.date() == (timezone.now() + timedelta(days=30)).date()
    # Shown once: the list page never carries the secret again.
    assert secret.encode() not in client.get("/accounts/tokens/").content


def test_the_tokens_page_refuses_a_token_without_a_name(client, engineer):
    client.force_login(engineer)
    response = client.post("/accounts/tokens/", {"name": "", "expires_in_days": "30"})
    assert response.status_code == 400
    assert b"Name: This field is required." in response.content
    assert not ApiToken.objects.exists()


def test_the_tokens_page_refuses_an_expiry_that_is_not_offered(client, engineer):
    client.force_login(engineer)
    response = client.post("/accounts/tokens/", {"name": "x", "expires_in_days": "99999"})
    assert response.status_code == 400
    assert b"Expires after: Select a valid choice." in response.content
    assert not ApiToken.objects.exists()


def test_nobody_can_revoke_someone_elses_token(client, engineer, make_user):
    token, _secret = api_token_create(actor=engineer, user=engineer, name="mine")
    client.force_login(make_user("other"))
    response = client.post(f"/accounts/tokens/{token.token_key}/revoke/")
    assert response.status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_creating_and_revoking_tokens_is_in_the_audit_trail(client, engineer):
    client.force_login(engineer)
    client.post("/accounts/tokens/", {"name": "laptop", "expires_in_days": ""})
    token = ApiToken.objects.get()
    client.post(f"/accounts/tokens/{token.token_key}/revoke/")
    verbs = list(AuditEvent.objects.order_by("id").values_list("actor_repr", "verb"))
    assert verbs == [("eng1", "api_token.created"), ("eng1", "api_token.revoked")]


def test_the_command_prints_a_working_token(api_client, engineer):
    out = StringIO()
    call_command("create_api_token", "eng1", "--name", "bot", stdout=out)
    secret = out.getvalue().strip()
    assert api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {secret}").status_code == 200
    assert ApiToken.objects.get().name == "bot"


def test_the_command_names_an_unknown_user(db):
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        call_command("create_api_token", "ghost")


def test_a_token_of_an_inactive_user_gets_401(api_client, engineer):
    _token, secret = api_token_create(actor=engineer, user=engineer, name="ci")
    engineer.is_active = False
    engineer.save()
    response = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {secret}")
    assert response.status_code == 401
    assert response.json() == {"detail": "User inactive or deleted."}


def test_a_token_that_is_not_text_gets_401_not_an_error(api_client, db):
    # Header bytes that are not UTF-8 (latin-1 "é" alone): refused as any wrong token.
    response = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token dp_\xe9\xe9\xe9")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_a_token_sharing_its_first_characters_with_another_finds_its_own_user(api_client, engineer, make_user):
    # knox stores the first characters in clear and tells tokens apart by their digest.
    other = make_user("other")
    mine, secret = api_token_create(actor=engineer, user=engineer, name="ci")
    theirs, _secret = api_token_create(actor=other, user=other, name="ci")
    ApiToken.objects.filter(pk=theirs.pk).update(token_key=mine.token_key)
    response = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {secret}")
    assert response.status_code == 200
    assert response.json()["username"] == "eng1"
