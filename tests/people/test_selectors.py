"""Supervision derived from the department tree, the tree's totals, birthdays, and query counts."""

from __future__ import annotations

import datetime
import random

import pytest

from portal.people import selectors, services
from portal.people.models import Department, User
from tests.people.factories import UserFactory
from tests.utils import count_queries

pytestmark = pytest.mark.django_db


def _emails(people) -> set[str]:
    return {p.email for p in people}


# --- The four-level company of the `org` fixture -----------------------------------------------------


@pytest.mark.parametrize(
    ("person", "supervisor"),
    [
        ("ceo", None),
        ("admin", "ceo"),
        ("sales_head", "ceo"),
        ("sales_rep", "sales_head"),
        ("east_head", "sales_head"),  # a head's supervisor is the next head up, not themselves
        ("east_rep", "east_head"),
        ("field_rep", "east_head"),  # East Field has no head: the nearest head above
        ("it_head", "ceo"),
        ("developer", "it_head"),
    ],
)
def test_supervisor_of_on_org(org, person, supervisor):
    found = selectors.supervisor_of(getattr(org, person))
    assert found == (getattr(org, supervisor) if supervisor else None)


def test_supervisor_of_person_without_department_is_none(org):
    assert selectors.supervisor_of(UserFactory(department=None)) is None


@pytest.mark.parametrize(
    ("head", "direct", "recursive"),
    [
        ("ceo", {"admin", "sales_head", "it_head"}, {"admin", "sales_head", "sales_rep", "east_head",
                                                      "east_rep", "field_rep", "it_head", "developer"}),
        ("sales_head", {"sales_rep", "east_head"}, {"sales_rep", "east_head", "east_rep", "field_rep"}),
        ("east_head", {"east_rep", "field_rep"}, {"east_rep", "field_rep"}),
        ("it_head", {"developer"}, {"developer"}),
        ("developer", set(), set()),
    ],
)  # fmt: skip
def test_subordinates_of_on_org(org, head, direct, recursive):
    user = getattr(org, head)
    assert _emails(selectors.subordinates_of(user)) == {getattr(org, n).email for n in direct}
    assert _emails(selectors.subordinates_of(user, recursive=True)) == {
        getattr(org, n).email for n in recursive
    }


def test_supervises_follows_the_subtree(org):
    assert selectors.supervises(org.sales_head, org.field_rep)
    assert not selectors.supervises(org.sales_head, org.developer)
    assert not selectors.supervises(org.east_head, org.sales_head)
    assert not selectors.supervises(org.east_head, org.east_head)


def test_deactivated_people_are_no_subordinates(org):
    services.person_set_active(actor=org.admin, person=org.east_rep, active=False)
    assert org.east_rep.email not in _emails(selectors.subordinates_of(org.east_head))
    assert org.east_rep.email not in _emails(selectors.subordinates_of(org.ceo, recursive=True))


# --- Moving people and departments changes supervision at once ---------------------------------------


def test_moving_a_person_changes_supervisor_and_subordinates(org):
    services.person_move(actor=org.admin, person=org.east_rep, department=org.it)
    assert selectors.supervisor_of(org.east_rep) == org.it_head
    assert org.east_rep.email not in _emails(selectors.subordinates_of(org.east_head))
    assert org.east_rep.email not in _emails(selectors.subordinates_of(org.sales_head, recursive=True))
    assert org.east_rep.email in _emails(selectors.subordinates_of(org.it_head))


def test_a_head_who_moves_away_hands_their_people_to_the_next_head_up(org):
    services.person_move(actor=org.admin, person=org.east_head, department=org.it)
    org.east.refresh_from_db()
    assert org.east.head_id is None
    assert selectors.supervisor_of(org.east_rep) == org.sales_head
    assert selectors.supervisor_of(org.field_rep) == org.sales_head
    assert selectors.supervisor_of(org.east_head) == org.it_head
    assert _emails(selectors.subordinates_of(org.sales_head)) == {
        org.sales_rep.email,
        org.east_rep.email,
        org.field_rep.email,
    }
    assert selectors.subordinates_of(org.east_head).count() == 0


def test_moving_a_department_moves_supervision_with_it(org):
    services.department_move(actor=org.admin, department=org.east, parent=org.it)
    assert selectors.supervisor_of(org.east_head) == org.it_head
    assert selectors.supervisor_of(org.field_rep) == org.east_head  # unchanged inside the moved sub-tree
    assert _emails(selectors.subordinates_of(org.it_head)) == {org.developer.email, org.east_head.email}
    assert _emails(selectors.subordinates_of(org.it_head, recursive=True)) == {
        org.developer.email,
        org.east_head.email,
        org.east_rep.email,
        org.field_rep.email,
    }
    assert _emails(selectors.subordinates_of(org.sales_head, recursive=True)) == {org.sales_rep.email}


