"""Writes of the company calendar: public holidays and moved working days, entered by admins one by one or
imported from an iCalendar (.ics) file.

In a file, every all-day event (VEVENT with DATE values) gives its days; an event whose summary says it is a
working day ("working day", "workday", "рабочий день"; not "non-working day" nor "нерабочий день") or whose
CATEGORIES hold WORKDAY is a moved working day, any other a public holiday. Events with a time of day, recurring
events and dates out of range are skipped with the reason; a file that is no calendar at all is refused and
changes nothing.
"""

from __future__ import annotations

import datetime
import re
from typing import NamedTuple

from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from portal.core.audit import audit_record, diff, snapshot
from portal.core.errors import Invalid, NotAllowed
from portal.core.permissions import is_portal_admin

from ..choices import HolidayKind
from ..models import Holiday

MAX_ICS_BYTES = 1024 * 1024
MAX_EVENT_DAYS = 31
FIRST_YEAR, LAST_YEAR = 2000, 2100
WORKDAY_CATEGORY = "WORKDAY"
# "working day" / "workday" / "work day" but not "non-working day"; "рабочий день" / "рабочая суббота" but not
# "нерабочий день".
WORKDAY_MARKERS = (
    re.compile(r"(?<![\w-])(?<!non-)(?<!non )(working|work)[ -]?(day|saturday|sunday)\b", re.IGNORECASE),
    re.compile(r"(?<![а-яё])рабоч(ий|ая|ее|ие)\s+(день|суббота|воскресенье|дни)", re.IGNORECASE),
)


class IcsImport(NamedTuple):
    """What an import did: dates created and updated, and the events skipped with why; `unchanged` dates
    were in the calendar already as the file says."""

    created: int
    updated: int
    errors: list[str]
    unchanged: int = 0

    @property
    def skipped(self) -> int:
        return len(self.errors)


def _require_admin(actor) -> None:
    if actor is not None and not is_portal_admin(actor):
        raise NotAllowed(_("Only administrators edit the company calendar."))


