"""The built-ins (portal.workflows.services.defaults): absence types, process roles and the five templates,
laid once by post_migrate, named in the portal's language, and never overwriting what admins changed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import trans_real

from portal.workflows.choices import StepKind, TemplateKind
from portal.workflows.definitions import condition_holds, field_defs, parse_fields, purpose_field, step_defs
from portal.workflows.models import AbsenceType, ProcessRole, ProcessTemplate, TemplateVersion
from portal.workflows.services import templates as template_services
from portal.workflows.services.defaults import BUILTIN_TEMPLATE_KEYS, defaults_ensure, defaults_relabel

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, int, int, int]:
    return (
        AbsenceType.objects.count(),
        ProcessRole.objects.count(),
        ProcessTemplate.objects.count(),
        TemplateVersion.objects.count(),
    )


def test_migrate_laid_every_builtin():
    types = {t.key: t for t in AbsenceType.objects.all()}
    assert set(types) >= {"vacation", "sick", "trip", "dayoff", "unpaid", "other"}
    assert types["vacation"].counts_allowance and not types["vacation"].private
    assert types["sick"].private and not types["sick"].counts_allowance
    assert all(t.color.startswith("#") and len(t.color) == 7 for t in types.values())
    assert len({t.color for t in types.values()}) == len(types)
    assert set(ProcessRole.objects.values_list("key", flat=True)) >= {"hr", "accountant", "lawyer", "cfo"}

    templates = {t.key: t for t in ProcessTemplate.objects.filter(key__isnull=False)}
    assert set(templates) == set(BUILTIN_TEMPLATE_KEYS)
    for key, template in templates.items():
        assert template.kind == key and template.is_active and template.starters_everyone
        assert template.current_version.number == 1
        assert template.versions.count() == 1
        # Stored definitions are valid as the services check them.
        template_services.definitions_check(
            fields=template.current_version.fields, steps=template.current_version.steps, kind=template.kind
        )
    viewers = {key: set(t.viewer_roles.values_list("key", flat=True)) for key, t in templates.items()}
    assert viewers == {
        "leave": {"hr"},
        "trip": {"hr"},
        "payment": {"accountant"},
        "expense": {"accountant"},
        "contract": {"lawyer"},
    }


def _rules(template) -> list[tuple]:
    return [
        (s.kind, s.rule.kind, s.rule.role, s.condition.as_json() if s.condition else None)
        for s in step_defs(template.current_version)
    ]


def test_builtin_routes_and_forms():
    leave, payment, contract, expense, trip = (
        ProcessTemplate.objects.get(key=key) for key in ("leave", "payment", "contract", "expense", "trip")
    )
    leave_steps = step_defs(leave.current_version)
    assert _rules(leave) == [("approval", "supervisor", "", None), ("info", "role", "hr", None)]
    assert leave_steps[0].deadline_workdays == 2
    fields = field_defs(leave.current_version)
    assert purpose_field(fields, "period").type == "daterange"
    assert purpose_field(fields, "absence_type").type == "absence_type"

    assert _rules(payment) == [
        ("approval", "supervisor", "", None),
        ("approval", "role", "cfo", {"field": "amount", "op": "gt", "value": "100000"}),
        ("approval", "role", "accountant", None),
    ]
    fields = field_defs(payment.current_version)
    assert {f.purpose: f.type for f in fields if f.purpose} == {
        "amount": "money",
        "counterparty": "text",
        "due_date": "date",
    }
    assert any(f.type == "file" for f in fields)
    cfo = step_defs(payment.current_version)[1]
    assert condition_holds(cfo.condition, {"amount": {"amount": "150000", "currency": "USD"}}, fields)
    assert not condition_holds(cfo.condition, {"amount": {"amount": "99000", "currency": "USD"}}, fields)

    assert _rules(contract) == [
        ("approval", "supervisor", "", None),
        ("approval", "role", "lawyer", None),
        ("approval", "role", "cfo", {"field": "amount", "op": "gt", "value": "500000"}),
    ]
    fields = field_defs(contract.current_version)
    assert purpose_field(fields, "revised_file").key == "draft"
    assert {"counterparty", "subject", "amount", "term", "draft"} <= {f.key for f in fields}

    assert _rules(expense) == [("approval", "supervisor", "", None), ("approval", "role", "accountant", None)]
    fields = field_defs(expense.current_version)
    assert [f.type for f in fields if f.key in ("lines", "amount")] == ["lines", "money"]
    assert purpose_field(fields, "amount").key == "amount"

    assert _rules(trip) == [("approval", "supervisor", "", None), ("info", "role", "hr", None)]
    fields = field_defs(trip.current_version)
    assert purpose_field(fields, "period").type == "daterange"
    assert {f.key: f.type for f in fields}["cost"] == "money"
    assert step_defs(trip.current_version)[-1].kind == StepKind.INFO


def test_a_second_run_makes_nothing_and_costs_a_few_queries():
    before = _counts()
    with CaptureQueriesContext(connection) as ctx:
        defaults_ensure()
    assert _counts() == before
    # Three reads (types, roles, templates) and the transaction's savepoint: the flush between
    # transactional tests runs this every time.
    assert len([q for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]) == 3


def test_admin_changes_survive_a_rerun(org):
    payment = ProcessTemplate.objects.get(key="payment")
    vacation = AbsenceType.objects.get(key="vacation")
    accountant = ProcessRole.objects.get(key="accountant")
    steps = [*payment.current_version.steps[:1], *payment.current_version.steps[2:]]  # no CFO step
    result = template_services.template_save(
        actor=org.admin,
        template=payment,
        fields=payment.current_version.fields,
        steps=steps,
        name="Supplier payment",
        viewer_roles=[],
    )
    assert result.created and result.version.number == 2
    AbsenceType.objects.filter(pk=vacation.pk).update(
        name="Holidays", color="#000000", counts_allowance=False
    )
    ProcessRole.objects.filter(pk=accountant.pk).update(name="Bookkeeper")
    accountant.members.add(org.sales_rep)
    before = _counts()

    defaults_ensure()

    assert _counts() == before
    payment.refresh_from_db()
    assert payment.name == "Supplier payment"
    assert payment.current_version.number == 2
    assert [s["key"] for s in payment.current_version.steps] == ["supervisor", "accountant"]
    assert not payment.viewer_roles.exists()
    vacation.refresh_from_db()
    assert (vacation.name, vacation.color, vacation.counts_allowance) == ("Holidays", "#000000", False)
    accountant.refresh_from_db()
    assert accountant.name == "Bookkeeper"
    assert list(accountant.members.all()) == [org.sales_rep]


def test_a_missing_builtin_is_made_again_the_others_stay():
    ProcessTemplate.objects.filter(key="trip").delete()
    AbsenceType.objects.filter(key="other").delete()
    ProcessRole.objects.filter(key="lawyer").delete()
    leave = ProcessTemplate.objects.get(key="leave")
    ProcessTemplate.objects.filter(pk=leave.pk).update(name="Time off")

    defaults_ensure()

    trip = ProcessTemplate.objects.get(key="trip")
    assert trip.current_version.number == 1 and trip.kind == TemplateKind.TRIP
    assert AbsenceType.objects.filter(key="other").count() == 1
    assert ProcessRole.objects.filter(key="lawyer").count() == 1
    assert ProcessTemplate.objects.get(key="leave").name == "Time off"
    # The contract template names the lawyer again once the role is back.
    contract = ProcessTemplate.objects.get(key="contract")
    assert contract.viewer_roles.count() == 0  # its viewer link went with the deleted role: admins' business


# Words the Russian catalogue is given for the test, whatever the catalogue holds today: the built-ins must be
# named through it, in the portal's language, not in the language of whoever ran `migrate`.
RU = {
    "Leave request": "Заявление на отпуск (тест)",
    "Supervisor": "Руководитель (тест)",
    "Dates": "Даты (тест)",
    "Vacation": "Отпуск (тест)",
    "Accountant": "Бухгалтер (тест)",
}


@pytest.fixture
def ru_words():
    catalog = trans_real.translation("ru")._catalog
    saved = {key: catalog.get(key) for key in RU}
    for key, value in RU.items():
        catalog[key] = value
    yield RU
    for key, value in saved.items():
        if value is None:
            catalog._catalogs[0].pop(key, None)
        else:
            catalog[key] = value


def _wipe_builtins():
    ProcessTemplate.objects.filter(key__isnull=False).delete()
    AbsenceType.objects.filter(key__isnull=False).delete()
    ProcessRole.objects.filter(key__isnull=False).delete()


def test_builtins_are_named_in_the_portals_language(settings, ru_words):
    _wipe_builtins()
    settings.LANGUAGE_CODE = "ru"
    translation.activate("en")  # whoever runs migrate: the portal's language decides

    defaults_ensure()

    leave = ProcessTemplate.objects.get(key="leave")
    assert leave.name == ru_words["Leave request"]
    assert leave.current_version.steps[0]["name"] == ru_words["Supervisor"]
    assert {f["key"]: f["label"] for f in leave.current_version.fields}["period"] == ru_words["Dates"]
    assert AbsenceType.objects.get(key="vacation").name == ru_words["Vacation"]
    assert ProcessRole.objects.get(key="accountant").name == ru_words["Accountant"]
    # The rest of the words as the real Russian catalogue has them.
    with translation.override("ru"):
        assert ProcessTemplate.objects.get(key="payment").name == translation.gettext("Outgoing payment")
    assert translation.get_language() == "en"


def test_builtins_in_english_by_default():
    _wipe_builtins()
    with translation.override("ru"):
        defaults_ensure()
    assert ProcessTemplate.objects.get(key="leave").name == "Leave request"
    fields = parse_fields(ProcessTemplate.objects.get(key="payment").current_version.fields)
    assert [f.label for f in fields][:2] == ["Counterparty", "Amount"]


def test_the_demo_relabels_untouched_builtins_in_its_language():
    """A portal in English seeded with a Russian demo: the built-ins nobody changed take the demo's language
    (the form and route too, while no request used them); what an admin renamed stays."""
    _wipe_builtins()
    defaults_ensure()
    contract = ProcessTemplate.objects.get(key="contract")
    contract.name = "Contracts (our way)"
    contract.save(update_fields=["name"])

    with translation.override("ru"):
        words = {
            word: translation.gettext(word)
            for word in ("Leave request", "Supervisor", "Vacation", "Accountant", "Outgoing payment")
        }
    assert words["Leave request"] != "Leave request"  # the Russian catalogue has them

    assert defaults_relabel(language="ru") > 0
    leave = ProcessTemplate.objects.get(key="leave")
    assert leave.name == words["Leave request"]
    assert leave.current_version.steps[0]["name"] == words["Supervisor"]
    assert leave.current_version.number == 1
    assert AbsenceType.objects.get(key="vacation").name == words["Vacation"]
    assert ProcessRole.objects.get(key="accountant").name == words["Accountant"]
    assert ProcessTemplate.objects.get(key="contract").name == "Contracts (our way)"
    assert defaults_relabel(language="ru") == 0  # nothing left in English
    assert defaults_relabel(language="en") == 0  # the portal's own language: nothing to do
