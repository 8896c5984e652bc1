"""The workflows app in the control pages and on the start page:

- the control dashboard's column "Approvals waiting" per person: the stored counter `workflows_waiting` (the
  dashboard reads every counter column of its rows in one query), amber from one waiting request, red from
  five; a cell opens the requests waiting for the person in place (views/control.py), with "Remind";
- the digests' lines: a supervisor's digest lists the requests waiting on their people for more than a day,
  and every digest (the supervisor's and the personal one) the requests waiting for the recipient's own
  decision. The dashboard's column stays out of the digests' counter list: these two sections say more;
- the start page's card "Approvals waiting for me".

The counter itself (its definition and recounts) is registered by `registrations/processes.py`.
"""

from __future__ import annotations

from django.utils import formats, timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

WAITING = "workflows_waiting"
COLUMN = "workflows_waiting"
DIGEST_PEOPLE = "workflows_waiting_people"
DIGEST_MINE = "workflows_waiting_mine"
HOME_CARD = "workflows.waiting"


def _detail(user_id: int) -> str:
    """The fragment (and, outside htmx, the page) a cell opens: the requests waiting for the person."""
    from portal.core.links import url_for_pk

    return url_for_pk("workflows:control_waiting", user_id)


def dashboard_counter():
    from portal.core.registry import DashboardCounter

    return DashboardCounter(
        WAITING,
        gettext_lazy("Approvals waiting"),
        amber_at=1,
        red_at=5,
        url=_detail,
        detail=_detail,
        order=90,
        column=COLUMN,
        help_text=format_lazy(
            "{} {}",
            gettext_lazy("Requests (leave, payments, contracts…) waiting for the person's decision."),
            gettext_lazy("You can open only those from your own department; the others are counted."),
        ),
        in_digest=False,
    )


# --- the digests ----------------------------------------------------------------------------------------


def _people_present(data: dict, kind: str) -> dict:
    note = ""
    if data.get("by_person"):
        people = ", ".join(f"{p['person']['name']} ({p['count']})" for p in data["by_person"][:10])
        note = _("By person: %(people)s") % {"people": people}
    return {
        "title": _("Approvals waiting on your people for more than a day"),
        "columns": [_("Request"), _("Waiting on"), _("Since"), _("Days")],
        "rows": [
            [(i["title"], i["url"]), (i["person"]["name"], ""), (i["since"], ""), (str(i["days"]), "")]
            for i in data.get("items", [])
        ],
        "url": data.get("url", ""),
        "note": note,
    }


def _mine_present(data: dict, kind: str) -> dict:
    return {
        "title": _("Approvals waiting for you"),
        "columns": [_("Request"), _("From"), _("Since")],
        "rows": [
            [(i["title"], i["url"]), (i["requester"], ""), (i["since"], "")] for i in data.get("items", [])
        ],
        "url": data.get("url", ""),
    }


def _people_compute(**context) -> dict:
    from ..selectors.control import digest_people_compute

    return digest_people_compute(**context)


def _mine_compute(**context) -> dict:
    from ..selectors.control import digest_mine_compute

    return digest_mine_compute(**context)


def digest_sources():
    from portal.core.registry import DigestSource

    return (
        DigestSource(DIGEST_PEOPLE, _people_compute, _people_present, kinds=("supervisor",), order=60),
        DigestSource(DIGEST_MINE, _mine_compute, _mine_present, kinds=("supervisor", "personal"), order=61),
    )


# --- the start page ---------------------------------------------------------------------------------------


def _since(moment, today) -> str:
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    if local.date() == today:
        return formats.time_format(local, "TIME_FORMAT")
    return formats.date_format(local, "MONTH_DAY_FORMAT")


def _home_waiting(request) -> dict:
    """The requests waiting for my decision, the longest waiting first: the first few with who asked and
    since when, red when a step is past its deadline. Two queries."""
    from portal.core.registry import HOME_CARD_ROWS, HomeRow

    from ..selectors.control import process_url, waiting_for_me

    user = request.user
    now = timezone.now()
    today = timezone.localdate(now)
    processes, total = waiting_for_me(user=user, limit=HOME_CARD_ROWS)
    rows, late = [], False
    for process in processes:
        step = process.current_step
        overdue = bool(step and step.due_at and step.due_at < now)
        late = late or overdue
        who = (process.requester.full_name or process.requester.email) if process.requester_id else ""
        when = _since(step.started_at if step else process.submitted_at, today)
        rows.append(
            HomeRow(
                process.title,
                process_url(process.pk),
                meta=" · ".join(p for p in (who, when) if p),
                tone="danger" if overdue else "",
            )
        )
    return {"count": total, "rows": rows, "level": "danger" if late else "warning"}


def _home_url(request) -> str:
    from ..selectors.control import process_list_url

    return process_list_url("waiting")


def home_card():
    from portal.core.registry import HOME_DAY, HomeCard

    return HomeCard(
        HOME_CARD,
        "",
        _home_waiting,
        order=25,
        section=HOME_DAY,
        title=gettext_lazy("Approvals waiting for me"),
        icon="bi-diagram-3",
        url=_home_url,
        empty=gettext_lazy("No request waits for your decision."),
    )


def register() -> None:
    from portal.core.registry import registry

    registry.dashboard_counters.register(dashboard_counter())
    for source in digest_sources():
        registry.digest_sources.register(source)
    registry.home_cards.register(home_card())
