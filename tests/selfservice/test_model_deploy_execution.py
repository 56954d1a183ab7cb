"""Model deployments run by a real Celery worker, through the kubernetes client, against a fake Kubernetes API."""

import os
import signal
import time

import pytest
import yaml

from catalog.models import Service
from selfservice.models import Request
from tests.conftest import wait_for
from tests.fakes.kubernetes import FakeKubernetes
from tests.selfservice.conftest import wait_for_status

pytestmark = pytest.mark.integration

URL = "/api/v1/selfservice/requests/"
NS = "ml-data-engineering"
ISVC = "/apis/serving.kserve.io/v1beta1/namespaces/ml-data-engineering/inferenceservices"
FAST = {"SELFSERVICE_RETRY_BACKOFF": "1", "SELFSERVICE_RETRY_BACKOFF_MAX": "2", "SELFSERVICE_MAX_RETRIES": "2"}


@pytest.fixture
def cluster(tmp_path, settings):
    fake = FakeKubernetes(ready_after=0.3).start()
    settings.KUBECONFIG = str(fake.write_kubeconfig(tmp_path / "kubeconfig"))
    settings.KUBE_CONTEXT = "fake"
    yield fake
    fake.stop()


def worker_env(cluster_settings, **extra) -> dict:
    return {
        "KUBECONFIG": cluster_settings.KUBECONFIG,
        "KUBE_CONTEXT": "fake",
        "MODEL_DEPLOY_POLL_SECONDS": "0.1",
        "MODEL_DEPLOY_READY_TIMEOUT": "20",
        **FAST,
        **extra,
    }


def model_params(**overrides) -> dict:
    params = {
        "name": "churn",
        "version": "3",
        "runtime": "sklearn",
        "cpu": "1",
        "memory": "2Gi",
        "gpu": 0,
        "min_replicas": 1,
        "max_replicas": 3,
        "team": "data-engineering",
    }
    params.update(overrides)
    return params


def submit(api_client, user, params) -> str:
    api_client.force_authenticate(user)
    response = api_client.post(URL, {"action": "model-deployment", "parameters": params}, format="json")
    assert response.status_code == 202, response.content
    return response["Location"]


def test_a_kserve_model_is_created_strictly_followed_to_ready_and_catalogued(
    api_client, people, cluster, settings, celery_worker_process
):
    celery_worker_process.start(env=worker_env(settings))
    url = submit(api_client, people["ana"], model_params())
    body = wait_for_status(api_client, url, {"succeeded", "failed"})
    assert body["status"] == "succeeded", body["last_error"]
    assert body["sandbox"] is False
    outcome = body["outcome"]
    assert outcome["ref"] == f"{NS}/churn" and outcome["created"] is True
    assert outcome["url"] == f"http://churn.{NS}.example.com"
    assert outcome["changes"] == {f"InferenceService {NS}/churn": "created"}

    (create,) = cluster.calls("POST", "inferenceservices")
    assert create.path == ISVC
    assert create.query["fieldValidation"] == ["Strict"]  # unknown fields would fail, not vanish
    predictor = create.body["spec"]["predictor"]
    assert predictor["model"] == {
        "modelFormat": {"name": "sklearn"},
        "storageUri": "models:/churn/3",
        "resources": {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"cpu": "1", "memory": "2Gi"}},
    }
    assert (predictor["minReplicas"], predictor["maxReplicas"]) == (1, 3)
    labels = create.body["metadata"]["labels"]
    assert labels["app.kubernetes.io/managed-by"] == "developer-portal"
    assert labels["portal.internal/team"] == "data-engineering"

    model = Service.objects.get(slug=f"{NS}-churn")
    assert model.kind == "ml_model" and model.name == "churn"
    assert "runtime sklearn, model models:/churn/3, version 3" in model.description
    roles = {(o.role, str(o.party)) for o in model.ownerships.select_related("team", "person")}
    assert roles == {("A", "Sam"), ("R", "Data Engineering")}


