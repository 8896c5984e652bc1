"""A lively stream for the demo company, written through the stream's services.

`seed_demo_stream()` runs after the company, people and groups exist (`portal.core.demo.seed_demo`).
Every step looks for what is there first, so a second run adds nothing.
"""

from __future__ import annotations

import io
import math

from django.core.files.base import ContentFile
from django.db import transaction

from portal.core.demo import in_demo_language

from . import services
from .models import Comment, Entry, PollBallot
from .services import Audience, PollSpec

DOMAIN = "demo.lumen"

# What the demo people post and comment, in each language the demo speaks. `{hr}` and `{qa}` become mentions;
# the poll is (question, option, option, ...). The default font of the generated pictures draws Latin letters
# only, so the Russian captions are numbers.
TEXTS = {
    "en": {
        "welcome": (
            "Welcome to our new intranet! From today, company news, projects and discussions live here.\n"
            "Please read the house rules and press “I have read it”. Questions go to {hr}."
        ),
        "welcome.hr": "The house rules are in the knowledge base. Ask me anything!",
        "welcome.sales": "Looks great, finally one place for everything.",
        "party": "Summer party is coming! Help us choose the place.",
        "party.poll": ["Where shall we celebrate?", "At the lake", "Rooftop downtown", "Old brewery"],
        "party.events": "I can book any of the three, they all have space for 60 people.",
        "targets": (
            "Q3 targets are set: +12% on new business, key accounts flat. Pipeline review every Monday at 10:00."
        ),
        "targets.question": "Can we move the review to 10:30 on the first Monday?",
        "targets.answer": "Yes, 10:30 on the 1st, then back to 10:00.",
        "release": "Release 2.4 ships on Thursday. Thanks {qa} and the whole QA crew for the extra round.",
        "release.devops": "Deployment window: 18:00–19:00, no downtime expected.",
        "workshop": "Photos from the design workshop: the new homepage is taking shape.",
        "workshop.album": "Design workshop",
        "workshop.photo": "Design workshop · board {n}",
        "workshop.designer": "The third board is my favourite.",
        "rooms": "The new meeting rooms on the 3rd floor are ready. Book them in the calendar as usual.",
        "newcomers": "A short note for our newest colleagues: your onboarding buddy will reach out today.",
    },
    "ru": {
        "welcome": (
            "Добро пожаловать на наш новый портал! С сегодняшнего дня новости компании, проекты и обсуждения "
            "живут здесь.\nПожалуйста, прочитайте правила и нажмите «Прочитал(а)». Вопросы — нашему менеджеру по персоналу, {hr}."
        ),
        "welcome.hr": "Правила лежат в базе знаний. Спрашивайте, если что-то непонятно!",
        "welcome.sales": "Отлично, наконец-то всё в одном месте.",
        "party": "Скоро летний корпоратив! Помогите выбрать место.",
        "party.poll": ["Где будем праздновать?", "На озере", "На крыше в центре", "В старой пивоварне"],
        "party.events": "Могу забронировать любое из трёх мест, везде поместятся 60 человек.",
        "targets": (
            "Планы на III квартал утверждены: +12% по новым клиентам, ключевые клиенты на прошлогоднем уровне. "
            "Разбор воронки — каждый понедельник в 10:00."
        ),
        "targets.question": "Можно в первый понедельник перенести разбор на 10:30?",
        "targets.answer": "Да, первого числа в 10:30, дальше снова в 10:00.",
        "release": "Версия 2.4 выходит в четверг. {qa} и вся команда тестирования, спасибо за лишний прогон!",
        "release.devops": "Окно развёртывания: 18:00–19:00, простоя не ожидается.",
        "workshop": "Фотографии с дизайн-воркшопа: новая главная страница обретает форму.",
        "workshop.album": "Дизайн-воркшоп",
        "workshop.photo": "{n} / 3",
        "workshop.designer": "Третья доска — моя любимая.",
        "rooms": "Новые переговорные на третьем этаже готовы. Бронируйте их в календаре, как обычно.",
        "newcomers": "Коротко для наших новых коллег: наставник свяжется с вами сегодня.",
    },
}


