"""PostgreSQL only: trigram and full-text indexes for the global search (SQLite searches without them)."""

from django.db import migrations

from portal.migration_helpers import postgres_only

INDEXES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS catalog_entity_name_trgm ON catalog_entity USING gin (name gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS catalog_team_name_trgm ON catalog_team USING gin (name gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS catalog_person_name_trgm ON catalog_person USING gin (full_name gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS catalog_entity_fts ON catalog_entity USING gin "
    "(to_tsvector('english'::regconfig, coalesce(name, '') || ' ' || coalesce(description, '')))",
]
DROP = [
    "DROP INDEX IF EXISTS catalog_entity_fts",
    "DROP INDEX IF EXISTS catalog_person_name_trgm",
    "DROP INDEX IF EXISTS catalog_team_name_trgm",
    "DROP INDEX IF EXISTS catalog_entity_name_trgm",
]


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(postgres_only(INDEXES), postgres_only(DROP))]
