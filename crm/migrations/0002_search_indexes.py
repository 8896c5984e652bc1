"""PostgreSQL-only indexes: trigram matching of company names and people's names (the duplicate check and the
lists' search). SQLite keeps plain substring matching."""

from django.db import migrations

from portal.core.migration_ops import PostgresOnlySQL


class Migration(migrations.Migration):
    dependencies = [("crm", "0001_initial")]

    operations = [
        PostgresOnlySQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", reverse_sql=migrations.RunSQL.noop),
        PostgresOnlySQL(
            "CREATE INDEX IF NOT EXISTS crm_company_name_trgm ON crm_company USING gin (upper(name) gin_trgm_ops)",
            reverse_sql="DROP INDEX IF EXISTS crm_company_name_trgm",
        ),
        PostgresOnlySQL(
            "CREATE INDEX IF NOT EXISTS crm_contact_name_trgm ON crm_contact USING gin "
            "(upper(last_name || ' ' || first_name) gin_trgm_ops)",
            reverse_sql="DROP INDEX IF EXISTS crm_contact_name_trgm",
        ),
        PostgresOnlySQL(
            "CREATE INDEX IF NOT EXISTS crm_lead_title_trgm ON crm_lead USING gin (upper(title) gin_trgm_ops)",
            reverse_sql="DROP INDEX IF EXISTS crm_lead_title_trgm",
        ),
        PostgresOnlySQL(
            "CREATE INDEX IF NOT EXISTS crm_deal_title_trgm ON crm_deal USING gin (upper(title) gin_trgm_ops)",
            reverse_sql="DROP INDEX IF EXISTS crm_deal_title_trgm",
        ),
    ]
