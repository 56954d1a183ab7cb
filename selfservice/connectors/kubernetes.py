"""Model deployments through the official `kubernetes` client: validate the manifest, create or patch, follow readiness.

Without KUBECONFIG a sandbox writes the validated manifest under VAR_DIR/sandbox-manifests and says it was not
applied.
"""

import json
import os
import time
from pathlib import Path

import urllib3
from django.conf import settings
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException

from selfservice import manifests
from selfservice.connectors.base import Connector, Outcome, PermanentError, Plan, PlanStep, TransientError

__all__ = ["KubernetesConnector", "SandboxKubernetesConnector"]

MERGE_PATCH = "application/merge-patch+json"
KSERVE_GROUP, KSERVE_VERSION, KSERVE_PLURAL = "serving.kserve.io", "v1beta1", "inferenceservices"


def _setting(name: str, default=None):
    """A setting, else the environment variable of the same name (until portal/settings.py declares it)."""
    value = getattr(settings, name, None)
    return value if value not in (None, "") else os.environ.get(name, default)


def _validated(params: dict) -> list[dict]:
    rendered = manifests.render(params)
    for manifest in rendered:
        try:
            manifests.check(manifest)
        except manifests.ManifestError as exc:
            raise PermanentError(str(exc)) from exc
    return rendered


def _name(manifest: dict) -> str:
    return f"{manifest['kind']} {manifest['metadata']['namespace']}/{manifest['metadata']['name']}"


def _plan_steps(params: dict, rendered: list[dict], *, apply_verb: str, ready_timeout: float | None) -> list[PlanStep]:
    schema = "KServe v0.20.0's InferenceService schema" if params["runtime"] != "ollama" else "the Kubernetes schemas"
    steps = [PlanStep(f"Validate the manifest against {schema}: valid", manifests.to_yaml(rendered))]
    for manifest in rendered:
        steps.append(PlanStep(f"{apply_verb} {_name(manifest)}"))
    if ready_timeout is not None:
        condition = "Ready" if params["runtime"] != "ollama" else "Available"
        steps.append(PlanStep(f"Wait until it is {condition} (status.conditions), at most {ready_timeout:g} s"))
        steps.append(PlanStep(f"Add {params['name']} to the catalog as an ML model owned by {params['team']} (RACI)"))
    return steps


def _contains(actual, wanted) -> bool:
    """Whether `actual` already holds everything in `wanted` (the server adds defaults and status of its own)."""
    if isinstance(wanted, dict):
        return isinstance(actual, dict) and all(_contains(actual.get(k), v) for k, v in wanted.items())
    if isinstance(wanted, list):
        return isinstance(actual, list) and len(actual) == len(wanted) and all(map(_contains, actual, wanted))
    return actual == wanted


def _api_error(exc: ApiException, what: str) -> Exception:
    """The API's Status message, with the field causes of a 422; retry only what may pass later."""
    try:
        body = json.loads(exc.body or "{}")
    except ValueError:
        body = {}
    message = body.get("message") or exc.reason or "no message"
    reason = body.get("reason") or exc.reason or ""
    causes = [
        f"{c.get('field', '')}: {c.get('message', '')}".strip(": ")
        for c in (body.get("details") or {}).get("causes", [])
    ]
    text = f"{what}: {exc.status} {reason}: {message}"
    if causes and not all(c in message for c in causes):
        text += f" ({'; '.join(causes)})"
    if exc.status == 429 or (exc.status or 0) >= 500:
        return TransientError(text)
    if exc.status == 401:
        text += ". Check the credentials in KUBECONFIG."
    return PermanentError(text)


