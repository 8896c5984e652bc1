"""Checklist services: add, edit, tick, delete, reorder; numbers, audit rows and rights."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from portal.core.models import AuditLog
from tasks import services
from tasks.models import ChecklistItem
from tests.people.factories import UserFactory
from tests.tasks import content_setup
from tests.tasks.content_setup import DENIED, HIDDEN, OK, assert_numbers_right, audit_actions, check
from tests.tasks.factories import (
    ChecklistItemFactory,
)

# Fixtures shared with the other test modules of this subject.
people = content_setup.people
search_refresh = content_setup.search_refresh
task = content_setup.task


# --- checklist ---------------------------------------------------------------------------------------


def test_checklist_add_appends_counts_and_audits(task, people):
    first = services.checklist_item_add(actor=people.creator, task=task, text="  Call the client ")
    second = services.checklist_item_add(
        actor=people.responsible, task=task, text="Send the offer", assignee=people.participant
    )
    assert (first.text, first.position) == ("Call the client", 0)
    assert (second.position, second.assignee) == (1, people.participant)
    assert task.checklist_count == 2
    assert_numbers_right(task)
    assert audit_actions(task) == ["task.checklist_add", "task.checklist_add"]


def test_checklist_add_goes_after_the_highest_position(task, people):
    ChecklistItemFactory(task=task, position=7)
    item = services.checklist_item_add(actor=people.creator, task=task, text="Last")
    assert item.position == 8


@pytest.mark.parametrize(
    "text, message",
    [("", "Write the item first."), ("   ", "Write the item first."), ("x" * 501, "too long")],
)
def test_checklist_add_validates_the_text(task, people, text, message):
    with pytest.raises(ValidationError) as exc:
        services.checklist_item_add(actor=people.creator, task=task, text=text)
    assert message in exc.value.message_dict["text"][0]
    assert not ChecklistItem.objects.exists()
    assert_numbers_right(task)


def test_checklist_add_accepts_500_characters(task, people):
    assert services.checklist_item_add(actor=people.creator, task=task, text="x" * 500).pk


def test_checklist_assignee_must_be_active(task, people):
    gone = UserFactory(is_active=False)
    with pytest.raises(ValidationError) as exc:
        services.checklist_item_add(actor=people.creator, task=task, text="Step", assignee=gone)
    assert "assignee" in exc.value.message_dict
    assert not ChecklistItem.objects.exists()


@pytest.mark.parametrize(
    "role, expected",
    [
        ("creator", OK),
        ("responsible", OK),
        ("participant", DENIED),
        ("observer", DENIED),
        ("supervisor", DENIED),
        ("outsider", HIDDEN),
        ("admin", OK),
    ],
)
def test_checklist_management_rights(task, people, role, expected):
    actor = getattr(people, role)
    item = services.checklist_item_add(actor=people.creator, task=task, text="Old")
    other = services.checklist_item_add(actor=people.creator, task=task, text="Other")
    check(expected, lambda: services.checklist_item_update(actor=actor, item=item, text="Changed"))
    check(expected, lambda: services.checklist_reorder(actor=actor, task=task, item_ids=[other.pk, item.pk]))
    check(expected, lambda: services.checklist_item_delete(actor=actor, item=item))
    check(expected, lambda: services.checklist_item_add(actor=actor, task=task, text="New"))
    texts = list(ChecklistItem.objects.filter(task=task).values_list("text", flat=True))
    assert texts == ([other.text, "New"] if expected == OK else ["Old", other.text])
    assert_numbers_right(task)


def test_checklist_update_changes_text_and_assignee(task, people):
    item = ChecklistItemFactory(task=task, text="Old", assignee=people.participant)
    services.checklist_item_update(actor=people.creator, item=item, text=" New ")
    item.refresh_from_db()
    assert (item.text, item.assignee) == ("New", people.participant)  # assignee left out: unchanged
    services.checklist_item_update(actor=people.creator, item=item, assignee=None)
    item.refresh_from_db()
    assert (item.text, item.assignee) == ("New", None)
    log = AuditLog.objects.filter(action="task.checklist_update", target_id=str(task.pk)).order_by("id")
    assert log[0].changes["text"] == ["Old", "New"]
    assert log[1].changes["assignee"][1] is None


def test_checklist_update_without_change_writes_nothing(task, people):
    item = ChecklistItemFactory(task=task, text="Same")
    services.checklist_item_update(actor=people.creator, item=item, text="Same")
    assert "task.checklist_update" not in audit_actions(task)


def test_checklist_update_validates(task, people):
    item = ChecklistItemFactory(task=task, text="Keep")
    with pytest.raises(ValidationError):
        services.checklist_item_update(actor=people.creator, item=item, text="")
    with pytest.raises(ValidationError):
        services.checklist_item_update(actor=people.creator, item=item, assignee=UserFactory(is_active=False))
    item.refresh_from_db()
    assert (item.text, item.assignee) == ("Keep", None)


def test_toggle_ticks_and_unticks_keeping_the_numbers(task, people):
    item = services.checklist_item_add(actor=people.creator, task=task, text="Step")
    services.checklist_item_add(actor=people.creator, task=task, text="Other")
    services.checklist_item_toggle(actor=people.participant, item=item)
    item.refresh_from_db()
    assert item.is_done and item.done_by == people.participant and item.done_at is not None
    assert task.checklist_done == 1
    assert_numbers_right(task)
    services.checklist_item_toggle(actor=people.responsible, item=item)
    item.refresh_from_db()
    assert not item.is_done and item.done_by is None and item.done_at is None
    assert_numbers_right(task)
    toggles = AuditLog.objects.filter(action="task.checklist_toggle", target_id=str(task.pk)).order_by("id")
    assert [row.changes["is_done"] for row in toggles] == [[False, True], [True, False]]


def test_toggle_with_an_explicit_value_is_idempotent(task, people):
    item = ChecklistItemFactory(task=task)
    services.checklist_item_toggle(actor=people.creator, item=item, done=True)
    services.checklist_item_toggle(actor=people.creator, item=item, done=True)
    task.refresh_from_db()
    assert task.checklist_done == 1
    assert audit_actions(task).count("task.checklist_toggle") == 1
    services.checklist_item_toggle(actor=people.creator, item=item, done=False)
    services.checklist_item_toggle(actor=people.creator, item=item, done=False)
    task.refresh_from_db()
    assert task.checklist_done == 0


def test_toggle_with_a_stale_item_reads_the_stored_state(task, people):
    item = ChecklistItemFactory(task=task)
    stale = ChecklistItem.objects.get(pk=item.pk)
    services.checklist_item_toggle(actor=people.creator, item=item)  # now done
    services.checklist_item_toggle(actor=people.creator, item=stale)  # flips the stored state back
    stale.refresh_from_db()
    assert not stale.is_done
    task.refresh_from_db()
    assert task.checklist_done == 0


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
def test_toggle_rights(task, people, role, expected):
    item = ChecklistItemFactory(task=task)
    check(expected, lambda: services.checklist_item_toggle(actor=getattr(people, role), item=item))
    item.refresh_from_db()
    assert item.is_done == (expected == OK)


def test_assignee_ticks_their_item_even_as_an_observer(task, people):
    item = ChecklistItemFactory(task=task, assignee=people.observer)
    services.checklist_item_toggle(actor=people.observer, item=item)
    item.refresh_from_db()
    assert item.is_done
    not_theirs = ChecklistItemFactory(task=task)
    with pytest.raises(PermissionDenied):
        services.checklist_item_toggle(actor=people.observer, item=not_theirs)


def test_delete_keeps_the_numbers_right(task, people):
    done = services.checklist_item_add(actor=people.creator, task=task, text="Done")
    services.checklist_item_toggle(actor=people.creator, item=done)
    todo = services.checklist_item_add(actor=people.creator, task=task, text="Todo")
    services.checklist_item_delete(actor=people.creator, item=done)
    assert_numbers_right(task)
    assert (task.checklist_count, task.checklist_done) == (1, 0)
    services.checklist_item_delete(actor=people.responsible, item=todo)
    assert_numbers_right(task)
    assert task.checklist_count == 0
    log = AuditLog.objects.filter(action="task.checklist_delete", target_id=str(task.pk)).order_by("id")
    assert [row.changes["item"] for row in log] == ["Done", "Todo"]


def test_reorder_rewrites_positions(task, people):
    a, b, c = (services.checklist_item_add(actor=people.creator, task=task, text=t) for t in "abc")
    services.checklist_reorder(actor=people.responsible, task=task, item_ids=[c.pk, a.pk, b.pk])
    assert list(ChecklistItem.objects.filter(task=task).values_list("text", "position")) == [
        ("c", 0),
        ("a", 1),
        ("b", 2),
    ]
    assert "task.checklist_reorder" in audit_actions(task)


@pytest.mark.parametrize("which", ["missing one", "repeated", "foreign", "unknown", "not a number"])
def test_reorder_needs_exactly_the_tasks_items(task, people, which):
    a, b = ChecklistItemFactory(task=task, position=0), ChecklistItemFactory(task=task, position=1)
    foreign = ChecklistItemFactory()
    ids = {
        "missing one": [b.pk],
        "repeated": [b.pk, a.pk, a.pk],
        "foreign": [b.pk, a.pk, foreign.pk],
        "unknown": [b.pk, a.pk, 999_999],
        "not a number": [b.pk, "x"],
    }[which]
    with pytest.raises(ValidationError) as exc:
        services.checklist_reorder(actor=people.creator, task=task, item_ids=ids)
    assert "item_ids" in exc.value.message_dict
    assert list(ChecklistItem.objects.filter(task=task).values_list("pk", flat=True)) == [a.pk, b.pk]
