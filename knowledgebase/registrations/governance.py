"""Governance in the rest of the portal: the notification kinds of pages due for review and of broken links,
and the responsible editors' counter "pages to review"."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def _to_review(user_ids: list[int]) -> dict[int, int]:
    from ..selectors.governance import pages_to_review_counts

    return pages_to_review_counts(user_ids)


def register() -> None:
    from portal.core.registry import DemoSeeder, registry
    from portal.notifications.counters import register_counter
    from portal.notifications.services import register_notification_kind

    from ..demo.governance import demo_hints, seed_demo_kb_governance
    from ..services.governance import KIND_LINKS, KIND_REVIEW, REVIEW_COUNTER, on_page_revised
    from ..services.revisions import page_revised
    from ..views.pages import register_page_part

    register_notification_kind(KIND_REVIEW, _("A knowledge base page I answer for is due for review"))
    register_notification_kind(KIND_LINKS, _("A knowledge base page I answer for has broken links"))
    register_counter(REVIEW_COUNTER, label=_("Pages to review"), area="kb", compute=_to_review, order=60)
    # The demo: after the knowledge base's spaces and pages, a moderated discussion and a running campaign.
    registry.demo_seeders.register(
        DemoSeeder("kb_governance", seed_demo_kb_governance, order=95, stage="content", hints=demo_hints)
    )
    # Under every page's title: the "verified" badge and the editor's "mark verified", loaded by htmx.
    register_page_part("top", "knowledgebase/governance/partials/page_top.html")
    # The page part's hook: a major revision asks readers again, broken links are reported.
    page_revised.connect(on_page_revised, dispatch_uid="kb.governance.page_revised")