class KubernetesConnector(Connector):
    kind = "kubernetes"

    def __init__(self, kubeconfig: str, context: str, *, ready_timeout: float, poll: float, request_timeout: float):
        self.kubeconfig = kubeconfig
        self.context = context
        self.ready_timeout = ready_timeout
        self.poll = poll
        self.request_timeout = request_timeout
        self._client: client.ApiClient | None = None

    @classmethod
    def from_settings(cls) -> Connector:
        kubeconfig = _setting("KUBECONFIG", "")
        if not kubeconfig:
            return SandboxKubernetesConnector(Path(settings.VAR_DIR) / "sandbox-manifests")
        return cls(
            kubeconfig,
            _setting("KUBE_CONTEXT", ""),
            # Below the Celery task's soft time limit (120 s), which would otherwise cut the wait short.
            ready_timeout=float(_setting("MODEL_DEPLOY_READY_TIMEOUT", 90)),
            poll=float(_setting("MODEL_DEPLOY_POLL_SECONDS", 0.5)),
            request_timeout=float(_setting("MODEL_DEPLOY_REQUEST_TIMEOUT", 10)),
        )

    @property
    def target(self) -> str:
        return f"Kubernetes, context {self.context or '(current)'} of {self.kubeconfig}"

    def plan(self, params: dict) -> Plan:
        rendered = _validated(params)
        steps = _plan_steps(
            params,
            rendered,
            apply_verb="Create, or patch if the portal deployed it before:",
            ready_timeout=self.ready_timeout,
        )
        warnings = []
        if params.get("canary_traffic_percent") is not None:
            warnings.append(
                f"Canary: {params['canary_traffic_percent']} % of the traffic goes to this version only when an "
                "earlier version of the model is running; a first deployment takes all of it."
            )
        if params["storage_uri"].startswith("models:/"):
            warnings.append("models:/ URIs need the MLflow storage container (ClusterStorageContainer) in the cluster.")
        return Plan(steps=steps, target=self.target, warnings=warnings)

    #
    # The client
    #

    def _api(self) -> client.ApiClient:
        if self._client is None:
            try:
                self._client = config.new_client_from_config(
                    config_file=self.kubeconfig, context=self.context or None, persist_config=False
                )
            except (ConfigException, OSError) as exc:
                raise PermanentError(f"The Kubernetes configuration {self.kubeconfig} cannot be used: {exc}") from exc
        return self._client

    def _call(self, what: str, fn, *args, **kwargs):
        try:
            result = fn(*args, _request_timeout=self.request_timeout, **kwargs)
        except ApiException as exc:
            raise _api_error(exc, what) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise TransientError(f"The Kubernetes API is unreachable ({what}): {exc}") from exc
        return result if isinstance(result, dict) else self._api().sanitize_for_serialization(result)

    def _ops(self, manifest: dict):
        """read(), create(body) and patch(body) for the manifest's kind, with the typed API of the client."""
        api, ns, name = self._api(), manifest["metadata"]["namespace"], manifest["metadata"]["name"]
        strict = {"field_validation": "Strict"}  # unknown fields fail instead of being pruned silently
        if manifest["kind"] == "InferenceService":
            custom = client.CustomObjectsApi(api)
            where = (KSERVE_GROUP, KSERVE_VERSION, ns, KSERVE_PLURAL)
            return (
                lambda **kw: custom.get_namespaced_custom_object(*where, name, **kw),
                lambda body, **kw: custom.create_namespaced_custom_object(*where, body, **strict, **kw),
                lambda body, **kw: custom.patch_namespaced_custom_object(
                    *where, name, body, _content_type=MERGE_PATCH, **strict, **kw
                ),
            )
        typed, suffix = {
            "Deployment": (client.AppsV1Api(api), "deployment"),
            "Service": (client.CoreV1Api(api), "service"),
            "HorizontalPodAutoscaler": (client.AutoscalingV2Api(api), "horizontal_pod_autoscaler"),
        }[manifest["kind"]]
        read = getattr(typed, f"read_namespaced_{suffix}")
        create = getattr(typed, f"create_namespaced_{suffix}")
        patch = getattr(typed, f"patch_namespaced_{suffix}")
        return (
            lambda **kw: read(name, ns, **kw),
            lambda body, **kw: create(ns, body, **strict, **kw),
            lambda body, **kw: patch(name, ns, body, _content_type=MERGE_PATCH, **strict, **kw),
        )

    def _read(self, manifest: dict) -> dict | None:
        read, _create, _patch = self._ops(manifest)
        try:
            return self._call(f"Reading {_name(manifest)}", read)
        except PermanentError as exc:
            if isinstance(exc.__cause__, ApiException) and exc.__cause__.status == 404:
                return None
            raise

    #
    # Apply
    #

    def _check_ours(self, existing: dict, manifest: dict, conflict: str = "") -> None:
        labels = existing.get("metadata", {}).get("labels") or {}
        team = manifest["metadata"]["labels"][manifests.TEAM_LABEL]
        if (
            labels.get("app.kubernetes.io/managed-by") == manifests.MANAGED_BY
            and labels.get(manifests.TEAM_LABEL) == team
        ):
            return
        owner = labels.get(manifests.TEAM_LABEL) or labels.get("app.kubernetes.io/managed-by") or "someone else"
        raise PermanentError(
            (f"{conflict}. " if conflict else "")
            + f"{_name(manifest)} already exists and was not deployed by the portal for {team} (it belongs to "
            f"{owner}): choose another model name."
        )

    def _create_or_patch(self, manifest: dict) -> str:
        _read, create, patch = self._ops(manifest)
        existing = self._read(manifest)
        if existing is None:
            try:
                self._call(f"Creating {_name(manifest)}", create, manifest)
                return "created"
            except PermanentError as exc:
                cause = exc.__cause__
                if not (isinstance(cause, ApiException) and cause.status == 409):
                    raise
                existing = self._read(manifest)  # created meanwhile, by someone else or by our earlier attempt
                if existing is None:
                    raise
                self._check_ours(existing, manifest, conflict=str(exc))
        else:
            self._check_ours(existing, manifest)
        if _contains(existing, {"metadata": {"labels": manifest["metadata"]["labels"]}, "spec": manifest["spec"]}):
            return "unchanged"
        self._call(f"Patching {_name(manifest)}", patch, manifest)
        return "updated"

    def _readiness(self, manifest: dict, current: dict) -> tuple[bool, str]:
        status = current.get("status") or {}
        generation = current.get("metadata", {}).get("generation")
        if generation and status.get("observedGeneration", 0) < generation:
            return False, "the controller has not seen this change yet"
        wanted = "Available" if manifest["kind"] == "Deployment" else "Ready"
        condition = next((c for c in status.get("conditions") or [] if c.get("type") == wanted), None)
        if condition is None:
            return False, f"no {wanted} condition yet"
        if manifest["kind"] == "Deployment" and (status.get("readyReplicas") or 0) < current["spec"].get("replicas", 1):
            return False, f"{status.get('readyReplicas') or 0} of {current['spec'].get('replicas', 1)} replicas ready"
        said = f"{wanted}={condition.get('status')}" + "".join(
            f" ({condition[k]})" for k in ("reason", "message") if condition.get(k)
        )
        return condition.get("status") == "True", said

    def _wait_ready(self, manifest: dict) -> dict:
        deadline = time.monotonic() + self.ready_timeout
        while True:
            current = self._read(manifest)
            if current is None:
                raise PermanentError(f"{_name(manifest)} disappeared while the portal waited for it to be ready.")
            ready, said = self._readiness(manifest, current)
            if ready:
                return current
            if time.monotonic() >= deadline:
                raise PermanentError(
                    f"{_name(manifest)} was applied but is not ready after {self.ready_timeout:g} s: {said}. "
                    "It stays in the cluster; retry the request to follow it again."
                )
            time.sleep(self.poll)

    def apply(self, params: dict, *, own_earlier_attempt: bool) -> Outcome:
        rendered = _validated(params)
        changes = {_name(m): self._create_or_patch(m) for m in rendered}
        main = rendered[0]
        ready = self._wait_ready(main)
        status = ready.get("status") or {}
        first_change = changes[_name(main)]
        return Outcome(
            ref=f"{main['metadata']['namespace']}/{main['metadata']['name']}",
            # A redelivery that finds its own object unchanged did nothing new.
            created=not (own_earlier_attempt and first_change == "unchanged"),
            details={
                "applied": True,
                "kind": main["kind"],
                "namespace": main["metadata"]["namespace"],
                "name": main["metadata"]["name"],
                "runtime": params["runtime"],
                "storage_uri": params["storage_uri"],
                "version": params.get("version") or "",
                "canary_traffic_percent": params.get("canary_traffic_percent"),
                "url": status.get("url", ""),
                "changes": changes,
            },
        )

    def status(self, ref: str) -> str:
        return "see the cluster"


