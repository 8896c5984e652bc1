"""Every endpoint of the tasks API, called as every role.

Each row meets a fresh layout per role: a task created by field_rep with east_rep (the `member` role) as its
responsible person, one checklist item, a comment and a file by the creator, a time entry by the member, a
link into the task from a second task, and two personal tags of the member. The supervisor heads the
member's department (sees the task, changes nothing but may comment); the outsider sees nothing of it.
Hidden answers 404; visible without the right answers 403; anonymous callers are refused.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tasks.models import TaskFile
from tests.tasks.factories import (
    ChecklistItemFactory,
    TagFactory,
    TaskCommentFactory,
    TaskLinkFactory,
    TimeEntryFactory,
)
from tests.tasks.probes import TASK_TABLES
from tests.tasks.test_api import make_task
from tests.utils import ROLES, Endpoint, assert_matrix

API_ANON = (401, 403)
LIST = "/api/v1/tasks/"


def expect(*, outsider, member, supervisor, admin) -> dict:
    return {
        "anonymous": API_ANON,
        "outsider": outsider,
        "member": member,
        "supervisor": supervisor,
        "admin": admin,
    }


def everyone(status) -> dict:
    return {role: (API_ANON if role == "anonymous" else status) for role in ROLES}


class Layouts:
    """Builds the fresh layout of a row; `url` builds it, `data` (called next) reads the same one."""

    def __init__(self, org):
        self.org = org
        self.current = None

    def make(self) -> SimpleNamespace:
        org = self.org
        # The stored numbers match the rows laid below (services keep them; deletes count them down).
        task = make_task(
            org.field_rep, org.east_rep, checklist_count=1, comments_count=1, files_count=1, time_spent=3600
        )
        before = make_task(org.field_rep, org.east_rep)
        spare = make_task(org.field_rep, org.east_rep)
        stored = TaskFile(
            task=task, name="plan.txt", size=4, content_type="text/plain", uploaded_by=org.field_rep
        )
        stored.file.save("plan.txt", SimpleUploadedFile("plan.txt", b"data"), save=False)
        stored.save()
        self.current = SimpleNamespace(
            task=task,
            spare=spare,
            item=ChecklistItemFactory(task=task),
            comment=TaskCommentFactory(task=task, author=org.field_rep),
            file=stored,
            entry=TimeEntryFactory(task=task, user=org.east_rep),
            link=TaskLinkFactory(predecessor=before, successor=task),
            tag=TagFactory(owner=org.east_rep),
            other_tag=TagFactory(owner=org.east_rep),
        )
        return self.current

    def url(self, template: str):
        def build(role):
            layout = self.make()
            return LIST + template.format(
                task=layout.task.pk,
                item=layout.item.pk,
                comment=layout.comment.pk,
                file=layout.file.pk,
                entry=layout.entry.pk,
                link=layout.link.pk,
                tag=layout.tag.pk,
            )

        return build

    def data(self, build):
        return lambda role: build(self.current)


def test_every_endpoint_as_every_role(roles, org):
    lay = Layouts(org)
    url, data = lay.url, lay.data
    hidden = dict(outsider=404)
    read = expect(outsider=404, member=200, supervisor=200, admin=200)
    edit = lambda ok: expect(outsider=404, member=403, supervisor=403, admin=ok)  # noqa: E731 - creator's rights
    work = lambda ok: expect(outsider=404, member=ok, supervisor=403, admin=ok)  # noqa: E731 - the task's people
    soon = (timezone.now() + datetime.timedelta(days=3)).isoformat()

    endpoints = [
        # tasks
        Endpoint("list", "GET", LIST, everyone(200)),
        Endpoint("create", "POST", LIST, everyone(201), {"title": "New", "responsible": org.east_rep.pk}),
        Endpoint("retrieve", "GET", url("{task}/"), read),
        Endpoint("patch", "PATCH", url("{task}/"), edit(200), {"title": "Renamed"}),
        Endpoint("put", "PUT", url("{task}/"), edit(200), {"title": "Whole", "responsible": org.east_rep.pk}),
        Endpoint("delete", "DELETE", url("{task}/"), edit(204)),
        Endpoint("transition", "POST", url("{task}/transition/"), work(200), {"action": "start"}),
        Endpoint("move", "POST", url("{task}/move/"), edit(200), data(lambda x: {"parent": x.spare.pk})),
        Endpoint("reschedule", "POST", url("{task}/reschedule/"), edit(200), {"deadline": soon}),
        Endpoint("members", "PUT", url("{task}/members/"), edit(200), {"observers": [org.ceo.pk]}),
        # By name: the caller's own tag is found or made, so only the right to tag the task decides.
        Endpoint("tags", "PUT", url("{task}/tags/"), work(200), {"tags": ["urgent"]}),
        Endpoint(
            "seen", "POST", url("{task}/seen/"), expect(**hidden, member=204, supervisor=204, admin=204)
        ),
        Endpoint("subtasks", "GET", url("{task}/subtasks/"), read),
        Endpoint("history", "GET", url("{task}/history/"), read),
        Endpoint(
            "bulk",
            "POST",
            url("bulk/"),
            everyone(200),  # what the caller may not change is skipped, with the reason
            data(lambda x: {"tasks": [x.task.pk], "deadline": soon}),
            unchanged_for=("outsider", "member", "supervisor"),  # the creator's right: skipped for them
        ),
        # checklist
        Endpoint("checklist list", "GET", url("{task}/checklist/"), read),
        Endpoint("checklist add", "POST", url("{task}/checklist/"), work(201), {"text": "Step"}),
        Endpoint(
            "checklist reorder",
            "POST",
            url("{task}/checklist/reorder/"),
            work(200),
            data(lambda x: {"items": [x.item.pk]}),
        ),
        Endpoint("checklist item", "GET", url("checklist/{item}/"), read),
        Endpoint("checklist tick", "PATCH", url("checklist/{item}/"), work(200), {"is_done": True}),
        Endpoint("checklist item text", "PATCH", url("checklist/{item}/"), work(200), {"text": "Other"}),
        Endpoint("checklist item delete", "DELETE", url("checklist/{item}/"), work(204)),
        # comments (anyone who sees the task comments; only the author edits)
        Endpoint("comments list", "GET", url("{task}/comments/"), read),
        Endpoint(
            "comment add",
            "POST",
            url("{task}/comments/"),
            expect(outsider=404, member=201, supervisor=201, admin=201),
            {"body": "Hello"},
        ),
        Endpoint("comment", "GET", url("comments/{comment}/"), read),
        Endpoint("comment edit", "PATCH", url("comments/{comment}/"), edit(403), {"body": "Changed"}),
        Endpoint("comment delete", "DELETE", url("comments/{comment}/"), edit(204)),
        # files
        Endpoint("files list", "GET", url("{task}/files/"), read),
        Endpoint(
            "file upload",
            "POST",
            url("{task}/files/"),
            work(201),
            lambda role: {"file": SimpleUploadedFile("a.txt", b"abc", "text/plain")},
            "multipart",
        ),
        Endpoint("file", "GET", url("files/{file}/"), read),
        Endpoint("file download", "GET", url("files/{file}/download/"), read),
        Endpoint("file delete", "DELETE", url("files/{file}/"), edit(204)),
        # links (the responsible person of the dependent task plans it)
        Endpoint("links list", "GET", LIST + "links/", everyone(200)),
        Endpoint(
            "link create",
            "POST",
            url("links/"),
            expect(outsider=400, member=201, supervisor=403, admin=201),  # hidden tasks: "does not exist"
            data(lambda x: {"predecessor": x.spare.pk, "successor": x.task.pk, "kind": "fs"}),
        ),
        Endpoint("link", "GET", url("links/{link}/"), read),
        Endpoint("link delete", "DELETE", url("links/{link}/"), work(204)),
        # time
        Endpoint("time entries list", "GET", LIST + "time-entries/", everyone(200)),
        Endpoint(
            "time entry add",
            "POST",
            url("time-entries/"),
            expect(outsider=400, member=201, supervisor=403, admin=201),
            data(lambda x: {"task": x.task.pk, "seconds": 600}),
        ),
        Endpoint("time entry", "GET", url("time-entries/{entry}/"), read),
        Endpoint("time entry edit", "PATCH", url("time-entries/{entry}/"), work(200), {"seconds": 1200}),
        Endpoint("time entry delete", "DELETE", url("time-entries/{entry}/"), work(204)),
        Endpoint("timer", "GET", LIST + "timer/", everyone(200)),
        Endpoint(
            "timer start",
            "POST",
            url("timer/start/"),
            expect(outsider=400, member=201, supervisor=403, admin=201),
            data(lambda x: {"task": x.task.pk}),
        ),
        Endpoint(
            "timer stop",
            "POST",
            LIST + "timer/stop/",
            everyone(200),
            unchanged_for=("outsider", "supervisor"),  # no timer of theirs runs: nothing to stop
        ),
        # tags (the member's personal tags: nobody else's business but the admins')
        Endpoint("tags list", "GET", LIST + "tags/", everyone(200)),
        Endpoint("tag create", "POST", LIST + "tags/", everyone(201), lambda role: {"name": f"new-{role}"}),
        Endpoint(
            "tag", "GET", url("tags/{tag}/"), expect(outsider=404, member=200, supervisor=404, admin=200)
        ),
        Endpoint(
            "tag rename",
            "PATCH",
            url("tags/{tag}/"),
            expect(outsider=404, member=200, supervisor=404, admin=200),
            lambda role: {"name": f"renamed-{role}"},  # every layout's tag is the member's: names differ
        ),
        Endpoint(
            "tag merge",
            "POST",
            url("tags/{tag}/merge/"),
            expect(outsider=404, member=200, supervisor=404, admin=200),
            data(lambda x: {"into": x.other_tag.pk}),
        ),
        Endpoint(
            "tag delete",
            "DELETE",
            url("tags/{tag}/"),
            expect(outsider=404, member=204, supervisor=404, admin=204),
        ),
        # reports: everyone sees their own numbers; a department only within the sub-tree one heads
        Endpoint("efficiency", "GET", LIST + "efficiency/", everyone(200)),
        Endpoint(
            "efficiency of a department",
            "GET",
            f"{LIST}efficiency/?department={org.east.pk}",
            expect(outsider=404, member=404, supervisor=200, admin=200),
        ),
        Endpoint("time report", "GET", LIST + "time-report/?group_by=person", everyone(200)),
    ]
    assert_matrix(roles, endpoints, changed=TASK_TABLES)
