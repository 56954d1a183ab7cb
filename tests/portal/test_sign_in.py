"""Sign-in, CSRF, and anonymous access."""

from django.test import Client


def test_anonymous_visitor_is_sent_to_the_sign_in_page(client):
    response = client.get("/catalog/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/catalog/"


def test_sign_in_page_is_reachable_without_an_account(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b"Sign in" in response.content


def test_a_wrong_password_is_refused_with_a_clear_message(client, engineer):
    response = client.post("/accounts/login/", {"username": "eng1", "password": "wrong"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert "_auth_user_id" not in client.session


def test_the_right_password_signs_in_and_shows_the_dashboard(client, engineer):
    response = client.post("/accounts/login/", {"username": "eng1", "password": "s3cret-pass!"}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert b"Dashboard" in response.content
    assert b"Erin Engineer" in response.content


def test_a_post_without_a_csrf_token_is_refused(engineer):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "eng1", "password": "s3cret-pass!"})
    assert response.status_code == 403
    assert b"CSRF verification failed" in response.content
    assert "_auth_user_id" not in client.session


def test_signing_out_ends_the_session(client, engineer):
    client.force_login(engineer)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_the_sign_in_page_offers_sso_only_when_it_is_configured(client):
    assert b"Sign in with SSO" not in client.get("/accounts/login/").content


def test_signing_out_ends_the_session_for_every_browser_holding_its_cookie(client, engineer, settings):
    client.force_login(engineer)
    other = Client()
    other.cookies[settings.SESSION_COOKIE_NAME] = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert other.get("/").status_code == 200
    client.post("/accounts/logout/")
    assert other.get("/").status_code == 302


def test_a_deactivated_account_is_signed_out_at_its_next_request(client, engineer):
    client.force_login(engineer)
    assert client.get("/").status_code == 200
    engineer.is_active = False
    engineer.save()
    assert client.get("/").status_code == 302
