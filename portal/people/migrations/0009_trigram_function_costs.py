"""Tell PostgreSQL's planner what a trigram word similarity costs.

pg_trgm declares its operator functions as cheap as an integer comparison (COST 1), so for a common word the
planner preferred computing `doc %> 'word'` on every row (a parallel sequential scan: 325 ms over 100,000
approvals, 40 ms over 5,000 people) to the trigram GIN index every name search has (18 ms and under 10 ms).
With the cost of a real function (100, as for other text-processing functions) it reads the index.

Only the database's owner of the extension may change it: where the application's role may not, the
migration leaves the costs as they are and says so (searches stay correct, only slower); the statement can be
run by an administrator later. A dump and restore resets extension functions' costs; running this migration
again (`migrate people 0008` then `migrate`) sets them back.
"""

import logging

from django.db import migrations

FUNCTIONS = (
    "word_similarity_op(text, text)",
    "word_similarity_commutator_op(text, text)",
    "strict_word_similarity_op(text, text)",
    "strict_word_similarity_commutator_op(text, text)",
    "similarity_op(text, text)",
)
logger = logging.getLogger("portal.people.migrations")


def _set_costs(cost: int):
    def run(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        from django.db import DatabaseError, transaction

        try:
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                for function in FUNCTIONS:
                    cursor.execute(f"ALTER FUNCTION {function} COST {int(cost)}")
        except DatabaseError as error:  # not the extension's owner
            logger.warning(
                "Trigram function costs left unchanged (%s); as the extension's owner run: %s",
                error,
                "; ".join(f"ALTER FUNCTION {f} COST {cost}" for f in FUNCTIONS),
            )

    return run


class Migration(migrations.Migration):
    dependencies = [("people", "0008_user_language_choices")]

    operations = [migrations.RunPython(_set_costs(100), _set_costs(1))]
