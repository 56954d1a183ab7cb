"""Request a model deployment on Kubernetes: a KServe InferenceService (or an Ollama Deployment) in the team's
namespace, validated before apply, followed to Ready, and catalogued as an ML model with its owners."""

import re

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.utils.text import slugify

from catalog.choices import EntityKind, Lifecycle
from catalog.models import Entity, Service
from selfservice import manifests
from selfservice.actions.base import Action, ApprovalNeed, team_owners
from selfservice.actions.forms import ActionForm
from selfservice.connectors.base import Outcome

__all__ = ["ModelDeployForm", "RequestModelDeployment", "team_namespace"]

# DNS-1035 label; Knative puts <name>-predictor-00001 in a label, which may not pass 63 characters.
MODEL_NAME = re.compile(r"^[a-z]([-a-z0-9]{0,43}[a-z0-9])?$")
VERSION = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$")  # also a label value
KSERVE_URI = re.compile(r"^(models:/[A-Za-z0-9_.-]+(/[0-9]+|@[A-Za-z0-9_-]+)|(s3|gs|pvc|hf|oci|https)://[^\s'\"\\]+)$")
OLLAMA_URI = re.compile(r"^ollama://[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9._-]+)?$")
CPU = re.compile(r"^([1-9][0-9]*m|[0-9]+(\.[0-9]{1,3})?)$")
MEMORY = re.compile(r"^([1-9][0-9]*)(Mi|Gi)$")
MAX_CPU_CORES = 32
MAX_MEMORY_GI = 256
RUNTIME_CHOICES = [(r, "Ollama (Deployment + Service)" if r == "ollama" else f"KServe {r}") for r in manifests.RUNTIMES]


def team_namespace(team_slug: str) -> str:
    """The team's namespace by policy: MODEL_DEPLOY_NAMESPACE with {team} filled in (one shared one without it)."""
    template = getattr(settings, "MODEL_DEPLOY_NAMESPACE", "") or "ml-{team}"
    return template.replace("{team}", team_slug)[:63].rstrip("-")


def _max_replicas() -> int:
    return int(getattr(settings, "MODEL_DEPLOY_MAX_REPLICAS", 10))


