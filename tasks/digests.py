"""The task sections of the control digests (registered as `DigestSource` items from `registrations`):
overdue tasks (a supervisor's people, or the recipient's own in a personal digest) and tasks awaiting
control. `compute` builds the stored plain JSON in a constant number of queries whatever the number of
people; `present` turns such stored data into the rows the digest page and e-mail show, in the reader's
language. The digests name no task: they iterate `registry.digest_sources`."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .choices import TaskStatus

TOP_TASKS = 10  # tasks listed per section
PEOPLE_LISTED = 25  # people listed in the "by person" ranking


def _url(name: str, *args, query: dict | None = None) -> str:
    path = reverse(name, args=args)
    return f"{path}?{urlencode(query)}" if query else path


def _name(row: dict | None, prefix: str = "") -> str:
    row = row or {}
    first, last = row.get(f"{prefix}first_name") or "", row.get(f"{prefix}last_name") or ""
    return f"{first} {last}".strip() or row.get(f"{prefix}email") or "?"


def _person(people: dict[int, dict], user_id: int) -> dict:
    row = people.get(user_id)
    return {"id": user_id, "name": _name(row) if row else "?"}


def _local(moment: datetime.datetime | None, zone) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""


def _days_overdue(days) -> str:
    return "<1" if not days else str(days)


# --- overdue tasks -------------------------------------------------------------------------------------


def overdue_compute(*, recipient, user_ids, people, zone, now, kind) -> dict:
    """Tasks of these people overdue as the tasks app counts them (`Task.objects.overdue`: not those
    awaiting their creator's control): the count per person (one query) and the most overdue ones (one
    query)."""
    from .models import Task

    overdue = Task.objects.overdue(now).filter(responsible_id__in=list(user_ids))
    by_person = dict(
        overdue.order_by().values("responsible_id").annotate(n=Count("id")).values_list("responsible_id", "n")
    )
    rows = overdue.order_by("deadline", "id").values("pk", "title", "deadline", "responsible_id")[:TOP_TASKS]
    items = [
        {
            "id": row["pk"],
            "title": row["title"],
            "url": _url("tasks:detail", row["pk"]),
            "person": _person(people, row["responsible_id"]),
            "deadline": _local(row["deadline"], zone),
            "days": max(0, (now - row["deadline"]).days),
        }
        for row in rows
    ]
    ranking = sorted(by_person.items(), key=lambda pair: (-pair[1], _person(people, pair[0])["name"].lower()))
    data = {
        "total": sum(by_person.values()),
        "items": items,
        "by_person": [
            {
                "person": _person(people, user_id),
                "count": n,
                "url": _url("tasks:home", query={"role": "all", "responsible": user_id, "overdue": "true"}),
            }
            for user_id, n in ranking[:PEOPLE_LISTED]
        ],
        "url": _url("tasks:home", query={"role": "all", "overdue": "true"}),
    }
    if kind == "personal":
        data["url"] = _url("tasks:home", query={"overdue": "true"})
    return data


def overdue_present(data: dict, kind: str) -> dict:
    items = data.get("items", [])
    if kind == "personal":
        return {
            "title": _("Your overdue tasks"),
            "columns": [_("Task"), _("Deadline"), _("Days overdue")],
            "rows": [
                [(i["title"], i["url"]), (i["deadline"], ""), (_days_overdue(i["days"]), "")] for i in items
            ],
            "url": data.get("url", ""),
        }
    note = ""
    if data.get("by_person"):
        people = ", ".join(f"{p['person']['name']} ({p['count']})" for p in data["by_person"][:10])
        note = _("By person: %(people)s") % {"people": people}
    return {
        "title": _("Overdue tasks"),
        "columns": [_("Task"), _("Responsible"), _("Deadline"), _("Days overdue")],
        "rows": [
            [
                (i["title"], i["url"]),
                (i["person"]["name"], ""),
                (i["deadline"], ""),
                (_days_overdue(i["days"]), ""),
            ]
            for i in items
        ],
        "url": data.get("url", ""),
        "note": note,
    }


# --- tasks awaiting control ----------------------------------------------------------------------------


def awaiting_compute(*, recipient, user_ids, people, zone, now, kind) -> dict:
    """Tasks finished by these people and waiting for their creator's control, and tasks waiting for the
    recipient's own control (whoever did them): the count (one query) and the longest waiting (one query)."""
    from .models import Task

    waiting = Task.objects.filter(status=TaskStatus.AWAITING_CONTROL).filter(
        Q(responsible_id__in=list(user_ids)) | Q(creator_id=recipient.pk)
    )
    total = waiting.count()
    rows = waiting.order_by("updated_at", "id").values(
        "pk",
        "title",
        "updated_at",
        "creator_id",
        "responsible_id",
        "responsible__first_name",
        "responsible__last_name",
        "responsible__email",
    )[:TOP_TASKS]
    items = [
        {
            "id": row["pk"],
            "title": row["title"],
            "url": _url("tasks:detail", row["pk"]),
            "person": {"id": row["responsible_id"], "name": _name(row, "responsible__")},
            "since": _local(row["updated_at"], zone),
            "mine": row["creator_id"] == recipient.pk,
        }
        for row in rows
    ]
    return {
        "total": total,
        "items": items,
        "url": _url("tasks:home", query={"role": "all", "status": TaskStatus.AWAITING_CONTROL}),
    }


def awaiting_present(data: dict, kind: str) -> dict:
    return {
        "title": _("Tasks awaiting control"),
        "columns": [_("Task"), _("Responsible"), _("Waiting since")],
        "rows": [
            [
                (i["title"] + (" · " + _("yours to check") if i.get("mine") else ""), i["url"]),
                (i["person"]["name"], ""),
                (i["since"], ""),
            ]
            for i in data.get("items", [])
        ],
        "url": data.get("url", ""),
    }
