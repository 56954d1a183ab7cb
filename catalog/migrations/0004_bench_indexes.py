"""PostgreSQL only: indexes the benchmark showed missing (docs/benchmarks.md).

- `?q=` filters with Django's icontains, which PostgreSQL receives as UPPER(col::text) LIKE UPPER(...): trigram
  indexes on exactly those expressions let it skip the sequential scan.
- Ownership by (team, role, entity) serves the owner filter's EXISTS and the RACI matrix.
"""

from django.db import migrations

from portal.migration_helpers import postgres_only

INDEXES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS catalog_entity_upper_name_trgm ON catalog_entity "
    "USING gin ((UPPER((name)::text)) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS catalog_entity_upper_description_trgm ON catalog_entity "
    "USING gin ((UPPER((description)::text)) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS catalog_ownership_team_role_entity ON catalog_ownership (team_id, role, entity_id)",
]
DROP = [
    "DROP INDEX IF EXISTS catalog_ownership_team_role_entity",
    "DROP INDEX IF EXISTS catalog_entity_upper_description_trgm",
    "DROP INDEX IF EXISTS catalog_entity_upper_name_trgm",
]


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_ownership_roles")]

    operations = [migrations.RunPython(postgres_only(INDEXES), postgres_only(DROP))]
