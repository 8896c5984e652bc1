"""The "my plan" services: default columns, column changes, card moves with dense positions, ownership."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from portal.core.errors import NotFound
from portal.core.models import AuditLog
from tasks import services
from tasks.models import PlanCard, PlanColumn
from tasks.services.plan import PLAN_COLUMNS_MAX
from tests.people.factories import UserFactory
from tests.tasks.factories import TaskFactory

pytestmark = pytest.mark.django_db


def _names(user) -> list[str]:
    return list(PlanColumn.objects.filter(user=user).order_by("position").values_list("name", flat=True))


def _column_cards(column) -> list[tuple[int, int]]:
    """(task id, position) of a column's cards, in order."""
    return list(
        PlanCard.objects.filter(column=column).order_by("position").values_list("task_id", "position")
    )


@pytest.fixture
def me():
    return UserFactory()


@pytest.fixture
def board(me):
    return services.plan_ensure_columns(actor=me)


def _mine(me, **kwargs):
    return TaskFactory(responsible=me, **kwargs)


# --- default columns ---------------------------------------------------------------------------------


def test_first_visit_makes_the_default_columns(me):
    columns = services.plan_ensure_columns(actor=me)
    assert [c.name for c in columns] == ["To do", "This week", "Today", "Done"]
    assert [c.position for c in columns] == [0, 1, 2, 3]
    assert all(c.user_id == me.pk for c in columns)


def test_ensure_columns_does_not_add_them_twice(me):
    first = services.plan_ensure_columns(actor=me)
    again = services.plan_ensure_columns(actor=me)
    assert [c.pk for c in first] == [c.pk for c in again]
    assert PlanColumn.objects.filter(user=me).count() == 4


def test_ensure_columns_keeps_a_board_the_person_changed(me, board):
    services.plan_column_delete(actor=me, column=board[3])
    services.plan_column_rename(actor=me, column=board[0], name="Backlog")
    columns = services.plan_ensure_columns(actor=me)
    assert [c.name for c in columns] == ["Backlog", "This week", "Today"]


def test_each_person_has_a_board_of_their_own(me, board):
    other = UserFactory()
    theirs = services.plan_ensure_columns(actor=other)
    assert not {c.pk for c in theirs} & {c.pk for c in board}


@pytest.mark.parametrize("who", ["anonymous", "inactive"])
def test_signed_out_or_inactive_people_have_no_board(who):
    from django.contrib.auth.models import AnonymousUser

    actor = AnonymousUser() if who == "anonymous" else UserFactory(is_active=False)
    with pytest.raises(PermissionDenied):
        services.plan_ensure_columns(actor=actor)
    assert not PlanColumn.objects.exists()


# --- columns -----------------------------------------------------------------------------------------


def test_create_column_goes_to_the_right_end_with_an_audit_row(me, board):
    column = services.plan_column_create(actor=me, name="  Next   month ")
    assert column.name == "Next month"
    assert column.position == 4
    assert _names(me)[-1] == "Next month"
    assert AuditLog.objects.filter(action="plan.column_create", target_id=str(column.pk)).exists()


@pytest.mark.parametrize("name", ["", "   ", "x" * 61])
def test_create_column_refuses_a_bad_name(me, board, name):
    with pytest.raises(ValidationError) as exc:
        services.plan_column_create(actor=me, name=name)
    assert "name" in exc.value.message_dict
    assert PlanColumn.objects.filter(user=me).count() == 4


def test_a_board_holds_a_limited_number_of_columns(me, board):
    for i in range(PLAN_COLUMNS_MAX - len(board)):
        services.plan_column_create(actor=me, name=f"Column {i}")
    with pytest.raises(ValidationError) as exc:
        services.plan_column_create(actor=me, name="One too many")
    assert "name" in exc.value.message_dict
    assert PlanColumn.objects.filter(user=me).count() == PLAN_COLUMNS_MAX


