"""Accessibility basics over the main pages: every link and button has an accessible name (an icon alone is not
one), decorative icons are hidden from screen readers, and what changes by itself is announced.

The pages are rendered by the test client as a head of department with something on each page (a group, a task
with a subtask, a post, a chat, a notification, a report to rate), so the conditional controls are there too."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from tests.chat.factories import ChatFactory, ChatMemberFactory, MessageFactory
from tests.groups.factories import MembershipFactory, ProjectFactory
from tests.notifications.factories import NotificationFactory
from tests.stream.factories import post
from tests.tasks.factories import TaskFactory

pytestmark = pytest.mark.django_db

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Control:
    def __init__(self, tag: str, attrs: dict, hidden: bool):
        self.tag, self.attrs, self.hidden = tag, attrs, hidden
        self.text: list[str] = []
        self.markup = f"<{tag} " + " ".join(f'{k}="{v}"' for k, v in attrs.items() if v is not None) + ">"

    def name(self) -> str:
        for attr in ("aria-label", "aria-labelledby", "title"):
            if (self.attrs.get(attr) or "").strip():
                return self.attrs[attr].strip()
        return "".join(self.text).strip()


class NameChecker(HTMLParser):
    """Collects the links (with an href) and buttons with no accessible name, and the Bootstrap icons that a
    screen reader would read out (neither hidden nor named)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, hides its text from the accessible name)
        self.controls: list[Control] = []
        self.nameless: list[str] = []
        self.loud_icons: list[str] = []

    def _hidden(self) -> bool:
        return any(hides for _tag, hides in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        # Text that a screen reader does not get: aria-hidden, and `d-none` with no breakpoint showing it again.
        hides = (
            attrs.get("aria-hidden") == "true"
            or attrs.get("hidden") is not None
            or (
                "d-none" in classes
                and not any(c.startswith("d-") and c != "d-none" and "none" not in c for c in classes)
            )
        )
        if tag == "i" and "bi" in classes and not hides and not attrs.get("aria-label"):
            self.loud_icons.append(f'<i class="{attrs.get("class")}">')
        if tag == "img" and (attrs.get("alt") or "").strip():
            for control in self.controls:
                control.text.append(attrs["alt"])
        if tag in ("a", "button") and (tag == "button" or attrs.get("href")):
            self.controls.append(Control(tag, attrs, self._hidden() or hides))
        if tag not in VOID:
            self.stack.append((tag, hides))

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, _hides = self.stack.pop()
            if open_tag == tag:
                break
        if tag in ("a", "button") and self.controls and self.controls[-1].tag == tag:
            control = self.controls.pop()
            if not control.hidden and not control.name():
                self.nameless.append(control.markup)
            if self.controls:  # a control inside another names it too
                self.controls[-1].text.extend(control.text)

    def handle_data(self, data):
        if not self._hidden():
            for control in self.controls:
                control.text.append(data)


def check(html: str) -> NameChecker:
    checker = NameChecker()
    checker.feed(html)
    checker.close()
    return checker


def test_the_checker_sees_an_icon_only_button():
    assert check('<button type="button"><i class="bi bi-x"></i></button>').nameless
    assert check('<a href="/x"><i class="bi bi-x" aria-hidden="true"></i></a>').nameless
    assert check(
        '<a href="/x"><i class="bi bi-x" aria-hidden="true"></i><span class="d-none">Close</span></a>'
    ).nameless
    assert not check(
        '<button aria-label="Close"><i class="bi bi-x" aria-hidden="true"></i></button>'
    ).nameless
    assert not check(
        '<a href="/x"><i class="bi bi-x" aria-hidden="true"></i> <span class="visually-hidden">Close</span></a>'
    ).nameless
    assert not check('<a href="/x"><span class="d-none d-md-inline">Close</span></a>').nameless
    assert check('<span><i class="bi bi-x"></i> Close</span>').loud_icons


@pytest.fixture
def pages(org):
    head = org.sales_head
    project = ProjectFactory(name="Launch")
    MembershipFactory(group=project, user=head)
    MembershipFactory(group=project, user=org.sales_rep)
    task = TaskFactory(responsible=head, creator=org.sales_rep, group=project, title="Offer for the partners")
    TaskFactory(responsible=org.sales_rep, creator=head, parent=task, title="Gather the prices")
    post(org.sales_rep, "Welcome to the launch")
    chat = ChatFactory(title="Sales corner")
    for person in (head, org.sales_rep):
        ChatMemberFactory(chat=chat, user=person)
    MessageFactory(chat=chat, author=org.sales_rep, body="Morning!")
    NotificationFactory(recipient=head)
    return head, [
        reverse("home"),
        reverse("stream:feed"),
        reverse("search") + "?q=offer",
        reverse("search_suggest") + "?q=offer",
        reverse("tasks:home"),
        reverse("tasks:detail", args=[task.pk]),
        reverse("tasks:kanban"),
        reverse("tasks:kanban") + f"?group={project.pk}&swimlanes=responsible",
        reverse("tasks:plan"),
        reverse("tasks:gantt"),
        reverse("reports:home"),
        reverse("reports:report_write"),
        reverse("reports:to_rate"),
        reverse("reports:workday_widget"),
        reverse("people:directory"),
        reverse("people:profile", args=[org.sales_rep.pk]),
        reverse("groups:list"),
        reverse("groups:detail", args=[project.pk]),
        reverse("chat:list"),
        reverse("chat:detail", args=[chat.pk]),
        reverse("notifications:list"),
        reverse("notifications:dropdown"),
    ]


def test_every_control_of_the_main_pages_has_a_name(pages):
    head, urls = pages
    client = Client()
    client.force_login(head)
    problems = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        found = check(response.content.decode())
        if found.nameless:
            problems[url] = found.nameless
    assert not problems, problems


def test_decorative_icons_are_hidden_from_screen_readers(pages):
    head, urls = pages
    client = Client()
    client.force_login(head)
    problems = {}
    for url in urls:
        found = check(client.get(url).content.decode())
        if found.loud_icons:
            problems[url] = sorted(set(found.loud_icons))
    assert not problems, problems


def test_what_changes_by_itself_is_announced(pages):
    head, _urls = pages
    client = Client()
    client.force_login(head)
    home = client.get(reverse("home")).content.decode()
    assert 'id="lumen-toasts" aria-live="polite"' in home  # toasts
    assert 'role="status" aria-live="polite" id="lumen-suggest-status"' in home  # how many suggestions came
    assert 'id="bell-badge" aria-live="polite"' in home  # the unread count
    assert re.search(
        r'data-counter-slot="\w+" data-counter-keys="[^"]*" aria-live="polite"', home
    )  # the menu's
    kanban = client.get(reverse("tasks:kanban")).content.decode()
    assert 'board-count" data-total="0" aria-live="polite"' in kanban  # column counters
