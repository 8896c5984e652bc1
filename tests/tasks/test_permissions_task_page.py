"""Every endpoint of the task page, called as every role.

Each row gets a freshly laid task per role (see tests/tasks/detail_setup.py: creator sales_rep,
responsible field_rep, `member` east_rep a participant, `supervisor` sales_head heads the responsible
person's department tree, `outsider` developer sees nothing), so the writes of one role or row never change
what the next one meets. Hidden tasks answer 404 on every endpoint; visible tasks without the right 403.
Pages redirect after a write (302) when not called by htmx.
"""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.tasks.detail_setup import lay_task
from tests.tasks.factories import ChecklistItemFactory
from tests.tasks.probes import TASK_TABLES
from tests.utils import ROLES, Endpoint, assert_matrix

LOGIN = 302  # anonymous visitors go to the login page
DONE = 302  # a write without htmx goes back to the page


def _expect(*, member: int, supervisor: int, admin: int = DONE) -> dict:
    return {"anonymous": LOGIN, "outsider": 404, "member": member, "supervisor": supervisor, "admin": admin}


READ = _expect(member=200, supervisor=200, admin=200)
CREATOR_ONLY = _expect(member=403, supervisor=403)  # creator/admin (responsible neither)
PARTICIPANTS = _expect(member=DONE, supervisor=403)  # creator, responsible, participants, admin


