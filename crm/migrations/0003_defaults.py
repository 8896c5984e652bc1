"""The CRM's defaults (roles and a sales pipeline) are laid by `crm.services.defaults.defaults_ensure` on Django's
`post_migrate` signal, which also follows `flush`: one place for them, kept here as a step of the graph."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("crm", "0002_search_indexes")]

    operations = []
