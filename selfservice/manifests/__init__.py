"""Kubernetes manifests of a model deployment: rendered from the request, validated before anything is applied.

A KServe InferenceService is checked against KServe's own CRD schema (v0.20.0, serving.kserve.io/v1beta1, bundled
beside this module as JSON, loaded once); a Deployment, Service or HorizontalPodAutoscaler against the Kubernetes
schemas of `kubernetes-validate`, strictly (unknown fields are errors).
"""

import gzip
import json
import os
from functools import cache
from pathlib import Path

import jsonschema
import kubernetes_validate
import yaml
from django.conf import settings

__all__ = [
    "KSERVE_FORMATS",
    "MANAGED_BY",
    "RUNTIMES",
    "TEAM_LABEL",
    "ManifestError",
    "check",
    "render",
    "to_yaml",
]

KSERVE_CRD = Path(__file__).with_name("inferenceservice-v1beta1.kserve-v0.20.0.json.gz")
KSERVE_API_VERSION = "serving.kserve.io/v1beta1"
# KServe model formats served by its stock runtimes; "ollama" is a plain Deployment with a Service.
KSERVE_FORMATS = ["sklearn", "xgboost", "lightgbm", "pytorch", "tensorflow", "onnx", "triton", "huggingface"]
RUNTIMES = [*KSERVE_FORMATS, "ollama"]
MANAGED_BY = "developer-portal"
TEAM_LABEL = "portal.internal/team"
OLLAMA_PORT = 11434


class ManifestError(ValueError):
    """The manifest does not match its schema; the message lists every problem with its path."""


def _setting(name: str, default):
    value = getattr(settings, name, None)
    return value if value not in (None, "") else os.environ.get(name, default)


@cache
def _kserve_validator() -> jsonschema.Draft4Validator:
    with gzip.open(KSERVE_CRD, "rt") as f:
        schema = json.load(f)["openAPIV3Schema"]
    return jsonschema.Draft4Validator(schema)


def _labels(params: dict) -> dict[str, str]:
    labels = {
        "app.kubernetes.io/name": params["name"],
        "app.kubernetes.io/component": "model",
        "app.kubernetes.io/managed-by": MANAGED_BY,
        TEAM_LABEL: params["team"][:63].rstrip("-"),
    }
    if params.get("version"):
        labels["app.kubernetes.io/version"] = params["version"]
    return labels


def _resources(params: dict) -> dict:
    amounts = {"cpu": params["cpu"], "memory": params["memory"]}
    limits = dict(amounts)
    if params["gpu"]:
        limits["nvidia.com/gpu"] = str(params["gpu"])  # extended resources go in limits (requests follow)
    return {"requests": amounts, "limits": limits}


def _metadata(params: dict) -> dict:
    return {
        "name": params["name"],
        "namespace": params["namespace"],
        "labels": _labels(params),
        "annotations": {"portal.internal/storage-uri": params["storage_uri"]},
    }


def _inference_service(params: dict) -> dict:
    predictor = {
        "minReplicas": params["min_replicas"],
        "maxReplicas": params["max_replicas"],
        "model": {
            "modelFormat": {"name": params["runtime"]},
            "storageUri": params["storage_uri"],
            "resources": _resources(params),
        },
    }
    if params.get("canary_traffic_percent") is not None:
        predictor["canaryTrafficPercent"] = params["canary_traffic_percent"]
    return {
        "apiVersion": KSERVE_API_VERSION,
        "kind": "InferenceService",
        "metadata": _metadata(params),
        "spec": {"predictor": predictor},
    }


def _ollama(params: dict) -> list[dict]:
    """Ollama pulls the model in an init container into a volume the server then reads from."""
    model = params["storage_uri"].removeprefix("ollama://")
    image = _setting("MODEL_DEPLOY_OLLAMA_IMAGE", "ollama/ollama:latest")
    selector = {"app.kubernetes.io/name": params["name"], "app.kubernetes.io/managed-by": MANAGED_BY}
    volume_mount = [{"name": "models", "mountPath": "/root/.ollama"}]
    pull = 'ollama serve & until ollama list >/dev/null 2>&1; do sleep 1; done; ollama pull "$MODEL"'
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(params),
        "spec": {
            "replicas": params["min_replicas"],
            "selector": {"matchLabels": selector},
            "template": {
                "metadata": {"labels": _labels(params)},
                "spec": {
                    "initContainers": [
                        {
                            "name": "pull-model",
                            "image": image,
                            "command": ["/bin/sh", "-c", pull],
                            "env": [{"name": "MODEL", "value": model}],
                            "volumeMounts": volume_mount,
                        }
                    ],
                    "containers": [
                        {
                            "name": "ollama",
                            "image": image,
                            "ports": [{"name": "http", "containerPort": OLLAMA_PORT}],
                            "resources": _resources(params),
                            "readinessProbe": {"httpGet": {"path": "/api/tags", "port": OLLAMA_PORT}},
                            "volumeMounts": volume_mount,
                        }
                    ],
                    "volumes": [{"name": "models", "emptyDir": {}}],
                },
            },
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {k: v for k, v in _metadata(params).items() if k != "annotations"},
        "spec": {"selector": selector, "ports": [{"name": "http", "port": OLLAMA_PORT, "targetPort": OLLAMA_PORT}]},
    }
    manifests = [deployment, service]
    if params["max_replicas"] > params["min_replicas"]:
        manifests.append(
            {
                "apiVersion": "autoscaling/v2",
                "kind": "HorizontalPodAutoscaler",
                "metadata": {k: v for k, v in _metadata(params).items() if k != "annotations"},
                "spec": {
                    "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": params["name"]},
                    "minReplicas": params["min_replicas"],
                    "maxReplicas": params["max_replicas"],
                    "metrics": [
                        {
                            "type": "Resource",
                            "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}},
                        }
                    ],
                },
            }
        )
    return manifests


def render(params: dict) -> list[dict]:
    """The objects to apply, the one to follow for readiness first."""
    return _ollama(params) if params["runtime"] == "ollama" else [_inference_service(params)]


def _path(error: jsonschema.ValidationError) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "(top)"


def check(manifest: dict) -> None:
    """ManifestError listing every schema violation of one object."""
    kind = manifest.get("kind")
    if manifest.get("apiVersion") == KSERVE_API_VERSION and kind == "InferenceService":
        errors = sorted(_kserve_validator().iter_errors(manifest), key=lambda e: list(e.absolute_path))
        problems = [f"{_path(e)}: {e.message}" for e in errors]
        if not manifest.get("spec", {}).get("predictor"):
            problems.append("spec.predictor: is required")
        if problems:
            raise ManifestError(f"The InferenceService does not match KServe's schema: {'; '.join(problems)}")
        return
    version = str(_setting("MODEL_DEPLOY_KUBERNETES_VERSION", kubernetes_validate.utils.latest_version()))
    try:
        kubernetes_validate.validate(manifest, version, strict=True)
    except kubernetes_validate.ValidationError as exc:
        raise ManifestError(
            f"The {kind} does not match Kubernetes {version}'s schema: {_path(exc)}: {exc.message}"
        ) from exc
    except kubernetes_validate.SchemaNotFoundError as exc:
        raise ManifestError(f"No Kubernetes {version} schema for {manifest.get('apiVersion')} {kind}.") from exc


def to_yaml(manifests: list[dict]) -> str:
    return yaml.safe_dump_all(manifests, sort_keys=False, default_flow_style=False)
