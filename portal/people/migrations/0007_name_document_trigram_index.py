"""One trigram index per set of fields the name searches match on PostgreSQL (`portal.core.search.match_names`
joins the fields with spaces, `NameDocument`): the global search and the directory filter (first and last
name, e-mail, position), the people picker (first and last name, e-mail). Each word of a search is then one
indexed substring test and one indexed word-similarity test, instead of a sequential scan computing the
similarity of every person's every field."""

from django.db import migrations

from portal.core.migration_ops import PostgresOnlySQL

DOCUMENTS = {
    "people_user_search_doc_trgm": ["first_name", "last_name", "email", "position"],
    "people_user_picker_doc_trgm": ["first_name", "last_name", "email"],
}


def _document(fields: list[str]) -> str:
    return "(" + " || ' ' || ".join(f'"{f}"' for f in fields) + ")"


class Migration(migrations.Migration):
    dependencies = [("people", "0006_user_birthday_index")]

    operations = [
        PostgresOnlySQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", reverse_sql=migrations.RunSQL.noop),
        *[
            PostgresOnlySQL(
                f"CREATE INDEX IF NOT EXISTS {name} ON people_user USING gin ({_document(fields)} gin_trgm_ops)",
                reverse_sql=f"DROP INDEX IF EXISTS {name}",
            )
            for name, fields in DOCUMENTS.items()
        ],
    ]