def test_rename_column(me, board):
    services.plan_column_rename(actor=me, column=board[1], name="Sprint")
    assert _names(me) == ["To do", "Sprint", "Today", "Done"]
    log = AuditLog.objects.get(action="plan.column_rename")
    assert log.changes == {"name": ["This week", "Sprint"]}


def test_rename_column_refuses_an_empty_name_and_keeps_the_old_one(me, board):
    with pytest.raises(ValidationError):
        services.plan_column_rename(actor=me, column=board[1], name=" ")
    assert _names(me)[1] == "This week"


def test_another_persons_column_answers_404_everywhere(me, board):
    other = UserFactory()
    theirs = services.plan_ensure_columns(actor=other)[0]
    task = TaskFactory(responsible=me)
    with pytest.raises(NotFound):
        services.plan_column_rename(actor=me, column=theirs, name="Mine now")
    with pytest.raises(NotFound):
        services.plan_column_delete(actor=me, column=theirs)
    with pytest.raises(NotFound):
        services.plan_card_move(actor=me, task=task, column=theirs, position=0)
    assert _names(other) == ["To do", "This week", "Today", "Done"]
    assert not PlanCard.objects.exists()


def test_delete_column_moves_its_cards_to_the_end_of_the_first_column(me, board):
    first, second, third = board[0], board[1], board[2]
    a, b, c, d = (_mine(me) for _ in range(4))
    services.plan_card_move(actor=me, task=a, column=first, position=0)
    services.plan_card_move(actor=me, task=b, column=first, position=1)
    services.plan_card_move(actor=me, task=c, column=third, position=0)
    services.plan_card_move(actor=me, task=d, column=third, position=1)

    services.plan_column_delete(actor=me, column=third)

    assert _names(me) == ["To do", "This week", "Done"]
    assert list(
        PlanColumn.objects.filter(user=me).order_by("position").values_list("position", flat=True)
    ) == [
        0,
        1,
        2,
    ]
    assert _column_cards(first) == [(a.pk, 0), (b.pk, 1), (c.pk, 2), (d.pk, 3)]
    assert not _column_cards(second)
    log = AuditLog.objects.get(action="plan.column_delete")
    assert log.changes["cards"] == 2


def test_deleting_the_first_column_moves_its_cards_to_the_next_one(me, board):
    a = _mine(me)
    services.plan_card_move(actor=me, task=a, column=board[0], position=0)
    services.plan_column_delete(actor=me, column=board[0])
    new_first = PlanColumn.objects.filter(user=me).order_by("position").first()
    assert new_first.pk == board[1].pk and new_first.position == 0
    assert _column_cards(new_first) == [(a.pk, 0)]


def test_the_last_column_cannot_be_deleted(me, board):
    for column in board[1:]:
        services.plan_column_delete(actor=me, column=column)
    with pytest.raises(ValidationError) as exc:
        services.plan_column_delete(actor=me, column=board[0])
    assert "column" in exc.value.message_dict
    assert PlanColumn.objects.filter(user=me).count() == 1


def test_reorder_columns(me, board):
    ids = [board[2].pk, board[0].pk, board[3].pk, board[1].pk]
    services.plan_columns_reorder(actor=me, column_ids=[str(pk) for pk in ids])
    assert _names(me) == ["Today", "To do", "Done", "This week"]


@pytest.mark.parametrize(
    "make_ids",
    [
        lambda board, other: [c.pk for c in board[:3]],  # one missing
        lambda board, other: [c.pk for c in board] + [board[0].pk],  # one twice
        lambda board, other: [c.pk for c in board[:3]] + [other[0].pk],  # someone else's
        lambda board, other: ["x", "y", "z", "w"],
    ],
    ids=["missing", "twice", "foreign", "garbage"],
)
def test_reorder_needs_every_own_column_once(me, board, make_ids):
    other = services.plan_ensure_columns(actor=UserFactory())
    with pytest.raises(ValidationError) as exc:
        services.plan_columns_reorder(actor=me, column_ids=make_ids(board, other))
    assert "column_ids" in exc.value.message_dict
    assert _names(me) == ["To do", "This week", "Today", "Done"]


