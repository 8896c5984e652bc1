"""The processes in the global search: found by title or counterparty, only those the person may see, the
rights filtered in the database before the limit."""

from __future__ import annotations

import pytest

from portal.core.search import search_all
from portal.workflows import search
from tests.workflows.factories import ProcessRoleFactory, ProcessTemplateFactory, process_laid

pytestmark = pytest.mark.django_db


def _ids(hits) -> list[int]:
    return [hit.extra["id"] for hit in hits]


@pytest.fixture
def book(org):
    template = ProcessTemplateFactory(name="Outgoing payment")
    rep, other = org.east_rep, org.developer
    mine = process_laid(
        requester=rep, template=template, title="Pay Karenin Logistics", counterparty="Karenin"
    )
    asked = process_laid(
        requester=org.field_rep,
        approvers=[rep],
        template=template,
        title="Rails",
        counterparty="Karenin Rail",
    )
    hidden = process_laid(
        requester=other, template=template, title="Karenin invoice 7", counterparty="Karenin Logistics"
    )
    return {"template": template, "mine": mine, "asked": asked, "hidden": hidden}


def test_titles_and_counterparties_match_what_the_person_may_see(org, book):
    rep = org.east_rep
    assert set(_ids(search.search_processes(user=rep, query="karenin", limit=10))) == {
        book["mine"].pk,
        book["asked"].pk,
    }
    assert _ids(search.search_processes(user=rep, query="rail", limit=10)) == [book["asked"].pk]
    # The requester's supervisors up the tree see it; someone elsewhere does not.
    assert set(_ids(search.search_processes(user=org.sales_head, query="karenin", limit=10))) == {
        book["mine"].pk,
        book["asked"].pk,
    }
    assert _ids(search.search_processes(user=org.it_head, query="karenin", limit=10)) == [book["hidden"].pk]
    assert search.search_processes(user=org.it_head, query="rails", limit=10) == []
    assert len(search.search_processes(user=org.admin, query="karenin", limit=10)) == 3


def test_a_viewer_role_sees_the_templates_processes(org, book):
    accountant = org.developer
    assert _ids(search.search_processes(user=accountant, query="rails", limit=10)) == []
    role = ProcessRoleFactory(key="accountant", members=[org.it_head])
    book["template"].viewer_roles.add(role)
    assert _ids(search.search_processes(user=org.it_head, query="rails", limit=10)) == [book["asked"].pk]


def test_the_limit_applies_after_the_rights(org, django_assert_num_queries):
    """Thirty better matches the person may not see do not crowd out the one they may."""
    template = ProcessTemplateFactory()
    for n in range(30):
        process_laid(requester=org.developer, template=template, title=f"Karenin {n}", counterparty="Karenin")
    visible = process_laid(requester=org.east_rep, template=template, title="Contract with a Karenin office")
    search.search_processes(user=org.east_rep, query="x", limit=1)  # the person's rights, read once a request
    with django_assert_num_queries(1):
        hits = search.search_processes(user=org.east_rep, query="karenin", limit=5)
    assert _ids(hits) == [visible.pk]
    hit = hits[0]
    assert hit.kind == "workflows_processes" and hit.title == "Contract with a Karenin office"
    assert hit.url.endswith(f"/{visible.pk}/") or hit.url == ""


def test_the_global_search_has_the_provider(org, book):
    results = dict((provider.key, hits) for provider, hits in search_all(user=org.east_rep, query="karenin"))
    assert set(_ids(results["workflows_processes"])) == {book["mine"].pk, book["asked"].pk}
    assert "workflows_processes" not in dict(
        (provider.key, hits) for provider, hits in search_all(user=org.east_rep, query="nothing like it")
    )


def test_nobody_signed_out_or_inactive_finds_anything(org, book):
    from django.contrib.auth.models import AnonymousUser

    assert search.search_processes(user=AnonymousUser(), query="karenin", limit=10) == []
    org.east_rep.is_active = False
    assert search.search_processes(user=org.east_rep, query="karenin", limit=10) == []
