"""Content services of tasks: checklist, comments, files and tags, with their rights and stored numbers."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from portal.core.models import AuditLog
from portal.groups.choices import GroupVisibility
from portal.groups.choices import MemberRole as GroupRole
from portal.notifications.models import Notification
from portal.stream.mentions import mention_markup
from tasks import services
from tasks.choices import MemberRole
from tasks.models import ChecklistItem, Tag, Task, TaskComment, TaskFile, TaskTag, TaskView
from tasks.services import content, core
from tests.groups.factories import MembershipFactory, WorkgroupFactory
from tests.people.factories import UserFactory
from tests.tasks.factories import (
    ChecklistItemFactory,
    TagFactory,
    TaskCommentFactory,
    TaskFactory,
    TaskMemberFactory,
    TaskTagFactory,
)
from tests.utils import assert_query_budget

# Who is who around the task of these tests (see the `people` fixture).
OK, DENIED, HIDDEN = "ok", PermissionDenied, Http404
ROLES = ("creator", "responsible", "participant", "observer", "supervisor", "outsider", "admin")


@pytest.fixture(autouse=True)
def search_refresh(monkeypatch):
    """Records the search text refreshes the services ask for (and still runs the core's real one)."""
    calls: list[list[int]] = []
    real = core.task_search_text_refresh

    def spy(*, task_ids):
        calls.append(list(task_ids))
        real(task_ids=task_ids)

    monkeypatch.setattr(core, "task_search_text_refresh", spy)
    return calls


@pytest.fixture
def recounts(monkeypatch):
    """Records the counter recounts the content services schedule: [(user ids, keys)]."""
    calls: list[tuple[set[int], list[str]]] = []
    monkeypatch.setattr(
        content, "counters_recount", lambda ids, keys=None: calls.append(({int(i) for i in ids}, list(keys)))
    )
    return calls


@pytest.fixture
def people(org):
    """The task's creator (IT head), responsible person (east rep), a participant, an observer, the
    responsible person's supervisor (who only sees it), an outsider and an admin."""
    return SimpleNamespace(
        creator=org.it_head,
        responsible=org.east_rep,
        participant=org.field_rep,
        observer=org.sales_rep,
        supervisor=org.sales_head,
        outsider=org.developer,
        admin=org.admin,
    )


@pytest.fixture
def task(people):
    task = TaskFactory(title="Prepare the offer", creator=people.creator, responsible=people.responsible)
    TaskMemberFactory(task=task, user=people.participant, role=MemberRole.PARTICIPANT)
    TaskMemberFactory(task=task, user=people.observer, role=MemberRole.OBSERVER)
    return task


def audit_actions(task: Task) -> list[str]:
    return list(
        AuditLog.objects.filter(target_id=str(task.pk), target_type__model="task")
        .order_by("id")
        .values_list("action", flat=True)
    )


def assert_numbers_right(task: Task) -> None:
    task.refresh_from_db()
    assert task.checklist_count == ChecklistItem.objects.filter(task=task).count()
    assert task.checklist_done == ChecklistItem.objects.filter(task=task, is_done=True).count()
    assert task.comments_count == TaskComment.objects.filter(task=task).count()
    assert task.files_count == TaskFile.objects.filter(task=task).count()
    last = TaskComment.objects.filter(task=task).order_by("-created_at").first()
    assert task.last_comment_at == (last.created_at if last else None)


def check(expected, call) -> None:
    if expected == OK:
        call()
    else:
        with pytest.raises(expected):
            call()


def upload(name="notes.txt", content=b"hello world", content_type="text/plain"):
    return SimpleUploadedFile(name, content, content_type=content_type)


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


# --- comments ----------------------------------------------------------------------------------------


def test_comment_add_counts_notifies_and_marks_seen(task, people, recounts, search_refresh):
    comment = services.comment_add(actor=people.participant, task=task, body="  Draft is ready. ")
    assert comment.body == "Draft is ready."
    assert_numbers_right(task)
    assert task.comments_count == 1 and task.last_comment_at == comment.created_at
    view = TaskView.objects.get(task=task, user=people.participant)
    assert view.seen_at == comment.created_at
    notified = set(
        Notification.objects.filter(kind="task_comment").values_list("recipient__email", flat=True)
    )
    assert notified == {people.creator.email, people.responsible.email, people.observer.email}
    note = Notification.objects.filter(kind="task_comment").first()
    assert note.url == f"{task.get_absolute_url()}#comment-{comment.pk}"
    assert search_refresh == [[task.pk]]
    assert recounts == [
        (
            {people.creator.pk, people.responsible.pk, people.observer.pk, people.participant.pk},
            ["tasks.unseen_comments"],
        )
    ]
    assert audit_actions(task) == ["task.comment_add"]


def test_comments_are_searchable_until_deleted(task, people):
    comment = services.comment_add(actor=people.creator, task=task, body="Ask @[Bo](user:1) about zeppelins")
    task.refresh_from_db()
    assert "zeppelins" in task.search_text and "@Bo" in task.search_text
    services.comment_edit(actor=people.creator, comment=comment, body="Ask about airships")
    task.refresh_from_db()
    assert "airships" in task.search_text and "zeppelins" not in task.search_text
    services.comment_delete(actor=people.creator, comment=comment)
    task.refresh_from_db()
    assert "airships" not in task.search_text and "Prepare the offer" in task.search_text


def test_comment_add_updates_an_existing_view(task, people):
    TaskView.objects.create(task=task, user=people.creator)
    comment = services.comment_add(actor=people.creator, task=task, body="Again")
    assert TaskView.objects.filter(task=task, user=people.creator).count() == 1
    assert TaskView.objects.get(task=task, user=people.creator).seen_at == comment.created_at


def test_mentions_notify_only_people_who_see_the_task(task, people, org):
    body = (
        f"{mention_markup(people.supervisor)} and {mention_markup(people.outsider)} "
        f"and {mention_markup(people.observer)}, please look."
    )
    services.comment_add(actor=people.responsible, task=task, body=body)
    mentioned = set(Notification.objects.filter(kind="mention").values_list("recipient_id", flat=True))
    # The outsider does not see the task: the mention gives them nothing (and the task stays hidden).
    assert mentioned == {people.supervisor.pk, people.observer.pk}
    commented = set(Notification.objects.filter(kind="task_comment").values_list("recipient_id", flat=True))
    # The observer heard of it through the mention already; the author never hears of their own comment.
    assert commented == {people.creator.pk, people.participant.pk}
    assert not Notification.objects.filter(recipient=people.outsider).exists()
    mention = Notification.objects.get(kind="mention", recipient=people.supervisor)
    assert "@" in mention.body and "(user:" not in mention.body


def test_mentioning_oneself_sends_nothing(task, people):
    services.comment_add(actor=people.creator, task=task, body=f"Note to {mention_markup(people.creator)}")
    assert not Notification.objects.filter(recipient=people.creator).exists()


@pytest.mark.parametrize(
    "body, message",
    [("", "Write a comment first."), ("  \n ", "Write a comment first."), ("x" * 10_001, "too long")],
)
def test_comment_body_is_validated(task, people, body, message):
    with pytest.raises(ValidationError) as exc:
        services.comment_add(actor=people.creator, task=task, body=body)
    assert message in exc.value.message_dict["body"][0]
    assert not TaskComment.objects.exists()
    assert_numbers_right(task)


def test_comment_of_10000_characters_is_fine(task, people):
    assert services.comment_add(actor=people.creator, task=task, body="x" * 10_000).pk


@pytest.mark.parametrize(
    "role, expected",
    [
        ("creator", OK),
        ("responsible", OK),
        ("participant", OK),
        ("observer", OK),
        ("supervisor", OK),
        ("outsider", HIDDEN),
        ("admin", OK),
    ],
)
def test_comment_add_rights(task, people, role, expected):
    check(expected, lambda: services.comment_add(actor=getattr(people, role), task=task, body="Hi"))
    assert TaskComment.objects.filter(task=task).exists() == (expected == OK)


def test_group_members_of_an_open_group_may_comment(people):
    group = WorkgroupFactory(visibility=GroupVisibility.OPEN)
    task = TaskFactory(creator=people.creator, responsible=people.responsible, group=group)
    assert services.comment_add(actor=people.outsider, task=task, body="Seen it").pk


def test_inactive_people_cannot_comment(task, people):
    people.participant.is_active = False
    people.participant.save(update_fields=["is_active"])
    with pytest.raises(PermissionDenied):
        services.comment_add(actor=people.participant, task=task, body="Hi")


def test_comment_edit_by_the_author(task, people, search_refresh):
    comment = services.comment_add(actor=people.participant, task=task, body="First")
    search_refresh.clear()
    services.comment_edit(actor=people.participant, comment=comment, body=" Second ")
    comment.refresh_from_db()
    assert comment.body == "Second" and comment.edited_at is not None
    assert search_refresh == [[task.pk]]
    log = AuditLog.objects.get(action="task.comment_edit", target_id=str(task.pk))
    assert log.changes["body"] == ["First", "Second"]


def test_comment_edit_without_change_does_nothing(task, people):
    comment = services.comment_add(actor=people.participant, task=task, body="Same")
    services.comment_edit(actor=people.participant, comment=comment, body="Same")
    comment.refresh_from_db()
    assert comment.edited_at is None
    assert "task.comment_edit" not in audit_actions(task)


def test_comment_edit_notifies_only_newly_mentioned_people(task, people):
    comment = services.comment_add(
        actor=people.responsible, task=task, body=f"Hi {mention_markup(people.observer)}"
    )
    services.comment_edit(
        actor=people.responsible,
        comment=comment,
        body=f"Hi {mention_markup(people.observer)} and {mention_markup(people.supervisor)}",
    )
    mentions = list(Notification.objects.filter(kind="mention").values_list("recipient_id", flat=True))
    assert sorted(mentions) == sorted([people.observer.pk, people.supervisor.pk])


def test_comment_edit_validates(task, people):
    comment = services.comment_add(actor=people.participant, task=task, body="Keep")
    with pytest.raises(ValidationError):
        services.comment_edit(actor=people.participant, comment=comment, body=" ")
    comment.refresh_from_db()
    assert comment.body == "Keep"


@pytest.mark.parametrize(
    "role, expected",
    [
        ("participant", OK),  # the author
        ("creator", DENIED),
        ("responsible", DENIED),
        ("observer", DENIED),
        ("outsider", HIDDEN),
        ("admin", DENIED),
    ],
)
def test_comment_edit_rights(task, people, role, expected):
    comment = TaskCommentFactory(task=task, author=people.participant, body="Mine")
    check(
        expected, lambda: services.comment_edit(actor=getattr(people, role), comment=comment, body="Edited")
    )
    comment.refresh_from_db()
    assert (comment.body == "Edited") == (expected == OK)


@pytest.mark.parametrize(
    "role, expected",
    [
        ("participant", OK),  # the author
        ("creator", OK),
        ("admin", OK),
        ("responsible", DENIED),
        ("observer", DENIED),
        ("supervisor", DENIED),
        ("outsider", HIDDEN),
    ],
)
def test_comment_delete_rights(task, people, role, expected):
    comment = services.comment_add(actor=people.participant, task=task, body="Mine")
    check(expected, lambda: services.comment_delete(actor=getattr(people, role), comment=comment))
    assert TaskComment.objects.filter(pk=comment.pk).exists() == (expected != OK)
    assert_numbers_right(task)


def test_comment_delete_keeps_the_numbers_right(task, people, recounts, search_refresh):
    first = services.comment_add(actor=people.creator, task=task, body="First")
    second = services.comment_add(actor=people.responsible, task=task, body="Second")
    recounts.clear()
    search_refresh.clear()
    services.comment_delete(actor=people.responsible, comment=second)
    assert_numbers_right(task)
    assert task.last_comment_at == first.created_at and task.comments_count == 1
    assert search_refresh == [[task.pk]]
    assert recounts[0][1] == ["tasks.unseen_comments"]
    assert people.observer.pk in recounts[0][0]
    services.comment_delete(actor=people.creator, comment=first)
    assert_numbers_right(task)
    assert task.last_comment_at is None and task.comments_count == 0
    assert audit_actions(task).count("task.comment_delete") == 2


# --- files -------------------------------------------------------------------------------------------


def test_file_attach_stores_a_sanitised_file(task, people):
    task_file = services.file_attach(
        actor=people.participant, task=task, upload=upload("../../etc/my report.pdf", b"%PDF-1.4")
    )
    assert task_file.name == "my_report.pdf"
    assert task_file.content_type == "application/pdf"
    assert task_file.size == 8 and task_file.uploaded_by == people.participant
    assert task_file.file.name.startswith(f"tasks/{task.pk}/") and ".." not in task_file.file.name
    with task_file.file.open("rb") as fh:
        assert fh.read() == b"%PDF-1.4"
    assert_numbers_right(task)
    assert task.files_count == 1
    log = AuditLog.objects.get(action="task.file_attach", target_id=str(task.pk))
    assert log.changes == {"file": "my_report.pdf", "size": 8}


def test_unknown_types_are_octet_streams(task, people):
    # The type comes from the bytes, not from the name nor from what the browser said.
    data = upload("data.pdf", b"\x00\x01\x02 binary", content_type="application/pdf")
    task_file = services.file_attach(actor=people.creator, task=task, upload=data)
    assert task_file.content_type == "application/octet-stream"
    assert task_file.name == "data.pdf" and task_file.file.name.endswith(".bin")


def test_file_size_limit_comes_from_the_setting(task, people, settings):
    settings.TASKS_FILE_MAX_BYTES = 10
    with pytest.raises(ValidationError) as exc:
        services.file_attach(actor=people.creator, task=task, upload=upload(content=b"x" * 11))
    assert "too large" in exc.value.message_dict["file"][0]
    assert services.file_attach(actor=people.creator, task=task, upload=upload(content=b"x" * 10)).pk
    task.refresh_from_db()
    assert task.files_count == 1


def test_file_size_limit_defaults_to_20_mb(task, people, settings):
    if hasattr(settings, "TASKS_FILE_MAX_BYTES"):
        del settings.TASKS_FILE_MAX_BYTES
    big = SimpleNamespace(name="big.bin", size=20 * 1024 * 1024 + 1)
    with pytest.raises(ValidationError) as exc:
        services.file_attach(actor=people.creator, task=task, upload=big)
    assert "20.0" in exc.value.message_dict["file"][0]


@pytest.mark.parametrize("content", [b"", None])
def test_empty_or_missing_files_are_refused(task, people, content):
    file = None if content is None else upload(content=content)
    with pytest.raises(ValidationError) as exc:
        services.file_attach(actor=people.creator, task=task, upload=file)
    assert "file" in exc.value.message_dict
    assert not TaskFile.objects.exists()


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
def test_file_attach_rights(task, people, role, expected):
    check(expected, lambda: services.file_attach(actor=getattr(people, role), task=task, upload=upload()))
    assert TaskFile.objects.filter(task=task).exists() == (expected == OK)


@pytest.mark.parametrize(
    "role, expected",
    [
        ("participant", OK),  # the uploader
        ("creator", OK),
        ("admin", OK),
        ("responsible", DENIED),
        ("observer", DENIED),
        ("outsider", HIDDEN),
    ],
)
def test_file_delete_rights_numbers_and_storage(
    task, people, role, expected, django_capture_on_commit_callbacks
):
    task_file = services.file_attach(actor=people.participant, task=task, upload=upload())
    storage, stored = task_file.file.storage, task_file.file.name
    with django_capture_on_commit_callbacks(execute=True):
        check(expected, lambda: services.file_delete(actor=getattr(people, role), file=task_file))
    assert TaskFile.objects.filter(pk=task_file.pk).exists() == (expected != OK)
    assert storage.exists(stored) == (expected != OK)
    assert_numbers_right(task)
    if expected == OK:
        assert audit_actions(task)[-1] == "task.file_delete"


def test_stored_file_stays_until_commit(task, people, django_capture_on_commit_callbacks):
    task_file = services.file_attach(actor=people.creator, task=task, upload=upload())
    storage, stored = task_file.file.storage, task_file.file.name
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.file_delete(actor=people.creator, file=task_file)
    assert storage.exists(stored)  # a rolled back delete must still find its file
    for callback in callbacks:
        callback()
    assert not storage.exists(stored)


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
    with pytest.raises(Http404):
        services.tag_create(actor=people.outsider, name="Plan", group=secret)
    with pytest.raises(Http404):
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
    with pytest.raises(Http404):
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