class SandboxKubernetesConnector(Connector):
    """No cluster configured: the manifest is rendered, validated and written to a file; nothing is applied."""

    kind = "kubernetes"
    is_sandbox = True

    def __init__(self, directory: Path):
        self.directory = directory

    @classmethod
    def from_settings(cls) -> Connector:
        return cls(Path(settings.VAR_DIR) / "sandbox-manifests")

    @property
    def target(self) -> str:
        return f"Kubernetes sandbox (KUBECONFIG is not set): the manifest is written to {self.directory}, NOT applied"

    def plan(self, params: dict) -> Plan:
        rendered = _validated(params)
        steps = _plan_steps(params, rendered, apply_verb="Write, without applying,", ready_timeout=None)
        return Plan(steps=steps, target=self.target, sandbox=True, warnings=["No cluster is configured: nothing runs."])

    def apply(self, params: dict, *, own_earlier_attempt: bool) -> Outcome:
        rendered = _validated(params)
        main = rendered[0]["metadata"]
        path = self.directory / main["namespace"] / f"{main['name']}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            "# Validated by the portal; NOT applied: no cluster is configured.\n" + manifests.to_yaml(rendered)
        )
        return Outcome(
            ref=f"{main['namespace']}/{main['name']} (sandbox: not applied)",
            created=not own_earlier_attempt,
            details={
                "applied": False,
                "kind": rendered[0]["kind"],
                "namespace": main["namespace"],
                "name": main["name"],
                "manifest_path": str(path),
                "note": "Not applied: no cluster is configured (KUBECONFIG). The manifest was written and validated.",
            },
        )

    def status(self, ref: str) -> str:
        return "not applied"
