"""Reading Backstage `catalog-info.yaml` files into descriptors that remember their file and lines."""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import yaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 10x faster on large files

KINDS = ("component", "system", "domain", "api", "resource", "group", "user")
NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$")  # Backstage's rule for metadata.name


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one descriptor, where to find it."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class Descriptor:
    """One YAML document: its kind (lower case), metadata.name and the node, for line numbers."""

    file: str
    kind: str
    name: str
    data: dict
    node: yaml.Node = field(repr=False)

    @property
    def line(self) -> int:
        return self.node.start_mark.line + 1

    @property
    def metadata(self) -> dict:
        return self.data.get("metadata") or {}

    @property
    def spec(self) -> dict:
        spec = self.data.get("spec")
        return spec if isinstance(spec, dict) else {}

    def line_of(self, *path: str | int) -> int:
        """The line of the value at `path` (e.g. "spec", "dependsOn", 2), else of the nearest parent found."""
        node, line = self.node, self.line
        for key in path:
            if isinstance(node, yaml.MappingNode):
                pair = next(((k, v) for k, v in node.value if getattr(k, "value", None) == key), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                pair = (node.value[key], node.value[key])
            else:
                pair = None
            if pair is None:
                break
            # The key's line: "spec:" rather than the first line of its block.
            line, node = pair[0].start_mark.line + 1, pair[1]
        return line

    def problem(self, message: str, *path: str | int) -> Problem:
        return Problem(self.file, self.line_of(*path), message)


def _documents(name: str, text: str) -> Iterable[tuple[yaml.Node, object]]:
    loader = Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            yield node, loader.construct_document(node)
    finally:
        loader.dispose()


def read_descriptors(sources: Iterable[tuple[str, str]]) -> tuple[list[Descriptor], list[Problem]]:
    """Parse (file name, text) pairs; every document that is not a usable descriptor is a problem."""
    descriptors: list[Descriptor] = []
    problems: list[Problem] = []
    for file_name, text in sources:
        try:
            for node, data in _documents(file_name, text):
                line = node.start_mark.line + 1
                if data is None:
                    continue  # an empty document (a trailing ---)
                if not isinstance(data, dict):
                    problems.append(Problem(file_name, line, "a descriptor is a mapping with kind, metadata and spec"))
                    continue
                kind = data.get("kind")
                metadata = data.get("metadata")
                name = metadata.get("name") if isinstance(metadata, dict) else None
                descriptor = Descriptor(file_name, str(kind or "").lower(), str(name or ""), data, node)
                if not kind:
                    problems.append(descriptor.problem("kind is missing"))
                elif descriptor.kind not in KINDS:
                    problems.append(
                        descriptor.problem(
                            f"unknown kind '{kind}': the catalog imports Component, System, Domain, API, Resource, "
                            "Group and User",
                            "kind",
                        )
                    )
                elif not isinstance(name, str) or not NAME.match(name):
                    problems.append(
                        descriptor.problem(
                            f"metadata.name {name!r} is not a valid name (letters, digits, -, _ and ., at most 63)",
                            "metadata",
                            "name",
                        )
                    )
                else:
                    descriptors.append(descriptor)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            problems.append(Problem(file_name, mark.line + 1 if mark else 1, f"not valid YAML: {exc}".splitlines()[0]))
    return descriptors, problems


def parse_ref(ref: object, default_kind: str) -> tuple[str, str] | None:
    """'[kind:][namespace/]name' -> (kind, name) in lower case; None if it is not a reference.

    Only the default namespace exists in our catalog, so another namespace is reported by the caller as unknown.
    """
    if not isinstance(ref, str) or not ref.strip():
        return None
    ref = ref.strip()
    kind, _, rest = ref.partition(":") if ":" in ref else (default_kind, "", ref)
    namespace, _, name = rest.rpartition("/")
    if namespace and namespace.lower() != "default":
        return kind.lower(), f"{namespace}/{name}"
    return kind.lower(), name


def slug_of(name: str) -> str:
    """Backstage names are case-insensitive and may hold dots; our slugs are lower case without dots."""
    return name.lower().replace(".", "-")