def _image(name: str, hue: int, label: str) -> ContentFile:
    """A small generated picture: a soft gradient with a few circles and a caption."""
    from PIL import Image, ImageDraw

    width, height = 960, 640
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / height
        draw.line(
            [(0, y), (width, y)],
            fill=(int(40 + 120 * t + hue) % 256, int(90 + 80 * (1 - t)) % 256, int(150 + hue * 0.5) % 256),
        )
    for i in range(6):
        cx = int(width * (0.15 + 0.14 * i))
        cy = int(height * (0.5 + 0.25 * math.sin(i + hue)))
        r = 40 + 12 * i
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=(255, 255, 255), width=4)
    draw.rectangle([0, height - 70, width, height], fill=(20, 20, 30))
    draw.text((24, height - 52), label, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return ContentFile(out.getvalue(), name=name)


@transaction.atomic
def seed_demo_stream(*, stdout=None) -> dict[str, int]:
    """Posts to various audiences, comments, likes, a poll with votes, an important announcement and a
    photo album. Returns how many of each thing were created (all zeros on a second run)."""
    from portal.groups.demo import demo_group
    from portal.people.demo import demo_department
    from portal.people.models import User

    created = {"posts": 0, "comments": 0, "likes": 0, "votes": 0, "reads": 0, "photos": 0}
    people = {
        u.email.split("@")[0]: u for u in User.objects.filter(email__endswith=f"@{DOMAIN}", is_active=True)
    }
    if "ceo" not in people:
        if stdout:
            stdout.write("Stream demo skipped: the demo company is not there.")
        return created

    def who(local: str):
        return people.get(local) or people["ceo"]

    def mention(local: str) -> str:
        person = who(local)
        return f"@[{person.full_name}](user:{person.pk})"

    def post_once(author_local: str, body: str, audience: Audience, **kwargs) -> Entry:
        author = who(author_local)
        existing = Entry.objects.filter(author=author, body=body).first()
        if existing:
            return existing
        entry = services.post_create(actor=author, body=body, audience=audience, **kwargs)
        created["posts"] += 1
        created["photos"] += len(kwargs.get("photos") or [])
        return entry

    def comment_once(entry: Entry, author_local: str, body: str, parent=None) -> Comment:
        author = who(author_local)
        existing = Comment.objects.filter(entry=entry, author=author, body=body).first()
        if existing:
            return existing
        created["comments"] += 1
        return services.comment_create(actor=author, entry=entry, body=body, parent=parent)

    def like(entry: Entry, *locals_: str) -> None:
        for local in locals_:
            if local in people and services.like_add(actor=people[local], entry=entry):
                created["likes"] += 1

    def vote(entry: Entry, local: str, answer: int) -> None:
        person = people.get(local)
        poll = entry.poll
        if person is None or PollBallot.objects.filter(poll=poll, user=person).exists():
            return
        option = list(poll.options.all())[answer % poll.options.count()]
        services.poll_vote(actor=person, poll=poll, option_ids=[option.pk])
        created["votes"] += 1

    t = in_demo_language(TEXTS)
    everyone = Audience(everyone=True)
    sales, engineering = demo_department("sales.head"), demo_department("cto")
    news, relaunch = demo_group("news"), demo_group("relaunch")

    welcome = post_once("ceo", t["welcome"].format(hr=mention("hr")), everyone, is_important=True)
    comment_once(welcome, "hr", t["welcome.hr"])
    comment_once(welcome, "sales.manager", t["welcome.sales"])
    like(welcome, "hr", "cto", "sales.head", "designer", "content", "backend1", "accountant")
    for local in ("hr", "cto", "sales.head", "marketing.head", "accountant"):
        if local in people and not welcome.reads.filter(user=people[local]).exists():
            services.announcement_read(actor=people[local], entry=welcome)
            created["reads"] += 1

    question, *options = t["party.poll"]
    party = post_once("hr", t["party"], everyone, poll=PollSpec(question=question, options=options))
    for i, local in enumerate(
        ["ceo", "cto", "designer", "content", "backend1", "backend2", "ios", "accountant", "seo"]
    ):
        vote(party, local, i % 3 if i % 4 else 0)
    comment_once(party, "events", t["party.events"])

    if sales is not None:
        targets = post_once("sales.head", t["targets"], Audience(departments=[sales]))
        first = comment_once(targets, "ka.manager1", t["targets.question"])
        comment_once(targets, "sales.head", t["targets.answer"], parent=first)
        like(targets, "sales.manager", "ka.manager1", "inside1", "inside2")

    if engineering is not None:
        release = post_once(
            "cto", t["release"].format(qa=mention("qa.lead")), Audience(departments=[engineering])
        )
        comment_once(release, "devops", t["release.devops"])
        like(release, "qa.lead", "backend1", "backend3", "android", "ios")

    if relaunch is not None:
        workshop = post_once(
            "marketing.head",
            t["workshop"],
            Audience(groups=[relaunch]),
            photos=[
                _image(f"workshop-{i}.jpg", hue=i * 40, label=t["workshop.photo"].format(n=i + 1))
                for i in range(3)
            ],
            album_title=t["workshop.album"],
        )
        comment_once(workshop, "designer", t["workshop.designer"])
        like(workshop, "designer", "content", "seo")

    if news is not None:
        office = post_once("ceo", t["rooms"], Audience(groups=[news]))
        like(office, "office", "assistant", "legal")

    newcomers = [people[k] for k in ("recruiter", "support1", "support2") if k in people]
    if newcomers:
        post_once("hr", t["newcomers"], Audience(users=newcomers))

    if stdout:
        stdout.write("Stream: " + ", ".join(f"{v} {k}" for k, v in created.items()))
    return created