class ModelDeployForm(ActionForm):
    field_order = [
        "name",
        "version",
        "storage_uri",
        "runtime",
        "cpu",
        "memory",
        "gpu",
        "min_replicas",
        "max_replicas",
        "canary_traffic_percent",
        "team",
        "namespace",
    ]

    name = forms.CharField(
        label="Model name",
        max_length=45,
        help_text="Lowercase letters, digits and '-', starting with a letter; the deployment's name.",
        widget=forms.TextInput(attrs={"placeholder": "churn-classifier", "autocomplete": "off"}),
    )
    version = forms.CharField(
        required=False,
        max_length=63,
        help_text="The model's version, e.g. 3: with no storage URI, MLflow's models:/<name>/<version> is used.",
    )
    storage_uri = forms.CharField(
        label="Storage URI",
        required=False,
        max_length=1000,
        help_text="models:/<name>/<version> (MLflow), s3://, gs://, pvc://, hf://, oci:// or https://; "
        "ollama://<model>:<tag> for Ollama.",
    )
    runtime = forms.ChoiceField(choices=RUNTIME_CHOICES, initial="sklearn", help_text="KServe model format, or Ollama")
    cpu = forms.CharField(label="CPU", initial="1", max_length=10, help_text="Cores per replica: 1, 2.5 or 500m")
    memory = forms.CharField(initial="2Gi", max_length=10, help_text="Per replica, in Mi or Gi: 512Mi, 4Gi")
    gpu = forms.IntegerField(label="GPUs", min_value=0, max_value=8, initial=0, help_text="NVIDIA GPUs per replica")
    min_replicas = forms.IntegerField(min_value=0, initial=1, help_text="0 lets KServe scale to zero when idle")
    max_replicas = forms.IntegerField(min_value=1, initial=1)
    canary_traffic_percent = forms.IntegerField(
        label="Canary traffic (%)",
        required=False,
        min_value=0,
        max_value=100,
        help_text="Share of traffic for this version while the earlier one keeps the rest (KServe only).",
    )
    namespace = forms.CharField(
        required=False, max_length=63, help_text="By policy the team's namespace; leave empty to use it."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        most = _max_replicas()
        for name in ("min_replicas", "max_replicas"):
            self.fields[name].max_value = most
            self.fields[name].validators.append(MaxValueValidator(most))
            self.fields[name].widget.attrs["max"] = most

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not MODEL_NAME.match(name):
            raise forms.ValidationError(
                f"'{name}' must be lowercase letters, digits and '-', start with a letter, not end with '-', "
                "and have at most 45 characters."
            )
        return name

    def clean_version(self):
        version = self.cleaned_data["version"].strip()
        if version and not VERSION.match(version):
            raise forms.ValidationError("Use letters, digits, '.', '_' or '-' for the version, e.g. 3 or 2024-06-01.")
        return version

    def clean_cpu(self):
        cpu = self.cleaned_data["cpu"].strip()
        if not CPU.match(cpu):
            raise forms.ValidationError(f"'{cpu}' is not a CPU amount like 1, 2.5 or 500m.")
        cores = int(cpu[:-1]) / 1000 if cpu.endswith("m") else float(cpu)
        if not 0 < cores <= MAX_CPU_CORES:
            raise forms.ValidationError(f"Ask for more than 0 and at most {MAX_CPU_CORES} cores.")
        return cpu

    def clean_memory(self):
        memory = self.cleaned_data["memory"].strip()
        match = MEMORY.match(memory)
        if not match:
            raise forms.ValidationError(f"'{memory}' is not a memory amount like 512Mi or 4Gi.")
        gib = int(match[1]) / (1024 if match[2] == "Mi" else 1)
        if gib > MAX_MEMORY_GI:
            raise forms.ValidationError(f"Ask for at most {MAX_MEMORY_GI}Gi.")
        return memory

    def clean(self):
        cleaned = super().clean()
        runtime, name = cleaned.get("runtime"), cleaned.get("name")
        low, high = cleaned.get("min_replicas"), cleaned.get("max_replicas")
        if low is not None and high is not None and low > high:
            self.add_error("max_replicas", f"Give at least the minimum ({low}).")
        if runtime == "ollama":
            if cleaned.get("canary_traffic_percent") is not None:
                self.add_error("canary_traffic_percent", "Canary traffic is a KServe feature; Ollama has none.")
            if low == 0:
                self.add_error("min_replicas", "An Ollama deployment keeps at least one replica.")
        if runtime and name:
            self._clean_storage(cleaned, runtime, name)
        team = cleaned.get("team")
        if team:
            expected = team_namespace(team)
            given = (cleaned.get("namespace") or "").strip()
            if given and given != expected:
                self.add_error("namespace", f"Deploy into your team's namespace, {expected}, not {given}.")
            cleaned["namespace"] = expected
        if not self.errors:
            for manifest in manifests.render(cleaned):
                try:
                    manifests.check(manifest)
                except manifests.ManifestError as exc:
                    self.add_error(None, str(exc))
        return cleaned

    def _clean_storage(self, cleaned: dict, runtime: str, name: str) -> None:
        uri, version = (cleaned.get("storage_uri") or "").strip(), cleaned.get("version") or ""
        if runtime == "ollama":
            uri = uri or f"ollama://{name}:{version or 'latest'}"
            if not OLLAMA_URI.match(uri):
                self.add_error(
                    "storage_uri", "For Ollama, give the model as ollama://<model>:<tag>, e.g. ollama://llama3.2:1b."
                )
        else:
            if not uri and not version:
                self.add_error("version", "Give a version (for MLflow's models:/<name>/<version>) or a storage URI.")
                return
            uri = uri or f"models:/{name}/{version}"
            if uri.startswith("ollama://"):
                self.add_error("storage_uri", "ollama:// models run with the Ollama runtime.")
            elif not KSERVE_URI.match(uri):
                self.add_error(
                    "storage_uri",
                    f"'{uri}' is not a storage URI KServe can load: models:/<name>/<version>, s3://, gs://, pvc://, "
                    "hf://, oci:// or https://, without spaces or quotes.",
                )
        cleaned["storage_uri"] = uri


class RequestModelDeployment(Action):
    id = "model-deployment"
    title = "Request a model deployment"
    description = (
        "Deploy a model on Kubernetes as a KServe InferenceService (sklearn, xgboost, pytorch, triton, huggingface, "
        "...) or an Ollama Deployment, in your team's namespace; followed until ready and added to the catalog as "
        "an ML model owned by your team."
    )
    form_class = ModelDeployForm
    connector_path = "selfservice.connectors.kubernetes.KubernetesConnector"

    def approval_needed(self, params: dict, *, requester, team) -> ApprovalNeed | None:
        reasons = []
        if params["gpu"]:
            reasons.append(f"{params['gpu']} GPU{'s' if params['gpu'] != 1 else ''} per replica")
        limit = int(getattr(settings, "MODEL_DEPLOY_APPROVAL_REPLICAS", 4))
        if params["max_replicas"] > limit:
            reasons.append(f"up to {params['max_replicas']} replicas is above {limit}")
        return ApprovalNeed("; ".join(reasons)) if reasons else None

    def on_success(self, request, outcome: Outcome) -> None:
        """An applied deployment becomes (or updates) a catalog Service of kind ML model; a sandbox one does not."""
        from catalog import services as catalog_services

        details = outcome.details
        if not details.get("applied"):
            return
        params = request.parameters
        description = (
            f"Deployed by self-service request #{request.pk} as a {details['kind']} in {details['namespace']}: "
            f"runtime {params['runtime']}, model {params['storage_uri']}"
            + (f", version {params['version']}" if params.get("version") else "")
            + f", {params['min_replicas']} to {params['max_replicas']} replicas of {params['cpu']} CPU / "
            f"{params['memory']}"
            + (f" / {params['gpu']} GPU" if params["gpu"] else "")
            + (
                f", canary {params['canary_traffic_percent']} %"
                if params.get("canary_traffic_percent") is not None
                else ""
            )
            + (f". Endpoint: {details['url']}" if details.get("url") else ".")
        )
        slug = slugify(f"{details['namespace']}-{details['name']}")
        existing = Service.objects.filter(slug=slug).first()
        if existing is not None:
            if existing.description != description:
                catalog_services.service_update(actor=request.requester, service=existing, description=description)
            return
        if Entity.objects.filter(slug=slug).exists():
            return
        catalog_services.service_create(
            actor=request.requester,
            name=details["name"],
            slug=slug,
            kind=EntityKind.ML_MODEL,
            tier=3,
            lifecycle=Lifecycle.PRODUCTION,
            description=description,
            owners=team_owners(request.team),
        )
