"""The demo's deals: the "Sales" pipeline with deals in every stage, line items from the catalogue, calls,
meetings, e-mails and to-dos along the way; and the web shop's orders, delivered to the store webhook's service
signed as WooCommerce signs them."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
from decimal import Decimal

from djmoney.money import Money

from . import plan


class DemoDeals:
    """Deals, their activities and the store's orders."""

    def activity(self, actor, records, kind: str, subject: str, *, at, done: bool, deadline=None):
        """An activity made at `at` (a done call, meeting or received e-mail; or a planned one with a deadline)."""
        from ..services.activities import activity_create

        values = {"kind": kind, "subject": subject, "is_done": done}
        if kind in ("call", "email"):
            # Received e-mails only: an outgoing one would really be sent.
            values["direction"] = "out" if kind == "call" and self.rng.random() < 0.6 else "in"
        if kind == "call" and done:
            values["duration"] = self.rng.randint(60, 900)
            values["call_result"] = "answered"
        if kind in ("todo", "meeting"):
            values["deadline"] = deadline or at
        elif deadline is not None:
            values["deadline"] = deadline
        activity = activity_create(actor=actor, records=records, **values)
        self.stamp(at)
        return activity

    def _lines(self, index: int, company_index: int | None) -> list[dict]:
        """One to three products; more pieces for a larger client, a discount now and then."""
        size = 1 if company_index is None else self.texts.COMPANIES[company_index][2]
        scale = max(1, min(40, size // 30))
        count = 1 + index % 3
        chosen = self.rng.sample(range(len(self.catalogue)), count)
        lines = []
        for position, product_index in enumerate(chosen):
            product = self.catalogue[product_index]
            services = product.sku.startswith("SRV")
            quantity = 1 if services and position else max(1, scale // (position + 1))
            discount = Decimal(self.rng.choice([0, 0, 0, 5, 10]))
            lines.append({"product": product, "quantity": Decimal(quantity), "discount": discount})
        return lines

    def deals(self) -> None:
        """Thirty deals of "Sales": each made by its seller, moved stage by stage to where it is now, with the
        activities of the way (the idle ones went quiet a while ago; two to-dos are overdue)."""
        from ..services.deals import deal_create, deal_lines_set, deal_move

        texts = self.texts
        overdue = dict(plan.OVERDUE)
        companies = len(self.company_rows)
        last_stage = len(self.sales_stages) - 1
        for index, (target, age) in enumerate(plan.DEALS):
            company_index = index % companies if index < 2 * companies else None
            if company_index is not None:
                company = self.company_rows[company_index]
                contact = self.contact_rows[company_index * plan.CONTACTS_PER_COMPANY + index // companies]
                owner = company.responsible
            else:
                company = None
                contact = self.contact_rows[companies * plan.CONTACTS_PER_COMPANY + index - 2 * companies]
                owner = contact.responsible
            lines = self._lines(index, company_index)
            product = lines[0]["product"].name
            if company is not None:
                title = texts.DEAL_TITLES[index % len(texts.DEAL_TITLES)].format(
                    company=company.name, product=product
                )
            else:
                title = texts.PRIVATE_DEAL_TITLE.format(product=product, person=contact.full_name)
            born = self.days_ago(age)
            deal = deal_create(
                actor=owner,
                title=title,
                pipeline=self.sales,
                stage=self.sales_stages[0],
                amount=Money(Decimal("0"), texts.CURRENCY),
                contact=contact,
                company=company,
                lines=lines,
                expected_close=(born + datetime.timedelta(days=age + 20)).date(),
            )
            self.stamp(born)
            records = [deal, contact]
            # The way: the stages before the target (a lost deal got as far as the proposal or negotiation).
            path = list(range(1, target + 1)) if target <= 4 else [1, 2, self.rng.choice([2, 3])][:3]
            path = sorted(set(path))
            closed = target >= 4
            quiet = plan.IDLE_DEALS.get(index)
            end = self.days_ago(quiet) if quiet else self.days_ago(max(0.2, age * 0.15))
            steps = len(path) + (1 if target == last_stage else 0)
            span = (end - born) / (steps + 1)
            at = born
            for position, step in enumerate(path, start=1):
                at = born + span * position
                kind, subject = texts.DONE_ACTIVITIES[(index + position) % len(texts.DONE_ACTIVITIES)]
                self.activity(owner, records, kind, subject, at=at - span / 3, done=True)
                deal = deal_move(actor=owner, deal=deal, stage=self.sales_stages[step])
                self.stamp(at)
            if target == last_stage:
                at = born + span * steps
                reason = texts.LOST_REASONS[index % len(texts.LOST_REASONS)]
                deal = deal_move(
                    actor=owner, deal=deal, stage=self.sales_stages[last_stage], lost_reason=reason
                )
                self.stamp(at)
            if not closed and not quiet:
                # The last touch a few days ago, and the next step planned (or overdue).
                kind, subject = texts.DONE_ACTIVITIES[index % len(texts.DONE_ACTIVITIES)]
                self.activity(owner, records, kind, subject, at=end, done=True)
                if index in overdue:
                    deadline = self.now - datetime.timedelta(days=overdue[index], hours=3)
                    self.activity(
                        owner, records, "todo", texts.OVERDUE_TODO, at=deadline - datetime.timedelta(days=2),
                        done=False, deadline=deadline,
                    )  # fmt: skip
                else:
                    kind, subject = texts.PLANNED_ACTIVITIES[index % len(texts.PLANNED_ACTIVITIES)]
                    deadline = self.at_work(self.now + datetime.timedelta(days=1 + index % 6))
                    self.activity(owner, records, kind, subject, at=end, done=False, deadline=deadline)
            if index % 7 == 3:
                self.comment(owner, deal, texts.COMMENTS[index % len(texts.COMMENTS)], at=end)
            self.deal_rows.append(deal)
        for deal in self.converted_deals:
            # Leads converted into deals: qualified since.
            owner = deal.responsible
            deal_lines_set(actor=owner, deal=deal, lines=self._lines(len(self.deal_rows), None))
            kind, subject = texts.DONE_ACTIVITIES[0]
            self.activity(owner, [deal], kind, subject, at=self.days_ago(1.2), done=True)
            deal = deal_move(actor=owner, deal=deal, stage=self.sales_stages[1])
            self.stamp(self.days_ago(1))
            self.deal_rows.append(deal)

    def comment(self, actor, record, text: str, *, at) -> None:
        from ..services.timeline import timeline_comment_add

        timeline_comment_add(actor=actor, record=record, text=text)
        self.stamp(at)

    def at_work(self, moment: datetime.datetime) -> datetime.datetime:
        """The same day at 11:00 (planned calls and meetings fall in working hours)."""
        return moment.replace(hour=11, minute=0, second=0, microsecond=0)

    # --- the web shop ------------------------------------------------------------------------------------------

    def store_orders(self, connection, secret: str) -> None:
        """The shop's orders as WooCommerce delivers them: created, then updated at each change of status; the
        intake makes the customer's contact (or finds the known one) and moves the order's deal."""
        from ..services.stores import store_order_receive

        texts = self.texts
        for order_id, customer, statuses, items, age in plan.STORE_ORDERS:
            if isinstance(customer, tuple):
                contact = self.contact_rows[customer[1]]
                email = contact.communications.filter(kind="email").values_list("value", flat=True).first()
                phone = ""
                first, last = contact.first_name, contact.last_name
            else:
                first, last, email, phone = texts.STORE_CUSTOMERS[customer]
            placed = self.days_ago(age)
            step = min(datetime.timedelta(days=2), (self.now - placed) / (len(statuses) + 1))
            for position, status in enumerate(statuses):
                at = placed + step * position
                body = self._woo_order(order_id, status, items, first, last, email, phone, placed, at)
                signature = base64.b64encode(
                    hmac.new(secret.encode(), body, hashlib.sha256).digest()
                ).decode()
                headers = {
                    "X-WC-Webhook-Signature": signature,
                    "X-WC-Webhook-Topic": "order.created" if position == 0 else "order.updated",
                    "X-WC-Webhook-Source": texts.STORE["site"] + "/",
                }
                receipt = store_order_receive(token=connection.token, body=body, headers=headers)
                self.stamp(at)
            if receipt.deal_id:
                self.store_deal_ids.append(receipt.deal_id)

    def _woo_order(self, order_id, status, items, first, last, email, phone, placed, at) -> bytes:
        lines, total = [], Decimal("0")
        for number, (product_index, quantity) in enumerate(items, start=1):
            product = self.catalogue[product_index]
            amount = product.price.amount * quantity
            total += amount
            lines.append(
                {
                    "id": int(order_id) * 10 + number,
                    "name": product.name,
                    "sku": product.sku,
                    "quantity": quantity,
                    "subtotal": f"{amount:.2f}",
                    "total": f"{amount:.2f}",
                }
            )
        order = {
            "id": int(order_id),
            "number": order_id,
            "status": status,
            "currency": self.texts.CURRENCY,
            "total": f"{total:.2f}",
            "date_created_gmt": placed.astimezone(datetime.UTC)
            .replace(tzinfo=None)
            .isoformat(timespec="seconds"),
            "date_modified_gmt": at.astimezone(datetime.UTC)
            .replace(tzinfo=None)
            .isoformat(timespec="seconds"),
            "billing": {"first_name": first, "last_name": last, "email": email or "", "phone": phone},
            "line_items": lines,
            "customer_note": "",
        }
        return json.dumps(order, ensure_ascii=False).encode()
