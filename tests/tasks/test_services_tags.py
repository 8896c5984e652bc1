"""Tag services: personal and group tags, names, rename, merge, delete, a task's tags and rights."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from portal.core.errors import NotFound
from portal.core.models import AuditLog
from portal.groups.choices import GroupVisibility
from portal.groups.choices import MemberRole as GroupRole
from tasks import services
from tasks.choices import MemberRole
from tasks.models import Tag, TaskTag
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.tasks import content_setup
from tests.tasks.content_setup import DENIED, HIDDEN, OK, audit_actions, check
from tests.tasks.factories import (
    TagFactory,
    TaskFactory,
    TaskMemberFactory,
    TaskTagFactory,
)
from tests.utils import assert_query_budget

# Fixtures shared with the other test modules of this subject.
people = content_setup.people
search_refresh = content_setup.search_refresh
task = content_setup.task


# --- tags --------------------------------------------------------------------------------------------


def test_tag_create_personal(people):
    tag = services.tag_create(actor=people.creator, name="  client   visit ")
    assert (tag.name, tag.owner, tag.group) == ("client visit", people.creator, None)
    assert AuditLog.objects.filter(action="tag.create", target_id=str(tag.pk)).exists()
    # Another person's tag of the same name is theirs alone.
    assert services.tag_create(actor=people.responsible, name="client visit").pk


@pytest.mark.parametrize(
    "name, message",
    [("", "Give the tag a name."), ("  ", "Give the tag a name."), ("x" * 61, "too long"), ("a,b", "commas")],
)
def test_tag_name_rules(people, name, message):
    with pytest.raises(ValidationError) as exc:
        services.tag_create(actor=people.creator, name=name)
    assert message in exc.value.message_dict["name"][0]
    assert not Tag.objects.exists()


def test_tag_names_are_unique_per_owner_ignoring_case(people):
    services.tag_create(actor=people.creator, name="Urgent")
    with pytest.raises(ValidationError) as exc:
        services.tag_create(actor=people.creator, name="urgent")
    assert "already" in exc.value.message_dict["name"][0]
    assert Tag.objects.count() == 1


def test_group_tags_by_members_only(people):
    group = WorkgroupFactory(visibility=GroupVisibility.OPEN)
    MembershipFactory(group=group, user=people.participant)
    tag = services.tag_create(actor=people.participant, name="Launch", group=group)
    assert (tag.owner, tag.group) == (None, group)
    with pytest.raises(ValidationError):
        services.tag_create(actor=people.admin, name="launch", group=group)
    with pytest.raises(PermissionDenied):
        services.tag_create(actor=people.outsider, name="Other", group=group)
    assert services.tag_create(actor=people.admin, name="Admin's", group=group).pk
    # A personal tag may share the name of a group tag.
    assert services.tag_create(actor=people.participant, name="Launch").pk


def test_secret_group_tags_are_hidden_from_outsiders(people):
    secret = WorkgroupFactory(visibility=GroupVisibility.SECRET)
    with pytest.raises(NotFound):
        services.tag_create(actor=people.outsider, name="Plan", group=secret)
    with pytest.raises(NotFound):
        services.tags_resolve(actor=people.outsider, names=["Plan"], group=secret)
    assert not Tag.objects.exists()


def test_tag_rename(people):
    tag = services.tag_create(actor=people.creator, name="Old")
    services.tag_rename(actor=people.creator, tag=tag, name=" New ")
    tag.refresh_from_db()
    assert tag.name == "New"
    log = AuditLog.objects.get(action="tag.rename", target_id=str(tag.pk))
    assert log.changes == {"name": ["Old", "New"]}
    services.tag_rename(actor=people.creator, tag=tag, name="NEW")  # a change of case is fine
    tag.refresh_from_db()
    assert tag.name == "NEW"


def test_tag_rename_onto_an_existing_name_suggests_merging(people):
    tag = services.tag_create(actor=people.creator, name="Old")
    services.tag_create(actor=people.creator, name="Taken")
    with pytest.raises(ValidationError) as exc:
        services.tag_rename(actor=people.creator, tag=tag, name="taken")
    assert "merge" in exc.value.message_dict["name"][0]
    tag.refresh_from_db()
    assert tag.name == "Old"


def test_tag_rename_validates_the_name(people):
    tag = services.tag_create(actor=people.creator, name="Old")
    with pytest.raises(ValidationError):
        services.tag_rename(actor=people.creator, tag=tag, name="a, b")


@pytest.fixture
def group_tags(people):
    """A group where participant is a plain member and responsible a moderator, with a shared tag."""
    group = WorkgroupFactory(visibility=GroupVisibility.CLOSED)
    MembershipFactory(group=group, user=people.creator, role=GroupRole.OWNER)
    MembershipFactory(group=group, user=people.responsible, role=GroupRole.MODERATOR)
    MembershipFactory(group=group, user=people.participant, role=GroupRole.MEMBER)
    return SimpleNamespace(group=group, tag=TagFactory(owner=None, group=group, name="Shared"))


@pytest.mark.parametrize(
    "role, expected",
    [
        ("creator", OK),  # group owner
        ("responsible", OK),  # moderator
        ("participant", DENIED),  # plain member: uses the tag, does not change it
        ("outsider", HIDDEN),
        ("admin", OK),
    ],
)
def test_group_tag_management_rights(group_tags, people, role, expected):
    actor = getattr(people, role)
    check(expected, lambda: services.tag_rename(actor=actor, tag=group_tags.tag, name="Renamed"))
    group_tags.tag.refresh_from_db()
    assert (group_tags.tag.name == "Renamed") == (expected == OK)
    check(expected, lambda: services.tag_delete(actor=actor, tag=group_tags.tag))
    assert Tag.objects.filter(pk=group_tags.tag.pk).exists() == (expected != OK)


@pytest.mark.parametrize("role, expected", [("creator", OK), ("responsible", HIDDEN), ("admin", OK)])
def test_personal_tag_management_rights(people, role, expected):
    tag = TagFactory(owner=people.creator, name="Mine")
    check(expected, lambda: services.tag_rename(actor=getattr(people, role), tag=tag, name="Renamed"))
    check(expected, lambda: services.tag_delete(actor=getattr(people, role), tag=tag))
    assert Tag.objects.filter(pk=tag.pk).exists() == (expected != OK)


def test_tag_delete_removes_it_from_tasks(people, task):
    tag = TagFactory(owner=people.creator)
    pk = tag.pk
    TaskTagFactory(task=task, tag=tag)
    services.tag_delete(actor=people.creator, tag=tag)
    assert not Tag.objects.filter(pk=pk).exists() and not TaskTag.objects.exists()
    log = AuditLog.objects.get(action="tag.delete", target_id=str(pk))
    assert log.changes == {"name": tag.name, "tasks": 1}


def test_tag_merge_moves_tasks_without_duplicates(people):
    source = TagFactory(owner=people.creator, name="Clients")
    target = TagFactory(owner=people.creator, name="Customers")
    only_source, both, only_target = TaskFactory(), TaskFactory(), TaskFactory()
    TaskTagFactory(task=only_source, tag=source)
    TaskTagFactory(task=both, tag=source)
    TaskTagFactory(task=both, tag=target)
    TaskTagFactory(task=only_target, tag=target)
    result = services.tag_merge(actor=people.creator, source=source, target=target)
    assert result == target
    assert not Tag.objects.filter(pk=source.pk).exists()
    assert sorted(TaskTag.objects.values_list("task_id", "tag_id")) == sorted(
        [(only_source.pk, target.pk), (both.pk, target.pk), (only_target.pk, target.pk)]
    )
    log = AuditLog.objects.get(action="tag.merge", target_id=str(target.pk))
    assert log.changes["source"] == "Clients"


def test_tag_merge_rules(people, group_tags):
    mine = TagFactory(owner=people.participant, name="Mine")
    with pytest.raises(ValidationError):
        services.tag_merge(actor=people.participant, source=mine, target=mine)
    # A plain member may not fold their tag into (or out of) the group's shared tag.
    with pytest.raises(PermissionDenied):
        services.tag_merge(actor=people.participant, source=mine, target=group_tags.tag)
    with pytest.raises(PermissionDenied):
        services.tag_merge(actor=people.participant, source=group_tags.tag, target=mine)
    # Someone else's personal tag is not even there for them.
    theirs = TagFactory(owner=people.creator, name="Theirs")
    with pytest.raises(NotFound):
        services.tag_merge(actor=people.participant, source=mine, target=theirs)
    assert Tag.objects.filter(pk__in=[mine.pk, theirs.pk, group_tags.tag.pk]).count() == 3


def test_tags_resolve_finds_and_creates(people):
    existing = TagFactory(owner=people.creator, name="Urgent")
    TagFactory(owner=people.responsible, name="Clients")  # another person's: not reused
    tags = services.tags_resolve(actor=people.creator, names=["urgent", " Clients ", "", "URGENT", "new one"])
    assert [t.name for t in tags] == ["Urgent", "Clients", "new one"]
    assert tags[0] == existing
    assert all(t.owner == people.creator and t.group is None for t in tags)
    assert Tag.objects.filter(owner=people.creator).count() == 3


def test_tags_resolve_takes_a_comma_separated_string(people):
    tags = services.tags_resolve(actor=people.creator, names="a, b ,, a")
    assert [t.name for t in tags] == ["a", "b"]
    assert services.tags_resolve(actor=people.creator, names="") == []


def test_tags_resolve_in_a_group(people, group_tags):
    tags = services.tags_resolve(actor=people.participant, names=["shared", "Fresh"], group=group_tags.group)
    assert tags[0] == group_tags.tag
    assert (tags[1].group, tags[1].owner) == (group_tags.group, None)
    with pytest.raises(PermissionDenied):
        services.tags_resolve(actor=people.outsider, names=["x"], group=group_tags.group)


def test_tags_resolve_validates_names(people):
    with pytest.raises(ValidationError):
        services.tags_resolve(actor=people.creator, names=["fine", "x" * 61])
    assert not Tag.objects.exists()


def test_task_set_tags_replaces_the_actors_tags_and_audits(task, people):
    old = TagFactory(owner=people.participant, name="Old")
    keep = TagFactory(owner=people.participant, name="Keep")
    new = TagFactory(owner=people.participant, name="New")
    TaskTagFactory(task=task, tag=old)
    TaskTagFactory(task=task, tag=keep)
    services.task_set_tags(actor=people.participant, task=task, tags=[keep, new.pk])
    assert set(task.tags.values_list("name", flat=True)) == {"Keep", "New"}
    log = AuditLog.objects.get(action="task.tags", target_id=str(task.pk))
    # Each tag with its owner (or group): the history shows readers only the tags they may see.
    names = [[ref["repr"] for ref in value] for value in log.changes["tags"]]
    assert names == [["Keep", "Old"], ["Keep", "New"]]
    assert {ref["owner"] for value in log.changes["tags"] for ref in value} == {people.participant.pk}


def test_task_set_tags_leaves_other_peoples_tags(task, people):
    theirs = TagFactory(owner=people.creator, name="Creator's")
    TaskTagFactory(task=task, tag=theirs)
    mine = TagFactory(owner=people.participant, name="Mine")
    services.task_set_tags(actor=people.participant, task=task, tags=[mine])
    assert set(task.tags.values_list("name", flat=True)) == {"Creator's", "Mine"}
    services.task_set_tags(actor=people.participant, task=task, tags=[])
    assert set(task.tags.values_list("name", flat=True)) == {"Creator's"}


def test_task_set_tags_without_change_writes_nothing(task, people):
    tag = TagFactory(owner=people.creator)
    TaskTagFactory(task=task, tag=tag)
    services.task_set_tags(actor=people.creator, task=task, tags=[tag])
    assert "task.tags" not in audit_actions(task)


def test_task_set_tags_refuses_tags_the_actor_may_not_use(task, people):
    mine = TagFactory(owner=people.participant, name="Mine")
    TaskTagFactory(task=task, tag=mine)
    foreign = TagFactory(owner=people.responsible, name="Foreign")
    with pytest.raises(ValidationError) as exc:
        services.task_set_tags(actor=people.participant, task=task, tags=[foreign])
    assert "tags" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.task_set_tags(actor=people.participant, task=task, tags=[999_999])
    assert list(task.tags.all()) == [mine]


def test_group_tags_are_usable_by_group_members(task, people, group_tags):
    services.task_set_tags(actor=people.participant, task=task, tags=[group_tags.tag])
    assert list(task.tags.all()) == [group_tags.tag]


@pytest.mark.parametrize(
    "role, expected",
    [
        ("creator", OK),
        ("responsible", OK),
        ("participant", OK),
        ("observer", DENIED),
        ("supervisor", DENIED),
        ("outsider", HIDDEN),
        ("admin", OK),
    ],
)
def test_task_set_tags_rights(task, people, role, expected):
    actor = getattr(people, role)
    tag = TagFactory(owner=actor)
    check(expected, lambda: services.task_set_tags(actor=actor, task=task, tags=[tag]))
    assert TaskTag.objects.filter(task=task).exists() == (expected == OK)


# --- query budgets -------------------------------------------------------------------------------------


def test_comment_add_queries_do_not_grow_with_the_tasks_people(task, people):
    def grow():
        for _ in range(8):
            TaskMemberFactory(task=task, role=MemberRole.OBSERVER)

    services.comment_add(actor=people.participant, task=task, body="First")  # the author's view exists now
    assert_query_budget(
        lambda: services.comment_add(actor=people.participant, task=task, body="Status?"), grow, budget=20
    )


def test_task_set_tags_queries_do_not_grow_with_the_tags(task, people):
    chosen = [TagFactory(owner=people.creator) for _ in range(2)]

    def set_tags():
        TaskTag.objects.filter(task=task).delete()
        services.task_set_tags(actor=people.creator, task=task, tags=chosen)

    def grow():
        chosen.extend(TagFactory(owner=people.creator) for _ in range(10))

    assert_query_budget(set_tags, grow, budget=12)
    assert task.tags.count() == 12
