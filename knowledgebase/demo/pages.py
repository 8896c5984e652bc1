"""The knowledge base's spaces and pages in the demo company, written through the services (so the revisions,
stream entries and audit rows are what real use leaves behind):

- the built-in "Rules" space, answered for by the HR manager: the rules of work in the portal, areas of
  responsibility, how tasks are set and the daily report's structure, with later revisions (one major, one
  minor);
- the built-in "Strategy" space, answered for by the CEO: the strategy, the market, key customers, glossary;
- a department space of Sales (read by Sales with its sub-departments), answered for by the head of Sales.

Each space's first page is its home page. Idempotent: when the Rules space has pages, it adds nothing. The
discussion and the familiarisation campaign are `demo.governance`'s (they run after this).
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from portal.core.demo import demo_email, demo_language, in_demo_language

from . import pages_texts, pages_texts_ru

TEXTS = {"en": pages_texts, "ru": pages_texts_ru}


def _person(local: str):
    from portal.people.models import User

    return User.objects.filter(email=demo_email(local), is_active=True).first()


@transaction.atomic
def seed_demo_kb_pages(*, stdout=None) -> dict[str, int]:
    """The demo's spaces and pages (see the module). Returns how many of each were created."""
    from portal.people.models import Department

    from ..choices import EveryoneAccess, PageLanguage, SpaceKind
    from ..models import Page, PageRevision, Space
    from ..services import pages as page_services
    from ..services import spaces as space_services
    from ..services.defaults import defaults_ensure

    created = {"spaces": 0, "pages": 0, "revisions": 0}
    admin, ceo, hr, sales_head = (_person(x) for x in ("admin", "ceo", "hr", "sales.head"))
    if None in (admin, ceo, hr, sales_head):
        if stdout is not None:
            stdout.write("Knowledge base demo skipped: the demo company is not there.")
        return created
    texts = in_demo_language(TEXTS)
    language = PageLanguage.RUSSIAN if demo_language() == "ru" else PageLanguage.ENGLISH
    defaults_ensure(language=demo_language())
    rules = Space.objects.get(key="rules")
    if Page.objects.filter(space=rules).exists():
        if stdout is not None:
            stdout.write("Knowledge base: 0 spaces, 0 pages")
        return created
    spaces_before, revisions_before = Space.objects.count(), PageRevision.objects.count()
    strategy = Space.objects.get(key="strategy")
    space_services.space_update(
        actor=admin,
        space=rules,
        title=texts.RULES_TITLE,
        description=texts.RULES_DESCRIPTION,
        responsible=hr,
        language=language,
    )
    space_services.space_update(
        actor=admin,
        space=strategy,
        title=texts.STRATEGY_TITLE,
        description=texts.STRATEGY_DESCRIPTION,
        responsible=ceo,
        language=language,
    )
    sales_department = Department.objects.filter(head=sales_head).first()
    sales = space_services.space_create(
        actor=sales_head,
        kind=SpaceKind.DEPARTMENT,
        title=texts.SALES_TITLE,
        description=texts.SALES_DESCRIPTION,
        icon="bi-briefcase",
        responsible=sales_head,
        department=sales_department,
        everyone_access=EveryoneAccess.NONE,
        language=language,
    )
    made: dict[tuple[str, str], Page] = {}
    now = timezone.now()
    for space, author, table, tag in (
        (rules, hr, texts.RULES, "rules"),
        (strategy, ceo, texts.STRATEGY, "strategy"),
        (sales, sales_head, texts.SALES, "sales"),
    ):
        for key, parent_key, title, body in table:
            page = page_services.page_create(
                actor=author,
                space=space,
                title=title,
                body=body,
                parent=made.get((tag, parent_key)) if parent_key else None,
                tags=[tag],
                language=language,
                review_by=(now + datetime.timedelta(days=180)).date(),
            )
            made[(tag, key)] = page
            created["pages"] += 1
        space_services.space_update(actor=admin, space=space, home_page=made[(tag, "home")])
    for key, addition, comment, minor in texts.RULES_REVISIONS:
        page = Page.objects.get(pk=made[("rules", key)].pk)
        body = page.body + addition if addition else page.body.replace("  ", " ", 1) + "\n"
        page_services.page_update(
            actor=hr,
            page=page,
            base_revision=page.revision,
            title=page.title,
            body=body,
            comment=comment,
            minor=minor,
        )
    # Moved back to when they were written: the rules a month ago, the revisions last week.
    Page.objects.filter(pk__in=[p.pk for p in made.values()]).update(
        created_at=now - datetime.timedelta(days=30), updated_at=now - datetime.timedelta(days=7)
    )
    PageRevision.objects.filter(page__in=made.values(), number=1).update(
        created_at=now - datetime.timedelta(days=30)
    )
    created["spaces"] = Space.objects.count() - spaces_before
    created["revisions"] = PageRevision.objects.count() - revisions_before
    if stdout is not None:
        stdout.write("Knowledge base: " + ", ".join(f"{v} {k}" for k, v in created.items()))
    return created