# --- cards -------------------------------------------------------------------------------------------


def test_move_places_a_task_on_the_board(me, board):
    task = _mine(me)
    card = services.plan_card_move(actor=me, task=task, column=board[2], position=0)
    assert (card.user_id, card.task_id, card.column_id, card.position) == (me.pk, task.pk, board[2].pk, 0)


def test_move_within_a_column_renumbers_positions(me, board):
    column = board[0]
    a, b, c = _mine(me), _mine(me), _mine(me)
    for i, task in enumerate((a, b, c)):
        services.plan_card_move(actor=me, task=task, column=column, position=i)
    services.plan_card_move(actor=me, task=c, column=column, position=0)
    assert _column_cards(column) == [(c.pk, 0), (a.pk, 1), (b.pk, 2)]
    services.plan_card_move(actor=me, task=c, column=column, position=2)
    assert _column_cards(column) == [(a.pk, 0), (b.pk, 1), (c.pk, 2)]
    services.plan_card_move(actor=me, task=a, column=column, position=1)
    assert _column_cards(column) == [(b.pk, 0), (a.pk, 1), (c.pk, 2)]


def test_move_between_columns_renumbers_both(me, board):
    left, right = board[0], board[1]
    a, b, c = _mine(me), _mine(me), _mine(me)
    services.plan_card_move(actor=me, task=a, column=left, position=0)
    services.plan_card_move(actor=me, task=b, column=left, position=1)
    services.plan_card_move(actor=me, task=c, column=right, position=0)

    services.plan_card_move(actor=me, task=a, column=right, position=1)

    assert _column_cards(left) == [(b.pk, 0)]
    assert _column_cards(right) == [(c.pk, 0), (a.pk, 1)]
    assert PlanCard.objects.filter(user=me, task=a).count() == 1


def test_a_position_beyond_the_end_puts_the_card_last(me, board):
    a, b = _mine(me), _mine(me)
    services.plan_card_move(actor=me, task=a, column=board[0], position=0)
    card = services.plan_card_move(actor=me, task=b, column=board[0], position=99)
    assert card.position == 1
    assert _column_cards(board[0]) == [(a.pk, 0), (b.pk, 1)]


@pytest.mark.parametrize("position", [-1, "first", None])
def test_a_bad_position_is_refused(me, board, position):
    task = _mine(me)
    with pytest.raises(ValidationError) as exc:
        services.plan_card_move(actor=me, task=task, column=board[0], position=position)
    assert "position" in exc.value.message_dict
    assert not PlanCard.objects.exists()


def test_a_task_the_person_may_not_see_answers_404(me, board):
    hidden = TaskFactory()  # someone else's task, no relation to `me`
    with pytest.raises(NotFound):
        services.plan_card_move(actor=me, task=hidden, column=board[0], position=0)
    assert not PlanCard.objects.exists()


def test_a_visible_task_of_someone_else_may_be_planned(me, board):
    observed = TaskFactory(creator=me)  # I set it for someone else
    card = services.plan_card_move(actor=me, task=observed, column=board[1], position=0)
    assert card.column_id == board[1].pk


def test_two_people_place_the_same_task_on_their_own_boards(me, board):
    helper = UserFactory()
    task = _mine(me)
    from tests.tasks.factories import TaskMemberFactory

    TaskMemberFactory(task=task, user=helper)
    theirs = services.plan_ensure_columns(actor=helper)
    services.plan_card_move(actor=me, task=task, column=board[2], position=0)
    services.plan_card_move(actor=helper, task=task, column=theirs[0], position=0)
    assert PlanCard.objects.get(user=me).column_id == board[2].pk
    assert PlanCard.objects.get(user=helper).column_id == theirs[0].pk


def test_card_moves_leave_no_audit_rows(me, board):
    task = _mine(me)
    services.plan_card_move(actor=me, task=task, column=board[0], position=0)
    services.plan_columns_reorder(actor=me, column_ids=[c.pk for c in reversed(board)])
    assert not AuditLog.objects.filter(action__startswith="plan.").exists()
