"""Superset embed (guest) tokens through Superset's REST API: log in, CSRF token, check the embedding, guest token.

The token is returned once in the Outcome's `token` (never in `details`, which the engine stores); the grant
(who, dashboard, clauses, expiry) is in `details`. Without SUPERSET_URL a sandbox signs a token locally that no
Superset accepts, and says so.
"""

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests
from django.conf import settings

from selfservice.connectors.base import Connector, Outcome, PermanentError, Plan, PlanStep, TransientError

__all__ = ["GuestTokenOutcome", "SandboxSupersetConnector", "SupersetConnector", "decode_claims", "guest_token_body"]

# Seconds of slack between the token's lifetime and the one asked for (clock skew, float iat/exp).
LIFETIME_SLACK = 5


def _setting(name: str, default=None):
    """A setting, else the environment variable of the same name (until portal/settings.py declares it)."""
    value = getattr(settings, name, None)
    return value if value not in (None, "") else os.environ.get(name, default)


@dataclass(frozen=True)
class GuestTokenOutcome(Outcome):
    token: str = field(default="", repr=False)  # handed to the requester once; the engine stores only ref/details


def guest_token_body(params: dict) -> dict:
    """The body of POST /api/v1/security/guest_token/ (the `rls` list is `rls_rules` in the token)."""
    rules = []
    for rule in params["rls_clauses"]:
        rules.append({"clause": rule["clause"], **({"dataset": rule["dataset"]} if rule.get("dataset") else {})})
    return {
        "user": {
            "username": params["guest_username"],
            "first_name": params.get("guest_first_name") or "Guest",
            "last_name": params.get("guest_last_name") or params["guest_username"],
        },
        "resources": [{"type": "dashboard", "id": params["dashboard"]}],
        "rls": rules,
    }


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def decode_claims(token: str) -> dict:
    """The JWT's payload, unverified: the portal has no key for it, and only reads what Superset granted."""
    try:
        payload = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError) as exc:
        raise PermanentError("Superset returned a guest token that is not a JWT.") from exc


def _grant(params: dict, claims: dict, token: str, *, dashboard_id: str) -> dict:
    issued, expires = float(claims["iat"]), float(claims["exp"])
    lifetime = params["lifetime_minutes"] * 60
    if expires - issued > lifetime + LIFETIME_SLACK:
        raise PermanentError(
            f"Superset issues guest tokens valid for {expires - issued:.0f} s (its GUEST_TOKEN_JWT_EXP_SECONDS), "
            f"longer than the {lifetime} s asked for; the token was not handed out. Ask for a lifetime of at least "
            f"{int((expires - issued + 59) // 60)} minutes, or have Superset's token lifetime lowered."
        )
    return {
        "dashboard": params["dashboard"],
        "dashboard_id": dashboard_id,
        "guest_username": claims.get("user", {}).get("username", params["guest_username"]),
        "rls_rules": claims.get("rls_rules", []),
        "issued_at": datetime.fromtimestamp(issued, UTC).isoformat(),
        "expires_at": datetime.fromtimestamp(expires, UTC).isoformat(),
        "token_sha256": hashlib.sha256(token.encode()).hexdigest()[:16],  # to match a token in logs, not to rebuild it
    }


def _plan_steps(params: dict, *, login: str) -> list[PlanStep]:
    body = guest_token_body(params)
    clauses = [r["clause"] for r in body["rls"]]
    return [
        PlanStep(login),
        PlanStep(
            f"Check that {params['dashboard']} is an embedded dashboard",
            f"GET /api/v1/embedded_dashboard/{params['dashboard']}\nGET /api/v1/dashboard/<its id>/embedded",
        ),
        PlanStep(
            f"Ask for a guest token for {params['guest_username']} with "
            + (f"{len(clauses)} row-level-security clause{'s' if len(clauses) != 1 else ''}" if clauses else "NO RLS"),
            "POST /api/v1/security/guest_token/\n" + json.dumps(body, indent=2),
        ),
        PlanStep(
            "Show the token to you once (never stored) and record the grant: who, dashboard, clauses, expiry",
            "\n".join(clauses) or "(no clause: the guest sees every row the dashboard shows)",
        ),
    ]


