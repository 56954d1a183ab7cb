"""Tell every web process when an API token or a user changes (portal/api/checked_tokens.py listens).

Statement-level triggers: one notification per statement, whatever the number of rows, and PostgreSQL folds the
same notification sent several times in a transaction into one, delivered at commit. A token's last use and a
user's last sign-in do not authenticate, so writing them notifies nobody; nor does a new user, who has no token.
`auth_user` is Django's user table (AUTH_USER_MODEL is not swapped here).
"""

from django.db import migrations

from portal.migration_helpers import postgres_only

NOTIFY = [
    """
    CREATE FUNCTION portal_api_tokens_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('portal_api_tokens', '');
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER portal_apitoken_changed"
    " AFTER INSERT OR DELETE OR UPDATE OF digest, token_key, expiry, user_id ON portal_apitoken"
    " FOR EACH STATEMENT EXECUTE FUNCTION portal_api_tokens_changed()",
    "CREATE TRIGGER portal_apitoken_truncated"
    " AFTER TRUNCATE ON portal_apitoken FOR EACH STATEMENT EXECUTE FUNCTION portal_api_tokens_changed()",
    "CREATE TRIGGER portal_user_changed"
    " AFTER DELETE OR UPDATE OF id, password, is_superuser, username, first_name, last_name, email, is_staff,"
    " is_active, date_joined ON auth_user FOR EACH STATEMENT EXECUTE FUNCTION portal_api_tokens_changed()",
    "CREATE TRIGGER portal_user_truncated"
    " AFTER TRUNCATE ON auth_user FOR EACH STATEMENT EXECUTE FUNCTION portal_api_tokens_changed()",
]
DROP = [
    "DROP TRIGGER portal_apitoken_changed ON portal_apitoken",
    "DROP TRIGGER portal_apitoken_truncated ON portal_apitoken",
    "DROP TRIGGER portal_user_changed ON auth_user",
    "DROP TRIGGER portal_user_truncated ON auth_user",
    "DROP FUNCTION portal_api_tokens_changed()",
]


class Migration(migrations.Migration):
    dependencies = [("portal", "0002_role_groups"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(postgres_only(NOTIFY), postgres_only(DROP))]
