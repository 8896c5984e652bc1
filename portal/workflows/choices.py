"""Choices of the workflows app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TemplateKind(models.TextChoices):
    """What a template is for; the built-in ones keep their behaviour when edited (a leave request makes an
    absence, a payment lands in the payment register)."""

    LEAVE = "leave", _("Leave request")
    PAYMENT = "payment", _("Outgoing payment")
    CONTRACT = "contract", _("Contract approval")
    EXPENSE = "expense", _("Expense report")
    TRIP = "trip", _("Business trip")
    CUSTOM = "custom", _("Other")


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    LONGTEXT = "longtext", _("Long text")
    NUMBER = "number", _("Number")
    MONEY = "money", _("Money")
    DATE = "date", _("Date")
    DATERANGE = "daterange", _("Date range")
    PERSON = "person", _("Person")
    DEPARTMENT = "department", _("Department")
    FILE = "file", _("File")
    CHOICE = "choice", _("List")
    BOOLEAN = "boolean", _("Yes / no")
    LINES = "lines", _("Lines (expenses)")
    ABSENCE_TYPE = "absence_type", _("Absence type")


class ApproverRule(models.TextChoices):
    SUPERVISOR = "supervisor", _("The requester's supervisor")
    LEVELS_UP = "levels_up", _("N levels up the org chart")
    DEPARTMENT_HEAD = "department_head", _("The head of a department")
    PERSON = "person", _("A named person")
    PEOPLE = "people", _("A list of people")
    GROUP = "group", _("The members of a workgroup")
    ROLE = "role", _("The holders of a role")


class StepMode(models.TextChoices):
    ANY = "any", _("Anyone of them")
    ALL = "all", _("All of them")


class StepKind(models.TextChoices):
    APPROVAL = "approval", _("Approval")
    INFO = "info", _("For information")


class ConditionOp(models.TextChoices):
    GT = "gt", ">"
    GTE = "gte", "≥"
    LT = "lt", "<"
    LTE = "lte", "≤"
    EQ = "eq", "="
    NE = "ne", "≠"
    TRUE = "true", _("is set")
    FALSE = "false", _("is not set")


class StepAction(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    RETURN = "return", _("Return for rework")
    COMMENT = "comment", _("Comment")


class ProcessStatus(models.TextChoices):
    RUNNING = "running", _("In approval")
    RETURNED = "returned", _("Returned for rework")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class StepStatus(models.TextChoices):
    WAITING = "waiting", _("Not reached yet")
    ACTIVE = "active", _("Waiting")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETURNED = "returned", _("Returned")
    INFORMED = "informed", _("Informed")
    SKIPPED = "skipped", _("Skipped (condition)")
    CANCELLED = "cancelled", _("Cancelled")


class AssignmentReason(models.TextChoices):
    DIRECT = "direct", _("Approver")
    DEPUTY = "deputy", _("Deputy")
    ABSENT = "absent", _("Approver absent: supervisor")
    ESCALATED = "escalated", _("Escalated")


class ActionKind(models.TextChoices):
    START = "start", _("Started")
    APPROVE = "approve", _("Approved")
    REJECT = "reject", _("Rejected")
    RETURN = "return", _("Returned for rework")
    COMMENT = "comment", _("Commented")
    RESUBMIT = "resubmit", _("Resubmitted")
    WITHDRAW = "withdraw", _("Withdrew")
    DELEGATE = "delegate", _("Delegated")
    REMIND = "remind", _("Reminded")
    ESCALATE = "escalate", _("Escalated")
    INFORM = "inform", _("Informed")
    FILE = "file", _("New version of the file")
    PAID = "paid", _("Marked paid")


class RuleRunStatus(models.TextChoices):
    PENDING = "pending", _("Queued")
    WAITING = "waiting", _("Waiting")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Condition not met")


class HolidayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday")
    WORKDAY = "workday", _("Moved working day")
