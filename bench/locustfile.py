"""Locust scenarios of the benchmark. `bench.run` starts locust once per scenario with these variables:

LUMEN_BENCH_SCENARIO   which scenario the users run (see SCENARIOS)
LUMEN_BENCH_SAMPLES    where to write the measured samples (JSON) when locust quits
LUMEN_BENCH_LOGINS     how many seeded people to sign in as (person1 … personN)
LUMEN_BENCH_PASSWORD   their password
LUMEN_BENCH_WARMUP     seconds at the start whose requests are not measured

Users wait for nothing between requests: the figures are the server's throughput at a fixed number of
concurrent clients. Signing in happens before the measured requests and is not part of the figures.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import html
import json
import os
import random
import re
import time
import uuid
from urllib.parse import quote, urlsplit

from locust import HttpUser, constant, events, task

LOGIN_PATH = "/accounts/login/"
DOMAIN = "scale.lumen"
SEARCHES = ["Novak", "Anna", "Berg", "Sales", "Engineer", "Lopez", "Mia", "Costa"]
QUERY_HEADER = "X-Lumen-Queries"

SCENARIO = os.environ.get("LUMEN_BENCH_SCENARIO", "floor")
WARMUP = float(os.environ.get("LUMEN_BENCH_WARMUP", "2"))
LOGINS = int(os.environ.get("LUMEN_BENCH_LOGINS", "100"))
PASSWORD = os.environ.get("LUMEN_BENCH_PASSWORD", "lumen-bench")
# How many users the run starts: nothing is measured until every one of them has signed in (a sign-in
# hashes a password, a second or more of a worker's time under load) and the warm-up has passed after that.
USERS = int(os.environ.get("LUMEN_BENCH_USERS", "0"))
# Who the users sign in as: drawn from person1 … personLOGINS, the same people in every run (users start
# one after another), so that two runs measure the same mix of heads and employees and can be compared.
PEOPLE = random.Random(12)


class Samples:
    """What the measured requests gave: latencies, failures and query counts."""

    def __init__(self) -> None:
        self.started_at = time.time()
        self.ready_users = 0
        self.ready_at: float | None = None
        self.first: float | None = None
        self.last: float | None = None
        self.latencies: list[float] = []
        self.queries: list[int] = []
        self.sizes: list[int] = []
        self.failures: dict[str, int] = {}

    def user_ready(self) -> None:
        """A user has done its setup (sign-in, ids collected); the last one starts the clock of the warm-up."""
        self.ready_users += 1
        if self.ready_users >= USERS and self.ready_at is None:
            self.ready_at = time.time()

    def add(self, *, name: str, started: float, response_time: float, response, exception, size=0) -> None:
        if name.startswith("setup:") or started < self.started_at + WARMUP:
            return
        if USERS and (self.ready_at is None or started < self.ready_at + WARMUP):
            return
        finished = started + response_time / 1000
        self.first = started if self.first is None else min(self.first, started)
        self.last = finished if self.last is None else max(self.last, finished)
        self.latencies.append(response_time)
        self.sizes.append(size or 0)
        if exception is not None:
            key = f"{name}: {exception}"[:200]
            self.failures[key] = self.failures.get(key, 0) + 1
        header = response.headers.get(QUERY_HEADER) if response is not None else None
        if header is not None and header.isdigit():
            self.queries.append(int(header))

    def as_dict(self) -> dict:
        return {
            "scenario": SCENARIO,
            "window": [self.first, self.last],
            "latencies_ms": self.latencies,
            "queries": self.queries,
            "sizes": self.sizes,
            "failures": self.failures,
        }


samples = Samples()


@events.test_start.add_listener
def _on_test_start(environment, **kwargs) -> None:
    samples.started_at = time.time()


@events.request.add_listener
def _on_request(request_type, name, response_time, response_length, response=None, exception=None, **kw):
    started = kw.get("start_time") or (time.time() - response_time / 1000)
    samples.add(
        name=name,
        started=started,
        response_time=response_time,
        response=response,
        exception=exception,
        size=response_length,
    )


@events.quitting.add_listener
def _on_quitting(environment, **kwargs) -> None:
    path = os.environ.get("LUMEN_BENCH_SAMPLES")
    if path:
        with open(path, "w") as handle:
            json.dump(samples.as_dict(), handle)


# A keyset position about a year back in the seeded history (the id part only breaks ties).
DEEP_CURSOR = quote(
    (datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=365)).isoformat() + "_999999999999"
)


# Scenarios of the tasks app: each user signs in, and the ones that open single tasks or a project's chart
# first collect (unmeasured) the ids of tasks and projects they can see.
TASK_SCENARIOS = {"tasks_list", "task_page", "task_list_api", "kanban", "gantt_data", "task_list_all"}
SIGNED_IN = {
    "directory_page", "group_list_api", "feed_page", "home_page", "search_page", "search_alone", "counters_api",
}  # fmt: skip
# The control scenarios sign in as one head each: person1 heads the company (the whole tree under them),
# person2 a division (a sixth of it), person4 a team (seed_scale makes person k the head of its k-th
# department, in tree order: the company, a division, a region, a team).
HEADS = {
    "control_team": 4,
    "control_company": 1,
    "control_company_api": 1,
    "timesheet_department": 2,
}
# Words of the seeded task titles with up to 10,000 matches among 1,000,000 tasks (client and city names:
# 5,600-8,200 each), the size of search issue 12 set the goal for; the common verbs ("report", "review")
# match 40,000-118,000 tasks each.
TASK_WORDS = ["orion", "bluefield", "helix", "cobalt", "vega", "lisbon", "warsaw", "oslo"]


# Scenarios of the CRM (`manage.py seed_scale_crm`, run by seed_scale). The signed-in ones collect what they open
# first (unmeasured): the Kanban's "more" links of the default pipeline, the ids of contacts they see. The
# webhooks are not signed in: they authenticate as a PBX (its token) or sign their body (the store's secret),
# with the benchmark's fixed credentials (crm/management/commands/seed_scale_crm.py).
CRM_SIGNED_IN = {"crm_deal_list", "crm_kanban_more", "crm_contact_page"}
CRM_PBX_TOKEN = "pbx_bench_scale_lumen_0123456789abcdef"
CRM_STORE_TOKEN = "5ca1ab1e-0000-4000-8000-00000000c0de"
CRM_STORE_SECRET = "lumen-bench-store-secret"
# How many contacts were seeded (their phones are `crm_phone`); a number past them rings as unknown.
CRM_CONTACTS = int(os.environ.get("LUMEN_BENCH_CRM_CONTACTS", "1000"))
MORE_LINK = re.compile(r"/crm/deals/kanban/more/\?[^\"'\s<>]+")


# Scenarios of the workflows app (`manage.py seed_scale_workflows`, run by seed_scale): "waiting for me" of a
# team head (person4, who decides their team's requests), the absence chart of the department of about 300
# people for the current month, and a leave request started through its form (the ids come from the seed's
# output, through bench.run: LUMEN_BENCH_LEAVE_TEMPLATE, _VACATION_TYPE, _CHART_DEPARTMENT).
WORKFLOWS_APPROVER = 4
LEAVE_TEMPLATE = os.environ.get("LUMEN_BENCH_LEAVE_TEMPLATE", "")
VACATION_TYPE = os.environ.get("LUMEN_BENCH_VACATION_TYPE", "")
CHART_DEPARTMENT = os.environ.get("LUMEN_BENCH_CHART_DEPARTMENT", "")
WORKFLOWS_SIGNED_IN = {"workflows_absence_chart", "workflows_start"}


# Scenarios of the strategy (`manage.py seed_scale_strategy`, run by seed_scale): the goal register and the map of
# any employee, an indicator everyone sees with its chart (ids from the seed's output: LUMEN_BENCH_INDICATORS), and
# the orphan-work figure of the department of about 500 people as its head sees it (LUMEN_BENCH_ORPHAN_DEPARTMENT,
# _ORPHAN_HEAD).
STRATEGY_SIGNED_IN = {"strategy_register", "strategy_map", "strategy_indicator"}
INDICATORS = [int(pk) for pk in os.environ.get("LUMEN_BENCH_INDICATORS", "").split(",") if pk.isdigit()]
ORPHAN_DEPARTMENT = os.environ.get("LUMEN_BENCH_ORPHAN_DEPARTMENT", "")
ORPHAN_HEAD = os.environ.get("LUMEN_BENCH_ORPHAN_HEAD", "")

# Scenarios of the knowledge base (`manage.py seed_scale_kb`, run by seed_scale): pages every employee reads, the
# space of 5,000 pages, and search for a topic word (up to 10,000 matches of 100,000 pages) or a common word (a
# fifth of the pages or more). Ids and words from the seed's output: LUMEN_BENCH_KB_PAGES, _KB_SPACE, _KB_WORDS.
KB_SIGNED_IN = {"kb_page", "kb_space_tree", "kb_search", "kb_search_alone", "kb_search_any"}
KB_PAGES = [int(pk) for pk in os.environ.get("LUMEN_BENCH_KB_PAGES", "").split(",") if pk.isdigit()]
KB_SPACE = os.environ.get("LUMEN_BENCH_KB_SPACE", "")
KB_WORDS = [w for w in os.environ.get("LUMEN_BENCH_KB_WORDS", "").split(",") if w] or [
    "onboarding", "invoice", "warehouse", "compliance", "vacation", "procurement", "firewall", "payroll",
]  # fmt: skip
KB_COMMON_WORDS = ["team", "process", "customer", "report", "meeting", "project", "budget", "review"]


def crm_phone(n: int) -> str:
    """The phone of seeded contact n (0-based), as seed_scale_crm.phone_digits writes it, in E.164."""
    area = 200 + (n // 10_000_000) * 7 % 800
    exchange = 200 + (n // 10_000) % 800
    return f"+1{area}{exchange}{n % 10_000:04d}"


class LumenUser(HttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.task_ids: list[int] = []
        self.project_ids: list[int] = []
        self.more_links: list[str] = []
        self.contact_ids: list[int] = []
        self.orders = 0
        if (
            SCENARIO
            in SIGNED_IN
            | TASK_SCENARIOS
            | CRM_SIGNED_IN
            | WORKFLOWS_SIGNED_IN
            | STRATEGY_SIGNED_IN
            | KB_SIGNED_IN
        ):
            self.sign_in(f"person{PEOPLE.randint(1, LOGINS)}@{DOMAIN}")
        elif SCENARIO == "strategy_orphans":
            if not (ORPHAN_HEAD and ORPHAN_DEPARTMENT):
                raise RuntimeError("strategy_orphans: no department in the seed (run seed_scale_strategy)")
            self.sign_in(ORPHAN_HEAD)
        elif SCENARIO in HEADS:
            self.sign_in(f"person{HEADS[SCENARIO]}@{DOMAIN}")
        elif SCENARIO == "task_list_all_admin":
            self.sign_in(f"admin@{DOMAIN}")
        elif SCENARIO == "workflows_waiting":
            self.sign_in(f"person{WORKFLOWS_APPROVER}@{DOMAIN}")
        if SCENARIO == "strategy_indicator" and not INDICATORS:
            raise RuntimeError("strategy_indicator: no indicator in the seed (run seed_scale_strategy)")
        if SCENARIO == "kb_page" and not KB_PAGES:
            raise RuntimeError("kb_page: no page everyone reads in the seed (run seed_scale_kb)")
        if SCENARIO == "kb_space_tree" and not KB_SPACE:
            raise RuntimeError("kb_space_tree: no space in the seed (run seed_scale_kb)")
        if SCENARIO == "workflows_start" and not (LEAVE_TEMPLATE and VACATION_TYPE):
            raise RuntimeError("workflows_start: no leave template in the seed (run seed_scale_workflows)")
        if SCENARIO in {"task_page", "gantt_data"}:
            self.collect_tasks()
        if SCENARIO == "crm_kanban_more":
            self.collect_more_links()
        if SCENARIO == "crm_contact_page":
            self.collect_contacts()
        samples.user_ready()

    def collect_more_links(self) -> None:
        """The "more" links of the default pipeline's Kanban columns (each loads a column's next cards)."""
        with self.client.get("/crm/deals/", name="setup: kanban", catch_response=True) as response:
            found = MORE_LINK.findall(response.text) if response.status_code == 200 else []
            self.more_links = sorted({html.unescape(link) for link in found})
            if not self.more_links:
                response.failure("the Kanban has no column with more cards (seed more deals)")

    def collect_contacts(self) -> None:
        """Ids of contacts the user sees (their own, or their sub-tree's for a head)."""
        with self.client.get(
            "/api/v1/crm/contacts/", name="setup: contacts", catch_response=True
        ) as response:
            try:
                rows = response.json().get("results", []) if response.status_code == 200 else []
            except ValueError:
                rows = []
            self.contact_ids = [row["id"] for row in rows if "id" in row]
            if not self.contact_ids:
                response.failure("the person sees no contacts (seed the CRM)")

    def post_json(self, path: str, body: bytes, headers: dict, *, name: str) -> None:
        """A measured POST: anything but 2xx is an error."""
        headers = {"Content-Type": "application/json", "Accept": "application/json", **headers}
        with self.client.post(path, data=body, headers=headers, name=name, catch_response=True) as response:
            if not 200 <= response.status_code < 300:
                response.failure(f"status {response.status_code}: {response.text[:200]}")

    def ring(self) -> None:
        """A ringing call from a seeded contact's phone (now and then an unknown one): the caller lookup."""
        n = random.randrange(CRM_CONTACTS + CRM_CONTACTS // 10 + 1)
        event = {
            "event": "ringing",
            "call_id": f"bench-{uuid.uuid4().hex}",
            "direction": "in",
            "caller": crm_phone(n),
            "called": "+12125550100",
            "extension": str(101 + random.randrange(LOGINS)),
        }
        self.post_json(
            "/api/v1/crm/telephony/events/",
            json.dumps(event).encode(),
            {"Authorization": f"Bearer {CRM_PBX_TOKEN}"},
            name="crm_phone_lookup",
        )

    def store_order(self) -> None:
        """A new order of the shop in Lumen's JSON, signed with the connection's secret."""
        self.orders += 1
        quantity = random.randint(1, 3)
        order = {
            "event": "order.created",
            "event_id": uuid.uuid4().hex,
            "order": {
                "id": f"bench-{uuid.uuid4().hex[:16]}",
                "status": "paid",
                "currency": "USD",
                "updated_at": datetime.datetime.now(datetime.UTC).isoformat(),
                "customer": {
                    "email": f"buyer{random.randrange(CRM_CONTACTS)}@example.com",
                    "phone": crm_phone(random.randrange(CRM_CONTACTS)),
                    "first_name": "Bench",
                    "last_name": f"Buyer {self.orders}",
                },
                "lines": [{"sku": "SKU-001", "name": "Product 1", "quantity": quantity, "price": "95.00"}],
            },
        }
        body = json.dumps(order).encode()
        signature = hmac.new(CRM_STORE_SECRET.encode(), body, hashlib.sha256).hexdigest()
        self.post_json(
            f"/api/v1/crm/hooks/store/{CRM_STORE_TOKEN}/",
            body,
            {"X-Lumen-Signature": f"sha256={signature}"},
            name="crm_store_webhook",
        )

    def leave_request(self) -> None:
        """A leave request of a few days some months ahead, posted as the start page's form posts it: the
        answer is the redirect to the new request."""
        start = datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=random.randint(30, 300))
        end = start + datetime.timedelta(days=random.randint(0, 9))
        path = f"/workflows/start/{LEAVE_TEMPLATE}/"
        data = {
            "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
            "absence_type": VACATION_TYPE,
            "period_0": start.isoformat(),
            "period_1": end.isoformat(),
            "comment": "Bench leave",
        }
        with self.client.post(
            path,
            data=data,
            headers={"Referer": self.host + path},
            name="workflows_start",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code not in (302, 303):
                response.failure(f"status {response.status_code} (not the redirect to the new request)")

    def collect_tasks(self) -> None:
        """Ids of tasks the user is responsible for (else any they see), and of their groups with tasks."""
        for query in ("?role=do", ""):
            with self.client.get(
                f"/api/v1/tasks/{query}", name="setup: tasks", catch_response=True
            ) as response:
                try:
                    rows = response.json().get("results", []) if response.status_code == 200 else []
                except ValueError:
                    rows = []
                    response.failure("the tasks API did not answer JSON")
            self.task_ids = [row["id"] for row in rows if "id" in row]
            groups = (row.get("group") for row in rows)
            self.project_ids = sorted({g["id"] if isinstance(g, dict) else g for g in groups if g})
            if self.task_ids:
                return

    def sign_in(self, email: str) -> None:
        """As a browser does: fetch the form (and its CSRF cookie), post it, follow the redirect."""
        self.client.get(LOGIN_PATH, name="setup: login form")
        token = self.client.cookies.get("csrftoken", "")
        with self.client.post(
            LOGIN_PATH,
            data={"username": email, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": self.host + LOGIN_PATH},
            name="setup: sign in",
            catch_response=True,
        ) as response:
            if urlsplit(response.url).path == LOGIN_PATH:
                response.failure(f"could not sign in as {email} (status {response.status_code})")

    def get(self, path: str, *, name: str) -> None:
        """A measured request: anything but 200 (a redirect to the login page included) is an error."""
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")

    @task
    def scenario(self) -> None:
        if SCENARIO == "login_page":
            self.get(LOGIN_PATH, name="login_page")
        elif SCENARIO == "directory_page":
            if random.random() < 0.5:
                self.get("/company/", name="directory_page")
            else:
                self.get(f"/company/?q={random.choice(SEARCHES)}", name="directory_page ?q=")
        elif SCENARIO == "group_list_api":
            self.get("/api/v1/groups/", name="group_list_api")
        elif SCENARIO == "feed_page":
            # The first page, and a "more" page deep in the history (a year back): same cost by design.
            if random.random() < 0.5:
                self.get("/stream/", name="feed_page")
            else:
                self.get(f"/stream/?before={DEEP_CURSOR}", name="feed_page ?before= (deep)")
        elif SCENARIO == "tasks_list":
            self.get("/tasks/?role=do", name="tasks_list ?role=do")
        elif SCENARIO == "task_page":
            if not self.task_ids:
                raise RuntimeError("task_page: the signed-in person sees no tasks (seed with --tasks)")
            self.get(f"/tasks/{random.choice(self.task_ids)}/", name="task_page")
        elif SCENARIO == "task_list_api":
            self.get("/api/v1/tasks/?role=do", name="task_list_api ?role=do")
        elif SCENARIO in ("task_list_all", "task_list_all_admin"):
            self.get("/api/v1/tasks/", name=SCENARIO)
        elif SCENARIO == "kanban":
            self.get("/tasks/kanban/", name="kanban")
        elif SCENARIO == "gantt_data":
            # The person's own chart, and the chart of one of their projects or groups.
            if self.project_ids and random.random() < 0.5:
                self.get(
                    f"/tasks/gantt/data/?group={random.choice(self.project_ids)}", name="gantt_data ?group="
                )
            else:
                self.get("/tasks/gantt/data/", name="gantt_data")
        elif SCENARIO == "home_page":
            self.get("/", name="home_page")
        elif SCENARIO in ("search_page", "search_alone"):
            self.get(f"/search/?q={random.choice(TASK_WORDS)}", name=f"{SCENARIO} ?q=")
        elif SCENARIO == "counters_api":
            self.get("/api/v1/notifications/counters/", name="counters_api")
        elif SCENARIO == "control_team":
            self.get("/reports/", name="control_team")
        elif SCENARIO == "control_company":
            self.get("/reports/?subtree=1", name="control_company ?subtree=1")
        elif SCENARIO == "control_company_api":
            self.get("/api/v1/reports/dashboard/?subtree=1", name="control_company_api ?subtree=1")
        elif SCENARIO == "timesheet_department":
            self.get("/reports/timesheet/department/", name="timesheet_department")
        elif SCENARIO == "crm_deal_list":
            self.get("/crm/deals/list/", name="crm_deal_list")
        elif SCENARIO == "crm_kanban_more":
            self.get(random.choice(self.more_links), name="crm_kanban_more")
        elif SCENARIO == "crm_contact_page":
            pk = random.choice(self.contact_ids)
            if random.random() < 0.5:
                self.get(f"/crm/contacts/{pk}/", name="crm_contact_page")
            else:
                with self.client.get(
                    f"/crm/timeline/contact/{pk}/",
                    headers={"HX-Request": "true"},
                    name="crm_contact_page timeline",
                    catch_response=True,
                ) as response:
                    if response.status_code != 200:
                        response.failure(f"status {response.status_code}")
        elif SCENARIO == "crm_phone_lookup":
            self.ring()
        elif SCENARIO == "crm_store_webhook":
            self.store_order()
        elif SCENARIO == "workflows_waiting":
            self.get("/workflows/processes/?scope=waiting", name="workflows_waiting ?scope=waiting")
        elif SCENARIO == "workflows_absence_chart":
            month = datetime.datetime.now(datetime.UTC).date().strftime("%Y-%m")
            query = f"department={CHART_DEPARTMENT}&month={month}" if CHART_DEPARTMENT else f"month={month}"
            self.get(f"/workflows/absences/?{query}", name="workflows_absence_chart")
        elif SCENARIO == "workflows_start":
            self.leave_request()
        elif SCENARIO == "strategy_register":
            self.get("/strategy/goals/", name="strategy_register")
        elif SCENARIO == "strategy_map":
            self.get("/strategy/goals/map/", name="strategy_map")
        elif SCENARIO == "strategy_indicator":
            self.get(f"/strategy/indicators/{random.choice(INDICATORS)}/", name="strategy_indicator")
        elif SCENARIO == "strategy_orphans":
            self.get(f"/strategy/orphans/?department={ORPHAN_DEPARTMENT}", name="strategy_orphans")
        elif SCENARIO == "kb_page":
            self.get(f"/kb/pages/{random.choice(KB_PAGES)}/", name="kb_page")
        elif SCENARIO == "kb_space_tree":
            self.get(f"/kb/spaces/{KB_SPACE}/", name="kb_space_tree")
        elif SCENARIO in ("kb_search", "kb_search_alone"):
            self.get(f"/kb/search/?q={random.choice(KB_WORDS)}", name=f"{SCENARIO} ?q=")
        elif SCENARIO == "kb_search_any":
            self.get(f"/kb/search/?q={random.choice(KB_COMMON_WORDS)}", name="kb_search_any ?q=")
        elif SCENARIO == "floor":
            self.get("/bench/floor/", name="floor")
        else:
            raise RuntimeError(f"unknown scenario {SCENARIO!r}")
