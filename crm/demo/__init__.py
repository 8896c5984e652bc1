"""The CRM of the demo company, written through the CRM's services (so the timelines, audit rows, stage history
and counters are what weeks of real use leave behind).

`seed_demo_crm()` runs in the `content` stage, after the company and its people exist:
- the administrator sets the CRM up: "Head of department" for the head of Sales (the sales people keep
  "Employee"), the "Sales" pipeline in the demo's language and a "Store orders" one, ten products, a web form,
  a WooCommerce store, a mailbox left unconnected and an office PBX with the sales people's extensions;
- the sales people bring in 14 companies and 32 contacts with phones and e-mails, work 30 deals spread over
  every stage of "Sales" with line items, calls, meetings, e-mails and to-dos (a few deals gone idle, two
  to-dos overdue), and leads from every channel in every status (one new lead waiting too long);
- the store delivers six orders, signed as WooCommerce signs them, which become deals in "Store orders".

Then everything is moved back to when it happened (`history`) and the CRM counters are recounted, so that the
head of Sales opens the control dashboard on a normal day: a few amber CRM cells, nothing red. Deterministic
and idempotent: when the demo's catalogue is there, it adds nothing.
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone

from portal.core.demo import demo_email, demo_language, in_demo_language, seeded_demo_language

from . import plan, texts, texts_ru
from .deals import DemoDeals
from .history import Stamps, settle
from .records import DemoRecords, private_phone
from .setup import DemoSetup, demo_pbx_token

__all__ = ["DemoCrm", "demo_pbx_token", "seed_demo_crm", "simulator_command"]

TEXTS = {"en": texts, "ru": texts_ru}
MARKER_SKU = "WS-PRO-15"  # the catalogue's first product: there, the demo's CRM is there


def simulator_command(*, url: str = "http://127.0.0.1:8000", manage: str = "manage.py") -> str | None:
    """The command that rings the sales manager's extension from the first contact's mobile (the caller's
    card pops up on their open pages), or None when the demo's PBX is not there."""
    from ..models import PbxConnection
    from ..services.telephony import token_hash

    token = demo_pbx_token()
    if not PbxConnection.objects.filter(token_hash=token_hash(token), is_active=True).exists():
        return None
    caller = private_phone(seeded_demo_language() or "en", 200).replace(" ", "").replace("-", "")
    return (
        f"{manage} crm_pbx_simulate --token {token} --from {caller} "
        f"--to-extension {plan.SIMULATOR_EXTENSION} --url {url}"
    )


def demo_people() -> dict:
    from portal.people.models import User

    domain = demo_email("")
    return {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith=domain, is_active=True)}


@transaction.atomic
def seed_demo_crm(*, stdout=None, now: datetime.datetime | None = None) -> dict[str, int]:
    """The demo's CRM (see the module). Returns how many of each thing were created (zeros on a second run)."""
    from ..models import Activity, Company, Contact, Deal, Lead, Product

    people = demo_people()
    empty = {"companies": 0, "contacts": 0, "leads": 0, "deals": 0, "activities": 0}
    missing = [local for local in (plan.ADMIN, plan.HEAD, *plan.SELLERS) if local not in people]
    if missing:
        if stdout is not None:
            stdout.write("CRM demo skipped: the demo company is not there.")
        return empty
    if Product.objects.filter(sku=MARKER_SKU).exists():
        if stdout is not None:
            stdout.write("CRM: " + ", ".join(f"0 {k}" for k in empty))
        return empty
    before = {
        "companies": Company.objects.count(),
        "contacts": Contact.objects.count(),
        "leads": Lead.objects.count(),
        "deals": Deal.objects.count(),
        "activities": Activity.objects.count(),
    }
    seeder = DemoCrm(people=people, now=now or timezone.now())
    seeder.run()
    created = {
        "companies": Company.objects.count() - before["companies"],
        "contacts": Contact.objects.count() - before["contacts"],
        "leads": Lead.objects.count() - before["leads"],
        "deals": Deal.objects.count() - before["deals"],
        "activities": Activity.objects.count() - before["activities"],
    }
    if stdout is not None:
        stdout.write("CRM: " + ", ".join(f"{v} {k}" for k, v in created.items()))
        line = simulator_command()
        if line:
            stdout.write(f"CRM: ring the sales manager's phone with `{line}` while they are signed in.")
    return created


class DemoCrm(DemoSetup, DemoRecords, DemoDeals):
    """The steps of the CRM demo, one module per subject."""

    def __init__(self, *, people: dict, now: datetime.datetime) -> None:
        self.people = people
        self.admin = people[plan.ADMIN]
        self.now = now
        self.language = demo_language()
        self.texts = in_demo_language(TEXTS)
        self.rng = random.Random(plan.SEED)
        self.converted_deals: list = []
        self.deal_rows: list = []
        self.store_deal_ids: list[int] = []
        self.stamps = Stamps()
        self.start = dict(self.stamps.marks)

    def days_ago(self, days: float) -> datetime.datetime:
        return self.now - datetime.timedelta(days=days)

    def stamp(self, at: datetime.datetime) -> None:
        self.stamps.stamp(min(at, self.now))

    def run(self) -> None:
        from ..counters import recount_for

        self.roles()
        self.crm_settings()
        self.pipelines()
        self.products()
        form = self.webform()
        connection, secret = self.store()
        self.mailbox()
        self.pbx()
        self.stamp(self.days_ago(130))
        self.companies()
        self.contacts()
        self.leads()
        self.web_submissions(form)
        self.deals()
        self.store_orders(connection, secret)
        from ..models import Company, Contact, Deal, Lead

        made = {
            name: list(model.objects.filter(pk__gt=self.start[model]).values_list("pk", flat=True))
            for name, model in (("lead", Lead), ("contact", Contact), ("company", Company), ("deal", Deal))
        }
        settle(made["deal"], records=made)
        recount_for([person.pk for person in self.people.values()])
