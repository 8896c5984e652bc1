"""The tags page (tasks:tags): my tags and my groups' shared tags with their numbers of tasks, links to the
filtered list, and creating, renaming, merging and deleting through the services (htmx and plain forms),
errors at their fields; who may change which tag; the page's query budget."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.groups.choices import MemberRole as GroupRole
from tasks import permissions, selectors, services
from tasks.choices import TaskStatus
from tasks.models import Tag, TaskTag
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.tasks.factories import TagFactory, TaskFactory, TaskTagFactory
from tests.tasks.lists_setup import HTMX, html_of, page_client
from tests.utils import assert_query_budget

pytestmark = pytest.mark.django_db

TAGS = "tasks:tags"
TAGS_BUDGET = 7


@pytest.fixture
def layout(org):
    """east_rep's personal tags "urgent" (2 open tasks, 1 closed, 1 hidden from east_rep) and "later" (none);
    the "Fair" group where east_rep is a member (shared tag "fair") and sales_rep a moderator; a tag of
    another person and a tag of a group east_rep is not in."""
    me = org.east_rep
    fair = WorkgroupFactory(name="Fair")
    MembershipFactory(group=fair, user=me, role=GroupRole.MEMBER)
    MembershipFactory(group=fair, user=org.sales_rep, role=GroupRole.MODERATOR)
    other_group = WorkgroupFactory(name="Other")
    urgent = TagFactory(owner=me, name="urgent")
    later = TagFactory(owner=me, name="later")
    shared = Tag.objects.create(group=fair, name="fair")
    foreign = TagFactory(owner=org.sales_rep, name="theirs")
    elsewhere = Tag.objects.create(group=other_group, name="elsewhere")
    for title in ("Call Acme", "Send the offer"):
        TaskTagFactory(task=TaskFactory(creator=me, responsible=me, title=title), tag=urgent)
    TaskTagFactory(
        task=TaskFactory(creator=me, responsible=me, title="Done", status=TaskStatus.COMPLETED), tag=urgent
    )
    # A task that once was east_rep's but no longer is: it does not count for them.
    TaskTagFactory(task=TaskFactory(creator=org.it_head, responsible=org.developer), tag=urgent)
    TaskTagFactory(task=TaskFactory(creator=me, responsible=org.field_rep, group=fair), tag=shared)
    return {
        "urgent": urgent,
        "later": later,
        "shared": shared,
        "foreign": foreign,
        "elsewhere": elsewhere,
        "fair": fair,
    }


# --- the page ----------------------------------------------------------------------------------------


def test_the_page_lists_my_tags_and_my_groups_tags_with_their_tasks(org, layout):
    html = html_of(page_client(org.east_rep).get(reverse(TAGS)))
    urgent, shared = layout["urgent"], layout["shared"]
    assert f'data-tag="{urgent.pk}"' in html and f'data-tag="{shared.pk}"' in html
    assert f'data-tag="{layout["foreign"].pk}"' not in html
    assert f'data-tag="{layout["elsewhere"].pk}"' not in html
    assert f'data-tag-group="{layout["fair"].pk}"' in html and "Shared in Fair" in html
    assert f'href="/tasks/?role=all&amp;tag={urgent.pk}"' in html
    assert f'href="/tasks/?role=all&amp;open=all&amp;tag={urgent.pk}"' in html
    counts = {
        tag.name: (tag.open_count, tag.tasks_count) for tag in selectors.tag_overview(user=org.east_rep)
    }
    assert counts == {"later": (0, 0), "urgent": (2, 3), "fair": (1, 1)}
    assert "2 open tasks" in html and "3 in all" in html


def test_the_personal_tags_come_first_then_each_group(org, layout):
    names = [tag.name for tag in selectors.tag_overview(user=org.east_rep)]
    assert names == ["later", "urgent", "fair"]


def test_an_admin_sees_their_own_tags_here_not_everybodys(org, layout):
    mine = TagFactory(owner=org.admin, name="admin's")
    tags = list(selectors.tag_overview(user=org.admin))
    assert tags == [mine] and tags[0].can_manage


def test_who_may_manage_which_tag(org, layout):
    def manageable(user):
        return {t.name for t in selectors.tag_overview(user=user) if t.can_manage}

    assert manageable(org.east_rep) == {"urgent", "later"}  # a plain member does not manage "fair"
    assert manageable(org.sales_rep) == {"theirs", "fair"}  # the group's moderator does
    assert {t.name for t in selectors.tag_list_managed(user=org.sales_rep)} == {"theirs", "fair"}
    assert permissions.can_manage_tag(org.sales_rep, layout["shared"])
    assert not permissions.can_manage_tag(org.east_rep, layout["shared"])
    assert permissions.can_manage_tag(org.admin, layout["shared"])


def test_a_plain_member_sees_no_buttons_on_a_shared_tag(org, layout):
    html = html_of(page_client(org.east_rep).get(reverse(TAGS)))
    shared = layout["shared"].pk
    assert f'data-tag-rename="{shared}"' not in html and f'data-tag-delete="{shared}"' not in html
    urgent = layout["urgent"].pk
    assert f'data-tag-rename="{urgent}"' in html and f'data-tag-delete="{urgent}"' in html


def test_the_page_is_linked_from_the_task_list(org):
    html = html_of(page_client(org.east_rep).get(reverse("tasks:home")))
    assert 'id="task-tags-link"' in html and f'href="{reverse(TAGS)}"' in html


# --- create ------------------------------------------------------------------------------------------


def test_create_a_personal_tag(org, layout):
    response = page_client(org.east_rep).post(reverse("tasks:tag_create"), {"new-name": "  Q3  "})
    assert response.status_code == 302 and response["Location"] == reverse(TAGS)
    assert Tag.objects.get(owner=org.east_rep, name="Q3").group_id is None


def test_create_a_shared_tag_with_htmx(org, layout):
    response = page_client(org.east_rep).post(
        reverse("tasks:tag_create"), {"new-name": "booth", "new-group": layout["fair"].pk}, **HTMX
    )
    assert response.status_code == 200
    html = html_of(response)
    assert html.lstrip().startswith('<div id="tags-page"') and 'id="tags-done"' in html
    tag = Tag.objects.get(group=layout["fair"], name="booth")
    assert tag.owner_id is None and f'data-tag="{tag.pk}"' in html


def test_create_offers_only_my_groups(org, layout):
    html = html_of(page_client(org.east_rep).get(reverse(TAGS)))
    assert f'<option value="{layout["fair"].pk}">' in html
    assert "Other" not in html
    response = page_client(org.east_rep).post(
        reverse("tasks:tag_create"), {"new-name": "x", "new-group": layout["elsewhere"].group_id}
    )
    assert response.status_code == 400
    assert 'data-error-for="group"' in html_of(response)
    assert not Tag.objects.filter(name="x").exists()


def test_create_errors_show_at_their_field(org, layout):
    client = page_client(org.east_rep)
    response = client.post(reverse("tasks:tag_create"), {"new-name": "URGENT"}, **HTMX)
    html = html_of(response)
    assert response.status_code == 200 and 'data-error-for="name"' in html
    assert "There is a tag “URGENT” already." in html
    response = client.post(reverse("tasks:tag_create"), {"new-name": "a,b"})
    assert response.status_code == 400 and "cannot contain commas" in html_of(response)
    response = client.post(reverse("tasks:tag_create"), {"new-name": ""})
    assert response.status_code == 400 and 'data-error-for="name"' in html_of(response)
    assert Tag.objects.filter(owner=org.east_rep).count() == 2


# --- rename ------------------------------------------------------------------------------------------


def test_rename_with_htmx(org, layout):
    urgent = layout["urgent"]
    response = page_client(org.east_rep).post(
        reverse("tasks:tag_rename", args=[urgent.pk]), {"name": "asap"}, **HTMX
    )
    assert response.status_code == 200 and "renamed to “asap”" in html_of(response)
    urgent.refresh_from_db()
    assert urgent.name == "asap"


def test_rename_to_a_taken_name_keeps_the_form_open_with_the_error(org, layout):
    urgent = layout["urgent"]
    response = page_client(org.east_rep).post(
        reverse("tasks:tag_rename", args=[urgent.pk]), {"name": "Later"}, **HTMX
    )
    html = html_of(response)
    assert response.status_code == 200
    assert "merge the two tags instead" in html and 'value="Later"' in html
    assert '<details class="mt-1" open>' in html
    urgent.refresh_from_db()
    assert urgent.name == "urgent"


def test_rename_rights(org, layout):
    shared = layout["shared"]
    member = page_client(org.east_rep)
    assert member.post(reverse("tasks:tag_rename", args=[shared.pk]), {"name": "expo"}).status_code == 403
    hidden = layout["foreign"]
    assert member.post(reverse("tasks:tag_rename", args=[hidden.pk]), {"name": "mine"}).status_code == 404
    moderator = page_client(org.sales_rep)
    assert moderator.post(reverse("tasks:tag_rename", args=[shared.pk]), {"name": "expo"}).status_code == 302
    shared.refresh_from_db()
    assert shared.name == "expo"


# --- merge -------------------------------------------------------------------------------------------


def test_merge_moves_the_tasks_and_removes_the_tag(org, layout):
    urgent, later = layout["urgent"], layout["later"]
    response = page_client(org.east_rep).post(
        reverse("tasks:tag_merge"), {"merge-source": urgent.pk, "merge-target": later.pk}, **HTMX
    )
    assert response.status_code == 200 and "merged into “later”" in html_of(response)
    assert not Tag.objects.filter(pk=urgent.pk).exists()
    assert TaskTag.objects.filter(tag=later).count() == 4


def test_merge_offers_only_tags_i_may_manage(org, layout):
    html = html_of(page_client(org.east_rep).get(reverse(TAGS)))
    merge = html[html.index('id="tag-merge"') :]
    assert f'value="{layout["urgent"].pk}"' in merge and f'value="{layout["later"].pk}"' in merge
    assert f'value="{layout["shared"].pk}"' not in merge
    response = page_client(org.east_rep).post(
        reverse("tasks:tag_merge"), {"merge-source": layout["urgent"].pk, "merge-target": layout["shared"].pk}
    )
    assert response.status_code == 400 and 'data-error-for="target"' in html_of(response)
    assert Tag.objects.filter(pk=layout["urgent"].pk).exists()


def test_merge_into_itself_is_refused(org, layout):
    urgent = layout["urgent"]
    response = page_client(org.east_rep).post(
        reverse("tasks:tag_merge"), {"merge-source": urgent.pk, "merge-target": urgent.pk}, **HTMX
    )
    html = html_of(response)
    assert response.status_code == 200 and "Choose another tag to merge into." in html
    assert Tag.objects.filter(pk=urgent.pk).exists()


def test_no_merge_form_with_fewer_than_two_tags(org):
    TagFactory(owner=org.developer, name="only")
    html = html_of(page_client(org.developer).get(reverse(TAGS)))
    assert 'id="tag-merge"' not in html and 'id="tag-create"' in html


# --- delete ------------------------------------------------------------------------------------------


def test_delete(org, layout):
    urgent = layout["urgent"]
    client = page_client(org.east_rep)
    response = client.post(reverse("tasks:tag_delete", args=[urgent.pk]))
    assert response.status_code == 302
    assert not Tag.objects.filter(pk=urgent.pk).exists()
    assert client.post(reverse("tasks:tag_delete", args=[urgent.pk])).status_code == 404
    assert client.post(reverse("tasks:tag_delete", args=[layout["shared"].pk])).status_code == 403
    assert Tag.objects.filter(pk=layout["shared"].pk).exists()


def test_delete_with_htmx_redraws_the_page_part(org, layout):
    later = layout["later"]
    response = page_client(org.east_rep).post(reverse("tasks:tag_delete", args=[later.pk]), **HTMX)
    html = html_of(response)
    assert response.status_code == 200 and "Tag “later” deleted." in html
    assert f'data-tag="{later.pk}"' not in html


def test_only_posts_change_tags(org, layout):
    client = page_client(org.east_rep)
    assert client.get(reverse("tasks:tag_delete", args=[layout["later"].pk])).status_code == 405
    assert client.get(reverse("tasks:tag_create")).status_code == 405


# --- budget ------------------------------------------------------------------------------------------


def test_the_tags_page_has_a_query_budget(org, layout):
    client = page_client(org.east_rep)

    def grow():
        for i in range(15):
            tag = services.tag_create(actor=org.east_rep, name=f"more {i}")
            TaskTagFactory(task=TaskFactory(creator=org.east_rep, responsible=org.east_rep), tag=tag)
        group = WorkgroupFactory(name="Extra")
        MembershipFactory(group=group, user=org.east_rep, role=GroupRole.OWNER)
        for i in range(5):
            Tag.objects.create(group=group, name=f"shared {i}")

    client.get(reverse(TAGS))  # warm the per-process caches (content types, the company)
    assert_query_budget(lambda: client.get(reverse(TAGS)), grow, budget=TAGS_BUDGET)
    assert_query_budget(lambda: client.get(reverse(TAGS), **HTMX), lambda: None, budget=TAGS_BUDGET)
