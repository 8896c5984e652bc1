"""The demo's clients and inquiries: companies and their people, private customers, and leads from every
channel in every status, each made by its sales person through the services."""

from __future__ import annotations

import datetime
import re
import unicodedata
from decimal import Decimal

from djmoney.money import Money

from . import plan

_NOT_WORD = re.compile(r"[^a-z]+")
_TRANSLIT = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
        "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
        "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
        "э": "e", "ю": "yu", "я": "ya",
    }
)  # fmt: skip


def mail_name(text: str) -> str:
    """A name as the local part of an address ("Ольга" -> "olga", "José" -> "jose")."""
    text = unicodedata.normalize("NFKD", text.lower().translate(_TRANSLIT))
    return _NOT_WORD.sub("", text.encode("ascii", "ignore").decode())


def private_phone(language: str, number: int) -> str:
    return (
        f"+1 917 555 {number:04d}"
        if language == "en"
        else f"+7 916 555-{number // 100:02d}-{number % 100:02d}"
    )


class DemoRecords:
    """Companies, contacts and leads."""

    def companies(self) -> None:
        from ..services.companies import company_create

        self.company_rows = []
        for index, (name, industry, employees, address, phone, site) in enumerate(self.texts.COMPANIES):
            owner = self.people[plan.SELLERS[index % len(plan.SELLERS)]]
            company = company_create(
                actor=owner,
                name=name,
                kind=plan.COMPANY_KINDS.get(index, "client"),
                industry=industry,
                employees=employees,
                communications=[
                    {"kind": "phone", "type": "work", "value": phone},
                    {"kind": "email", "type": "work", "value": f"info@{site}"},
                    {"kind": "website", "type": "work", "value": f"https://www.{site}"},
                    {"kind": "address", "type": "legal", "value": address},
                ],
            )
            self.stamp(self.days_ago(120 - index * 3))
            self.company_rows.append(company)

    def contacts(self) -> None:
        from ..services.contacts import contact_create

        self.contact_rows = []
        companies = len(self.company_rows)
        for index, (first, last, position) in enumerate(self.texts.CONTACTS):
            company_index = index // plan.CONTACTS_PER_COMPANY
            if company_index < companies:
                company = self.company_rows[company_index]
                owner = company.responsible
                site = self.texts.COMPANIES[company_index][5]
                email = f"{mail_name(first)}.{mail_name(last)}@{site}"
                phone = self.texts.COMPANIES[company_index][4]
                phones = [
                    {"kind": "phone", "type": "mobile", "value": self.contact_phone(index)},
                    {"kind": "phone", "type": "work", "value": phone},
                ]
                linked = [company]
            else:
                owner = self.people[plan.PRIVATE_OWNERS[(index - companies * plan.CONTACTS_PER_COMPANY) % 4]]
                email = f"{mail_name(first)}.{mail_name(last)}@example.com"
                phones = [{"kind": "phone", "type": "mobile", "value": self.contact_phone(index)}]
                linked = []
            contact = contact_create(
                actor=owner,
                first_name=first,
                last_name=last,
                position=position,
                communications=[*phones, {"kind": "email", "type": "work", "value": email}],
                companies=linked,
            )
            self.stamp(self.days_ago(118 - index * 2))
            self.contact_rows.append(contact)

    def contact_phone(self, index: int) -> str:
        """A contact's mobile number (the simulator calls the first contact's)."""
        return private_phone(self.language, 200 + index)

    def leads(self) -> None:
        """Leads from e-mail, the web form, the store, calls, by hand and imported: new ones (one waiting too
        long to be taken), in progress (after a first call), converted into a contact, company and deal, and
        junk with a reason."""
        from ..choices import LeadSource, LeadStatus
        from ..services.conversions import lead_convert
        from ..services.leads import lead_create, lead_junk, lead_set_status

        texts = self.texts
        details = {
            LeadSource.EMAIL: texts.MAILBOX_SOURCE,
            LeadSource.WEB_FORM: texts.WEBFORM["name"],
            LeadSource.STORE: texts.STORE_SOURCE,
            LeadSource.CALL: texts.CALL_SOURCE,
            LeadSource.IMPORT: texts.IMPORT_SOURCE,
            LeadSource.MANUAL: "",
        }
        junk = iter(texts.JUNK_REASONS)
        self.lead_rows = []
        for index, ((source, status, local, hours), (first, last, company, asked)) in enumerate(
            zip(plan.LEADS, texts.LEADS, strict=True)
        ):
            owner = self.people[local]
            born = self.now - datetime.timedelta(hours=hours)
            email = f"{mail_name(first)}.{mail_name(last)}@example.com"
            lead = lead_create(
                actor=None if source != LeadSource.MANUAL else owner,
                title=f"{company}: {asked}" if company else asked,
                source=source,
                source_detail=details[source],
                first_name=first,
                last_name=last,
                company_name=company,
                responsible=owner,
                amount=Money(
                    Decimal(1000 + 250 * index) * (90 if texts.CURRENCY == "RUB" else 1), texts.CURRENCY
                ),
                communications=[
                    {"kind": "email", "type": "work", "value": email},
                    {"kind": "phone", "type": "mobile", "value": private_phone(self.language, 600 + index)},
                ],
            )
            self.stamp(born)
            if status == LeadStatus.NEW:
                self.lead_rows.append(lead)
                continue
            kind, subject = texts.LEAD_CALL
            self.activity(owner, [lead], kind, subject, at=born + datetime.timedelta(minutes=20), done=True)
            if status == LeadStatus.IN_PROGRESS:
                lead_set_status(actor=owner, lead=lead, status=LeadStatus.IN_PROGRESS)
            elif status == LeadStatus.JUNK:
                lead_junk(actor=owner, lead=lead, reason=next(junk))
            elif status == LeadStatus.CONVERTED:
                lead.refresh_from_db()
                made = lead_convert(
                    actor=owner,
                    lead=lead,
                    make_contact=True,
                    make_company=bool(company),
                    make_deal=True,
                    pipeline=self.sales,
                )
                self.converted_deals.append(made.deal)
            self.stamp(born + datetime.timedelta(hours=min(hours / 2, 26)))
            self.lead_taken(lead, born + datetime.timedelta(minutes=20))
            self.lead_rows.append(lead)

    def lead_taken(self, lead, at) -> None:
        from ..models import Lead

        Lead.objects.filter(pk=lead.pk, taken_at__isnull=False).update(taken_at=at)

    def web_submissions(self, form) -> None:
        """Two visitors filled in the web form in the last quarter of an hour (new leads, not late yet)."""
        from ..services.webforms import address_hash, webform_submit

        for (name, company, email, phone, message), minutes in zip(
            self.texts.WEBFORM["submissions"], plan.WEBFORM_MINUTES, strict=True
        ):
            submission = webform_submit(
                form=form,
                data={"name": name, "company": company, "email": email, "phone": phone, "message": message},
                utm={"utm_source": "google", "utm_medium": "cpc", "utm_campaign": "workstations"},
                address=address_hash(f"demo-visitor-{minutes}"),
            )
            self.stamp(self.now - datetime.timedelta(minutes=minutes))
            self.lead_rows.append(submission.lead)
