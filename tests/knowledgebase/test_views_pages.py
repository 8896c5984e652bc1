"""The pages: the editor's conflict (refused, the user's text kept, the diff shown), the preview, the Markdown
sanitiser, internal links (broken when missing or hidden), the tree's drag move, history and diff, files,
import and export, and the query budgets of the lists."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from knowledgebase.models import Page, PageRevision, Space
from knowledgebase.services import pages as services
from knowledgebase.services.transfer import pages_import
from portal.core.errors import Invalid
from tests.knowledgebase.factories import PageFactory, SpaceFactory, kb_world

pytestmark = pytest.mark.django_db

XSS = """
<script>alert(1)</script>
[click](javascript:alert(2))
<img src="x" onerror="alert(3)">
<a href="#" onclick="alert(4)">link</a>
<iframe src="https://evil.example"></iframe>
<svg onload="alert(5)"></svg>
<style>body{display:none}</style>
[ok](https://example.com)
"""


def test_markdown_is_rendered_without_anything_a_browser_could_run(org, client_for):
    world = kb_world(org)
    page = PageFactory(space=world.company, title="XSS", body=XSS)
    html = client_for(org.developer).get(reverse("kb:page_detail", args=[page.pk])).content.decode()
    body = html.split('id="kb-body"', 1)[1].split("</div>", 1)[0]
    for bad in ("<script", "javascript:", "onerror", "onclick", "<iframe", "onload", "<style", "alert(1)"):
        assert bad not in body, bad
    assert 'href="https://example.com"' in body


def test_internal_links_resolve_in_the_space_and_are_broken_when_missing_or_hidden(org, client_for):
    world = kb_world(org)
    draft = services.page_create(
        actor=org.sales_rep, space=world.restricted, title="Hidden plan", publish=False
    )
    page = services.page_create(
        actor=org.sales_rep,
        space=world.restricted,
        title="Index",
        body="See [[Discount rules]], [[discount rules|the discounts]], [[No such page]] and [[Hidden plan]].",
    )
    html = client_for(org.east_rep).get(reverse("kb:page_detail", args=[page.pk])).content.decode()
    link = reverse("kb:page_detail", args=[world.secret.pk])
    assert f'<a class="kb-link" href="{link}">Discount rules</a>' in html
    assert f'<a class="kb-link" href="{link}">the discounts</a>' in html
    assert (
        '<span class="kb-link-broken" title="No such page in this space: No such page">No such page</span>'
        in html
    )
    # Someone else's draft is a broken link for the reader, a link for its author.
    assert "kb-link-broken" in html.split("Hidden plan")[0][-120:]
    own = client_for(org.sales_rep).get(reverse("kb:page_detail", args=[page.pk])).content.decode()
    assert reverse("kb:page_detail", args=[draft.pk]) in own


def test_links_written_as_code_stay_code(org, client_for):
    world = kb_world(org)
    page = services.page_create(
        actor=org.sales_rep,
        space=world.restricted,
        title="How to link",
        body="Write `[[Discount rules]]` to link:\n\n```\n[[Discount rules]]\n```\n\nlike [[Discount rules]].",
    )
    html = client_for(org.east_rep).get(reverse("kb:page_detail", args=[page.pk])).content.decode()
    body = html.split('id="kb-body"', 1)[1].split("</div>", 1)[0]
    assert "<code>[[Discount rules]]</code>" in body
    assert body.count('class="kb-link"') == 1
    from knowledgebase.markdown import broken_links

    assert broken_links(user=org.east_rep, space=world.restricted, text="`[[Nowhere]]`") == []


def test_a_stale_save_is_refused_keeping_the_users_text_and_showing_what_changed(org, client_for):
    world = kb_world(org)
    page = world.secret
    url = reverse("kb:page_edit", args=[page.pk])
    services.page_update(
        actor=org.east_head,
        page=page,
        base_revision=1,
        title=page.title,
        body="Discounts up to five percent.",
    )
    response = client_for(org.sales_rep).post(
        url,
        {"title": page.title, "body": "My careful rewrite", "language": "english", "base_revision": 1},
        format="multipart",
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "My careful rewrite" in html  # nothing lost
    assert 'id="kb-conflict"' in html and "+Discounts up to five percent." in html
    assert 'name="base_revision" value="2"' in html  # the next save is based on what they have seen
    page.refresh_from_db()
    assert page.body == "Discounts up to five percent."
    again = client_for(org.sales_rep).post(
        url,
        {"title": page.title, "body": "My careful rewrite", "language": "english", "base_revision": 2},
        format="multipart",
    )
    assert again.status_code == 302
    page.refresh_from_db()
    assert page.body == "My careful rewrite" and page.revision == 3


def test_the_preview_renders_the_text_and_names_broken_links(org, client_for):
    world = kb_world(org)
    response = client_for(org.sales_rep).post(
        reverse("kb:page_preview", args=[world.restricted.pk]),
        {"body": "**Bold** [[Nowhere]] <script>x()</script>"},
        format="multipart",
    )
    html = response.content.decode()
    assert "<strong>Bold</strong>" in html and "<script" not in html
    assert 'id="kb-preview-broken"' in html and "Nowhere" in html


def test_the_tree_script_moves_a_page_and_gets_json(org, client_for):
    world = kb_world(org)
    a = services.page_create(actor=org.sales_rep, space=world.restricted, title="A")
    b = services.page_create(actor=org.sales_rep, space=world.restricted, title="B", parent=a)
    client = client_for(org.sales_rep)
    url = reverse("kb:page_move", args=[a.pk])
    # Under its own sub-page: not a place the form offers, refused.
    refused = client.post(
        url, {"parent": b.pk, "position": ""}, format="multipart", HTTP_ACCEPT="application/json"
    )
    assert refused.status_code == 400 and refused.json()["detail"]
    a.refresh_from_db()
    assert a.parent_id is None
    moved = client.post(
        url, {"parent": world.secret.pk, "position": "0"}, format="multipart", HTTP_ACCEPT="application/json"
    )
    assert moved.json() == {"ok": True}
    a.refresh_from_db()
    assert a.parent_id == world.secret.pk


def test_history_diff_and_restore_pages(org, client_for):
    world = kb_world(org)
    page = world.secret
    services.page_update(
        actor=org.sales_rep, page=page, base_revision=1, title=page.title, body="Line one\nLine two"
    )
    client = client_for(org.east_rep)
    history = client.get(reverse("kb:revision_history", args=[page.pk])).content.decode()
    assert 'id="kb-revision-2"' in history and 'id="kb-revision-1"' in history
    side = client.get(reverse("kb:revision_diff", args=[page.pk]), {"from": 1, "to": 2}).content.decode()
    assert "kb-diff-row-replace" in side and "Line two" in side
    unified = client.get(reverse("kb:revision_diff", args=[page.pk]), {"from": 1, "to": 2, "mode": "unified"})
    assert '<span class="kb-diff-add">+Line two</span>' in unified.content.decode()


def _zip(files: dict[str, bytes]) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return SimpleUploadedFile("handbook.zip", buffer.getvalue(), content_type="application/zip")


def test_a_zip_of_a_folder_tree_is_imported_keeping_its_structure(org):
    world = kb_world(org)
    upload = _zip(
        {
            "handbook/README.md": b"# Handbook\n\nStart here.",
            "handbook/sales/01_pricing.md": "# Цены\n\nПрайс.".encode(),
            "handbook/sales/02-returns.md": b"Returns policy.",
            "handbook/image.png": b"not markdown",
        }
    )
    made = pages_import(actor=org.sales_rep, space=world.restricted, upload=upload)
    pages = {p.title: p for p in made}
    assert set(pages) == {"README", "sales", "Цены", "returns"} or set(pages) == {
        "Handbook",
        "sales",
        "Цены",
        "returns",
    }
    assert pages["Цены"].parent_id == pages["sales"].pk and pages["returns"].parent_id == pages["sales"].pk
    assert pages["Цены"].body.strip() == "Прайс."


@pytest.mark.parametrize(
    "files",
    [
        {"../evil.md": b"x"},
        {"/etc/evil.md": b"x"},
        {"a/../../evil.md": b"x"},
        {f"f{n}.md": b"x" for n in range(301)},
        {"big.md": b"x" * (1024 * 1024 + 1)},
        {"notes.txt": b"no markdown"},
    ],
)
def test_an_unsafe_or_oversized_archive_is_refused_and_nothing_is_created(org, files):
    world = kb_world(org)
    before = Page.objects.count()
    with pytest.raises(Invalid):
        pages_import(actor=org.sales_rep, space=world.restricted, upload=_zip(files))
    assert Page.objects.count() == before


def test_one_markdown_file_becomes_one_page_titled_by_its_heading(org, client_for):
    world = kb_world(org)
    upload = SimpleUploadedFile("howto.md", b"# How to order\n\n1. Ask\n2. Wait")
    response = client_for(org.sales_rep).post(
        reverse("kb:pages_import", args=[world.restricted.pk]),
        {"file": upload, "parent": world.secret.pk},
        format="multipart",
    )
    assert response.status_code == 302
    page = Page.objects.get(title="How to order")
    assert page.parent_id == world.secret.pk and page.body.startswith("1. Ask")


def test_the_export_prints_a_page_with_its_sub_pages(org, client_for):
    world = kb_world(org)
    child = services.page_create(
        actor=org.sales_rep, space=world.restricted, title="Child", body="*kid*", parent=world.secret
    )
    html = (
        client_for(org.east_rep)
        .get(reverse("kb:page_export", args=[world.secret.pk]), {"subtree": 1})
        .content.decode()
    )
    assert "knowledgebase/print.css" in html and "Discount rules" in html and "<em>kid</em>" in html
    assert html.index("Discount rules") < html.index(child.title)


def _lay_pages(space, count: int) -> None:
    Page.objects.bulk_create(
        [Page(space=space, title=f"Bulk {n}", body="x", revision=1, position=n) for n in range(count)]
    )


@pytest.mark.parametrize(
    "name", ["home", "spaces", "space", "page", "api_pages", "api_tree", "search", "history"]
)
def test_the_lists_cost_the_same_at_10_and_1000_pages(org, client_for, name):
    world = kb_world(org)
    _lay_pages(world.restricted, 10)
    client = client_for(org.east_rep)
    urls = {
        "home": reverse("kb:home"),
        "spaces": reverse("kb:space_list"),
        "space": reverse("kb:space_detail", args=[world.restricted.pk]),
        "page": reverse("kb:page_detail", args=[world.secret.pk]),
        "api_pages": reverse("kb-page-list") + "?page_size=200",
        "api_tree": reverse("kb-space-tree", args=[world.restricted.pk]),
        "search": reverse("kb:search") + "?q=bulk",
        "history": reverse("kb:revision_history", args=[world.secret.pk]),
    }

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(urls[name]).status_code == 200
        return len(ctx.captured_queries)

    count()  # warm the caches every request shares (the session, the person's counters)
    few = count()
    _lay_pages(world.restricted, 990)
    Space.objects.bulk_create([Space(title=f"S{n}", responsible=org.ceo) for n in range(990)])
    PageRevision.objects.bulk_create(
        [PageRevision(page=world.secret, number=n, title="t", body="x") for n in range(2, 1000)]
    )
    assert count() == few
    assert few <= 30


def test_a_space_tree_of_5000_pages_is_one_query(org, django_assert_num_queries):
    from knowledgebase.selectors.pages import space_tree

    world = kb_world(org)
    space = SpaceFactory()
    pages = Page.objects.bulk_create(
        [Page(space=space, title=f"P{n}", revision=1, position=n) for n in range(50)]
    )
    children = [
        Page(space=space, title=f"C{n}", revision=1, position=n, parent=pages[n % 50]) for n in range(4950)
    ]
    Page.objects.bulk_create(children)
    with django_assert_num_queries(1):
        roots = space_tree(user=org.admin, space=space)
    assert len(roots) == 50 and sum(len(r.children) for r in roots) == 4950
    assert world  # the other spaces' pages stay out


def test_the_tree_escapes_titles_and_marks_the_current_page(org, client_for):
    world = kb_world(org)
    evil = PageFactory(space=world.restricted, title="<b onclick=x()>Bold</b>", parent=world.secret)
    html = client_for(org.east_rep).get(reverse("kb:page_detail", args=[evil.pk])).content.decode()
    tree = html.split('id="kb-tree"', 1)[1].split("</nav>", 1)[0]
    assert "&lt;b onclick=x()&gt;Bold&lt;/b&gt;" in tree and "<b onclick" not in tree
    assert f'data-page="{world.secret.pk}"' in tree and 'aria-current="page"' in tree
    assert "draggable" not in tree  # a reader drags nothing
    editor = client_for(org.sales_rep).get(reverse("kb:page_detail", args=[evil.pk])).content.decode()
    assert 'draggable="true"' in editor and "data-kb-tree" in editor


def test_the_home_shows_the_first_spaces_and_the_list_pages_through_all(org, client_for):
    kb_world(org)
    Space.objects.bulk_create([Space(title=f"Team {n:03}", responsible=org.ceo) for n in range(60)])
    client = client_for(org.developer)
    home = client.get(reverse("kb:home")).content.decode()
    assert home.count("kb-space-card") == 24 and 'id="kb-all-spaces"' in home
    first = client.get(reverse("kb:space_list")).content.decode()
    assert first.count("list-group-item") == 50 and "Sales handbook" not in first
    found = client.get(reverse("kb:space_list"), {"q": "team 05"}).content.decode()
    assert found.count("list-group-item") == 11  # Team 005 and Team 050 to 059


def test_a_big_spaces_page_shows_the_path_to_it_and_folds_the_other_branches(org, client_for):
    from knowledgebase.selectors.pages import PRUNE_ABOVE

    world = kb_world(org)
    space = world.restricted
    branches = Page.objects.bulk_create(
        [Page(space=space, title=f"Branch {n}", revision=1, position=n + 1) for n in range(3)]
    )
    Page.objects.bulk_create(
        [
            Page(space=space, title=f"Leaf {n}", revision=1, position=n, parent=branches[n % 3])
            for n in range(PRUNE_ABOVE)
        ]
    )
    leaf = Page.objects.get(title="Leaf 4")  # under Branch 1
    html = client_for(org.east_rep).get(reverse("kb:page_detail", args=[leaf.pk])).content.decode()
    tree = html.split('id="kb-tree"', 1)[1].split("</nav>", 1)[0]
    assert ">Branch 0<" in tree and ">Branch 2<" in tree and ">Leaf 1<" in tree and ">Leaf 4<" in tree
    assert ">Leaf 0<" not in tree and ">Leaf 2<" not in tree  # the other branches are folded
    assert 'kb-tree-folded" title="Sub-pages: 100">+100<' in tree  # Branch 0's and Branch 2's leaves
    top = client_for(org.east_rep).get(reverse("kb:space_detail", args=[space.pk])).content.decode()
    top_tree = top.split('id="kb-tree"', 1)[1].split("</nav>", 1)[0]
    assert ">Branch 0<" in top_tree and ">Leaf 0<" not in top_tree and top_tree.count("kb-tree-folded") == 3


def test_a_spaces_own_tree_is_read_from_the_database_as_the_whole_tree_would_be_pruned(
    org, django_assert_num_queries
):
    from knowledgebase.choices import PageStatus
    from knowledgebase.selectors.pages import space_top_level, space_tree, tree_around

    world = kb_world(org)
    space = world.restricted
    draft = PageFactory(space=space, title="Draft", status=PageStatus.DRAFT, created_by=org.sales_rep)
    orphan = PageFactory(space=space, title="Under a draft", parent=draft)  # on top where the draft is hidden
    branches = [PageFactory(space=space, title=f"Branch {n}", position=n + 1) for n in range(3)]
    for n in range(7):
        PageFactory(space=space, title=f"Leaf {n}", parent=branches[n % 3], position=n)

    def shape(nodes):
        return [(node.id, node.title, node.folded, [child.id for child in node.children]) for node in nodes]

    for reader in (org.east_rep, org.sales_rep):  # the draft hidden (its child on top), then the author's
        whole = space_tree(user=reader, space=space)
        # Two queries either way (the count, then the tree or the top level): the page's budget does not move
        # with the space's size.
        with django_assert_num_queries(2):
            small = space_top_level(user=reader, space=space)  # within the limit: the whole tree
        assert shape(small) == shape(whole) and any(node.children for node in small)
        with django_assert_num_queries(2):
            big = space_top_level(user=reader, space=space, limit=5)
        assert shape(big) == shape(tree_around(whole, None, limit=5))
        assert all(not node.children for node in big) and sum(node.folded for node in big) > 0
    tops = [node.id for node in space_top_level(user=org.east_rep, space=space, limit=5)]
    assert orphan.pk in tops and draft.pk not in tops
    assert draft.pk in [node.id for node in space_top_level(user=org.sales_rep, space=space, limit=5)]


def test_a_page_costs_the_same_queries_wherever_it_is_and_whatever_it_links(org, client_for):
    world = kb_world(org)
    top = services.page_create(actor=org.sales_rep, space=world.restricted, title="Top", body="Plain.")
    deep = services.page_create(
        actor=org.sales_rep, space=world.restricted, title="Deep", body="See [[Top]].", parent=world.secret
    )
    client = client_for(org.east_rep)

    def count(page) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("kb:page_detail", args=[page.pk])).status_code == 200
        return len(ctx.captured_queries)

    count(top)
    assert count(top) == count(deep)
