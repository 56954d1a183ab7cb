"""Model deployment requests: parameter checks, the plan with its validated manifest, approval and permissions."""

import pytest
import yaml

from selfservice import manifests
from selfservice.models import Request

PLAN = "/api/v1/selfservice/requests/plan/"
URL = "/api/v1/selfservice/requests/"


def params(**overrides) -> dict:
    found = {
        "name": "churn",
        "version": "3",
        "runtime": "xgboost",
        "cpu": "500m",
        "memory": "1Gi",
        "gpu": 0,
        "min_replicas": 1,
        "max_replicas": 2,
        "team": "data-engineering",
    }
    found.update(overrides)
    return found


@pytest.fixture
def kube_settings(settings, tmp_path):
    settings.KUBECONFIG = str(tmp_path / "kubeconfig")  # a plan calls nothing: the file need not exist
    settings.KUBE_CONTEXT = "prod"
    return settings


def test_the_plan_shows_the_validated_manifest_and_what_will_happen(api_client, people, kube_settings):
    api_client.force_authenticate(people["ana"])
    overrides = {"storage_uri": "s3://models/churn/3", "canary_traffic_percent": 20}
    response = api_client.post(PLAN, {"action": "model-deployment", "parameters": params(**overrides)}, format="json")
    assert response.status_code == 200, response.content
    plan = response.json()
    assert plan["target"] == f"Kubernetes, context prod of {kube_settings.KUBECONFIG}"
    assert plan["sandbox"] is False
    steps = [s["summary"] for s in plan["steps"]]
    assert steps == [
        "Validate the manifest against KServe v0.20.0's InferenceService schema: valid",
        "Create, or patch if the portal deployed it before: InferenceService ml-data-engineering/churn",
        "Wait until it is Ready (status.conditions), at most 90 s",
        "Add churn to the catalog as an ML model owned by data-engineering (RACI)",
    ]
    (manifest,) = yaml.safe_load_all(plan["steps"][0]["detail"])
    assert manifest["apiVersion"] == "serving.kserve.io/v1beta1" and manifest["kind"] == "InferenceService"
    assert manifest["metadata"]["namespace"] == "ml-data-engineering"
    predictor = manifest["spec"]["predictor"]
    assert predictor["canaryTrafficPercent"] == 20
    assert predictor["model"]["storageUri"] == "s3://models/churn/3"
    assert predictor["model"]["modelFormat"] == {"name": "xgboost"}
    assert plan["warnings"] == [
        "Canary: 20 % of the traffic goes to this version only when an earlier version of the model is running; "
        "a first deployment takes all of it."
    ]
    assert not Request.objects.exists()


def test_without_a_cluster_the_plan_says_the_manifest_is_only_written(api_client, people, settings, monkeypatch):
    monkeypatch.delenv("KUBECONFIG", raising=False)
    settings.KUBECONFIG = ""
    api_client.force_authenticate(people["ana"])
    plan = api_client.post(PLAN, {"action": "model-deployment", "parameters": params()}, format="json").json()
    assert plan["sandbox"] is True
    assert plan["target"].startswith("Kubernetes sandbox (KUBECONFIG is not set): the manifest is written to ")
    assert plan["target"].endswith("NOT applied")
    assert "Write, without applying, InferenceService ml-data-engineering/churn" in [
        s["summary"] for s in plan["steps"]
    ]


