"""The knowledge base of the demo company, in English: the spaces and their pages (title, body), the later
revisions, as `pages_texts_ru` has them in Russian (same keys, same shape)."""

from __future__ import annotations

RULES_TITLE = "Rules"
RULES_DESCRIPTION = "How we work: short, logical and fair. Every employee reads these pages."
STRATEGY_TITLE = "Strategy"
STRATEGY_DESCRIPTION = "Where the company is going, for whom, and the words we use for it."
SALES_TITLE = "Sales handbook"
SALES_DESCRIPTION = "How the Sales department sells: the playbook, discounts and the week's rhythm."

# (key, parent key or None, title, body)
RULES = [
    (
        "home",
        None,
        "Rules of work in the portal",
        """Our rules are **short, logical and fair**. Short: each fits on one screen. Logical: each says why it
exists. Fair: they apply to everyone, managers first.

Start here and read them in this order:

1. [[General rules]]
2. [[Areas of responsibility]]
3. [[How tasks are set]]
4. [[The daily report]]

Questions go to the discussion under each page; the responsible editor answers within one working day.
A change to a rule is announced in the stream and, when it matters, you are asked to read the page again.""",
    ),
    (
        "general",
        "home",
        "General rules",
        """## Why

A company of forty people who work in one portal needs a few shared habits, or information gets lost in
chats, mailboxes and heads.

## The rules

1. **Work lives in the portal.** A request made in a corridor or a messenger becomes a task, or it does not
   exist.
2. **One responsible person.** Every task, deal, page and process has exactly one person who answers for it.
   Participants help; the responsible person decides and reports.
3. **Deadlines are promises.** If you cannot make it, move the deadline *before* it passes and say why.
4. **Write it once, link it everywhere.** Knowledge goes into the knowledge base; link to it with
   `[[Page title]]` instead of copying.
5. **Open by default.** Share with the whole company unless there is a reason not to (salaries, personal data,
   negotiations).
6. **The working day is tracked.** Start and end your day in the portal; the [[The daily report]] closes it.
7. **Be kind in comments.** Criticise the work, not the person.

## Exceptions

A rule may be broken only with the consent of your supervisor, and the exception is written in the task.""",
    ),
    (
        "areas",
        "home",
        "Areas of responsibility",
        """| Area | Responsible | Deputy |
|------|-------------|--------|
| Company strategy and budget | CEO | CFO |
| Sales plan and pipeline | Head of Sales | Key Account Director |
| Key customers | Key Account Director | Head of Sales |
| Marketing and the website | Marketing Director | Content manager |
| Product and engineering | CTO | Platform Team Lead |
| Finance, payroll, contracts | CFO | Accountant |
| People: hiring, onboarding, leave | HR Manager | Recruiter |
| Office and equipment | Office Manager | Executive Assistant |
| This portal and its rules | HR Manager | Administrator |

**What "responsible" means:** you keep the area's plan current, you decide within its budget, you answer
questions about it, and you name a deputy for your absences (in *Approvals → Deputies*).

An area without a responsible person is a risk: tell the CEO at once.""",
    ),
    (
        "tasks",
        "home",
        "How tasks are set",
        """A well-set task can be done without asking the one who set it a single question.

## Every task has

- **A title that is an action and a result**: "Send the price offer to Globex", not "Globex".
- **One responsible person** and, if needed, participants and observers.
- **A deadline** that the responsible person has seen and accepted.
- **A description** with what "done" means: a file, a number, a decision.
- **Links**: the deal, the page, the earlier task.

## Do not

- set a task without a deadline "for when you have time";
- put two people as responsible: choose one;
- change a deadline without a comment.

## Accepting a task

The responsible person accepts it or asks a question within four working hours. A task that cannot be done
is declined with the reason, not left to expire.

## Checking

Tasks that need a check go to the one who set them when they are done; they approve or return them with a
comment. See also [[General rules]].""",
    ),
    (
        "report",
        "home",
        "The daily report",
        """Everyone writes a short report at the end of the working day. It takes five minutes and saves the
supervisor an hour of questions.

## Structure

1. **Done today**: the results, not the activity ("signed the Globex contract", not "worked on Globex").
2. **Not done and why**: what was planned and did not happen.
3. **Plans for tomorrow**: three to five items.
4. **Help needed**: who you need and for what.

The portal fills in what it already knows: closed tasks, calls and meetings. Edit, add, send.

## Deadlines

The report is sent before you end your working day. The supervisor reads it the same day or the next
morning and may comment.""",
    ),
]

