"""A small DataHub GMS server for tests: the Rest.li endpoints the acryl-datahub REST emitter calls.

It follows DataHub's documentation of GMS's API (https://docs.datahub.com/docs/api/restli/restli-overview and
https://docs.datahub.com/docs/api/restli/ingest-proposal-api, "/aspects?action=ingestProposal"), and the emitter's
own calls (datahub/emitter/rest_emitter.py in acryl-datahub 1.7): `GET /config` for the server's configuration,
`POST /aspects?action=ingestProposal` with {"proposal": <MetadataChangeProposal>, "async": "false"}.
Authentication is `Authorization: Bearer <token>` (https://docs.datahub.com/docs/authentication/personal-access-tokens).
Errors are Rest.li's JSON: {"exceptionClass": ..., "message": ..., "status": <code>}. An UPSERT replaces the aspect.
Every request is recorded; `fail_next` injects failures.
"""

import json
from typing import Any

from tests.fakes import LoopbackServer, Recorded

CONFIG = {
    "models": {},
    "patchCapable": True,
    "versions": {"acryldata/datahub": {"version": "v1.2.0", "commit": "0" * 40}},
    "managedIngestion": {"defaultCliVersion": "1.2.0", "enabled": True},
    "statefulIngestionCapable": True,
    "supportsImpactAnalysis": True,
    "timeZone": "GMT",
    "telemetry": {"enabledCli": False, "enabledIngestion": False},
    "datasetUrnNameCasing": False,
    "retention": "true",
    "datahub": {"serverType": "quickstart"},
    "noCode": "true",
}


class FakeDataHub(LoopbackServer):
    def __init__(self, token: str = "datahub-test-token"):  # noqa: S107
        self.token = token
        self.requests: list[Recorded] = []
        self.aspects: dict[tuple[str, str], dict] = {}  # (urn, aspect name) -> the aspect's JSON, as stored
        self.fail_next: list[tuple[int, str]] = []  # (status, message) for the next proposals, once each
        super().__init__()

    def proposals(self) -> list[dict]:
        return [r.body["proposal"] for r in self.requests if r.path == "/aspects" and r.method == "POST"]

    @staticmethod
    def error(status: int, message: str) -> dict:
        return {
            "exceptionClass": "com.linkedin.restli.server.RestLiServiceException",
            "message": message,
            "status": status,
        }

    def handle(self, method: str, path: str, query: dict, body: Any, headers: dict) -> tuple[int, Any]:
        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, self.error(401, "Unauthorized to perform this action. Please check your access token.")
        if method == "GET" and path == "/config":
            return 200, CONFIG
        if method == "POST" and path == "/aspects" and query.get("action") == "ingestProposal":
            if self.fail_next:
                status, message = self.fail_next.pop(0)
                return status, self.error(status, message)
            proposal = (body or {}).get("proposal") or {}
            if not proposal.get("entityUrn") or not proposal.get("aspectName") or "aspect" not in proposal:
                return 400, self.error(400, "Parameters of method 'ingestProposal' failed validation")
            if proposal.get("changeType") != "UPSERT":
                return 400, self.error(400, f"Unsupported change type {proposal.get('changeType')}")
            self.aspects[(proposal["entityUrn"], proposal["aspectName"])] = json.loads(proposal["aspect"]["value"])
            return 200, {"value": proposal["entityUrn"]}
        return 404, self.error(404, f"No resource for {method} {path}")

    def _handler(self):
        return self._json_handler()
