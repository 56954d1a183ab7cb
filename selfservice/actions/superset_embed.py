"""Provision a Superset embed (guest) token with row-level security, shown once to the requester and never stored."""

import uuid

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from catalog.models import DataProduct
from portal import audit
from portal.errors import Conflict
from selfservice import rls
from selfservice.actions.base import Action, ApprovalNeed
from selfservice.actions.forms import ActionForm
from selfservice.choices import RequestStatus
from selfservice.connectors.base import Outcome

__all__ = ["ProvisionSupersetEmbedToken", "SupersetEmbedForm", "TokenGone", "take_guest_token", "token_waiting"]

ACTION_ID = "superset-embed-token"
GUEST_USERNAME = r"^[A-Za-z0-9_.@+-]{1,100}$"
MAX_RULES = 20
MAX_LIFETIME_MINUTES = 24 * 60


class TokenGone(Conflict):
    """The token was shown already, or its pick-up time is over: it cannot be shown again."""


def _cache_key(request_id: int) -> str:
    return f"selfservice:superset-guest-token:{request_id}"


class SupersetEmbedForm(ActionForm):
    field_order = [
        "dashboard",
        "guest_username",
        "guest_first_name",
        "guest_last_name",
        "data_product",
        "rls",
        "lifetime_minutes",
        "team",
    ]

    dashboard = forms.CharField(
        label="Embedded dashboard uuid",
        max_length=36,
        help_text="The uuid Superset shows under 'Embed dashboard' (not the dashboard's number or slug).",
        widget=forms.TextInput(attrs={"placeholder": "3e18c4c4-8f7b-492e-bac6-07d2b8120cb8", "autocomplete": "off"}),
    )
    guest_username = forms.RegexField(
        regex=GUEST_USERNAME,
        label="Guest user",
        help_text="Who will view the dashboard, as Superset logs it: letters, digits, _ . @ + -",
        error_messages={"invalid": "Use 1 to 100 letters, digits or _ . @ + - for the guest user."},
    )
    guest_first_name = forms.CharField(required=False, max_length=64)
    guest_last_name = forms.CharField(required=False, max_length=64)
    data_product = forms.SlugField(
        required=False,
        help_text="A data product whose RLS templates apply (its own, besides your team's).",
    )
    rls = forms.JSONField(
        label="Row-level security",
        required=False,
        initial=list,
        help_text='A JSON list of rules: {"template": "region", "value": "EMEA"} from a template, or '
        '{"clause": "amount > 100"} written by hand (a lead approves it); add "dataset": <id> to limit a rule '
        "to one dataset. An empty list shows every row and needs approval.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    lifetime_minutes = forms.IntegerField(
        label="Lifetime (minutes)",
        min_value=1,
        max_value=MAX_LIFETIME_MINUTES,
        initial=5,
        help_text="The longest the token may live. Superset sets its tokens' lifetime itself "
        "(GUEST_TOKEN_JWT_EXP_SECONDS, 5 minutes by default): a longer-lived token than this is refused.",
    )

    def clean_dashboard(self):
        value = self.cleaned_data["dashboard"].strip()
        if value.isdigit():
            raise forms.ValidationError(
                "Give the embedded dashboard's uuid, not its number: Superset would serve a dashboard by number even "
                "if it was never embedded."
            )
        try:
            parsed = uuid.UUID(value)
        except ValueError as exc:
            raise forms.ValidationError(f"'{value}' is not a uuid like 3e18c4c4-8f7b-492e-bac6-07d2b8120cb8.") from exc
        if str(parsed) != value.lower():
            raise forms.ValidationError("Write the uuid with its dashes, as Superset shows it.")
        return str(parsed)

    def clean_data_product(self):
        slug = self.cleaned_data.get("data_product") or ""
        if slug and not DataProduct.objects.filter(slug=slug).exists():
            raise forms.ValidationError(f"No data product '{slug}' in the catalog.")
        return slug

    def clean_rls(self):
        rules = self.cleaned_data.get("rls")
        if rules in (None, ""):
            return []
        if not isinstance(rules, list):
            raise forms.ValidationError(
                'Give the rules as a JSON list, e.g. [{"template": "region", "value": "EMEA"}].'
            )
        if len(rules) > MAX_RULES:
            raise forms.ValidationError(f"At most {MAX_RULES} rules.")
        errors = []
        for number, rule in enumerate(rules, start=1):
            if not isinstance(rule, dict) or ("template" in rule) == ("clause" in rule):
                errors.append(f"Rule {number}: give either a template and its value, or a clause.")
            elif unknown := sorted(set(rule) - {"template", "value", "clause", "dataset"}):
                errors.append(f"Rule {number}: unknown keys {', '.join(unknown)}.")
            elif "dataset" in rule and (isinstance(rule["dataset"], bool) or not isinstance(rule["dataset"], int)):
                errors.append(f"Rule {number}: dataset must be a Superset dataset id (a whole number).")
        if errors:
            raise forms.ValidationError(errors)
        return rules

    def clean(self):
        cleaned = super().clean()
        if "rls" not in cleaned or "team" not in cleaned or "data_product" not in cleaned:
            return cleaned
        templates = rls.templates_for(team_slug=cleaned["team"], data_product_slug=cleaned["data_product"])
        rendered, errors = [], []
        for number, rule in enumerate(cleaned["rls"], start=1):
            try:
                if "template" in rule:
                    template = templates.get(rule["template"])
                    if template is None:
                        known = ", ".join(sorted(templates)) or "none"
                        raise rls.RlsError(f"no template '{rule['template']}' for this team or data product ({known}).")
                    clause = rls.check_clause(rls.render(template, rule.get("value")))
                else:
                    template, clause = None, rls.check_clause(rule["clause"])
            except rls.RlsError as exc:
                errors.append(f"Rule {number}: {exc}")
                continue
            rendered.append(
                {"clause": clause, "dataset": rule.get("dataset"), "template": template.name if template else None}
            )
        if errors:
            self.add_error("rls", errors)
        else:
            self.rendered_rls = rendered
        return cleaned

    def params(self) -> dict:
        # The rendered clauses are stored beside the rules as given, so a replay with the same rules still matches.
        return {**self.cleaned_data, "rls_clauses": self.rendered_rls}


