"""The discussion in the rest of the portal: its notification kinds and the moderators' counter "comments
waiting for my approval"."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def _pending(user_ids: list[int]) -> dict[int, int]:
    from ..selectors.discussion import pending_counts

    return pending_counts(user_ids)


def register() -> None:
    from portal.notifications.counters import register_counter
    from portal.notifications.services import register_notification_kind

    from ..services.discussion import KIND_COMMENT, KIND_MODERATION, PENDING_COUNTER
    from ..views.pages import register_page_part

    register_notification_kind(KIND_COMMENT, _("A comment on a knowledge base page I answer for"))
    register_notification_kind(KIND_MODERATION, _("Knowledge base comments to moderate, and mine moderated"))
    # At the end of every page: "I have read and understood" (when asked) and the discussion, loaded by htmx.
    register_page_part("end", "knowledgebase/discussion/partials/page_end.html")
    register_counter(
        PENDING_COUNTER,
        label=_("Comments waiting for my approval"),
        area="kb",
        compute=_pending,
        order=61,
    )
