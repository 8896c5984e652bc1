"""The strategy's mission and vision, written by strategy managers."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from portal.core.audit import audit_record
from portal.core.errors import Invalid, NotAllowed

from ..models import StrategyText
from ..models.goals import is_strategy_manager

TEXT_MAX = 20000


@transaction.atomic
def strategy_text_update(*, actor, mission: str, vision: str) -> StrategyText:
    """Replace the mission and vision (Markdown); strategy managers only."""
    if not is_strategy_manager(actor):
        raise NotAllowed(_("Only strategy managers change the mission and vision."))
    if len(mission or "") > TEXT_MAX or len(vision or "") > TEXT_MAX:
        raise Invalid(fields={"mission": [_("The text is too long.")]})
    text, _created = StrategyText.objects.select_for_update().get_or_create(pk=1)
    before = {"mission": text.mission[:200], "vision": text.vision[:200]}
    text.mission, text.vision, text.updated_by = mission or "", vision or "", actor
    text.save(update_fields=["mission", "vision", "updated_by", "updated_at"])
    audit_record(
        actor=actor,
        action="strategy.text_update",
        target=text,
        changes={"text": [before, {"mission": text.mission[:200], "vision": text.vision[:200]}]},
    )
    return text
