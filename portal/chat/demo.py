"""Demo chats among the demo company's people, through the real services. Safe to run twice.

`seed_demo_chat()` is called by `manage.py seed_demo` after the people and groups exist; it skips people
and groups that are not there and never adds messages to a chat that has some already.
"""

from __future__ import annotations

from django.db import transaction

from portal.core.demo import in_demo_language

DEMO_DOMAIN = "demo.lumen"

# What the demo people say, in each language the demo speaks:
# "direct": [(one person, the other person, [(author: 0 or 1, text), ...])],
# "group": [(title, creator, members, [(author, text), ...])], "workgroup": [(author, text)] in the
# relaunch project's chat.
CHATS = {
    "en": {
        "direct": [
            (
                "ceo",
                "sales.head",
                [
                    (0, "Oliver, do you have a minute for the Q3 pipeline review?"),
                    (1, "Sure, after the 11:00 call. The Northwind deal moved to negotiation."),
                    (0, "Great news. Send me the numbers before lunch, please."),
                    (1, "Will do 👍"),
                ],
            ),
            (
                "sales.head",
                "sales.manager",
                [
                    (0, "Ethan, how did the demo with the logistics client go?"),
                    (1, "Very well: they want a proposal for 40 seats by Friday."),
                    (0, "Good. Use the volume discount table, and copy me on the e-mail."),
                ],
            ),
            (
                "cto",
                "ceo",
                [
                    (0, "The new release is on staging; the team finished the chat and the live counters."),
                    (1, "Let's show it at the Monday all-hands."),
                ],
            ),
        ],
        "group": [
            (
                "Leadership",
                "ceo",
                ["sales.head", "cto", "cfo", "marketing.head"],
                [
                    ("ceo", "Morning all. Budget review moves to Thursday 10:00."),
                    ("cfo", "Fine by me. I'll circulate the draft on Wednesday."),
                    ("cto", "@sofia can you add the cloud costs as a separate line?"),
                    ("cfo", "Yes, separate line it is."),
                ],
            ),
            (
                "Sales floor",
                "sales.head",
                ["sales.manager", "sales.analyst", "ka.manager1", "ka.manager2", "inside1", "inside2"],
                [
                    ("sales.head", "Reminder: daily reports by 18:00 today, please."),
                    ("sales.analyst", "The weekly funnel report is in the group files."),
                    ("inside1", "Three new inbound leads from the website form this morning."),
                    ("sales.manager", "@noah send me the logistics one, I know them."),
                ],
            ),
        ],
        "workgroup": [
            ("marketing.head", "Welcome to the relaunch chat! Kick-off notes are in the group files."),
            ("designer", "First mock-ups of the home page are ready for review."),
            ("backend1", "The staging store is up; payment sandbox works."),
            ("seo", "Please keep the old URLs: I'll send the redirect list tomorrow."),
        ],
    },
    "ru": {
        "direct": [
            (
                "ceo",
                "sales.head",
                [
                    (0, "Олег, найдётся минута на разбор воронки за III квартал?"),
                    (1, "Конечно, после звонка в 11:00. Сделка с «Северной звездой» перешла в переговоры."),
                    (0, "Отличная новость. Пришли, пожалуйста, цифры до обеда."),
                    (1, "Сделаю 👍"),
                ],
            ),
            (
                "sales.head",
                "sales.manager",
                [
                    (0, "Егор, как прошла демонстрация у логистической компании?"),
                    (1, "Очень хорошо: к пятнице ждут предложение на 40 рабочих мест."),
                    (0, "Отлично. Возьми таблицу скидок за объём и поставь меня в копию письма."),
                ],
            ),
            (
                "cto",
                "ceo",
                [
                    (0, "Новая версия на тестовом сервере: команда закончила чат и живые счётчики."),
                    (1, "Покажем её в понедельник на общем собрании."),
                ],
            ),
        ],
        "group": [
            (
                "Руководство",
                "ceo",
                ["sales.head", "cto", "cfo", "marketing.head"],
                [
                    ("ceo", "Всем доброе утро. Обсуждение бюджета переносится на четверг, 10:00."),
                    ("cfo", "Меня устраивает. Черновик разошлю в среду."),
                    ("cto", "Софья, можно расходы на облако вынести отдельной строкой?"),
                    ("cfo", "Да, будет отдельной строкой."),
                ],
            ),
            (
                "Отдел продаж",
                "sales.head",
                ["sales.manager", "sales.analyst", "ka.manager1", "ka.manager2", "inside1", "inside2"],
                [
                    ("sales.head", "Напоминаю: ежедневные отчёты сегодня до 18:00."),
                    ("sales.analyst", "Еженедельный отчёт по воронке лежит в файлах группы."),
                    ("inside1", "С утра пришли три новые заявки с формы на сайте."),
                    ("sales.manager", "Никита, перешли мне заявку от логистов, я их знаю."),
                ],
            ),
        ],
        "workgroup": [
            ("marketing.head", "Добро пожаловать в чат проекта! Итоги стартовой встречи — в файлах группы."),
            ("designer", "Первые макеты главной страницы готовы к обсуждению."),
            ("backend1", "Тестовый магазин запущен, платёжная песочница работает."),
            ("seo", "Пожалуйста, сохраните старые адреса страниц: завтра пришлю список редиректов."),
        ],
    },
}
WORKGROUP = "relaunch"  # the key of the demo group whose chat talks (portal.groups.demo)


def _email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


def _say(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


@transaction.atomic
def seed_demo_chat(*, stdout=None) -> dict[str, int]:
    """Create the demo chats and their messages (what is missing only). Returns what was created."""
    from portal.groups.demo import demo_group
    from portal.people.models import User

    from . import services
    from .models import Chat, ChatMember, Message

    created = {"chats": 0, "messages": 0}
    texts = in_demo_language(CHATS)
    people = {u.email.split("@", 1)[0]: u for u in User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}")}

    def fill(chat, lines) -> None:
        if Message.objects.filter(chat=chat).exists():
            return
        for author, text in lines:
            services.message_send(actor=author, chat=chat, body=text)
            created["messages"] += 1

    for one, other, lines in texts["direct"]:
        if one not in people or other not in people:
            continue
        pair = (people[one], people[other])
        existed = Chat.objects.filter(
            direct_key=f"{min(p.pk for p in pair)}:{max(p.pk for p in pair)}"
        ).exists()
        chat = services.chat_direct_open(actor=pair[0], other=pair[1])
        created["chats"] += 0 if existed else 1
        fill(chat, [(pair[who], text) for who, text in lines])

    for title, creator, members, lines in texts["group"]:
        if creator not in people:
            continue
        chat = Chat.objects.filter(title=title, created_by=people[creator], workgroup__isnull=True).first()
        if chat is None:
            chat = services.chat_group_create(
                actor=people[creator], title=title, members=[people[m] for m in members if m in people]
            )
            created["chats"] += 1
        fill(chat, [(people[a], text) for a, text in lines if a in people])

    group = demo_group(WORKGROUP)
    if group is not None:
        owner = people.get("marketing.head")
        if owner is not None and group.memberships.filter(user=owner).exists():
            existed = Chat.objects.filter(workgroup=group).exists()
            chat = services.chat_workgroup_open(actor=owner, group=group)
            created["chats"] += 0 if existed else 1
            members = set(ChatMember.objects.filter(chat=chat).values_list("user_id", flat=True))
            fill(
                chat,
                [(people[a], t) for a, t in texts["workgroup"] if a in people and people[a].pk in members],
            )

    _say(stdout, f"Demo chats: {created['chats']} chats, {created['messages']} messages created.")
    return created
