"""Production settings (DEBUG off) pass Django's deployment checks; SSO plugs in by configuration."""

import os
import secrets
import subprocess
import sys

from tests.conftest import ROOT


def run_manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    production = (
        "OIDC_",
        "DEBUG",
        "SECRET_KEY",
        "SECURE_",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "DJANGO_ALLOW_ASYNC",
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith(production)}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60
    )


def test_check_deploy_is_clean_with_debug_off(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={"DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50), "PORTAL_VAR_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_without_a_secret_key_one_is_generated_once_and_kept(tmp_path):
    env = {"DEBUG": "false", "PORTAL_VAR_DIR": str(tmp_path)}
    first = run_manage(
        "shell", "--no-imports", "-c", "from django.conf import settings; print(settings.SECRET_KEY)", env=env
    )
    second = run_manage(
        "shell", "--no-imports", "-c", "from django.conf import settings; print(settings.SECRET_KEY)", env=env
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout and len(first.stdout.strip()) >= 50
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_a_bad_boolean_stops_start_up_naming_the_variable(tmp_path):
    result = run_manage("check", env={"DEBUG": "sometimes", "PORTAL_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


OIDC = {
    "OIDC_RP_CLIENT_ID": "portal",
    "OIDC_RP_CLIENT_SECRET": "s3cret",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://sso.example.com/auth",
    "OIDC_OP_TOKEN_ENDPOINT": "https://sso.example.com/token",
    "OIDC_OP_USER_ENDPOINT": "https://sso.example.com/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "https://sso.example.com/jwks",
}


def test_sso_plugs_in_when_configured(tmp_path):
    script = (
        "from django.conf import settings; from django.urls import reverse; "
        "print(settings.AUTHENTICATION_BACKENDS[0]); print(reverse('oidc_authentication_init'))"
    )
    result = run_manage("shell", "-c", script, env={**OIDC, "PORTAL_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["portal.auth.PortalOIDCBackend", "/oidc/authenticate/"]


def test_sso_configuration_that_is_incomplete_is_refused_naming_what_is_missing(tmp_path):
    result = run_manage("check", env={"OIDC_RP_CLIENT_ID": "portal", "PORTAL_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "OIDC_OP_TOKEN_ENDPOINT" in result.stderr
