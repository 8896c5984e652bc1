"""The knowledge base in Chromium: an editor writes a rule from the "Rule" template (with the preview), edits it,
and reads its history and the diff; a page dragged in the tree moves; a Markdown XSS corpus runs nothing; and the
screenshots (desktop and phone) of a page with its tree and of the diff, checked for no sideways scrolling at
phone width. The pages run under the strict Content-Security-Policy (the fixtures fail on a violation)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from knowledgebase.models import Page
from knowledgebase.services import pages as services
from tests.knowledgebase.factories import kb_world
from tests.plugins.browser import PHONE

pytestmark = [pytest.mark.browser]
PASSWORD = "pass-word-123"


def _fits_the_phone(page) -> bool:
    return page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth + 1")


def test_an_editor_writes_a_rule_edits_it_and_reads_the_history_and_the_diff(
    live_server, page, login, screenshot, org
):
    world = kb_world(org)
    login(page, live_server, org.sales_rep.email, PASSWORD)
    page.goto(live_server.url + reverse("kb:space_detail", args=[world.restricted.pk]))
    page.locator("#kb-new-page").click()
    page.get_by_role("link", name="Rule", exact=True).click()
    assert "## Purpose" in page.locator("#id_body").input_value()
    page.locator("#id_title").fill("Returns of goods")
    page.locator("#id_body").fill(
        "## The rule\n\n1. A customer may return goods within **14 days**.\n2. See [[Discount rules]]."
    )
    page.locator("#kb-tab-preview").click()
    expect(page.locator("#kb-preview strong")).to_have_text("14 days")
    expect(page.locator("#kb-preview a.kb-link")).to_have_text("Discount rules")
    page.locator("#kb-tab-write").click()
    page.locator("#kb-save").click()
    expect(page.locator("#kb-page-title")).to_contain_text("Returns of goods")
    expect(page.locator("#kb-body strong")).to_have_text("14 days")
    rule = Page.objects.get(title="Returns of goods")

    # The second revision: the term grows to 30 days.
    page.locator("#kb-edit").click()
    body = page.locator("#id_body")
    body.fill(body.input_value().replace("14 days", "30 days") + "\n3. Goods must be unused.")
    page.locator("#kb-page-form #id_comment").fill("Longer term")
    page.locator("#kb-save").click()
    expect(page.locator("#kb-page-meta")).to_contain_text("Revision 2")

    page.locator("#kb-history").click()
    expect(page.locator("#kb-revisions tbody tr")).to_have_count(2)
    expect(page.locator("#kb-revision-2")).to_contain_text("Longer term")
    page.locator("#kb-compare").click()
    expect(page.locator("#kb-diff-side .kb-diff-row-replace").first).to_contain_text("30 days")
    expect(page.locator("#kb-diff-side .kb-diff-row-insert")).to_contain_text("Goods must be unused.")
    expect(page.locator("#kb-diff-summary")).to_contain_text("2 lines added, 1 removed")
    screenshot("kb-diff-side")
    page.goto(live_server.url + reverse("kb:revision_diff", args=[rule.pk]) + "?from=1&to=2&mode=unified")
    expect(page.locator("#kb-diff-unified .kb-diff-add").first).to_contain_text("30 days")
    screenshot("kb-diff-unified")
    rule.refresh_from_db()
    assert rule.revision == 2 and "30 days" in rule.body


def test_a_page_dragged_onto_another_moves_under_it(live_server, page, login, org):
    world = kb_world(org)
    target = services.page_create(actor=org.sales_rep, space=world.restricted, title="Policies")
    login(page, live_server, org.sales_rep.email, PASSWORD)
    page.goto(live_server.url + reverse("kb:space_detail", args=[world.restricted.pk]))
    dragged = page.locator(f'.kb-tree-item[data-page="{world.secret.pk}"] > .kb-tree-row')
    onto = page.locator(f'.kb-tree-item[data-page="{target.pk}"] > .kb-tree-row .kb-tree-link')
    with page.expect_navigation():
        dragged.drag_to(onto)
    expect(
        page.locator(f'.kb-tree-item[data-page="{target.pk}"] .kb-tree-item[data-page="{world.secret.pk}"]')
    ).to_be_visible()
    world.secret.refresh_from_db()
    assert world.secret.parent_id == target.pk


def test_a_markdown_xss_corpus_runs_nothing_in_chromium(live_server, page, login, org):
    world = kb_world(org)
    corpus = "\n\n".join(
        [
            "<script>window.__kbXss = 1</script>",
            "[click me](javascript:window.__kbXss=2)",
            '<img src="data:," onerror="window.__kbXss=3">',
            '<a href="#" onclick="window.__kbXss=4">a link</a>',
            "<svg><script>window.__kbXss=5</script></svg>",
            '<iframe srcdoc="<script>parent.__kbXss=6</script>"></iframe>',
            "[x](JaVaScRiPt:window.__kbXss=7)",
            '<details open ontoggle="window.__kbXss=8">d</details>',
            "![pic](javascript:window.__kbXss=9)",
        ]
    )
    xss = services.page_create(actor=org.sales_rep, space=world.restricted, title="XSS corpus", body=corpus)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    login(page, live_server, org.east_rep.email, PASSWORD)
    page.goto(live_server.url + reverse("kb:page_detail", args=[xss.pk]))
    page.locator("#kb-body").hover()
    page.locator("#kb-body details").first.click() if page.locator("#kb-body details").count() else None
    assert page.evaluate("() => window.__kbXss === undefined")
    assert (
        page.locator(
            "#kb-body script, #kb-body iframe, #kb-body svg, #kb-body [onerror], #kb-body [onclick]"
        ).count()
        == 0
    )
    hrefs = page.eval_on_selector_all("#kb-body a", "links => links.map(a => a.getAttribute('href') || '')")
    assert not [h for h in hrefs if h.lower().startswith("javascript")]
    assert dialogs == []


def test_screenshots_of_a_page_with_its_tree_at_desktop_and_phone_width(
    live_server, page, login, screenshot, org
):
    world = kb_world(org)
    parent = services.page_create(
        actor=org.sales_rep,
        space=world.restricted,
        title="Working with customers",
        body="## Principles\n\n| Case | Who decides |\n|------|-------------|\n| Discount up to 10% | the manager |\n"
        "| More | the head of Sales |\n\nSee [[Discount rules]] and [[A page that is gone]].",
        tags="customers, sales",
    )
    for title in ("First call", "Demo meeting", "Contract"):
        services.page_create(
            actor=org.sales_rep, space=world.restricted, title=title, parent=parent, body="Steps."
        )
    login(page, live_server, org.sales_rep.email, PASSWORD)
    page.goto(live_server.url + reverse("kb:page_detail", args=[parent.pk]))
    expect(page.locator("#kb-tree")).to_contain_text("Demo meeting")
    expect(page.locator("#kb-body .kb-link-broken")).to_have_text("A page that is gone")
    screenshot("kb-page-desktop")
    page.set_viewport_size(PHONE)
    page.reload()
    screenshot("kb-page-phone")
    assert _fits_the_phone(page)
    page.goto(live_server.url + reverse("kb:space_detail", args=[world.restricted.pk]))
    screenshot("kb-space-phone")
    assert _fits_the_phone(page)
    services.page_update(
        actor=org.sales_rep,
        page=parent,
        base_revision=1,
        title=parent.title,
        body=parent.body + "\n\nA new line.",
    )
    page.goto(live_server.url + reverse("kb:revision_diff", args=[parent.pk]) + "?from=1&to=2")
    screenshot("kb-diff-phone")
    assert _fits_the_phone(page)