def test_a_new_head_takes_over_the_department(org):
    services.department_set_head(actor=org.admin, department=org.field, head=org.field_rep)
    assert selectors.supervisor_of(org.field_rep) == org.east_head
    assert _emails(selectors.subordinates_of(org.east_head)) == {org.east_rep.email, org.field_rep.email}
    newcomer = services.person_create(
        actor=org.admin, email="new@acme.test", first_name="N", department=org.field
    )
    assert selectors.supervisor_of(newcomer) == org.field_rep
    assert _emails(selectors.subordinates_of(org.field_rep)) == {"new@acme.test"}
    assert "new@acme.test" not in _emails(selectors.subordinates_of(org.east_head))


# --- A deeper, generated company: the rules agree with a plain reading of them -------------------------


def _reference_supervisor(person: User, departments: dict[int, Department]) -> int | None:
    """The rule as written in words: the head of the person's department, or of the nearest department
    above with a head; never the person themselves."""
    dept = departments.get(person.department_id)
    while dept is not None:
        if dept.head_id and dept.head_id != person.pk:
            return dept.head_id
        parent_path = dept.path[: -Department.steplen]
        dept = next((d for d in departments.values() if d.path == parent_path), None)
    return None


def _build_company(admin, *, seed: int, size: int) -> list[Department]:
    """A random tree about six levels deep: some departments without heads, 1-3 people in each."""
    rng = random.Random(seed)
    root = Department.objects.get_root_nodes().first()
    departments = [root]
    for i in range(size):
        shallow = [d for d in departments if d.depth < 6]
        parent = Department.objects.get(pk=rng.choice(shallow).pk)
        dept = services.department_create(actor=admin, name=f"D{seed}-{i}", parent=parent)
        departments.append(dept)
        members = [
            UserFactory(email=f"p{seed}-{i}-{k}@acme.test", department=dept) for k in range(rng.randint(1, 3))
        ]
        if rng.random() < 0.6:
            services.department_set_head(actor=admin, department=dept, head=members[0])
    services.departments_recount()
    return departments


@pytest.fixture
def deep(org):
    # A fixed chain first, so the tree surely has 6 levels with head-less levels in the middle.
    chain_parent = org.field  # depth 4, no head
    d5 = services.department_create(actor=org.admin, name="Field North", parent=chain_parent)
    d6 = services.department_create(actor=org.admin, name="Field North Team", parent=d5)
    north = UserFactory(email="north@acme.test", department=d5)
    team_head = UserFactory(email="team.head@acme.test", department=d6)
    team_rep = UserFactory(email="team.rep@acme.test", department=d6)
    services.department_set_head(actor=org.admin, department=d6, head=team_head)
    _build_company(org.admin, seed=7, size=30)
    return {"north": north, "team_head": team_head, "team_rep": team_rep, "d6": d6}


def test_deep_chain_skips_headless_levels(org, deep):
    assert Department.objects.get(pk=deep["d6"].pk).depth == 6
    assert selectors.supervisor_of(deep["team_rep"]) == deep["team_head"]
    assert selectors.supervisor_of(deep["team_head"]) == org.east_head  # two head-less levels between
    assert selectors.supervisor_of(deep["north"]) == org.east_head
    assert {deep["north"].email, deep["team_head"].email} <= _emails(selectors.subordinates_of(org.east_head))
    assert deep["team_rep"].email not in _emails(selectors.subordinates_of(org.east_head))


def test_generated_tree_agrees_with_the_rule_for_everybody(org, deep):
    departments = {d.pk: d for d in Department.objects.all()}
    people = list(User.objects.filter(is_active=True, department__isnull=False))
    assert max(d.depth for d in departments.values()) >= 6
    expected_direct: dict[int, set[int]] = {}
    for person in people:
        expected = _reference_supervisor(person, departments)
        found = selectors.supervisor_of(person)
        assert (found.pk if found else None) == expected, person.email
        if expected:
            expected_direct.setdefault(expected, set()).add(person.pk)
    heads = {d.head_id for d in departments.values() if d.head_id}
    for head_id in heads:
        head = User.objects.get(pk=head_id)
        direct = set(selectors.subordinates_of(head).values_list("pk", flat=True))
        assert direct == expected_direct.get(head_id, set()), head.email
        headed = departments[head.headed_department.pk]
        in_subtree = {
            p.pk
            for p in people
            if p.pk != head_id and departments[p.department_id].path.startswith(headed.path)
        }
        assert set(selectors.subordinates_of(head, recursive=True).values_list("pk", flat=True)) == in_subtree


