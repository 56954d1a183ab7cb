"""A small GitLab REST v4 server for tests: projects, branches, multi-file commits and merge requests.

It follows GitLab's public API documentation (and doc/api/openapi/openapi_v2.yaml in gitlab-org/gitlab):
- GET  /projects/:id                                 https://docs.gitlab.com/api/projects/#retrieve-a-project
- GET  /projects/:id/repository/branches/:branch     https://docs.gitlab.com/api/branches/#retrieve-a-single-branch
- POST /projects/:id/repository/commits              https://docs.gitlab.com/api/commits/#create-a-commit
  (`branch` + `start_branch` creates the branch in the same call; an existing `branch` is 400)
- GET/POST /projects/:id/merge_requests, GET .../:iid https://docs.gitlab.com/api/merge_requests/
  (a second open MR for a source branch is 409 with a list as its message; source = target is 422;
  `detailed_merge_status` starts `preparing`, then `checking`, then `mergeable`, as GitLab computes it
  asynchronously)
- Authentication by the PRIVATE-TOKEN header; a bad token is 401 {"message": "401 Unauthorized"} on any call
  (https://docs.gitlab.com/api/rest/troubleshooting/#status-codes). Errors are JSON {"message": ...}.
Every request is recorded (method, path, query, JSON body) for assertions; `fail_next` injects failures.
"""

import itertools
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from tests.fakes import LoopbackServer, Recorded


@dataclass
class Project:
    id: int
    path_with_namespace: str
    default_branch: str = "main"
    branches: dict[str, dict] = field(default_factory=dict)  # name -> head commit
    files: dict[str, dict[str, str]] = field(default_factory=dict)  # branch -> {path: content}
    merge_requests: list[dict] = field(default_factory=list)