RULES_REVISIONS = [
    # (key, new body appended, comment, minor)
    (
        "report",
        """

## Example

> **Done:** signed the contract with Globex (licences, 2 pcs.); sent the offer to Niva-Agro.
> **Not done:** the demo for Helix moved to Thursday at their request.
> **Tomorrow:** prepare the Helix demo; call three leads from the web form.
> **Help:** need Engineering to check the integration question from Globex.""",
        "Added an example of a good report",
        False,
    ),
    ("general", "", "Typo", True),
]

STRATEGY = [
    (
        "home",
        None,
        "Strategy 2027",
        """## Mission

We make workplace technology that simply works, so that our customers' people spend their day on their
work, not on their computers.

## Where we are going

By the end of 2027:

- **Revenue** twice the 2025 level, **60%** of it from services and subscriptions (today 35%).
- **Thirty key customers** with a three-year contract each.
- **Net Promoter Score** above 50 among our customers' employees.

## How

1. From selling devices to selling *workplaces*: device, setup, support and training in one subscription.
2. Focus on companies of 100 to 2,000 people in logistics, healthcare, finance and manufacturing
   (see [[Market]] and [[Key customers]]).
3. Our own support platform, so that one engineer serves twice as many workplaces.

The words used here are explained in the [[Glossary]].""",
    ),
    (
        "market",
        "home",
        "Market",
        """## Size

About 18,000 companies in our regions have 100 to 2,000 employees; together they run some 4 million
workplaces. Five percent of them change their equipment in a given year.

## What customers want

- fewer suppliers: one contract for the whole workplace;
- predictable costs: a monthly fee instead of large purchases;
- fast support: a broken laptop replaced the next working day.

## Competitors

| Kind | Strength | Weakness |
|------|----------|----------|
| Large distributors | Price, stock | No services, slow support |
| Local IT outsourcers | Close to the customer | No scale, no financing |
| Vendors' own programmes | Brand | One vendor only |

Our place: the service of a local partner with the scale and the financing of a distributor.""",
    ),
    (
        "customers",
        "home",
        "Key customers",
        """A key customer has more than 200 workplaces with us or a contract over 10 million a year. Each has a
key account manager and a plan reviewed every quarter.

| Customer | Industry | Workplaces | Account manager | Next step |
|----------|----------|-----------:|-----------------|-----------|
| Orion Logistics | Logistics | 420 | Key Accounts | Renewal in Q2 |
| Helix Pharma | Pharmaceuticals | 1,200 | Key Accounts | Pilot of the subscription |
| Northern Harbour Bank | Banking | 2,100 | Head of Sales | Tender in autumn |
| Sapphire Hotels | Hospitality | 1,500 | Key Accounts | Support contract |

Rules for key customers: a reply within two working hours, a meeting with a decision maker every quarter,
and no discount beyond the [[Glossary|price corridor]] without the Head of Sales.""",
    ),
    (
        "glossary",
        "home",
        "Glossary",
        """**Workplace**: one employee's set of device, software, setup and support, sold as one item.

**Subscription**: a monthly fee per workplace for a term of one to three years.

**Key customer**: see [[Key customers]].

**Price corridor**: the discount a sales manager may give on their own (up to 10%); beyond it the Head of
Sales decides.

**NPS (Net Promoter Score)**: the share of promoters minus the share of detractors among those asked "would
you recommend us?".

**Pipeline**: the deals in progress, by stage, with their amounts.""",
    ),
]

SALES = [
    (
        "home",
        None,
        "Sales playbook",
        """## The week

- **Monday 10:00** pipeline review with the Head of Sales: every deal over 1 million, its next step and date.
- **Every day** calls and meetings are logged in the CRM the same day.
- **Friday** the forecast for the month is updated.

## A deal's stages

New → Qualification → Proposal → Negotiation → Won / Lost. A deal without a next step is not a deal.

See [[Discount policy]] before you promise a price.""",
    ),
    (
        "discounts",
        "home",
        "Discount policy",
        """| Discount | Who decides |
|----------|-------------|
| up to 10% | the sales manager |
| 10–20% | the Head of Sales |
| over 20% | the CEO, with the CFO's opinion |

A discount is always tied to something in return: a longer term, more workplaces, a reference.""",
    ),
]