def test_subordinates_queries_do_not_grow_with_the_tree(org):
    def run():
        list(selectors.subordinates_of(org.ceo))
        list(selectors.subordinates_of(org.ceo, recursive=True))

    before = count_queries(run)
    _build_company(org.admin, seed=3, size=40)
    after = count_queries(run)
    assert before == after <= 6
    assert selectors.subordinates_of(org.ceo, recursive=True).count() > 40


# --- The tree and birthdays ----------------------------------------------------------------------------


def test_department_tree_nests_and_totals(org):
    services.departments_recount()
    services.person_set_active(actor=org.admin, person=org.developer, active=False)
    (root,) = selectors.department_tree(user=org.sales_rep)
    by_name = {}

    def walk(node):
        by_name[node["department"].name] = node
        for child in node["children"]:
            walk(child)

    walk(root)
    assert root["department"] == org.root
    assert [c["department"].name for c in root["children"]] == ["IT", "Sales"]
    assert by_name["Acme"]["department"].members_count == 2
    assert by_name["East Field"]["total"] == 1
    assert by_name["Sales East"]["total"] == 3
    assert by_name["Sales"]["total"] == 5
    assert by_name["IT"]["total"] == 1  # the deactivated developer no longer counts
    assert root["total"] == 8


def test_department_tree_is_empty_for_anonymous(org):
    from django.contrib.auth.models import AnonymousUser

    assert selectors.department_tree(user=AnonymousUser()) == []


def test_birthdays_upcoming_across_the_new_year(org, monkeypatch):
    monkeypatch.setattr(selectors.timezone, "localdate", lambda *a, **k: datetime.date(2025, 12, 29))
    UserFactory(email="dec30@acme.test", last_name="Zed", birthday=datetime.date(1990, 12, 30))
    UserFactory(email="jan2@acme.test", last_name="Ash", birthday=datetime.date(1985, 1, 2))
    UserFactory(email="today@acme.test", birthday=datetime.date(1979, 12, 29))
    UserFactory(email="past@acme.test", birthday=datetime.date(1990, 12, 28))
    UserFactory(email="late@acme.test", birthday=datetime.date(1990, 1, 5))
    UserFactory(email="gone@acme.test", birthday=datetime.date(1990, 12, 31), is_active=False)
    found = selectors.birthdays_upcoming(user=org.sales_rep, days=7)
    assert [p.email for p in found] == ["today@acme.test", "dec30@acme.test", "jan2@acme.test"]


def test_a_sign_in_keeps_the_per_day_lists(org, django_assert_num_queries):
    """Signing in saves `last_login` only: nothing a per-day list shows, so the lists stay cached (a busy
    morning of sign-ins would otherwise recompute them every few requests)."""
    from django.test import Client

    UserFactory(email="soon@acme.test", birthday=datetime.date.today().replace(year=1990))
    selectors.birthdays_upcoming(user=org.sales_rep, days=7)
    Client().force_login(org.east_rep)
    with django_assert_num_queries(0):
        again = selectors.birthdays_upcoming(user=org.ceo, days=7)
    assert "soon@acme.test" in [p.email for p in again]


def test_birthdays_are_read_once_a_day_and_again_after_a_change(org, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    today = datetime.date.today()
    UserFactory(email="soon@acme.test", birthday=today.replace(year=1990))
    first = [p.email for p in selectors.birthdays_upcoming(user=org.sales_rep, days=7)]
    assert "soon@acme.test" in first
    with django_assert_num_queries(0):  # every later read that day comes from the cache
        again = selectors.birthdays_upcoming(user=org.ceo, days=7)
    assert [p.email for p in again] == first
    # A changed person moves the version: the next read sees the change.
    person = User.objects.get(email="soon@acme.test")
    services.person_update(actor=person, person=person, birthday=None)
    assert "soon@acme.test" not in [p.email for p in selectors.birthdays_upcoming(user=org.sales_rep, days=7)]
    # Nobody signed out or deactivated reads them.
    assert selectors.birthdays_upcoming(user=AnonymousUser(), days=7) == []
