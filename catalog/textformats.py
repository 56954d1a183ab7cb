"""Plain-text formats for the structured parts of catalog forms: owners, runbooks, contracts, datasets.

Each has a parser that raises ValidationError naming the line, and a renderer, so an edit form round-trips.
"""

import re

from django.core.exceptions import ValidationError

from catalog.choices import FieldType

#
# Parties: "team:<slug>" or "person:<slug>" as select values
#


def party_value(party) -> str:
    from catalog.models import Team

    return f"{'team' if isinstance(party, Team) else 'person'}:{party.slug}"


#
# Runbook alert responses
#
#   ## daily_orders_pipeline FAILED
#   1. Open the Airflow UI, find the failed task, and review its logs.
#   2. Check for source DB connectivity errors.
#      $ python scripts/check_source_connection.py --source orders_db
#
STEP = re.compile(r"^\s*(\d+)[.)]\s+(.*)$")


def parse_alerts(text: str) -> list[dict]:
    alerts: list[dict] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.rstrip()
        if not line.strip():
            continue
        if line.startswith("## "):
            alerts.append({"alert": line[3:].strip(), "steps": []})
            continue
        if not alerts:
            raise ValidationError(f"Line {number}: start an alert response with '## <alert name>'.")
        steps = alerts[-1]["steps"]
        match = STEP.match(line)
        if match:
            steps.append({"instruction": match.group(2).strip(), "command": ""})
        elif line.lstrip().startswith("$ ") or line.startswith(("    ", "\t")):
            if not steps:
                raise ValidationError(f"Line {number}: a command belongs to a numbered step; add '1. ...' above it.")
            command = line.strip()[2:] if line.lstrip().startswith("$ ") else line.strip()
            steps[-1]["command"] = (steps[-1]["command"] + "\n" + command).strip()
        else:
            raise ValidationError(
                f"Line {number}: expected a numbered step ('1. ...') or a command ('$ ...'), got: {line.strip()[:60]}"
            )
    for alert in alerts:
        if not alert["steps"]:
            raise ValidationError(f"Alert response '{alert['alert']}' needs at least one numbered step.")
    return alerts


def render_alerts(runbook) -> str:
    lines = []
    for alert in runbook.alerts.all():
        lines.append(f"## {alert.alert}")
        for i, step in enumerate(alert.steps.all(), start=1):
            lines.append(f"{i}. {step.instruction}")
            lines.extend(f"   $ {command}" for command in step.command.splitlines())
        lines.append("")
    return "\n".join(lines).strip()


#
# Escalation contacts: "situation | target | contact method"
#


def _pipe_rows(text: str, columns: int, what: str) -> list[list[str]]:
    rows = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        if not raw.strip():
            continue
        cells = [c.strip() for c in raw.split("|")]
        if len(cells) != columns or not all(cells[:1]):
            raise ValidationError(f"Line {number}: write {what}, separated by '|'.")
        rows.append(cells)
    return rows


def parse_escalation(text: str) -> list[dict]:
    return [
        {"situation": s, "target": t, "contact_method": m}
        for s, t, m in _pipe_rows(text, 3, "situation | escalation target | contact method")
    ]


def render_escalation(runbook) -> str:
    return "\n".join(f"{c.situation} | {c.target} | {c.contact_method}" for c in runbook.escalation_contacts.all())


#
# Output datasets: "name | location" (location optional)
#


def parse_datasets(text: str) -> list[dict]:
    datasets = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        if not raw.strip():
            continue
        name, _, location = (part.strip() for part in raw.partition("|"))
        if not name:
            raise ValidationError(f"Line {number}: start with the dataset's name.")
        datasets.append({"name": name, "location": location})
    return datasets


def render_datasets(product) -> str:
    return "\n".join(f"{d.name} | {d.location}" if d.location else d.name for d in product.output_datasets.all())


#
# Data contract: "name | type | nullable (yes/no) | description | rule; rule"
#


def parse_contract(text: str) -> list[dict]:
    fields = []
    types = set(FieldType.values)
    for number, raw in enumerate((text or "").splitlines(), start=1):
        if not raw.strip():
            continue
        cells = [c.strip() for c in raw.split("|")] + [""] * 5
        name, type_, nullable, description, rules_text = cells[:5]
        if not name:
            raise ValidationError(f"Line {number}: start with the field's name.")
        if type_ not in types:
            raise ValidationError(f"Line {number}: '{type_}' is not a type; use one of {', '.join(sorted(types))}.")
        if nullable.lower() not in ("", "yes", "no"):
            raise ValidationError(f"Line {number}: nullable is 'yes' or 'no', not '{nullable}'.")
        fields.append(
            {
                "name": name,
                "type": type_,
                "nullable": nullable.lower() == "yes",
                "description": description,
                "quality_rules": [r.strip() for r in rules_text.split(";") if r.strip()],
            }
        )
    return fields


def render_contract(product) -> str:
    return "\n".join(
        f"{f.name} | {f.type} | {'yes' if f.nullable else 'no'} | {f.description} | {'; '.join(f.quality_rules)}"
        for f in product.contract_fields.all()
    )
