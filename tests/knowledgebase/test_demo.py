"""The knowledge base of the demo company (`manage.py seed_demo`): the Rules and Strategy spaces with real pages
and a responsible editor each, a department space only its department reads, revisions (major and minor), home
pages and working internal links; in Russian when the demo speaks Russian; a second run adds nothing."""

from __future__ import annotations

import re

import pytest

from knowledgebase.demo.pages import seed_demo_kb_pages
from knowledgebase.markdown import broken_links
from knowledgebase.models import Page, PageRevision, Space
from portal.core.demo import DEMO_DOMAIN, demo_speaking
from portal.core.registry import registry
from portal.people.models import User

pytestmark = pytest.mark.django_db
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def person(local: str) -> User:
    return User.objects.get(email=f"{local}@{DEMO_DOMAIN}")


def _company(language: str) -> None:
    """The demo's people and departments only (the company stage), in `language`."""
    from portal.people.models import Company

    Company.objects.all().delete()
    with demo_speaking(language):
        for seeder in registry.demo_seeders:
            if seeder.stage == "company":
                seeder.func()


@pytest.fixture
def seeded(demo_company, db):
    return demo_company


def test_the_rules_and_the_strategy_are_written_down_with_someone_answering(seeded):
    rules = Space.objects.get(key="rules")
    strategy = Space.objects.get(key="strategy")
    assert rules.responsible == person("hr") and strategy.responsible == person("ceo")
    titles = list(Page.objects.filter(space=rules).values_list("title", flat=True))
    for title in ("General rules", "Areas of responsibility", "How tasks are set", "The daily report"):
        assert title in titles
    assert {"Market", "Key customers", "Glossary"} <= set(
        Page.objects.filter(space=strategy).values_list("title", flat=True)
    )
    assert rules.home_page.title == "Rules of work in the portal"
    report = Page.objects.get(space=rules, title="The daily report")
    assert report.revision >= 2 and "## Example" in report.body
    assert PageRevision.objects.filter(page__space=rules, minor=True).exists()
    everyone = person("designer")
    for page in Page.objects.filter(space__in=[rules, strategy]):
        assert broken_links(user=everyone, space=page.space, text=page.body) == [], page.title
    assert "Knowledge base:" in seeded


def test_the_sales_handbook_is_read_by_sales_only(seeded):
    space = Space.objects.get(kind="department", department__head=person("sales.head"))
    page = Page.objects.filter(space=space).first()
    assert (
        Page.objects.visible_to(person("ka.manager1")).filter(pk=page.pk).exists()
    )  # Key Accounts, under Sales
    assert not Page.objects.visible_to(person("backend1")).filter(pk=page.pk).exists()


def test_a_second_run_adds_nothing(seeded):
    before = Page.objects.count()
    assert seed_demo_kb_pages() == {"spaces": 0, "pages": 0, "revisions": 0}
    assert Page.objects.count() == before


def test_the_knowledge_base_in_russian(db):
    _company("ru")
    with demo_speaking("ru"):
        created = seed_demo_kb_pages()
    assert created["pages"] == 11 and created["spaces"] == 1
    rules = Space.objects.get(key="rules")
    assert rules.title == "Правила" and rules.language == "russian"
    titles = set(Page.objects.filter(space=rules).values_list("title", flat=True))
    assert {"Общие правила", "Зоны ответственности", "Как ставятся задачи", "Ежедневный отчёт"} <= titles
    assert all(CYRILLIC.search(p.body) for p in Page.objects.filter(space__key__in=["rules", "strategy"]))
    for page in Page.objects.filter(space__key__in=["rules", "strategy"]):
        assert broken_links(user=person("designer"), space=page.space, text=page.body) == [], page.title
