"""What a new portal's CRM starts with: three roles (everyone works their own records; heads of departments see
their sub-tree; CRM administrators everything) and one sales pipeline. All of it is editable."""

from django.db import migrations

ENTITIES = ("lead", "contact", "company", "deal")
ACTIONS = ("view", "add", "edit", "delete", "export", "import")
OWN, SUBTREE, ALL = 1, 3, 4

STAGES = (
    ("New", "open", 10, "#6c757d"),
    ("Qualification", "open", 20, "#0dcaf0"),
    ("Proposal", "open", 40, "#0d6efd"),
    ("Negotiation", "open", 70, "#6610f2"),
    ("Won", "won", 100, "#198754"),
    ("Lost", "lost", 0, "#dc3545"),
)


def create(apps, schema_editor):
    Role = apps.get_model("crm", "CrmRole")
    Permission = apps.get_model("crm", "CrmRolePermission")
    Pipeline = apps.get_model("crm", "Pipeline")
    Stage = apps.get_model("crm", "Stage")
    if not Role.objects.exists():
        tables = (
            ("Employee", False, True, {a: (OWN if a != "import" else 0) for a in ACTIONS}),
            ("Head of department", False, False, {a: SUBTREE for a in ACTIONS}),
            ("CRM administrator", True, False, {a: ALL for a in ACTIONS}),
        )
        for name, is_admin, is_default, levels in tables:
            role = Role.objects.create(name=name, is_admin=is_admin, is_default=is_default)
            Permission.objects.bulk_create(
                Permission(role=role, entity=entity, action=action, level=level)
                for entity in ENTITIES
                for action, level in levels.items()
            )
    if not Pipeline.objects.exists():
        pipeline = Pipeline.objects.create(name="Sales", sort=10, is_default=True)
        for sort, (name, kind, probability, color) in enumerate(STAGES, start=1):
            Stage.objects.create(
                pipeline=pipeline, name=name, kind=kind, sort=sort * 10, probability=probability, color=color
            )


class Migration(migrations.Migration):
    dependencies = [("crm", "0002_search_indexes")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
