"""Demo notifications for the demo company (`manage.py seed_demo`), written through `notify`. Idempotent."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from portal.core.demo import in_demo_language

DEMO_DOMAIN = "demo.lumen"

# (recipient local parts, actor local part or None, kind, title, body, url, mark read), in each language the
# demo speaks.
DEMO_NOTIFICATIONS = {
    "en": [
        (
            ["sales.manager"],
            "sales.head",
            "mention",
            "Oliver Grant mentioned you: “Ethan, can you prepare the Q3 pipeline review?”",
            "Let's go through the biggest deals on Thursday.",
            "/stream/",
            False,
        ),
        (
            ["sales.manager"],
            "ceo",
            "like",
            "Your post about the Nordic trade fair got a like",
            "",
            "/stream/",
            True,
        ),
        (
            ["sales.head"],
            "sales.manager",
            "comment",
            "Ethan Walker commented on your post “Sales targets for Q3”",
            "Looks ambitious but doable — I'll share the numbers by Friday.",
            "/stream/",
            False,
        ),
        (
            ["admin", "sales.head", "sales.manager", "ceo"],
            "ceo",
            "announcement",
            "All-hands meeting on Friday at 16:00",
            "We will review the half-year results and the plans for autumn. Please join in person or online.",
            "/stream/",
            False,
        ),
        (
            ["admin"],
            None,
            "system",
            "Welcome to Lumen: the demo company is ready",
            "Every demo login uses the same password. Django admin is under /admin/.",
            "/",
            False,
        ),
        (
            ["sales.head", "sales.manager"],
            "sales.head",
            "poll_closed",
            "The poll “Where should we hold the summer party?” is closed",
            "",
            "/stream/",
            False,
        ),
    ],
    "ru": [
        (
            ["sales.manager"],
            "sales.head",
            "mention",
            "Олег Григорьев упомянул вас: «Егор, подготовишь разбор воронки за III квартал?»",
            "Давай в четверг пройдёмся по самым крупным сделкам.",
            "/stream/",
            False,
        ),
        (
            ["sales.manager"],
            "ceo",
            "like",
            "Вашу запись о выставке в Санкт-Петербурге отметили «Нравится»",
            "",
            "/stream/",
            True,
        ),
        (
            ["sales.head"],
            "sales.manager",
            "comment",
            "Егор Волков прокомментировал вашу запись «Планы продаж на III квартал»",
            "Амбициозно, но выполнимо — пришлю цифры к пятнице.",
            "/stream/",
            False,
        ),
        (
            ["admin", "sales.head", "sales.manager", "ceo"],
            "ceo",
            "announcement",
            "Общее собрание в пятницу в 16:00",
            "Подведём итоги полугодия и обсудим планы на осень. Приходите лично или подключайтесь онлайн.",
            "/stream/",
            False,
        ),
        (
            ["admin"],
            None,
            "system",
            "Добро пожаловать в Lumen: демо-компания готова",
            "У всех демо-учётных записей один и тот же пароль. Администрирование Django — по адресу /admin/.",
            "/",
            False,
        ),
        (
            ["sales.head", "sales.manager"],
            "sales.head",
            "poll_closed",
            "Опрос «Где будем праздновать?» завершён",
            "",
            "/stream/",
            False,
        ),
    ],
}


def seed_demo_notifications(*, stdout=None) -> dict[str, int]:
    """Add the demo notifications that are not there yet. Returns {"created": n, "skipped": m}."""
    from .models import Notification
    from .services import notification_mark_read, notify

    users = {
        u.email.split("@")[0]: u for u in get_user_model().objects.filter(email__endswith=f"@{DEMO_DOMAIN}")
    }
    created = skipped = 0
    with transaction.atomic():
        for locals_, actor_local, kind, title, body, url, mark_read in in_demo_language(DEMO_NOTIFICATIONS):
            actor = users.get(actor_local) if actor_local else None
            missing = [
                users[name]
                for name in locals_
                if name in users
                and users[name] != actor
                and not Notification.objects.filter(recipient=users[name], kind=kind, title=title).exists()
            ]
            skipped += len(locals_) - len(missing)
            if not missing:
                continue
            rows = notify(recipients=missing, kind=kind, title=title, actor=actor, body=body, url=url)
            created += len(rows)
            if mark_read:
                for row in rows:
                    notification_mark_read(user=row.recipient, notification=row)
    if stdout is not None:
        stdout.write(f"Demo notifications: {created} added, {skipped} already there.")
    return {"created": created, "skipped": skipped}