def test_an_ollama_plan_validates_a_deployment_service_and_autoscaler(api_client, people, kube_settings):
    api_client.force_authenticate(people["ana"])
    overrides = {"name": "assistant", "runtime": "ollama", "version": "1b", "storage_uri": "", "max_replicas": 3}
    plan = api_client.post(
        PLAN, {"action": "model-deployment", "parameters": params(**overrides)}, format="json"
    ).json()
    kinds = [m["kind"] for m in yaml.safe_load_all(plan["steps"][0]["detail"])]
    assert kinds == ["Deployment", "Service", "HorizontalPodAutoscaler"]
    assert plan["steps"][0]["summary"] == "Validate the manifest against the Kubernetes schemas: valid"
    assert plan["parameters"]["storage_uri"] == "ollama://assistant:1b"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "Churn_Model"}, "name", "must be lowercase letters"),
        ({"name": "9lives"}, "name", "start with a letter"),
        ({"version": "", "storage_uri": ""}, "version", "Give a version"),
        ({"storage_uri": "ftp://models/churn"}, "storage_uri", "is not a storage URI KServe can load"),
        ({"storage_uri": "s3://bucket/my model"}, "storage_uri", "without spaces or quotes"),
        ({"runtime": "ollama", "storage_uri": "s3://x/y"}, "storage_uri", "ollama://<model>:<tag>"),
        ({"runtime": "ollama", "canary_traffic_percent": 10}, "canary_traffic_percent", "Ollama has none"),
        ({"runtime": "ollama", "min_replicas": 0}, "min_replicas", "at least one replica"),
        ({"runtime": "onnx2"}, "runtime", "not one of the available choices"),
        ({"cpu": "lots"}, "cpu", "is not a CPU amount"),
        ({"cpu": "64"}, "cpu", "at most 32 cores"),
        ({"memory": "2GB"}, "memory", "like 512Mi or 4Gi"),
        ({"min_replicas": 3, "max_replicas": 2}, "max_replicas", "at least the minimum (3)"),
        ({"max_replicas": 50}, "max_replicas", "less than or equal to 10"),
        ({"canary_traffic_percent": 101}, "canary_traffic_percent", "less than or equal to 100"),
        ({"namespace": "kube-system"}, "namespace", "your team's namespace, ml-data-engineering, not kube-system"),
    ],
)
def test_bad_parameters_are_refused_naming_the_field_and_nothing_is_stored(
    api_client, people, kube_settings, overrides, field, message
):
    api_client.force_authenticate(people["ana"])
    response = api_client.post(URL, {"action": "model-deployment", "parameters": params(**overrides)}, format="json")
    assert response.status_code == 400, response.content
    assert message in " ".join(response.json()[field])
    assert not Request.objects.exists()


def test_the_manifest_check_names_each_schema_violation():
    rendered = manifests.render({**params(), "storage_uri": "models:/churn/3", "namespace": "ml-x"})[0]
    rendered["spec"]["predictor"]["minReplicas"] = "one"
    del rendered["spec"]["predictor"]["model"]["modelFormat"]["name"]
    with pytest.raises(manifests.ManifestError) as raised:
        manifests.check(rendered)
    assert str(raised.value) == (
        "The InferenceService does not match KServe's schema: spec.predictor.minReplicas: 'one' is not of type "
        "'integer'; spec.predictor.model.modelFormat: 'name' is a required property"
    )
    deployment = manifests.render(
        {**params(runtime="ollama"), "storage_uri": "ollama://x:1", "namespace": "ml-x", "canary_traffic_percent": None}
    )[0]
    deployment["spec"]["replica"] = 2
    with pytest.raises(manifests.ManifestError, match=r"spec: Additional properties are not allowed \('replica'"):
        manifests.check(deployment)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [({"gpu": 1}, "1 GPU per replica"), ({"max_replicas": 8}, "up to 8 replicas is above 4")],
)
def test_gpus_and_many_replicas_wait_for_the_team_lead(api_client, people, kube_settings, overrides, reason):
    api_client.force_authenticate(people["ana"])
    response = api_client.post(URL, {"action": "model-deployment", "parameters": params(**overrides)}, format="json")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "pending_approval" and body["approval_reason"] == reason
    assert body["parameters"]["namespace"] == "ml-data-engineering"
    url = response["Location"]
    api_client.force_authenticate(people["ben"])  # another team's engineer does not even see it
    assert api_client.post(url + "approve/").status_code == 404
    api_client.force_authenticate(people["ana"])
    assert api_client.post(url + "approve/").status_code == 403  # nobody approves their own request


def test_a_stakeholder_cannot_request_a_deployment(api_client, people, kube_settings):
    api_client.force_authenticate(people["sue"])
    response = api_client.post(URL, {"action": "model-deployment", "parameters": params()}, format="json")
    assert response.status_code == 403
    assert not Request.objects.exists()


def test_an_engineer_deploys_only_for_their_own_team(api_client, people, kube_settings):
    api_client.force_authenticate(people["ben"])
    response = api_client.post(URL, {"action": "model-deployment", "parameters": params()}, format="json")
    assert response.status_code == 400
    assert "data-engineering is not one of the available choices" in response.json()["team"][0]


def test_the_request_page_shows_the_generated_form(client, people, kube_settings):
    client.force_login(people["ana"])
    page = client.get("/selfservice/actions/model-deployment/")
    assert page.status_code == 200
    for label in ("Model name", "Storage URI", "Canary traffic (%)", "GPUs"):
        assert label in page.content.decode()