def test_every_task_page_endpoint_as_every_role(org, roles):
    laid: dict[tuple[str, str], object] = {}

    def fresh(row: str, role: str):
        if role in ("anonymous", "outsider"):
            row = "shared"  # nothing they post goes through: one task each is enough
        if (row, role) not in laid:
            laid[(row, role)] = lay_task(org)
        return laid[(row, role)]

    def url(row: str, name: str, *parts: str):
        def build(role: str) -> str:
            thing = fresh(row, role)
            # Parts name a laid object ("item") or, quoted, a literal ("'comments'").
            args = [thing.task.pk] + [
                p.strip("'") if p.startswith("'") else getattr(thing, p).pk for p in parts
            ]
            return reverse(f"tasks:{name}", args=args)

        return build

    def spare_link(role: str) -> dict:
        return {"other": fresh("link add", role).spare.pk, "direction": "after", "kind": "fs"}

    def order(role: str) -> dict:
        laid_task = fresh("checklist reorder", role)
        second = ChecklistItemFactory(task=laid_task.task, text="Pack the banners", position=1)
        return {"order": f"{second.pk},{laid_task.item.pk}"}  # a new order, so an allowed call changes it

    def file_data(role: str) -> dict:
        return {"file": SimpleUploadedFile("notes.txt", b"hello world", content_type="text/plain")}

    def people(role: str) -> dict:
        return {
            "responsible": org.field_rep.pk,
            "participants": [org.east_rep.pk, org.east_head.pk],
            "observers": [org.ceo.pk],
        }

    def ep(row, method, name, parts, expect, data=None, fmt="form", extra=None, unchanged_for=()):
        return Endpoint(
            row, method, url(row, name, *parts), expect, data, fmt, extra or {}, unchanged_for=unchanged_for
        )

    htmx = {"HTTP_HX_REQUEST": "true"}
    endpoints = [
        ep("page", "GET", "detail", (), READ),
        ep("block comments", "GET", "detail_block", ("'comments'",), READ, extra=htmx),
        ep("title", "POST", "detail_title", (), CREATOR_ONLY, {"title": "Renamed"}),
        ep("action start", "POST", "detail_action", (), CREATOR_ONLY, {"action": "start"}),
        ep("delete", "POST", "detail_delete", (), CREATOR_ONLY, {}),
        ep("description", "POST", "detail_description", (), CREATOR_ONLY, {"description": "New"}),
        ep("people", "POST", "detail_people", (), CREATOR_ONLY, people),
        ep("dates", "POST", "detail_dates", (), CREATOR_ONLY, {"deadline": "2030-01-02T10:00"}),
        ep("tags", "POST", "detail_tags", (), PARTICIPANTS, {"tags": "fair, stand"}),
        ep("rules", "POST", "detail_rules", (), CREATOR_ONLY, {"priority": "high", "requires_control": "on"}),
        ep("estimate", "POST", "detail_estimate", (), CREATOR_ONLY, {"hours": "3", "minutes": "30"}),
        ep("timer start", "POST", "detail_timer_start", (), PARTICIPANTS, {}),
        ep(
            "timer stop",
            "POST",
            "detail_timer_stop",
            (),
            _expect(member=DONE, supervisor=DONE),
            {},
            unchanged_for=("supervisor",),  # no timer of theirs runs: nothing to stop
        ),
        ep("time add", "POST", "detail_time_add", (), PARTICIPANTS, {"hours": "1", "comment": "Calls"}),
        ep("time delete", "POST", "detail_time_delete", ("entry",), PARTICIPANTS, {}),
        ep("link add", "POST", "detail_link_add", (), CREATOR_ONLY, spare_link),
        ep("link delete", "POST", "detail_link_delete", ("link",), CREATOR_ONLY, {}),
        ep("checklist add", "POST", "detail_checklist_add", (), CREATOR_ONLY, {"text": "Print badges"}),
        ep("checklist edit", "POST", "detail_checklist_edit", ("item",), CREATOR_ONLY, {"text": "Book it"}),
        ep("checklist toggle", "POST", "detail_checklist_toggle", ("item",), PARTICIPANTS, {"done": "1"}),
        ep("checklist delete", "POST", "detail_checklist_delete", ("item",), CREATOR_ONLY, {}),
        ep("checklist reorder", "POST", "detail_checklist_reorder", (), CREATOR_ONLY, order),
        ep("file upload", "POST", "detail_file_upload", (), PARTICIPANTS, file_data, "multipart"),
        ep("file download", "GET", "detail_file_download", ("file",), READ),
        ep("file delete", "POST", "detail_file_delete", ("file",), CREATOR_ONLY, {}),
        ep(
            "comment add",
            "POST",
            "detail_comment_add",
            (),
            _expect(member=DONE, supervisor=DONE),
            {"body": "Hi"},
        ),
        # The author alone edits a comment (east_rep's here); admins neither.
        ep(
            "comment edit",
            "POST",
            "detail_comment_edit",
            ("comment",),
            _expect(member=DONE, supervisor=403, admin=403),
            {"body": "Edited"},
        ),
        ep("comment delete", "POST", "detail_comment_delete", ("comment",), PARTICIPANTS, {}),
    ]
    assert {r for ep_ in endpoints for r in ep_.expect} == set(ROLES)
    users = {**roles}
    assert_matrix(users, endpoints, changed=TASK_TABLES)


def test_the_responsible_person_may_do_what_the_responsible_may(org):
    """Between the creator (everything) and a participant: the responsible person changes the status, the
    checklist and planned dates, but not the title, the people or (unless allowed) the deadline."""
    from tests.tasks.detail_setup import page_client

    laid = lay_task(org)
    client = page_client(org.field_rep)
    pk = laid.task.pk

    def post(name, data, *parts):
        return client.post(reverse(f"tasks:{name}", args=[pk, *parts]), data)

    assert post("detail_action", {"action": "start"}).status_code == 302
    assert post("detail_checklist_add", {"text": "Print badges"}).status_code == 302
    assert post("detail_dates", {"planned_start": "2030-01-02T09:00"}).status_code == 302
    assert post("detail_title", {"title": "Mine now"}).status_code == 403
    assert post("detail_people", {"responsible": org.field_rep.pk, "participants": []}).status_code == 403
    assert post("detail_dates", {"deadline": "2030-01-05T10:00"}).status_code == 403
    laid.task.refresh_from_db()
    assert laid.task.status == "in_progress" and laid.task.title == "Prepare the fair"
    assert laid.task.deadline is None and laid.task.planned_start is not None