class FakeGitLab(LoopbackServer):
    def __init__(self, token: str = "glpat-test-token"):  # noqa: S107
        self.token = token
        self.requests: list[Recorded] = []
        self.projects: dict[str, Project] = {}
        self.fail_next: list[tuple[str, str, int, Any]] = []  # (method, path regex, status, body): used once each
        self._ids = itertools.count(1)
        super().__init__()

    #
    # Test helpers
    #

    def add_project(self, path: str, default_branch: str = "main") -> Project:
        project = Project(id=next(self._ids), path_with_namespace=path, default_branch=default_branch)
        project.branches[default_branch] = self._commit_json("0" * 39 + "1", "Initial commit")
        project.files[default_branch] = {"README.md": "# readme\n"}
        self.projects[path] = project
        return project

    def add_branch(self, path: str, branch: str, message: str = "someone else's work") -> None:
        project = self.projects[path]
        project.branches[branch] = self._commit_json(f"{next(self._ids):040x}", message)
        project.files[branch] = dict(project.files[project.default_branch])

    def set_state(self, path: str, iid: int, state: str) -> dict:
        mr = next(m for m in self.projects[path].merge_requests if m["iid"] == iid)
        mr["state"] = state
        return mr

    def calls(self, method: str, pattern: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and re.search(pattern, r.path)]

    #
    # The API
    #

    def _commit_json(self, sha: str, message: str) -> dict:
        return {
            "id": sha,
            "short_id": sha[:8],
            "title": message.splitlines()[0] if message else "",
            "message": message,
            "author_name": "Portal",
            "parent_ids": [],
            "web_url": f"{self.url}/-/commit/{sha}",
        }

    def _project_json(self, project: Project) -> dict:
        return {
            "id": project.id,
            "path_with_namespace": project.path_with_namespace,
            "path": project.path_with_namespace.rsplit("/", 1)[-1],
            "default_branch": project.default_branch,
            "web_url": f"{self.url}/{project.path_with_namespace}",
        }

    def _mr_json(self, project: Project, mr: dict, *, read: bool) -> dict:
        if read and mr["state"] == "opened":
            # GitLab computes mergeability in the background: a fresh MR reads preparing, then checking.
            mr["reads"] += 1
            mr["detailed_merge_status"] = {1: "checking"}.get(mr["reads"], "mergeable")
        return {
            "id": mr["id"],
            "iid": mr["iid"],
            "project_id": project.id,
            "title": mr["title"],
            "description": mr["description"],
            "state": mr["state"],
            "source_branch": mr["source_branch"],
            "target_branch": mr["target_branch"],
            "detailed_merge_status": mr["detailed_merge_status"],
            "merge_status": "can_be_merged" if mr["detailed_merge_status"] == "mergeable" else "checking",
            "web_url": f"{self.url}/{project.path_with_namespace}/-/merge_requests/{mr['iid']}",
        }

    def _find_project(self, ident: str) -> Project | None:
        ident = unquote(ident)
        for project in self.projects.values():
            if ident in (project.path_with_namespace, str(project.id)):
                return project
        return None

    def handle(self, method: str, path: str, query: dict[str, str], body: Any, headers: dict) -> tuple[int, Any]:
        body = body or {}
        for index, (fail_method, pattern, status, fail_body) in enumerate(self.fail_next):
            if fail_method == method and re.search(pattern, path):
                del self.fail_next[index]
                return status, fail_body
        if headers.get("private-token") != self.token:
            return 401, {"message": "401 Unauthorized"}
        match = re.fullmatch(r"/api/v4/projects/([^/]+)(/.*)?", path)
        if not match:
            return 404, {"error": "404 Not Found"}
        project = self._find_project(match.group(1))
        if project is None:
            return 404, {"message": "404 Project Not Found"}
        rest = match.group(2) or ""
        if rest == "" and method == "GET":
            return 200, self._project_json(project)
        if branch := re.fullmatch(r"/repository/branches/(.+)", rest):
            name = unquote(branch.group(1))
            if name not in project.branches:
                return 404, {"message": "404 Branch Not Found"}
            return 200, {"name": name, "commit": project.branches[name], "merged": False, "protected": False}
        if rest == "/repository/commits" and method == "POST":
            return self._create_commit(project, body)
        if rest == "/merge_requests" and method == "GET":
            found = [
                m
                for m in project.merge_requests
                if query.get("source_branch") in (None, m["source_branch"])
                and query.get("state", "all") in ("all", m["state"])
            ]
            return 200, [self._mr_json(project, m, read=False) for m in found]
        if rest == "/merge_requests" and method == "POST":
            return self._create_mr(project, body)
        if mr_match := re.fullmatch(r"/merge_requests/(\d+)", rest):
            mr = next((m for m in project.merge_requests if m["iid"] == int(mr_match.group(1))), None)
            if mr is None:
                return 404, {"message": "404 Not found"}
            return 200, self._mr_json(project, mr, read=True)
        return 404, {"error": "404 Not Found"}

    def _create_commit(self, project: Project, body: dict) -> tuple[int, Any]:
        branch, start = body.get("branch"), body.get("start_branch")
        for required in ("branch", "commit_message", "actions"):
            if not body.get(required):
                return 400, {"error": f"{required} is missing"}
        if start:
            if branch in project.branches:
                return 400, {
                    "message": f"A branch called '{branch}' already exists. Switch to that branch in order to make "
                    "changes"
                }
            if start not in project.branches:
                return 400, {"message": "You can only create or edit files when you are on a branch"}
            project.files[branch] = dict(project.files[start])
        elif branch not in project.branches:
            return 400, {"message": "You can only create or edit files when you are on a branch"}
        files = project.files[branch]
        for action in body["actions"]:
            if action["action"] == "create" and action["file_path"] in files:
                return 400, {"message": "A file with this name already exists"}
            files[action["file_path"]] = action.get("content", "")
        commit = self._commit_json(f"{next(self._ids):040x}", body["commit_message"])
        project.branches[branch] = commit
        return 201, commit

    def _create_mr(self, project: Project, body: dict) -> tuple[int, Any]:
        source, target = body.get("source_branch"), body.get("target_branch")
        if not source or not target or not body.get("title"):
            return 400, {"error": "source_branch, target_branch, title are missing"}
        if source == target:
            return 422, {"message": ["You can't use same project/branch for source and target"]}
        for m in project.merge_requests:
            if m["source_branch"] == source and m["state"] == "opened":
                return 409, {
                    "message": [f"Another open merge request already exists for this source branch: !{m['iid']}"]
                }
        mr = {
            "id": next(self._ids),
            "iid": len(project.merge_requests) + 1,
            "title": body["title"],
            "description": body.get("description", ""),
            "state": "opened",
            "source_branch": source,
            "target_branch": target,
            "detailed_merge_status": "preparing",
            "reads": 0,
        }
        project.merge_requests.append(mr)
        return 201, self._mr_json(project, mr, read=False)

    def _handler(self):
        return self._json_handler()
