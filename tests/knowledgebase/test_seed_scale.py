"""`manage.py seed_scale_kb` (and `seed_scale --kb-scale`): the knowledge base at scale for the benchmark."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Max

from knowledgebase.management.commands import seed_scale_kb
from knowledgebase.models import Page, PageRevision, Space, SpaceGrant
from knowledgebase.search import page_search
from knowledgebase.selectors.pages import space_tree, tree_flat
from portal.groups.models import Membership
from portal.people.models import Company as PortalCompany
from portal.people.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def company(db, monkeypatch):
    """A small seeded company without a knowledge base; chunks small enough that pages take several."""
    PortalCompany.objects.all().delete()
    monkeypatch.setattr(seed_scale_kb, "CHUNK", 300)
    call_command(
        "seed_scale",
        *("--employees", "40", "--groups", "8", "--entries", "0", "--tasks", "0", "--crm-scale", "0"),
        *("--workflows-scale", "0", "--strategy-scale", "0", "--kb-scale", "0"),
        verbosity=0,
    )


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_scale_kb", *args, stdout=out)
    return out.getvalue()


def test_the_proportions_of_the_issue(company):
    employees = User.objects.filter(is_staff=False).count()
    output = seed("--scale", "2")
    spaces, pages = round(0.4 * employees * 2), round(20 * employees * 2)
    assert f"Seeded knowledge base: {spaces} spaces" in output
    assert (Space.objects.count(), Page.objects.count()) == (spaces, pages)
    # 5,000 people make the issue's 2,000 spaces, 100,000 pages and a space of 5,000.
    assert seed_scale_kb.scale_counts(5000, 1.0) == {"spaces": 2000, "pages": 100_000, "big": 5000}

    # Every kind of space and of rights; the built-in ones are there.
    assert set(Space.objects.values_list("kind", flat=True)) == {
        "company",
        "department",
        "workgroup",
        "personal",
    }
    assert set(Space.objects.values_list("everyone_access", flat=True)) >= {"none", "read"}
    assert set(SpaceGrant.objects.values_list("role", flat=True)) == {"read", "edit", "admin"}
    assert Space.objects.filter(key__in=["rules", "strategy"]).count() == 2
    assert not Space.objects.filter(kind="personal", owner=None).exists()

    # Revisions: 1 to 9 per page, numbered from 1, the page's number the latest, its text the page's.
    revisions = PageRevision.objects.count()
    assert pages <= revisions <= 9 * pages
    latest = dict(PageRevision.objects.values("page").annotate(n=Max("number")).values_list("page", "n"))
    assert latest == dict(Page.objects.values_list("pk", "revision"))
    page = Page.objects.order_by("pk").first()
    assert page.revisions.get(number=page.revision).body == page.body

    # The big space holds its pages in a tree of some depth; it is the largest.
    facts = seed_scale_kb.bench_facts()
    big = Space.objects.get(pk=facts["space"])
    assert facts["pages_in_space"] == round(1 * employees * 2) == big.pages.count()
    reader = User.objects.get(email="person30@scale.lumen")
    flat = tree_flat(space_tree(user=reader, space=big))
    assert len(flat) == big.pages.count() and max(node.depth for node in flat) >= 2
    counts = Page.objects.values("space").annotate(n=Count("id")).values_list("n", flat=True)
    assert max(counts) == big.pages.count()
    assert Space.objects.filter(home_page=None, pages__isnull=False).count() == 0


def _outsider(space: Space) -> User:
    """An active person with no right in the space: outside its department, in none of its groups, not named."""
    grants = SpaceGrant.objects.filter(content_object=space)
    people = set(grants.values_list("user_id", flat=True)) | {space.responsible_id, space.owner_id}
    groups = set(grants.values_list("workgroup_id", flat=True))
    paths = [g.department.path for g in grants.exclude(department=None).select_related("department")]
    for person in User.objects.filter(is_active=True, is_staff=False).select_related("department"):
        own = person.department.path if person.department else ""
        if (
            person.pk not in people
            and not any(own.startswith(path) for path in paths)
            and not Membership.objects.filter(user=person, group_id__in=groups).exists()
        ):
            return person
    raise AssertionError("no outsider")


def test_a_closed_space_is_hidden_from_an_outsider_even_in_search(company):
    seed("--scale", "2")
    space = Space.objects.filter(kind="department", everyone_access="none").first()
    page = space.pages.filter(status="published").first()
    outsider = _outsider(space)
    assert not Page.objects.visible_to(outsider).filter(pk=page.pk).exists()
    word = page.title.split()[0]
    found = page_search(user=outsider, query=word, limit=1000)
    assert page.pk not in {p.pk for p in found}
    # Whoever is in the department reads it, and search finds it for them.
    member = User.objects.filter(department=space.department, is_active=True).first()
    assert Page.objects.visible_to(member).filter(pk=page.pk).exists()
    assert page.pk in {p.pk for p in page_search(user=member, query=page.title, limit=1000)}


def test_search_finds_the_seeded_pages(company):
    seed("--scale", "2")
    facts = seed_scale_kb.bench_facts()
    reader = User.objects.get(email="person30@scale.lumen")
    for word in facts["words"][:3]:
        found = page_search(user=reader, query=word, limit=20)
        assert found, word
        visible = set(Page.objects.visible_to(reader).values_list("pk", flat=True))
        assert {p.pk for p in found} <= visible
    # A topic word matches about one page in fourteen (and the links to them): "up to 10,000" of 100,000.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM knowledgebase_page WHERE search_vector @@ plainto_tsquery('english', %s)",
            [facts["words"][0]],
        )
        matches = cursor.fetchone()[0]
    assert 0 < matches <= Page.objects.count() / 10


def test_the_bench_line_and_pages(company):
    from tests.utils import client_as

    output = seed("--scale", "2")
    facts = seed_scale_kb.bench_facts()
    assert seed_scale_kb.bench_line(**facts) in output
    assert facts["space"] and facts["pages"]
    person = client_as(User.objects.get(email="person30@scale.lumen"))
    for path in (
        f"/kb/pages/{facts['pages'][0]}/",
        f"/kb/spaces/{facts['space']}/",
        f"/kb/search/?q={facts['words'][0]}",
    ):
        assert person.get(path).status_code == 200, path


def test_a_second_run_with_the_same_numbers_changes_nothing(company):
    seed("--scale", "1")
    first = list(Page.objects.order_by("pk").values_list("pk", "title")[:20])
    assert "Already seeded" in seed("--scale", "1")
    assert list(Page.objects.order_by("pk").values_list("pk", "title")[:20]) == first
    seed("--scale", "1", "--reset")
    assert Page.objects.count() == round(20 * User.objects.filter(is_staff=False).count())


def test_seed_scale_runs_the_kb_step(db):
    PortalCompany.objects.all().delete()
    args = ("--employees", "20", "--groups", "6", "--entries", "0", "--tasks", "0", "--crm-scale", "0")
    args += ("--workflows-scale", "0", "--strategy-scale", "0")
    out = io.StringIO()
    call_command("seed_scale", *args, "--kb-scale", "0.5", stdout=out)
    assert f"{round(20 * User.objects.filter(is_staff=False).count() * 0.5)} pages" in out.getvalue()
    again = io.StringIO()
    call_command("seed_scale", *args, "--kb-scale", "0.5", stdout=again)
    assert "Already seeded: " in again.getvalue() and "Knowledge base bench:" in again.getvalue()


def test_refuses_a_real_company(db):
    User.objects.create(email="someone@example.com")
    with pytest.raises(CommandError, match="did not create"):
        seed("--scale", "1")