def test_a_new_version_with_canary_patches_the_same_service_and_updates_the_catalog(
    api_client, people, cluster, settings, celery_worker_process
):
    celery_worker_process.start(env=worker_env(settings))
    first = wait_for_status(api_client, submit(api_client, people["ana"], model_params()), {"succeeded", "failed"})
    assert first["status"] == "succeeded", first["last_error"]
    url = submit(api_client, people["ana"], model_params(version="4", canary_traffic_percent=10))
    body = wait_for_status(api_client, url, {"succeeded", "failed"})
    assert body["status"] == "succeeded", body["last_error"]
    assert body["outcome"]["changes"] == {f"InferenceService {NS}/churn": "updated"}

    (patch,) = cluster.calls("PATCH", "inferenceservices")
    assert patch.content_type == "application/merge-patch+json"
    assert patch.body["spec"]["predictor"]["canaryTrafficPercent"] == 10
    assert patch.body["spec"]["predictor"]["model"]["storageUri"] == "models:/churn/4"
    live = cluster.get("inferenceservices", NS, "churn")
    assert live["metadata"]["generation"] == 2 and live["status"]["observedGeneration"] == 2
    assert len(cluster.calls("POST", "inferenceservices")) == 1
    model = Service.objects.get(slug=f"{NS}-churn")
    assert "version 4" in model.description and "canary 10 %" in model.description
    assert Service.objects.filter(kind="ml_model").count() == 1


def test_an_ollama_model_is_a_deployment_a_service_and_an_autoscaler(
    api_client, people, cluster, settings, celery_worker_process
):
    celery_worker_process.start(env=worker_env(settings))
    params = model_params(name="assistant", runtime="ollama", version="", storage_uri="ollama://llama3.2:1b")
    body = wait_for_status(api_client, submit(api_client, people["ana"], params), {"succeeded", "failed"})
    assert body["status"] == "succeeded", body["last_error"]
    assert body["outcome"]["kind"] == "Deployment"
    deployment = cluster.get("deployments", NS, "assistant")
    pod = deployment["spec"]["template"]["spec"]
    assert pod["initContainers"][0]["env"] == [{"name": "MODEL", "value": "llama3.2:1b"}]
    assert deployment["status"]["conditions"][0]["type"] == "Available"
    assert cluster.get("services", NS, "assistant")["spec"]["ports"][0]["port"] == 11434
    hpa = cluster.get("horizontalpodautoscalers", NS, "assistant")
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (1, 3)
    assert {r.query["fieldValidation"][0] for r in cluster.calls("POST")} == {"Strict"}


def test_a_forbidden_namespace_fails_at_once_with_the_apis_message(
    api_client, people, cluster, settings, celery_worker_process
):
    cluster.forbidden_namespaces.add(NS)
    celery_worker_process.start(env=worker_env(settings))
    body = wait_for_status(api_client, submit(api_client, people["ana"], model_params()), {"succeeded", "failed"})
    assert body["status"] == "failed" and body["attempts"] == 1
    assert body["last_error"] == (
        f"Creating InferenceService {NS}/churn: 403 Forbidden: inferenceservices.serving.kserve.io is forbidden: "
        'User "system:serviceaccount:portal:model-deployer" cannot create resource "inferenceservices" in API group '
        f'"serving.kserve.io" in the namespace "{NS}"'
    )
    assert not Service.objects.filter(kind="ml_model").exists()


def test_a_name_taken_meanwhile_by_someone_else_fails_on_the_409(
    api_client, people, cluster, settings, celery_worker_process
):
    foreign = {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {"name": "churn", "namespace": NS, "labels": {"app.kubernetes.io/managed-by": "helm"}},
        "spec": {"predictor": {"model": {"modelFormat": {"name": "xgboost"}, "storageUri": "s3://other/churn"}}},
    }
    cluster.before_create = lambda: cluster.put("serving.kserve.io/v1beta1", "inferenceservices", foreign)
    celery_worker_process.start(env=worker_env(settings))
    body = wait_for_status(api_client, submit(api_client, people["ana"], model_params()), {"succeeded", "failed"})
    assert body["status"] == "failed" and body["attempts"] == 1
    assert body["last_error"].startswith(
        f'Creating InferenceService {NS}/churn: 409 AlreadyExists: inferenceservices.serving.kserve.io "churn" '
        f"already exists. InferenceService {NS}/churn already exists and was not deployed by the portal for "
        "data-engineering (it belongs to helm)"
    )
    assert (
        cluster.get("inferenceservices", NS, "churn")["spec"]["predictor"]["model"]["storageUri"] == "s3://other/churn"
    )
    assert not cluster.calls("PATCH")