class SupersetConnector(Connector):
    kind = "superset"

    def __init__(self, url: str, username: str, password: str, *, timeout: float):
        self.url = url.rstrip("/")
        self.username = username
        self.password = password
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> Connector:
        url = _setting("SUPERSET_URL", "")
        if not url:
            return SandboxSupersetConnector()
        return cls(
            url,
            _setting("SUPERSET_USERNAME", "admin"),
            _setting("SUPERSET_PASSWORD", ""),
            timeout=float(_setting("SUPERSET_TIMEOUT_SECONDS", 10)),
        )

    @property
    def target(self) -> str:
        return f"Superset at {self.url} (as {self.username})"

    def plan(self, params: dict) -> Plan:
        login = (
            f"Log in to Superset as {self.username} (POST /api/v1/security/login, provider db) "
            "and fetch a CSRF token (GET /api/v1/security/csrf_token/)"
        )
        return Plan(steps=_plan_steps(params, login=login), target=self.target)

    #
    # HTTP
    #

    def _call(self, session: requests.Session, method: str, path: str, what: str, **kwargs) -> requests.Response:
        try:
            response = session.request(method, self.url + path, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise TransientError(f"Superset at {self.url} is unreachable ({what}): {exc}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientError(f"Superset answered {response.status_code} to {what}: {_message(response)}")
        return response

    def _session(self) -> requests.Session:
        """A session that carries the bearer token, the CSRF token and the `session` cookie it is bound to."""
        session = requests.Session()
        response = self._call(
            session,
            "POST",
            "/api/v1/security/login",
            "the login",
            json={"username": self.username, "password": self.password, "provider": "db", "refresh": False},
        )
        if response.status_code == 401:
            raise PermanentError(
                f"Superset refused the portal's credentials for {self.username} (401 {_message(response)}): "
                "check SUPERSET_USERNAME and SUPERSET_PASSWORD."
            )
        _expect(response, 200, "the login")
        session.headers["Authorization"] = "Bearer " + response.json()["access_token"]
        response = self._call(session, "GET", "/api/v1/security/csrf_token/", "the CSRF token request")
        _expect(response, 200, "the CSRF token request")
        session.headers["X-CSRFToken"] = response.json()["result"]
        session.headers["Referer"] = self.url  # Flask-WTF wants a same-origin Referer over https
        return session

    def embedding(self, session: requests.Session, uuid: str) -> dict:
        """The embedding of `uuid`, confirmed from its dashboard's side: Superset would also accept a numeric id or
        a slug in a guest token and serve a dashboard that was never embedded, so only a real embedding passes."""
        response = self._call(session, "GET", f"/api/v1/embedded_dashboard/{uuid}", "the embedded dashboard lookup")
        if response.status_code == 404:
            raise PermanentError(
                f"No dashboard is embedded with the uuid {uuid} on Superset: open the dashboard, choose "
                "'Embed dashboard', and use the uuid it shows."
            )
        _expect(response, 200, "the embedded dashboard lookup")
        dashboard_id = str(response.json()["result"]["dashboard_id"])
        response = self._call(
            session, "GET", f"/api/v1/dashboard/{dashboard_id}/embedded", "the dashboard's embedding lookup"
        )
        _expect(response, 200, "the dashboard's embedding lookup")
        embedding = response.json()["result"]
        if embedding.get("uuid") != uuid:
            raise PermanentError(f"Dashboard {dashboard_id} is now embedded as {embedding.get('uuid')}, not {uuid}.")
        return embedding

    def guest_token(self, session: requests.Session, body: dict) -> str:
        response = self._call(session, "POST", "/api/v1/security/guest_token/", "the guest token request", json=body)
        if response.status_code == 400 and _message(response) == "EmbeddedDashboard not found.":
            raise PermanentError(
                f"Superset has no embedded dashboard {body['resources'][0]['id']} (400 EmbeddedDashboard not found.)."
            )
        _expect(response, 200, "the guest token request")
        return response.json()["token"]

    #
    # Apply
    #

    def apply(self, params: dict, *, own_earlier_attempt: bool) -> GuestTokenOutcome:
        # A token from an interrupted attempt was never shown to anyone: a new one replaces it, nothing is duplicated.
        session = self._session()
        embedding = self.embedding(session, params["dashboard"])
        token = self.guest_token(session, guest_token_body(params))
        claims = decode_claims(token)
        grant = _grant(params, claims, token, dashboard_id=str(embedding["dashboard_id"]))
        return GuestTokenOutcome(
            ref=f"guest token for {grant['guest_username']} on dashboard {params['dashboard']}",
            created=True,
            details=grant,
            token=token,
        )

    def status(self, ref: str) -> str:
        return "issued"


class SandboxSupersetConnector(Connector):
    """No Superset configured: a token with the same claims, signed with a throwaway key no Superset knows."""

    kind = "superset"
    is_sandbox = True
    target = "Superset sandbox (SUPERSET_URL is not set): a locally signed token that no Superset accepts"

    @classmethod
    def from_settings(cls) -> Connector:
        return cls()

    def plan(self, params: dict) -> Plan:
        steps = _plan_steps(params, login="Sign a sandbox token locally: no Superset is called")
        return Plan(steps=steps, target=self.target, sandbox=True)

    def apply(self, params: dict, *, own_earlier_attempt: bool) -> GuestTokenOutcome:
        body = guest_token_body(params)
        now = time.time()
        claims = {
            "user": body["user"],
            "resources": body["resources"],
            "rls_rules": body["rls"],
            "iat": now,
            "exp": now + params["lifetime_minutes"] * 60,
            "aud": "portal-sandbox",
            "type": "guest",
        }
        header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        signing_input = f"{header}.{_b64url(json.dumps(claims).encode())}"
        signature = hmac.new(secrets.token_bytes(32), signing_input.encode(), hashlib.sha256).digest()
        token = f"{signing_input}.{_b64url(signature)}"
        grant = {**_grant(params, claims, token, dashboard_id=""), "sandbox": True}
        return GuestTokenOutcome(
            ref=f"sandbox guest token for {params['guest_username']} (not valid on any Superset)",
            created=True,
            details=grant,
            token=token,
        )

    def status(self, ref: str) -> str:
        return "sandbox"


def _message(response: requests.Response) -> str:
    """Superset's error text: `message` (a string or field errors), `msg` (JWT errors), or `errors[].message`."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    if isinstance(body, dict):
        if "message" in body:
            message = body["message"]
            return message if isinstance(message, str) else json.dumps(message)
        if "msg" in body:
            return str(body["msg"])
        if body.get("errors"):
            return "; ".join(str(e.get("message", e)) for e in body["errors"])
    return json.dumps(body)[:300]


def _expect(response: requests.Response, code: int, what: str) -> None:
    if response.status_code != code:
        raise PermanentError(f"Superset answered {response.status_code} to {what}: {_message(response)}")