class ProvisionSupersetEmbedToken(Action):
    id = ACTION_ID
    title = "Provision a Superset embed token"
    description = (
        "A guest token for an embedded Superset dashboard, limited by row-level-security clauses from your team's "
        "or a data product's templates. Shown to you once, never stored; the grant is recorded."
    )
    form_class = SupersetEmbedForm
    connector_path = "selfservice.connectors.superset.SupersetConnector"

    def approval_needed(self, params: dict, *, requester, team) -> ApprovalNeed | None:
        reasons = []
        clauses = params["rls_clauses"]
        if not clauses:
            reasons.append("no row-level security: the guest would see every row")
        custom = [c["clause"] for c in clauses if not c["template"]]
        if custom:
            reasons.append(f"clauses written by hand: {'; '.join(custom)}")
        limit = int(getattr(settings, "SUPERSET_APPROVAL_LIFETIME_MINUTES", 60))
        if params["lifetime_minutes"] > limit:
            reasons.append(f"a lifetime of {params['lifetime_minutes']} minutes is above {limit}")
        return ApprovalNeed("; ".join(reasons)) if reasons else None

    def on_success(self, request, outcome: Outcome) -> None:
        audit.record(
            actor=request.requester,
            verb="selfservice.superset.guest_token_granted",
            target=request,
            changes={"grant": [None, outcome.details]},
            message=f"Guest token for {outcome.details.get('guest_username')} on {outcome.details.get('dashboard')}",
        )
        token = getattr(outcome, "token", "")
        if not token:
            return
        expires = parse_datetime(outcome.details["expires_at"])
        timeout = max(1, int((expires - timezone.now()).total_seconds()))
        # Only once the success is committed: a rolled-back success must leave no token to collect.
        transaction.on_commit(lambda: cache.set(_cache_key(request.pk), token, timeout))


def token_waiting(request) -> bool:
    """Whether the request's token can still be collected (for the page to offer it)."""
    return request.action == ACTION_ID and cache.get(_cache_key(request.pk)) is not None


def take_guest_token(*, user, request) -> str:
    """The request's token, once, to its requester; it is deleted as it is read, so nobody gets it twice."""
    if request.action != ACTION_ID:
        raise ValidationError({"action": "Only a Superset embed token request has a token."})
    if user.pk != request.requester_id:
        raise PermissionDenied("Only the requester receives the token.")
    if request.status != RequestStatus.SUCCEEDED:
        raise ValidationError({"status": f"The request is {request.get_status_display().lower()}, not succeeded."})
    key = _cache_key(request.pk)
    token = cache.get(key)
    # delete() answers whether it removed the key: of two concurrent readers, only one is told True.
    if token is None or not cache.delete(key):
        raise TokenGone("The token was shown once already or has expired; submit a new request for another.")
    audit.record(
        actor=user,
        verb="selfservice.superset.guest_token_collected",
        target=request,
        message="Guest token shown to the requester",
    )
    return token