def test_an_invalid_object_fails_with_the_apis_422_message_and_causes(
    api_client, people, cluster, settings, celery_worker_process
):
    cause = {
        "reason": "FieldValueInvalid",
        "message": 'Invalid value: "models:/churn/3": no storage container supports this URI',
        "field": "spec.predictor.model.storageUri",
    }
    cluster.inject(
        "create",
        "inferenceservices",
        422,
        "Invalid",
        'InferenceService.serving.kserve.io "churn" is invalid: spec.predictor.model.storageUri: Invalid value',
        causes=[cause],
    )
    celery_worker_process.start(env=worker_env(settings))
    body = wait_for_status(api_client, submit(api_client, people["ana"], model_params()), {"succeeded", "failed"})
    assert body["status"] == "failed" and body["attempts"] == 1
    assert body["last_error"] == (
        f'Creating InferenceService {NS}/churn: 422 Invalid: InferenceService.serving.kserve.io "churn" is invalid: '
        "spec.predictor.model.storageUri: Invalid value (spec.predictor.model.storageUri: Invalid value: "
        '"models:/churn/3": no storage container supports this URI)'
    )


def test_a_model_that_never_gets_ready_fails_after_the_timeout_with_its_condition(
    api_client, people, cluster, settings, celery_worker_process
):
    cluster.never_ready["churn"] = ("RevisionFailed", "Revision churn-predictor-00001 failed: ImagePullBackOff")
    celery_worker_process.start(env=worker_env(settings, MODEL_DEPLOY_READY_TIMEOUT="2"))
    body = wait_for_status(api_client, submit(api_client, people["ana"], model_params()), {"succeeded", "failed"})
    assert body["status"] == "failed"
    assert body["last_error"] == (
        f"InferenceService {NS}/churn was applied but is not ready after 2 s: Ready=False (RevisionFailed) "
        "(Revision churn-predictor-00001 failed: ImagePullBackOff). It stays in the cluster; retry the request to "
        "follow it again."
    )
    assert not Service.objects.filter(kind="ml_model").exists()


def test_an_unreachable_cluster_is_retried_then_fails_clearly(
    api_client, people, cluster, settings, celery_worker_process
):
    cluster.stop()
    celery_worker_process.start(env=worker_env(settings))
    body = wait_for_status(api_client, submit(api_client, people["ana"], model_params()), {"succeeded", "failed"}, 90)
    assert body["status"] == "failed" and body["attempts"] == 3
    assert body["last_error"].startswith("Gave up after 3 attempts: The Kubernetes API is unreachable")


def test_a_worker_killed_mid_task_is_delivered_again_and_deploys_once(
    api_client, people, cluster, settings, celery_worker_process
):
    env = worker_env(settings, SELFSERVICE_APPLY_PAUSE="4", CELERY_VISIBILITY_TIMEOUT="3")
    worker = celery_worker_process.start(env=env)
    url = submit(api_client, people["ana"], model_params())
    wait_for(lambda: cluster.get("inferenceservices", NS, "churn"), 30, "the InferenceService to be created")
    time.sleep(1)  # ready and inside the pause: applied, not recorded
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    assert api_client.get(url).json()["status"] == "running"

    time.sleep(3.5)
    celery_worker_process.start(env=env)
    body = wait_for_status(api_client, url, {"succeeded", "failed"}, timeout=60)
    assert body["status"] == "succeeded", body["last_error"]
    assert body["outcome"]["created"] is False  # found its own deployment, unchanged
    assert body["outcome"]["changes"] == {f"InferenceService {NS}/churn": "unchanged"}
    assert len(cluster.calls("POST", "inferenceservices")) == 1 and not cluster.calls("PATCH")
    assert Service.objects.filter(slug=f"{NS}-churn").count() == 1


def test_without_a_cluster_the_manifest_is_written_validated_and_labelled_not_applied(
    api_client, people, settings, monkeypatch, celery_worker_process
):
    monkeypatch.delenv("KUBECONFIG", raising=False)
    settings.KUBECONFIG = ""
    celery_worker_process.start(env={"KUBECONFIG": "", **FAST})
    body = wait_for_status(api_client, submit(api_client, people["ana"], model_params()), {"succeeded", "failed"})
    assert body["status"] == "succeeded", body["last_error"]
    assert body["sandbox"] is True
    assert body["outcome"]["ref"] == f"{NS}/churn (sandbox: not applied)"
    assert body["outcome"]["applied"] is False
    path = settings.VAR_DIR / "sandbox-manifests" / NS / "churn.yaml"
    assert str(path) == body["outcome"]["manifest_path"]
    text = path.read_text()
    assert text.startswith("# Validated by the portal; NOT applied: no cluster is configured.")
    (manifest,) = yaml.safe_load_all(text)
    assert manifest["kind"] == "InferenceService" and manifest["spec"]["predictor"]["model"]["storageUri"] == (
        "models:/churn/3"
    )
    assert not Service.objects.filter(kind="ml_model").exists()  # nothing runs, so nothing is catalogued
    assert Request.objects.get(pk=body["id"]).sandbox is True
