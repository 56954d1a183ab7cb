"""Import Backstage catalog-info.yaml files (or folders of them) into the catalog, all or nothing."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from catalog.importers.backstage import BackstageImportError, import_descriptors


def yaml_files(paths: list[str]) -> list[Path]:
    """The files named, and the *.yaml / *.yml files under the folders named, in a stable order."""
    found = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
        elif path.is_file():
            found.append(path)
        else:
            raise CommandError(f"{raw}: no such file or folder")
    if not found:
        raise CommandError("No YAML files found.")
    return found


class Command(BaseCommand):
    help = "Import Backstage descriptors (Component, System, Domain, API, Resource, Group, User) from PATHs."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="catalog-info.yaml files or folders of them")
        parser.add_argument("--actor", help="username recorded in the audit trail (default: system)")

    def handle(self, *args, paths, actor, **options):
        user = None
        if actor:
            user = get_user_model().objects.filter(username=actor).first()
            if user is None:
                raise CommandError(f"No user named {actor!r}.")
        files = yaml_files(paths)
        sources = [(str(p), p.read_text(encoding="utf-8")) for p in files]
        try:
            report = import_descriptors(actor=user, sources=sources)
        except BackstageImportError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(exc.problems)} problem(s); nothing was imported.") from exc
        self.stdout.write(f"Imported {len(files)} file(s): {report.summary()}")