def _clean(*, date, name: str, kind: str) -> tuple[datetime.date, str, str]:
    errors: dict[str, list[str]] = {}
    name = " ".join((name or "").split())
    if not isinstance(date, datetime.date) or isinstance(date, datetime.datetime):
        errors["date"] = [_("Give a date.")]
    elif not FIRST_YEAR <= date.year <= LAST_YEAR:
        errors["date"] = [
            _("Give a date from %(first)s to %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR}
        ]
    if not name:
        errors["name"] = [_("Give the day a name.")]
    elif len(name) > Holiday._meta.get_field("name").max_length:
        errors["name"] = [_("The name is too long.")]
    if kind not in HolidayKind.values:
        errors["kind"] = [_("Choose a public holiday or a moved working day.")]
    if errors:
        raise Invalid(fields=errors)
    return date, name, kind


@transaction.atomic
def holiday_set(*, actor, date: datetime.date, name: str, kind: str = HolidayKind.HOLIDAY) -> Holiday:
    """Make `date` a public holiday (or, with kind "workday", a moved working day) named `name`; a date
    already in the calendar is changed (admins)."""
    _require_admin(actor)
    date, name, kind = _clean(date=date, name=name, kind=kind)
    holiday = Holiday.objects.select_for_update().filter(date=date).first()
    if holiday is None:
        holiday = Holiday.objects.create(date=date, name=name, kind=kind)
        audit_record(
            actor=actor,
            action="workflows.holiday.create",
            target=holiday,
            changes={"name": name, "kind": kind},
        )
        return holiday
    before = snapshot(holiday, ["name", "kind"])
    holiday.name, holiday.kind = name, kind
    holiday.save(update_fields=["name", "kind"])
    changed = diff(before, snapshot(holiday, ["name", "kind"]))
    if changed:
        audit_record(actor=actor, action="workflows.holiday.update", target=holiday, changes=changed)
    return holiday


@transaction.atomic
def holiday_delete(*, actor, holiday: Holiday) -> None:
    """Take a date out of the calendar (admins)."""
    _require_admin(actor)
    audit_record(
        actor=actor,
        action="workflows.holiday.delete",
        target=holiday,
        changes={"date": holiday.date, "name": holiday.name, "kind": holiday.kind},
    )
    Holiday.objects.filter(pk=holiday.pk).delete()


# --- .ics import ----------------------------------------------------------------------------------------


def is_workday_event(summary: str, categories: list[str]) -> bool:
    """Whether an event names a moved working day (its summary's words or a WORKDAY category)."""
    if any(category.strip().upper() == WORKDAY_CATEGORY for category in categories):
        return True
    return any(marker.search(summary or "") for marker in WORKDAY_MARKERS)


def _categories(event) -> list[str]:
    values = event.get("CATEGORIES")
    if values is None:
        return []
    if not isinstance(values, list):
        values = [values]
    names = []
    for value in values:
        for category in getattr(value, "cats", None) or [value]:
            text = category.decode() if isinstance(category, bytes) else str(category)
            names += [part for part in text.split(",") if part]
    return names


def _event_days(event) -> tuple[list[datetime.date], str]:
    """The dates of an all-day event, or ([], why it is skipped)."""
    start = getattr(event.get("DTSTART"), "dt", None)
    if start is None or not isinstance(start, datetime.date):
        return [], _("no valid start date")
    if isinstance(start, datetime.datetime):
        return [], _("not an all-day event")
    if event.get("RRULE") is not None:
        return [], _("a recurring event: give its dates one by one")
    end = getattr(event.get("DTEND"), "dt", None)
    duration = getattr(event.get("DURATION"), "dt", None)
    if isinstance(end, datetime.datetime):
        return [], _("not an all-day event")
    if isinstance(end, datetime.date):
        last = end - datetime.timedelta(days=1)  # DTEND of an all-day event is the day after
    elif isinstance(duration, datetime.timedelta):
        last = start + duration - datetime.timedelta(days=1)
    else:
        last = start
    last = max(last, start)
    if (last - start).days + 1 > MAX_EVENT_DAYS:
        return [], _("longer than %(days)s days") % {"days": MAX_EVENT_DAYS}
    if not (FIRST_YEAR <= start.year <= LAST_YEAR and FIRST_YEAR <= last.year <= LAST_YEAR):
        return [], _("out of the years %(first)s–%(last)s") % {"first": FIRST_YEAR, "last": LAST_YEAR}
    return [start + datetime.timedelta(days=n) for n in range((last - start).days + 1)], ""


def parse_ics(data: bytes) -> tuple[dict[datetime.date, tuple[str, str]], list[str]]:
    """({date: (name, kind)}, skipped events with why) of an .ics file; Invalid when it is no calendar."""
    import icalendar

    if not data:
        raise Invalid(fields={"file": [_("The file is empty.")]})
    if len(data) > MAX_ICS_BYTES:
        raise Invalid(fields={"file": [_("The file is larger than 1 MB.")]})
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except (ValueError, TypeError, IndexError, KeyError, UnicodeDecodeError):
        raise Invalid(fields={"file": [_("This is not an iCalendar (.ics) file.")]}) from None
    if getattr(calendar, "name", "") != "VCALENDAR":
        raise Invalid(fields={"file": [_("This is not an iCalendar (.ics) file.")]})
    events = calendar.walk("VEVENT")
    if not events:
        raise Invalid(fields={"file": [_("The calendar has no events.")]})
    found: dict[datetime.date, tuple[str, str]] = {}
    errors: list[str] = []
    for number, event in enumerate(events, start=1):
        summary = " ".join(str(event.get("SUMMARY") or "").split())
        title = summary or _("event %(number)s") % {"number": number}
        days, why = _event_days(event)
        if why:
            errors.append(_("%(event)s: %(why)s") % {"event": title, "why": why})
            continue
        kind = HolidayKind.WORKDAY if is_workday_event(summary, _categories(event)) else HolidayKind.HOLIDAY
        name = (summary or (_("Working day") if kind == HolidayKind.WORKDAY else _("Holiday")))[
            : Holiday._meta.get_field("name").max_length
        ]
        for day in days:
            if day in found:
                errors.append(
                    _("%(event)s: %(date)s is in the file twice")
                    % {"event": title, "date": formats.date_format(day, "SHORT_DATE_FORMAT")}
                )
                continue
            found[day] = (name, str(kind))
    return found, errors


@transaction.atomic
def holidays_import_ics(*, actor, data: bytes) -> IcsImport:
    """Import the all-day events of an .ics file as holidays and moved working days (admins): new dates are
    created, dates already in the calendar take the file's name and kind. A file that is not a calendar is
    refused (Invalid, field "file") and nothing changes; events that cannot be used are skipped with why."""
    _require_admin(actor)
    found, errors = parse_ics(data)
    existing = {h.date: h for h in Holiday.objects.select_for_update().filter(date__in=list(found))}
    created = updated = unchanged = 0
    new = []
    for day, (name, kind) in sorted(found.items()):
        holiday = existing.get(day)
        if holiday is None:
            new.append(Holiday(date=day, name=name, kind=kind))
        elif (holiday.name, holiday.kind) == (name, kind):
            unchanged += 1
        else:
            holiday.name, holiday.kind = name, kind
            holiday.save(update_fields=["name", "kind"])
            updated += 1
    if new:
        Holiday.objects.bulk_create(new)
        created = len(new)
    if created or updated:
        first, last = min(found), max(found)
        target = Holiday.objects.get(date=first)
        audit_record(
            actor=actor,
            action="workflows.holiday.import",
            target=target,
            changes={"created": created, "updated": updated, "from": first, "to": last},
        )
    return IcsImport(created=created, updated=updated, errors=errors, unchanged=unchanged)
