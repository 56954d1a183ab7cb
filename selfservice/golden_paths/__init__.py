"""Golden paths: versioned Jinja templates, each folder with its parameter schema (path.yaml), rendered and checked."""

import ast
import json
import py_compile
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

__all__ = ["GoldenPath", "RenderedFile", "dag_task_ids", "golden_path", "golden_paths", "parameter_errors", "render"]

ROOT = Path(__file__).resolve().parent


@dataclass(frozen=True)
class GoldenPath:
    id: str  # batch-ingestion: the folder name with dashes
    title: str
    description: str
    files: dict[str, str]  # repository path (a template) -> template file in the folder
    schema: dict[str, Any]  # JSON Schema of the path's parameters
    dag_tasks: tuple[str, ...]  # the task ids its Airflow DAG must define, if it has one

    @property
    def folder(self) -> Path:
        return ROOT / self.id.replace("-", "_")


@dataclass(frozen=True)
class RenderedFile:
    path: str
    content: str


@cache
def golden_paths() -> dict[str, GoldenPath]:
    found = {}
    for spec in sorted(ROOT.glob("*/path.yaml")):
        data = yaml.safe_load(spec.read_text())
        path_id = spec.parent.name.replace("_", "-")
        jsonschema.Draft202012Validator.check_schema(data["parameters"])  # a broken schema is a bug: fail early
        found[path_id] = GoldenPath(
            id=path_id,
            title=data["title"],
            description=data["description"],
            files=dict(data["files"]),
            schema=data["parameters"],
            dag_tasks=tuple(data.get("dag_tasks") or ()),
        )
    return found


def golden_path(path_id: str) -> GoldenPath | None:
    return golden_paths().get(path_id)


def parameter_errors(path: GoldenPath, params: Any) -> list[str]:
    """The schema violations of `params`, each naming the parameter, in a stable order."""
    validator = jsonschema.Draft202012Validator(path.schema, format_checker=jsonschema.FormatChecker())
    errors = []
    for error in sorted(validator.iter_errors(params), key=lambda e: list(map(str, e.absolute_path))):
        where = ".".join(str(p) for p in error.absolute_path)
        errors.append(f"{where}: {error.message}" if where else error.message)
    return errors


def with_defaults(path: GoldenPath, params: dict) -> dict:
    """The parameters with the schema's defaults filled in (top level and in array items of objects)."""
    filled = dict(params)
    for name, prop in path.schema.get("properties", {}).items():
        if name not in filled and "default" in prop:
            filled[name] = prop["default"]
        item_props = prop.get("items", {}).get("properties")
        if item_props and isinstance(filled.get(name), list):
            filled[name] = [
                {**{k: v["default"] for k, v in item_props.items() if "default" in v}, **item} for item in filled[name]
            ]
    return filled


def _environment() -> SandboxedEnvironment:
    # Sandboxed with strict undefined: a template may only read the values given, and a typo fails loudly.
    env = SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False)
    env.filters["py"] = repr  # values land in Python code as literals, never as code
    return env


def _context(path: GoldenPath, *, name: str, team: str, params: dict) -> dict:
    p = with_defaults(path, params)
    topic_prefix = p.get("topic_prefix") or name.replace("-", "_")
    return {
        "name": name,
        "team": team,
        "p": p,
        "topic_prefix": topic_prefix,
        "topics": [f"{topic_prefix}.{table}" for table in p.get("tables", [])],
        "experiment": p.get("mlflow_experiment") or name,
    }


def render(path: GoldenPath, *, name: str, team: str, params: dict) -> list[RenderedFile]:
    """The files of `path` for these parameters, each checked (Python compiles, YAML and JSON parse, the DAG
    defines its tasks). A check that fails is a bug in the template: it raises ValueError."""
    env = _environment()
    context = _context(path, name=name, team=team, params=params)
    files = []
    for target, template in path.files.items():
        file_path = env.from_string(target).render(context)
        content = env.from_string((path.folder / template).read_text()).render(context)
        check(file_path, content)
        files.append(RenderedFile(file_path, content))
    dags = [f for f in files if f.path.startswith("dags/")]
    if path.dag_tasks:
        found = dag_task_ids(dags[0].content)
        if found != list(path.dag_tasks):
            raise ValueError(f"the DAG of {path.id} defines tasks {found}, not {list(path.dag_tasks)}")
    return files


def check(file_path: str, content: str) -> None:
    """Raise ValueError if the file does not parse as what its extension says."""
    try:
        if file_path.endswith(".py"):
            with tempfile.NamedTemporaryFile("w", suffix=".py") as source:
                source.write(content)
                source.flush()
                py_compile.compile(source.name, doraise=True)
        elif file_path.endswith((".yml", ".yaml")):
            yaml.safe_load(content)
        elif file_path.endswith(".json"):
            json.loads(content)
    except (py_compile.PyCompileError, yaml.YAMLError, json.JSONDecodeError) as exc:
        raise ValueError(f"{file_path} is not valid: {exc}") from exc


def dag_task_ids(source: str) -> list[str]:
    """The task_id= of every operator an Airflow DAG file instantiates, in order, read from its syntax tree."""
    ids = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "task_id" and isinstance(keyword.value, ast.Constant):
                    ids.append(keyword.value.value)
    return ids
