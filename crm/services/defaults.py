"""What a portal's CRM starts with, kept in one place: three roles (everyone works their own records; heads of
departments see their sub-tree; CRM administrators everything) and one sales pipeline.

Migration 0003 lays them on a new database; `defaults_ensure` lays them again after a database was emptied
(`manage.py flush`, which the test runner's transactional tests use) through the `post_migrate` signal Django sends
then. It adds nothing while any role or pipeline exists, so what admins changed stays as they left it."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ..choices import Action, Entity, Level, StageKind
from ..models import CrmRole, CrmRolePermission, Pipeline, Stage

ROLES = (
    (
        _("Employee"),
        False,
        True,
        {a: (Level.OWN if a != Action.IMPORT else Level.NONE) for a in Action.values},
    ),
    (_("Head of department"), False, False, dict.fromkeys(Action.values, Level.SUBTREE)),
    (_("CRM administrator"), True, False, dict.fromkeys(Action.values, Level.ALL)),
)

STAGES = (
    (_("New"), StageKind.OPEN, 10, "#6c757d"),
    (_("Qualification"), StageKind.OPEN, 20, "#0dcaf0"),
    (_("Proposal"), StageKind.OPEN, 40, "#0d6efd"),
    (_("Negotiation"), StageKind.OPEN, 70, "#6610f2"),
    (_("Won"), StageKind.WON, 100, "#198754"),
    (_("Lost"), StageKind.LOST, 0, "#dc3545"),
)


def defaults_ensure(*, using: str = "default") -> None:
    """Lay the default roles when there is no role, and the default pipeline when there is no pipeline, named in
    the portal's language (LANGUAGE_CODE)."""
    with translation.override(settings.LANGUAGE_CODE):
        _lay(using)


@transaction.atomic
def _lay(using: str) -> None:
    if not CrmRole.objects.using(using).exists():
        for name, is_admin, is_default, levels in ROLES:
            role = CrmRole.objects.using(using).create(
                name=str(name), is_admin=is_admin, is_default=is_default
            )
            CrmRolePermission.objects.using(using).bulk_create(
                CrmRolePermission(role=role, entity=entity, action=action, level=level)
                for entity in Entity.values
                for action, level in levels.items()
            )
    if not Pipeline.objects.using(using).exists():
        pipeline = Pipeline.objects.using(using).create(name=str(_("Sales")), sort=10, is_default=True)
        Stage.objects.using(using).bulk_create(
            Stage(
                pipeline=pipeline, name=name, kind=kind, sort=sort * 10, probability=probability, color=color
            )
            for sort, (name, kind, probability, color) in enumerate(STAGES, start=1)
        )
