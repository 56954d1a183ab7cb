"""A small Kubernetes API server for tests: KServe InferenceServices, apps/v1 Deployments, core/v1 Services and
autoscaling/v2 HorizontalPodAutoscalers, driven by the official `kubernetes` client unmodified.

It speaks the real wire format, as documented:
- Paths, verbs and responses: https://kubernetes.io/docs/reference/using-api/api-concepts/ (`/api/v1/namespaces/
  {ns}/{plural}/{name}` for the core group, `/apis/{group}/{version}/namespaces/{ns}/{plural}/{name}` otherwise;
  create answers 201 with the object, get and patch 200); `fieldValidation` query parameter (recorded).
- Errors: a `Status` object (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/status/ and
  the API conventions, https://github.com/kubernetes/community/blob/master/contributors/devel/sig-architecture/
  api-conventions.md#response-status-kind) with `reason` NotFound / AlreadyExists / Forbidden / Invalid /
  Unauthorized / UnsupportedMediaType, `details`, and `details.causes[]` for 422 Invalid.
- Patch: `application/merge-patch+json` is a JSON merge patch (RFC 7386,
  https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/); other patch types
  get 415 here, since the portal only sends merge patches.
- `metadata.generation` grows when the spec changes; controllers report `status.observedGeneration` and
  conditions when they catch up. KServe's InferenceService status carries `url` and `conditions` with a `Ready`
  condition (https://kserve.github.io/website/docs/reference/crd-api, InferenceServiceStatus); a Deployment's
  status carries replicas counts and the `Available` condition
  (https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/deployment-v1/#DeploymentStatus).

Test knobs: `forbidden_namespaces` (RBAC denies writes there: 403), `missing_namespaces` (404), `never_ready`
(name -> (reason, message) of a Ready=False condition), `ready_after` (seconds the "controller" takes),
`inject(...)` (answer the next matching request with a given Status, e.g. an admission webhook's 422), and
`before_create` (a callable run as a create arrives, to stage a race). Every request is recorded in `requests`.
"""

import copy
import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import yaml

from tests.fakes import send_json

TOKEN = "fake-cluster-token"  # noqa: S105 - a test credential for a loopback fake
KINDS_HPA = "horizontalpodautoscalers"
KINDS = {
    "inferenceservices": "InferenceService",
    "deployments": "Deployment",
    "services": "Service",
    "horizontalpodautoscalers": "HorizontalPodAutoscaler",
}


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    content_type: str
    body: dict | None


@dataclass
class Injected:
    verb: str  # create, get, patch
    plural: str
    code: int
    reason: str
    message: str
    causes: list[dict] = field(default_factory=list)


def status_body(code: int, reason: str, message: str, *, name: str = "", group: str = "", plural: str = "", causes=()):
    details = {k: v for k, v in {"name": name, "group": group, "kind": plural}.items() if v}
    if causes:
        details["causes"] = list(causes)
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message}
    body.update({"reason": reason, "details": details, "code": code})
    return body


