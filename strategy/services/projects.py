"""Projects in the strategy: the weekly status note (RAG colour and a short text) by the project's owner."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.audit import audit_record
from portal.core.errors import Invalid, NotAllowed, NotFound

from ..choices import Rag
from ..models import ProjectStatusNote
from ..models.goals import is_strategy_manager

TEXT_MAX = 2000


def project_visible(*, user, project_id):
    """The project (a workgroup of the project kind) if `user` sees it; NotFound otherwise."""
    from portal.groups.choices import GroupKind
    from portal.groups.models import Workgroup

    project = Workgroup.objects.visible_to(user).filter(pk=project_id, kind=GroupKind.PROJECT).first()
    if project is None:
        raise NotFound(_("No project matches the given query."))
    return project


def project_may_note(user, project) -> bool:
    """The project's owners (members with the owner role) and strategy managers write its status notes."""
    from portal.groups.choices import MemberRole
    from portal.groups.models import Membership

    if is_strategy_manager(user):
        return True
    return Membership.objects.filter(group=project, user=user, role=MemberRole.OWNER).exists()


def week_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


@transaction.atomic
def project_status_note_add(
    *, actor, project, rag: str, text: str, week: datetime.date | None = None
) -> ProjectStatusNote:
    """Write the project's status for a week (this week by default); a second note of the same week replaces
    the first one's colour and text."""
    project = project_visible(user=actor, project_id=getattr(project, "pk", project))
    if not project_may_note(actor, project):
        raise NotAllowed(_("Only the project's owner writes its status."))
    text = (text or "").strip()
    errors = {}
    if rag not in Rag.values:
        errors["rag"] = [_("Choose red, amber or green.")]
    if not text:
        errors["text"] = [_("Say in a sentence how the project stands.")]
    elif len(text) > TEXT_MAX:
        errors["text"] = [_("Keep the note under %(max)d characters.") % {"max": TEXT_MAX}]
    if errors:
        raise Invalid(fields=errors)
    week = week_of(week or timezone.localdate())
    note = ProjectStatusNote.objects.select_for_update().filter(project=project, week=week).first()
    if note is None:
        note = ProjectStatusNote.objects.create(project=project, author=actor, week=week, rag=rag, text=text)
        before = None
    else:
        before = {"rag": note.rag, "text": note.text[:200]}
        note.rag, note.text, note.author = rag, text, actor
        note.save(update_fields=["rag", "text", "author"])
    audit_record(
        actor=actor,
        action="strategy.project_status",
        target=project,
        changes={"status_note": [before, {"week": week.isoformat(), "rag": rag, "text": text[:200]}]},
    )
    return note
