"""Open a GitLab merge request from a golden-path template: a branch, one commit with every file, an MR."""

import re
from typing import Any

from django import forms
from django.conf import settings

from selfservice.actions.base import Action
from selfservice.actions.forms import ActionForm
from selfservice.golden_paths import golden_path, golden_paths, parameter_errors, render

NAME = re.compile(r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")
PROJECT = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$")
# git check-ref-format, simplified to what a target branch is in practice.
BRANCH = re.compile(r"^(?!.*\.\.)(?!/)(?!.*//)[A-Za-z0-9._/-]+(?<![./])$")


class GitLabMergeRequestForm(ActionForm):
    field_order = ["golden_path", "name", "project", "target_branch", "title", "parameters", "team"]

    golden_path = forms.ChoiceField(help_text="The template to start from")
    name = forms.CharField(
        max_length=40,
        help_text="The pipeline's name in lowercase letters, digits and '-', e.g. orders-daily",
        widget=forms.TextInput(attrs={"placeholder": "orders-daily", "autocomplete": "off"}),
    )
    project = forms.CharField(max_length=255, help_text="The GitLab project, group/project")
    target_branch = forms.CharField(max_length=255, initial="main", help_text="The branch the MR merges into")
    title = forms.CharField(max_length=255, required=False, help_text="The MR's title; a default says what it is")
    parameters = forms.JSONField(
        initial=dict,
        help_text="The golden path's parameters as a JSON object; each path lists its own",
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["golden_path"].choices = [(p.id, p.title) for p in golden_paths().values()]
        self.fields["project"].initial = getattr(settings, "GITLAB_PROJECT", "data/pipelines")

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not NAME.match(name):
            raise forms.ValidationError(
                f"'{name}' must be 3 to 40 lowercase letters, digits or '-', starting with a letter, e.g. orders-daily."
            )
        return name

    def clean_project(self):
        project = self.cleaned_data["project"].strip().strip("/")
        if not PROJECT.match(project) or ".." in project:
            raise forms.ValidationError(f"'{project}' is not a GitLab project path like group/project.")
        return project

    def clean_target_branch(self):
        branch = self.cleaned_data["target_branch"].strip()
        if not BRANCH.match(branch) or branch.endswith(".lock"):
            raise forms.ValidationError(f"'{branch}' is not a valid branch name.")
        return branch

    def clean(self):
        cleaned = super().clean()
        path = golden_path(cleaned.get("golden_path") or "")
        params = cleaned.get("parameters")
        if path is None or "parameters" not in cleaned:
            return cleaned
        if params is None:
            params = cleaned["parameters"] = {}
        if not isinstance(params, dict):
            self.add_error("parameters", "Give the golden path's parameters as a JSON object.")
            return cleaned
        errors = parameter_errors(path, params)
        if path.id == "backfill" and not errors and params["start_date"] > params["end_date"]:
            errors.append(f"end_date: {params['end_date']} is before start_date {params['start_date']}.")
        if errors:
            self.add_error("parameters", [f"{path.title}: {e}" for e in errors])
            return cleaned
        if cleaned.get("name") and cleaned.get("team"):
            render(path, name=cleaned["name"], team=cleaned["team"], params=params)  # a template bug fails here, loudly
        return cleaned


class OpenGitLabMergeRequest(Action):
    id = "gitlab-mr"
    title = "Open a merge request from a golden path"
    description = (
        "A new pipeline from one of the team's golden paths (batch ingestion, streaming/CDC, backfill, dbt model, "
        "ML training): the files are rendered from the versioned templates, committed on a new branch, and proposed "
        "as a GitLab merge request that links back to this request."
    )
    form_class = GitLabMergeRequestForm
    connector_path = "selfservice.connectors.gitlab.GitLabConnector"
    settings_hint = "GITLAB_URL and GITLAB_TOKEN"

    def parameter_schema(self) -> dict[str, Any]:
        schema = super().parameter_schema()
        schema["properties"]["parameters"]["default"] = {}  # the base puts the form's `initial=dict` itself here
        schema["properties"]["parameters"]["oneOf"] = [
            {"title": p.title, "description": f"When golden_path is {p.id}", **p.schema}
            for p in golden_paths().values()
        ]
        return schema