def merge_patch(target, patch):
    """RFC 7386: objects merge key by key, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeKubernetes:
    def __init__(self, *, ready_after: float = 0.2):
        self.ready_after = ready_after
        self.objects: dict[tuple[str, str, str, str], dict] = {}  # (group/version, plural, namespace, name)
        self.requests: list[Recorded] = []
        self.forbidden_namespaces: set[str] = set()
        self.missing_namespaces: set[str] = set()
        self.never_ready: dict[str, tuple[str, str]] = {}
        self.injected: list[Injected] = []
        self.before_create = None
        self.lock = threading.RLock()
        self._resource_version = 1000
        self._server: ThreadingHTTPServer | None = None
        self._timers: list[threading.Timer] = []

    #
    # Life cycle
    #

    def start(self) -> "FakeKubernetes":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                fake._handle(self, "GET")

            def do_POST(self):
                fake._handle(self, "POST")

            def do_PATCH(self):
                fake._handle(self, "PATCH")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def write_kubeconfig(self, path: Path, context: str = "fake") -> Path:
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "fake-cluster", "cluster": {"server": self.url}}],
            "users": [{"name": "portal-deployer", "user": {"token": TOKEN}}],
            "contexts": [{"name": context, "context": {"cluster": "fake-cluster", "user": "portal-deployer"}}],
            "current-context": context,
        }
        path.write_text(yaml.safe_dump(config))
        return path

    #
    # Test helpers
    #

    def inject(self, verb: str, plural: str, code: int, reason: str, message: str, causes=()) -> None:
        self.injected.append(Injected(verb, plural, code, reason, message, list(causes)))

    def get(self, plural: str, namespace: str, name: str) -> dict | None:
        with self.lock:
            for (_gv, p, ns, n), obj in self.objects.items():
                if (p, ns, n) == (plural, namespace, name):
                    return copy.deepcopy(obj)
        return None

    def put(self, group_version: str, plural: str, obj: dict) -> None:
        """An object that exists before the test (made by someone else)."""
        with self.lock:
            meta = obj["metadata"]
            self._stamp(obj, generation=1)
            self.objects[(group_version, plural, meta["namespace"], meta["name"])] = obj

    def calls(self, method: str, plural: str = "") -> list[Recorded]:
        return [r for r in self.requests if r.method == method and (not plural or f"/{plural}" in r.path)]

    #
    # Wire
    #

    def _route(self, path: str):
        parts = path.strip("/").split("/")
        if parts[:2] == ["api", "v1"]:
            group_version, rest = "v1", parts[2:]
        elif parts[0] == "apis" and len(parts) >= 3:
            group_version, rest = f"{parts[1]}/{parts[2]}", parts[3:]
        else:
            return None
        if len(rest) < 3 or rest[0] != "namespaces" or rest[2] not in KINDS:
            return None
        return group_version, rest[2], rest[1], (rest[3] if len(rest) > 3 else ""), (rest[4] if len(rest) > 4 else "")

    def _handle(self, handler, method: str) -> None:
        split = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        content_type = (handler.headers.get("Content-Type") or "").split(";")[0]
        with self.lock:
            self.requests.append(Recorded(method, split.path, parse_qs(split.query), content_type, body))
        if handler.headers.get("Authorization") != f"Bearer {TOKEN}":
            return send_json(handler, 401, status_body(401, "Unauthorized", "Unauthorized"))
        route = self._route(split.path)
        if route is None:
            return send_json(
                handler, 404, status_body(404, "NotFound", "the server could not find the requested resource")
            )
        group_version, plural, namespace, name, sub = route
        group = group_version.split("/")[0] if "/" in group_version else ""
        resource = f"{plural}.{group}" if group else plural
        verb = {"GET": "get", "POST": "create", "PATCH": "patch"}[method]
        with self.lock:
            for injected in list(self.injected):
                if injected.verb == verb and injected.plural == plural:
                    self.injected.remove(injected)
                    body = status_body(
                        injected.code,
                        injected.reason,
                        injected.message,
                        name=name or (body or {}).get("metadata", {}).get("name", ""),
                        group=group,
                        plural=plural,
                        causes=injected.causes,
                    )
                    return send_json(handler, injected.code, body)
        if namespace in self.missing_namespaces:
            return send_json(
                handler,
                404,
                status_body(
                    404, "NotFound", f'namespaces "{namespace}" not found', name=namespace, plural="namespaces"
                ),
            )
        if verb != "get" and namespace in self.forbidden_namespaces:
            message = (
                f"{resource}{f' {json.dumps(name)}' if name else ''} is forbidden: User "
                f'"system:serviceaccount:portal:model-deployer" cannot {verb} resource "{plural}" in API group '
                f'"{group}" in the namespace "{namespace}"'
            )
            return send_json(
                handler, 403, status_body(403, "Forbidden", message, name=name, group=group, plural=plural)
            )
        if method == "POST" and not name:
            return self._create(handler, group_version, group, plural, namespace, resource, body)
        key = (group_version, plural, namespace, name)
        with self.lock:
            found = self.objects.get(key)
            if found is None:
                message = f'{resource} "{name}" not found'
                return send_json(
                    handler, 404, status_body(404, "NotFound", message, name=name, group=group, plural=plural)
                )
            if method == "GET":
                return send_json(handler, 200, copy.deepcopy(found))
            if method == "PATCH" and not sub:
                if content_type != "application/merge-patch+json":
                    message = (
                        "the body of the request was in an unknown format - accepted media types include: "
                        f"application/merge-patch+json (got {content_type})"
                    )
                    return send_json(handler, 415, status_body(415, "UnsupportedMediaType", message))
                patched = merge_patch(found, body)
                generation = found["metadata"].get("generation", 1) + (patched.get("spec") != found.get("spec"))
                self._stamp(patched, generation=generation)
                self.objects[key] = patched
                self._reconcile_later(key)
                return send_json(handler, 200, copy.deepcopy(patched))
        send_json(handler, 405, status_body(405, "MethodNotAllowed", "the server does not allow this method"))

    def _create(self, handler, group_version, group, plural, namespace, resource, body):
        if not isinstance(body, dict) or body.get("kind") != KINDS[plural] or body.get("apiVersion") != group_version:
            given = (body or {}).get("apiVersion")
            message = f"the API version in the data ({given}) does not match the expected API version ({group_version})"
            return send_json(handler, 400, status_body(400, "BadRequest", message))
        meta = body.setdefault("metadata", {})
        if meta.get("namespace", namespace) != namespace:
            message = "the namespace of the provided object does not match the namespace sent on the request"
            return send_json(handler, 400, status_body(400, "BadRequest", message))
        if self.before_create is not None:
            hook, self.before_create = self.before_create, None
            hook()
        name = meta.get("name", "")
        key = (group_version, plural, namespace, name)
        with self.lock:
            if key in self.objects:
                message = f'{resource} "{name}" already exists'
                return send_json(
                    handler, 409, status_body(409, "AlreadyExists", message, name=name, group=group, plural=plural)
                )
            meta["namespace"] = namespace
            self._stamp(body, generation=1)
            # What the API server itself fills in before any controller acts.
            body.setdefault("status", {"currentReplicas": 0, "desiredReplicas": 0} if plural == KINDS_HPA else {})
            if plural == "services":
                body["spec"].setdefault("clusterIP", f"10.96.0.{len(self.objects) % 250 + 2}")
            self.objects[key] = body
            self._reconcile_later(key)
            return send_json(handler, 201, copy.deepcopy(body))

    def _stamp(self, obj: dict, *, generation: int) -> None:
        self._resource_version += 1
        meta = obj.setdefault("metadata", {})
        meta.setdefault("uid", str(uuid.uuid4()))
        meta.setdefault("creationTimestamp", _now())
        meta["resourceVersion"] = str(self._resource_version)
        meta["generation"] = generation

    #
    # The "controllers"
    #

    def _reconcile_later(self, key) -> None:
        timer = threading.Timer(self.ready_after, self._reconcile, args=(key,))
        timer.daemon = True
        self._timers.append(timer)
        timer.start()

    def _reconcile(self, key) -> None:
        _gv, plural, namespace, name = key
        with self.lock:
            obj = self.objects.get(key)
            if obj is None:
                return
            generation = obj["metadata"]["generation"]
            if plural == "inferenceservices":
                obj["status"] = self._isvc_status(obj, namespace, name, generation)
            elif plural == "deployments":
                obj["status"] = self._deployment_status(obj, name, generation)

    def _isvc_status(self, obj, namespace, name, generation) -> dict:
        failing = self.never_ready.get(name)
        ready = {"type": "Ready", "status": "True", "lastTransitionTime": _now()}
        if failing:
            ready = {**ready, "status": "False", "reason": failing[0], "message": failing[1]}
        conditions = [
            {"type": "IngressReady", "status": ready["status"], "lastTransitionTime": _now()},
            {"type": "PredictorReady", "status": ready["status"], "lastTransitionTime": _now()},
            ready,
        ]
        status = {"observedGeneration": generation, "conditions": conditions}
        if not failing:
            status["url"] = f"http://{name}.{namespace}.example.com"
            status["components"] = {"predictor": {"latestReadyRevision": f"{name}-predictor-{generation:05d}"}}
        return status

    def _deployment_status(self, obj, name, generation) -> dict:
        wanted = obj["spec"].get("replicas", 1)
        failing = self.never_ready.get(name)
        ready = 0 if failing else wanted
        available = {"type": "Available", "status": "False" if failing else "True", "lastTransitionTime": _now()}
        available.update(
            {"reason": failing[0], "message": failing[1]}
            if failing
            else {"reason": "MinimumReplicasAvailable", "message": "Deployment has minimum availability."}
        )
        return {
            "observedGeneration": generation,
            "replicas": wanted,
            "updatedReplicas": wanted,
            "readyReplicas": ready,
            "availableReplicas": ready,
            "conditions": [available],
        }
