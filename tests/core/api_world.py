"""One of everything the API serves, laid through the API itself, for the tests that walk every path of the
OpenAPI schema (tests/core/test_api_methods.py, tests/core/test_api_fuzz.py).

Two people share it: an employee (Sales) and their supervisor (the head of Sales). Everything is visible to
both where the rules allow it; what is personal (notifications, API tokens) exists once for each of them.
`path_values(user)` names, for every path of the schema with parameters, the ids of real objects that user
may reach; a new path with parameters must be added there (the walking tests fail on a path they cannot
fill).
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from tests.crm.factories import give_role
from tests.groups.factories import upload
from tests.notifications.factories import NotificationFactory
from tests.reports.factories import ControlCheckFactory, WorkDayFactory
from tests.stream.factories import image_upload
from tests.utils import client_as

# Ids no row has: the largest PostgreSQL integer, and a number beyond any database's bigint (such a number
# must name nothing rather than overflow a lookup).
MISSING_IDS = (2_147_483_647, 10**20)


def _made(response, *expected: int) -> dict:
    assert response.status_code in (expected or (200, 201)), (response.status_code, response.content[:500])
    return response.json()


@dataclass
class ApiWorld:
    employee: Any
    supervisor: Any
    outsider: Any
    ids: dict[str, int] = field(default_factory=dict)
    own: dict[int, dict[str, int]] = field(default_factory=dict)  # user pk -> their personal objects
    store_token: str = ""  # the address of the online store's order webhook

    def references(self) -> dict[str, list[int]]:
        """Ids of real objects by the name of the body or query field that names such an object, so that
        generated requests reach the services instead of stopping at "no such object"."""
        i = self.ids
        people = [self.employee.pk, self.supervisor.pk, self.outsider.pk]
        tasks = [i["task"], i["successor"]]
        return {
            "task": tasks,
            "parent": tasks,
            "predecessor": tasks,
            "successor": tasks,
            "responsible": people,
            "user": people,
            "person": people,
            "head": people,
            "subject": people,
            "department": [i["department"]],
            "group": [i["group"]],
            "workgroup": [i["group"]],
            "into": [i["tag"]],
            "day": [i["day"]],
            "message_id": [i["message"]],
            "lead": [i["crm_lead"]],
            "contact": [i["crm_contact"]],
            "company": [i["crm_company"]],
            "deal": [i["crm_deal"]],
            "pipeline": [i["crm_pipeline"]],
            "stage": [i["crm_stage"]],
            "product": [i["crm_product"]],
            "template": [i["wf_template"]],
            "type": [i["wf_absence_type"]],
            "deputy": people,
            "space": [i["kb_space"]],
        }

    def path_values(self, user) -> dict[str, dict[str, int]]:
        """Values of the path parameters of every templated path, as `user` may reach them."""
        i, mine = self.ids, self.own[user.pk]
        return {
            "/api/v1/auth/tokens/{id}/": {"id": mine["api_token"]},
            "/api/v1/chat/chats/{id}/": {"id": i["chat"]},
            "/api/v1/chat/chats/{id}/members/": {"id": i["chat"]},
            "/api/v1/chat/chats/{id}/members/{user_id}/": {"id": i["chat"], "user_id": self.supervisor.pk},
            "/api/v1/chat/chats/{id}/messages/": {"id": i["chat"]},
            "/api/v1/chat/chats/{id}/messages/{message_id}/": {"id": i["chat"], "message_id": i["message"]},
            "/api/v1/chat/chats/{id}/read/": {"id": i["chat"]},
            "/api/v1/crm/activities/{id}/": {"id": i["crm_activity"]},
            "/api/v1/crm/activities/{id}/complete/": {"id": i["crm_activity"]},
            "/api/v1/crm/companies/{id}/": {"id": i["crm_company"]},
            "/api/v1/crm/contacts/{id}/": {"id": i["crm_contact"]},
            "/api/v1/crm/deals/{id}/": {"id": i["crm_deal"]},
            "/api/v1/crm/deals/{id}/lines/": {"id": i["crm_deal"]},
            "/api/v1/crm/deals/{id}/move/": {"id": i["crm_deal"]},
            "/api/v1/crm/hooks/store/{token}/": {"token": self.store_token},
            "/api/v1/crm/imports/{id}/": {"id": i["crm_import"]},
            "/api/v1/crm/imports/{id}/preview/": {"id": i["crm_import"]},
            "/api/v1/crm/imports/{id}/run/": {"id": i["crm_import"]},
            "/api/v1/crm/leads/{id}/": {"id": i["crm_lead"]},
            "/api/v1/crm/leads/{id}/convert/": {"id": i["crm_lead"]},
            "/api/v1/crm/leads/{id}/junk/": {"id": i["crm_lead"]},
            "/api/v1/crm/leads/{id}/reopen/": {"id": i["crm_lead"]},
            "/api/v1/crm/leads/{id}/take/": {"id": i["crm_lead"]},
            "/api/v1/crm/pipelines/{id}/": {"id": i["crm_pipeline"]},
            "/api/v1/crm/pipelines/{id}/order/": {"id": i["crm_pipeline"]},
            "/api/v1/crm/products/{id}/": {"id": i["crm_product"]},
            "/api/v1/crm/stages/{id}/": {"id": i["crm_stage"]},
            "/api/v1/crm/timeline/{entity}/{id}/": {"entity": "deal", "id": i["crm_deal"]},
            "/api/v1/workflows/absence-types/{id}/": {"id": i["wf_absence_type"]},
            "/api/v1/workflows/absences/{id}/": {"id": i["wf_absence"]},
            "/api/v1/workflows/deputies/{id}/": {"id": i["wf_deputy"]},
            "/api/v1/workflows/holidays/{id}/": {"id": i["wf_holiday"]},
            "/api/v1/workflows/payments/{id}/": {"id": i["wf_payment"]},
            "/api/v1/workflows/payments/{id}/paid/": {"id": i["wf_payment"]},
            "/api/v1/workflows/processes/{id}/": {"id": i["wf_process"]},
            "/api/v1/workflows/processes/{id}/act/": {"id": i["wf_process"]},
            "/api/v1/workflows/processes/{id}/resubmit/": {"id": i["wf_process"]},
            "/api/v1/workflows/processes/{id}/withdraw/": {"id": i["wf_process"]},
            "/api/v1/workflows/processes/{id}/replace-file/": {"id": i["wf_process"]},
            "/api/v1/workflows/rule-runs/{id}/": {"id": i["wf_rule_run"]},
            "/api/v1/workflows/rules/{id}/": {"id": i["wf_rule"]},
            "/api/v1/workflows/templates/{id}/": {"id": i["wf_template"]},
            "/api/v1/departments/{id}/": {"id": i["department"]},
            "/api/v1/departments/{id}/head/": {"id": i["department"]},
            "/api/v1/departments/{id}/move/": {"id": i["department"]},
            "/api/v1/groups/{id}/": {"id": i["group"]},
            "/api/v1/groups/{id}/archive/": {"id": i["group"]},
            "/api/v1/groups/{id}/files/": {"id": i["group"]},
            "/api/v1/groups/{id}/files/{file_id}/": {"id": i["group"], "file_id": i["group_file"]},
            "/api/v1/groups/{id}/files/{file_id}/download/": {"id": i["group"], "file_id": i["group_file"]},
            "/api/v1/groups/{id}/join/": {"id": i["group"]},
            "/api/v1/groups/{id}/join-requests/": {"id": i["group"]},
            "/api/v1/groups/{id}/join-requests/{request_id}/": {"id": i["group"], "request_id": i["join"]},
            "/api/v1/groups/{id}/join-requests/{request_id}/approve/": {
                "id": i["group"],
                "request_id": i["join"],
            },
            "/api/v1/groups/{id}/join-requests/{request_id}/reject/": {
                "id": i["group"],
                "request_id": i["join"],
            },
            "/api/v1/groups/{id}/leave/": {"id": i["group"]},
            "/api/v1/groups/{id}/members/": {"id": i["group"]},
            "/api/v1/groups/{id}/members/{user_id}/": {"id": i["group"], "user_id": self.supervisor.pk},
            "/api/v1/invitations/{id}/": {"id": i["invitation"]},
            "/api/v1/invitations/{id}/resend/": {"id": i["invitation"]},
            "/api/v1/invitations/{id}/revoke/": {"id": i["invitation"]},
            "/api/v1/notifications/{id}/": {"id": mine["notification"]},
            "/api/v1/notifications/{id}/read/": {"id": mine["notification"]},
            "/api/v1/people/{id}/": {"id": self.employee.pk},
            "/api/v1/people/{id}/activate/": {"id": self.employee.pk},
            "/api/v1/people/{id}/deactivate/": {"id": self.employee.pk},
            "/api/v1/people/{id}/move/": {"id": self.employee.pk},
            "/api/v1/people/{id}/subordinates/": {"id": self.supervisor.pk},
            "/api/v1/people/{id}/supervisor/": {"id": self.employee.pk},
            "/api/v1/reports/corrections/{id}/": {"id": i["correction"]},
            "/api/v1/reports/corrections/{id}/decide/": {"id": i["correction"]},
            "/api/v1/reports/days/{id}/": {"id": i["day"]},
            "/api/v1/reports/days/{id}/confirm/": {"id": i["day"]},
            "/api/v1/reports/reports/{id}/": {"id": i["report"]},
            "/api/v1/reports/reports/{id}/rate/": {"id": i["report"]},
            "/api/v1/reports/reports/{id}/return/": {"id": i["report"]},
            "/api/v1/reports/reports/{id}/send/": {"id": i["report"]},
            "/api/v1/reports/schedules/{id}/": {"id": i["schedule"]},
            "/api/v1/reports/touch/{id}/": {"id": i["touch"]},
            "/api/v1/reports/touch/{id}/done/": {"id": i["touch"]},
            "/api/v1/stream/comments/{id}/": {"id": i["comment"]},
            "/api/v1/stream/entries/{id}/": {"id": i["entry"]},
            "/api/v1/stream/entries/{id}/close-poll/": {"id": i["entry"]},
            "/api/v1/stream/entries/{id}/comments/": {"id": i["entry"]},
            "/api/v1/stream/entries/{id}/likes/": {"id": i["entry"]},
            "/api/v1/stream/entries/{id}/photos/": {"id": i["album"]},
            "/api/v1/stream/entries/{id}/read/": {"id": i["entry"]},
            "/api/v1/stream/entries/{id}/readers/": {"id": i["entry"]},
            "/api/v1/stream/entries/{id}/vote/": {"id": i["entry"]},
            "/api/v1/stream/photos/{id}/": {"id": i["photo"]},
            "/api/v1/stream/photos/{id}/comments/": {"id": i["photo"]},
            "/api/v1/stream/photos/{id}/file/": {"id": i["photo"]},
            "/api/v1/stream/photos/{id}/likes/": {"id": i["photo"]},
            "/api/v1/tasks/{id}/": {"id": i["task"]},
            "/api/v1/tasks/{id}/checklist/": {"id": i["task"]},
            "/api/v1/tasks/{id}/checklist/reorder/": {"id": i["task"]},
            "/api/v1/tasks/{id}/comments/": {"id": i["task"]},
            "/api/v1/tasks/{id}/files/": {"id": i["task"]},
            "/api/v1/tasks/{id}/history/": {"id": i["task"]},
            "/api/v1/tasks/{id}/members/": {"id": i["task"]},
            "/api/v1/tasks/{id}/move/": {"id": i["task"]},
            "/api/v1/tasks/{id}/reschedule/": {"id": i["task"]},
            "/api/v1/tasks/{id}/seen/": {"id": i["task"]},
            "/api/v1/tasks/{id}/subtasks/": {"id": i["task"]},
            "/api/v1/tasks/{id}/tags/": {"id": i["task"]},
            "/api/v1/tasks/{id}/transition/": {"id": i["task"]},
            "/api/v1/tasks/checklist/{id}/": {"id": i["checklist_item"]},
            "/api/v1/tasks/comments/{id}/": {"id": i["task_comment"]},
            "/api/v1/tasks/files/{id}/": {"id": i["task_file"]},
            "/api/v1/tasks/files/{id}/download/": {"id": i["task_file"]},
            "/api/v1/tasks/links/{id}/": {"id": i["link"]},
            "/api/v1/tasks/tags/{id}/": {"id": i["tag"]},
            "/api/v1/tasks/tags/{id}/merge/": {"id": i["tag"]},
            "/api/v1/tasks/time-entries/{id}/": {"id": i["time_entry"]},
            "/api/v1/strategy/indicators/{id}/": {"id": i["strategy_indicator"]},
            "/api/v1/strategy/indicators/{id}/compute/": {"id": i["strategy_indicator"]},
            "/api/v1/strategy/indicators/{id}/recompute/": {"id": i["strategy_indicator"]},
            "/api/v1/strategy/indicators/{id}/targets/": {"id": i["strategy_indicator"]},
            "/api/v1/strategy/indicators/{id}/values/": {"id": i["strategy_indicator"]},
            "/api/v1/strategy/values/{id}/": {"id": i["strategy_value"]},
            "/api/v1/strategy/values/{id}/records/": {"id": i["strategy_value"]},
            "/api/v1/strategy/kpi-cards/{id}/": {"id": i["strategy_kpi_card"]},
            "/api/v1/strategy/kpi-cards/{id}/compute/": {"id": i["strategy_kpi_card"]},
            "/api/v1/strategy/kpi-scores/{id}/": {"id": i["strategy_kpi_score"]},
            "/api/v1/strategy/kpi-scores/{id}/confirm/": {"id": i["strategy_kpi_score"]},
            "/api/v1/strategy/goals/{id}/": {"id": i["strategy_goal"]},
            "/api/v1/strategy/goals/{id}/links/": {"id": i["strategy_goal"]},
            "/api/v1/strategy/goals/{id}/projects/": {"id": i["strategy_goal"]},
            "/api/v1/strategy/goal-links/{id}/": {"id": i["strategy_goal_link"]},
            "/api/v1/strategy/project-links/{id}/": {"id": i["strategy_project_link"]},
            "/api/v1/strategy/projects/{id}/notes/": {"id": i["strategy_project"]},
            "/api/v1/strategy/tasks/{task_pk}/goal/": {"task_pk": i["task"]},
            "/api/v1/kb/spaces/{id}/": {"id": i["kb_space"]},
            "/api/v1/kb/spaces/{id}/tree/": {"id": i["kb_space"]},
            "/api/v1/kb/pages/{id}/": {"id": i["kb_page"]},
            "/api/v1/kb/pages/{id}/move/": {"id": i["kb_page"]},
            "/api/v1/kb/pages/{id}/revisions/": {"id": i["kb_page"]},
            "/api/v1/kb/pages/{id}/revisions/{number}/": {"id": i["kb_page"], "number": 1},
            "/api/v1/kb/pages/{id}/revisions/{number}/restore/": {"id": i["kb_page"], "number": 1},
            "/api/v1/kb/pages/{id}/diff/": {"id": i["kb_page"]},
            "/api/v1/kb/comments/{id}/": {"id": i["kb_comment"]},
            "/api/v1/kb/comments/{id}/approve/": {"id": i["kb_comment"]},
            "/api/v1/kb/comments/{id}/reject/": {"id": i["kb_comment"]},
            "/api/v1/kb/comments/{id}/like/": {"id": i["kb_comment"]},
            "/api/v1/kb/campaigns/{id}/": {"id": i["kb_campaign"]},
            "/api/v1/kb/campaigns/{id}/close/": {"id": i["kb_campaign"]},
            "/api/v1/kb/campaigns/{id}/progress/": {"id": i["kb_campaign"]},
            "/api/v1/kb/reading/{id}/": {"id": i["kb_reading"]},
        }


def build_api_world(org) -> ApiWorld:
    """Lay the world through the API as its people would (so the objects are what clients really get)."""
    employee, supervisor, outsider = org.sales_rep, org.sales_head, org.developer
    world = ApiWorld(employee=employee, supervisor=supervisor, outsider=outsider)
    me, boss, other = client_as(employee), client_as(supervisor), client_as(outsider)
    ids = world.ids
    ids["department"] = org.sales.pk

    chat = _made(
        me.post("/api/v1/chat/chats/", {"kind": "group", "title": "Sales", "members": [supervisor.pk]})
    )
    ids["chat"] = chat["id"]
    ids["message"] = _made(me.post(f"/api/v1/chat/chats/{chat['id']}/messages/", {"body": "Hello"}))["id"]

    group = _made(boss.post("/api/v1/groups/", {"name": "Sales team", "visibility": "closed"}))
    ids["group"] = group["id"]
    _made(boss.post(f"/api/v1/groups/{group['id']}/members/", {"user": employee.pk, "role": "member"}))
    ids["join"] = _made(other.post(f"/api/v1/groups/{group['id']}/join/", {"message": "May I?"}))[
        "join_request"
    ]
    ids["group_file"] = _made(
        me.post(f"/api/v1/groups/{group['id']}/files/", {"file": upload()}, format="multipart")
    )["id"]

    ids["invitation"] = _made(
        boss.post("/api/v1/invitations/", {"emails": ["new.rep@acme.test"], "department": org.sales.pk})
    )[0]["id"]

    entry = _made(
        me.post(
            "/api/v1/stream/entries/",
            {
                "body": "Quarter results",
                "everyone": True,
                "is_important": True,
                "poll": {"question": "Lunch?", "options": ["Yes", "No"]},
            },
        )
    )
    ids["entry"] = entry["id"]
    ids["comment"] = _made(me.post(f"/api/v1/stream/entries/{entry['id']}/comments/", {"body": "Well done"}))[
        "id"
    ]
    ids["album"] = _made(me.post("/api/v1/stream/entries/", {"body": "The team day", "everyone": True}))["id"]
    ids["photo"] = _made(
        me.post(
            f"/api/v1/stream/entries/{ids['album']}/photos/", {"photos": [image_upload()]}, format="multipart"
        )
    )[0]["id"]

    task = _made(
        boss.post(
            "/api/v1/tasks/",
            {
                "title": "Call the client",
                "responsible": employee.pk,
                "group": group["id"],
                "checklist": ["Dial"],
            },
        )
    )
    ids["task"] = task["id"]
    successor = _made(boss.post("/api/v1/tasks/", {"title": "Send the offer", "responsible": employee.pk}))
    ids["successor"] = successor["id"]
    ids["link"] = _made(
        boss.post("/api/v1/tasks/links/", {"predecessor": task["id"], "successor": successor["id"]})
    )["id"]
    ids["checklist_item"] = _made(me.get(f"/api/v1/tasks/{task['id']}/checklist/"))["results"][0]["id"]
    ids["task_comment"] = _made(me.post(f"/api/v1/tasks/{task['id']}/comments/", {"body": "On it"}))["id"]
    ids["task_file"] = _made(
        me.post(f"/api/v1/tasks/{task['id']}/files/", {"file": upload()}, format="multipart")
    )["id"]
    ids["tag"] = _made(me.post("/api/v1/tasks/tags/", {"name": "clients", "group": group["id"]}))["id"]
    ids["time_entry"] = _made(me.post("/api/v1/tasks/time-entries/", {"task": task["id"], "seconds": 600}))[
        "id"
    ]

    ids["report"] = _made(
        me.post("/api/v1/reports/reports/", {"facts": "Called three clients", "send": True})
    )["id"]
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    past_day = WorkDayFactory(
        user=employee,
        date=yesterday,
        state="closed",
        # Within yesterday whatever the hour the suite runs (now - 1 day - 9 h is the day before after midnight).
        started_at=timezone.make_aware(datetime.datetime.combine(yesterday, datetime.time(9))),
        ended_at=timezone.make_aware(datetime.datetime.combine(yesterday, datetime.time(17))),
    )
    ids["day"] = past_day.pk
    ids["correction"] = _made(
        me.post(
            "/api/v1/reports/corrections/",
            {
                "day": past_day.pk,
                "started_at": (past_day.started_at - datetime.timedelta(hours=1)).isoformat(),
                "ended_at": past_day.ended_at.isoformat(),
                "reason": "Forgot to start",
            },
        )
    )["id"]
    ids["schedule"] = _made(
        boss.post(
            "/api/v1/reports/schedules/",
            {
                "name": "Sales hours",
                "department": org.sales.pk,
                "working_days": [0, 1, 2, 3, 4],
                "start": "09:00",
                "end": "18:00",
            },
        )
    )["id"]
    ids["touch"] = ControlCheckFactory(supervisor=supervisor, subject=employee).pk

    _lay_crm(world, org, me, boss)
    _lay_workflows(world, org, me, boss)
    _lay_knowledgebase(world, org, me)

    for person in (employee, supervisor, org.admin, outsider):
        world.own[person.pk] = {
            "notification": NotificationFactory(recipient=person).pk,
            "api_token": _made(client_as(person).post("/api/v1/auth/tokens/", {"label": "world"}), 201)["id"],
        }
    return world


def _lay_knowledgebase(world: ApiWorld, org, me) -> None:
    """A company-wide space the employee answers for (made by the portal admin), with a page of two revisions."""
    admin, ids = client_as(org.admin), world.ids
    ids["kb_space"] = _made(
        admin.post(
            "/api/v1/kb/spaces/",
            {"title": "Handbook", "kind": "company", "responsible": world.employee.pk},
            format="json",
        ),
        201,
    )["id"]
    page = _made(
        me.post(
            "/api/v1/kb/pages/", {"space": ids["kb_space"], "title": "Rules", "body": "One"}, format="json"
        ),
        201,
    )
    ids["kb_page"] = page["id"]
    _made(
        me.put(
            f"/api/v1/kb/pages/{page['id']}/",
            {"base_revision": page["revision"], "title": "Rules", "body": "One\nTwo"},
            format="json",
        )
    )
    ids["kb_comment"] = _made(
        me.post("/api/v1/kb/comments/", {"page": page["id"], "body": "Clear."}, format="json"), 201
    )["id"]
    campaign = _made(
        me.post(
            "/api/v1/kb/campaigns/",
            {
                "space": ids["kb_space"],
                "title": "Read the rules",
                "pages": [page["id"]],
                "people": [world.employee.pk],
                "deadline": (timezone.localdate() + datetime.timedelta(days=7)).isoformat(),
            },
            format="json",
        ),
        201,
    )
    ids["kb_campaign"] = campaign["id"]
    ids["kb_reading"] = _made(me.get("/api/v1/kb/reading/", {"campaign": campaign["id"]}))["results"][0]["id"]


def _lay_crm(world: ApiWorld, org, me, boss) -> None:
    """The CRM's records: the employee works their own, their head sees the department's (the default roles),
    the portal admin keeps the settings (a pipeline, a product, a connected store)."""
    from crm.models import CrmRole, Pipeline
    from crm.services.defaults import defaults_ensure
    from crm.services.stores import store_create

    defaults_ensure()  # a flushed database (live-server tests) lost the roles migration 0003 made
    give_role(CrmRole.objects.get(name="Head of department"), user=world.supervisor)
    admin, ids = client_as(org.admin), world.ids

    pipeline = _made(admin.post("/api/v1/crm/pipelines/", {"name": "Key accounts"}, format="json"), 201)
    ids["crm_pipeline"] = pipeline["id"]
    ids["crm_stage"] = _made(
        admin.post("/api/v1/crm/stages/", {"pipeline": pipeline["id"], "name": "Demo"}, format="json"), 201
    )["id"]
    ids["crm_product"] = _made(
        admin.post("/api/v1/crm/products/", {"name": "Licence", "price": "100.00"}, format="json"), 201
    )["id"]

    ids["crm_lead"] = _made(
        me.post("/api/v1/crm/leads/", {"title": "Website request", "first_name": "Ann"}, format="json"), 201
    )["id"]
    ids["crm_contact"] = _made(
        me.post("/api/v1/crm/contacts/", {"first_name": "Ivan", "last_name": "Petrov"}, format="json"), 201
    )["id"]
    ids["crm_company"] = _made(me.post("/api/v1/crm/companies/", {"name": "Globex"}, format="json"), 201)[
        "id"
    ]
    ids["crm_deal"] = _made(
        me.post(
            "/api/v1/crm/deals/",
            {
                "title": "Globex licences",
                "stage": ids["crm_stage"],
                "company": ids["crm_company"],
                "lines": [{"product": ids["crm_product"], "quantity": "2"}],
            },
            format="json",
        ),
        201,
    )["id"]
    tomorrow = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    ids["crm_activity"] = _made(
        me.post(
            "/api/v1/crm/activities/",
            {"subject": "Call back", "deal": ids["crm_deal"], "deadline": tomorrow},
            format="json",
        ),
        201,
    )["id"]
    ids["crm_import"] = _made(
        boss.post(
            "/api/v1/crm/imports/",
            {
                "entity": "contact",
                "file": upload("people.csv", b"first_name,last_name\nOlga,Ivanova\n", "text/csv"),
            },
            format="multipart",
        ),
        201,
    )["id"]
    store, _secret = store_create(
        actor=org.admin,
        name="Web shop",
        adapter="lumen",
        pipeline=Pipeline.objects.get(pk=ids["crm_pipeline"]),
    )
    world.store_token = str(store.token)


def _lay_workflows(world: ApiWorld, org, me, boss) -> None:
    """Approvals and absences: the employee asks for two payments (one the supervisor and the accountant
    approve, one still waiting), the admin (HR's rights) enters an absence and a holiday and sets a rule on the
    payment template, the employee names a deputy."""
    from django.conf import settings

    from portal.workflows.models import AbsenceType, ProcessTemplate, RuleRun
    from portal.workflows.services.defaults import defaults_ensure

    defaults_ensure()
    admin, ids = client_as(org.admin), world.ids
    today = timezone.localdate()
    template = ProcessTemplate.objects.get(key="payment")
    ids["wf_template"] = template.pk
    ids["wf_absence_type"] = AbsenceType.objects.get(key="vacation").pk

    def payment(counterparty: str) -> int:
        data = {
            "counterparty": counterparty,
            "amount": {"amount": "500.00", "currency": settings.DEFAULT_CURRENCY},
            "purpose": "Licences",
            "due_date": (today + datetime.timedelta(days=10)).isoformat(),
        }
        body = {"template": template.pk, "data": json.dumps(data), "invoice": upload("invoice.pdf")}
        return _made(me.post("/api/v1/workflows/processes/", body, format="multipart"), 201)["id"]

    ids["wf_payment"] = payment("Globex")
    _made(
        boss.post(
            f"/api/v1/workflows/processes/{ids['wf_payment']}/act/", {"action": "approve"}, format="json"
        )
    )
    # The accountant's step: nobody holds the role, so the portal admins approve.
    _made(
        admin.post(
            f"/api/v1/workflows/processes/{ids['wf_payment']}/act/", {"action": "approve"}, format="json"
        )
    )
    ids["wf_process"] = payment("Initech")

    ids["wf_absence"] = _made(
        admin.post(
            "/api/v1/workflows/absences/",
            {
                "user": world.employee.pk,
                "type": ids["wf_absence_type"],
                "start": (today + datetime.timedelta(days=30)).isoformat(),
                "end": (today + datetime.timedelta(days=34)).isoformat(),
            },
            format="json",
        ),
        201,
    )["id"]
    ids["wf_holiday"] = _made(
        admin.post(
            "/api/v1/workflows/holidays/",
            {"date": (today + datetime.timedelta(days=60)).isoformat(), "name": "Founders' day"},
            format="json",
        ),
        201,
    )["id"]
    ids["wf_deputy"] = _made(
        me.post(
            "/api/v1/workflows/deputies/",
            {
                "deputy": world.supervisor.pk,
                "start": (today + datetime.timedelta(days=30)).isoformat(),
                "end": (today + datetime.timedelta(days=34)).isoformat(),
            },
            format="json",
        ),
        201,
    )["id"]
    ids["wf_rule"] = _made(
        admin.post(
            "/api/v1/workflows/rules/",
            {
                "scope": f"template:{template.pk}",
                "name": "Tell the requester",
                "trigger": "workflows.process_finished",
                "actions": [
                    {"action": "workflows.notify", "params": {"to": "owner", "text": "{{ title }} ended"}}
                ],
            },
            format="json",
        ),
        201,
    )["id"]
    # A run as the rule's engine makes one when a payment ends (events leave on commit, after this test's
    # transaction).
    ids["wf_rule_run"] = RuleRun.objects.create(
        rule_id=ids["wf_rule"], object_id=str(ids["wf_payment"]), event_id="finished:approved:1"
    ).pk
    _strategy_indicators(world)
    _strategy_goals(world)


def _strategy_indicators(world: ApiWorld) -> None:
    """An indicator (seen by the company) with a value, and a KPI card of the employee with a score."""
    import datetime

    from strategy.models import Indicator, IndicatorValue, KpiCard, KpiCardLine, KpiScore
    from strategy.services.indicators import NewValue, _values_store

    ids, employee = world.ids, world.employee
    indicator = Indicator.objects.create(
        name="Calls", owner=employee, visibility="company", starts_on=datetime.date(2025, 1, 1)
    )
    _values_store([NewValue(indicator, datetime.date(2025, 1, 1), 5)], actor=employee, kind="entered")
    ids["strategy_indicator"] = indicator.pk
    ids["strategy_value"] = IndicatorValue.objects.get(indicator=indicator).pk
    card = KpiCard.objects.create(name="Sales", holder_kind="person", person=employee)
    KpiCardLine.objects.create(card=card, indicator=indicator)
    ids["strategy_kpi_card"] = card.pk
    ids["strategy_kpi_score"] = KpiScore.objects.create(
        card=card,
        person=employee,
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 1, 31),
        computed_at=datetime.datetime(2025, 2, 1, tzinfo=datetime.UTC),
    ).pk


def _strategy_goals(world: ApiWorld) -> None:
    """A company goal of the employee linked to another, a project of theirs serving it with a status note."""
    import datetime

    from portal.groups.models import Membership, Workgroup
    from strategy.models import Goal, GoalLink, GoalProjectLink, ProjectStatusNote

    ids, employee = world.ids, world.employee
    year = datetime.date.today().year
    goal, other = (
        Goal.objects.create(
            title=title,
            horizon="annual",
            period_start=datetime.date(year, 1, 1),
            period_end=datetime.date(year, 12, 31),
            owner=employee,
        )
        for title in ("Grow", "Hire")
    )
    project = Workgroup.objects.create(
        name="Launch",
        kind="project",
        start_date=datetime.date(year, 1, 1),
        end_date=datetime.date(year, 12, 31),
    )
    Membership.objects.create(group=project, user=employee, role="owner")
    ids["strategy_goal"] = goal.pk
    ids["strategy_goal_link"] = GoalLink.objects.create(source=goal, target=other, kind="supports").pk
    ids["strategy_project"] = project.pk
    ids["strategy_project_link"] = GoalProjectLink.objects.create(goal=goal, project=project).pk
    ProjectStatusNote.objects.create(
        project=project, author=employee, week=datetime.date(year, 1, 5), rag="green", text="Fine"
    )
