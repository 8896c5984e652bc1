"""The CRM's fixed vocabularies."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Entity(models.TextChoices):
    """The four kinds of CRM record that rights, custom fields, imports and lists speak of."""

    LEAD = "lead", _("Leads")
    CONTACT = "contact", _("Contacts")
    COMPANY = "company", _("Companies")
    DEAL = "deal", _("Deals")


class Action(models.TextChoices):
    VIEW = "view", pgettext_lazy("crm right", "View")
    ADD = "add", pgettext_lazy("crm right", "Add")
    EDIT = "edit", pgettext_lazy("crm right", "Edit")
    DELETE = "delete", pgettext_lazy("crm right", "Delete")
    EXPORT = "export", pgettext_lazy("crm right", "Export")
    IMPORT = "import", pgettext_lazy("crm right", "Import")


class Level(models.IntegerChoices):
    """How far a right reaches; each level includes the ones below it."""

    NONE = 0, pgettext_lazy("crm level", "None")
    OWN = 1, pgettext_lazy("crm level", "Own")
    DEPARTMENT = 2, pgettext_lazy("crm level", "Own department")
    SUBTREE = 3, pgettext_lazy("crm level", "Department with sub-departments")
    ALL = 4, pgettext_lazy("crm level", "All")


class LeadSource(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEB_FORM = "web_form", _("Web form")
    STORE = "store", _("Online store")
    CALL = "call", _("Phone call")
    MANUAL = "manual", _("Entered by hand")
    IMPORT = "import", _("Import")


class LeadStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("lead status", "New")
    IN_PROGRESS = "in_progress", pgettext_lazy("lead status", "In progress")
    CONVERTED = "converted", pgettext_lazy("lead status", "Converted")
    JUNK = "junk", pgettext_lazy("lead status", "Junk")


class StageKind(models.TextChoices):
    OPEN = "open", pgettext_lazy("stage kind", "Open")
    WON = "won", pgettext_lazy("stage kind", "Won")
    LOST = "lost", pgettext_lazy("stage kind", "Lost")


class CommunicationKind(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    MESSENGER = "messenger", _("Messenger")
    WEBSITE = "website", _("Website")
    ADDRESS = "address", _("Address")


class CommunicationType(models.TextChoices):
    WORK = "work", pgettext_lazy("communication type", "Work")
    MOBILE = "mobile", pgettext_lazy("communication type", "Mobile")
    HOME = "home", pgettext_lazy("communication type", "Home")
    FAX = "fax", pgettext_lazy("communication type", "Fax")
    TELEGRAM = "telegram", "Telegram"
    WHATSAPP = "whatsapp", "WhatsApp"
    SKYPE = "skype", "Skype"
    LEGAL = "legal", pgettext_lazy("communication type", "Legal address")
    DELIVERY = "delivery", pgettext_lazy("communication type", "Delivery address")
    OTHER = "other", pgettext_lazy("communication type", "Other")


class ActivityKind(models.TextChoices):
    CALL = "call", pgettext_lazy("crm activity", "Call")
    MEETING = "meeting", pgettext_lazy("crm activity", "Meeting")
    EMAIL = "email", pgettext_lazy("crm activity", "E-mail")
    TODO = "todo", pgettext_lazy("crm activity", "To-do")


class Direction(models.TextChoices):
    INCOMING = "in", pgettext_lazy("direction", "Incoming")
    OUTGOING = "out", pgettext_lazy("direction", "Outgoing")


class CallResult(models.TextChoices):
    ANSWERED = "answered", pgettext_lazy("call result", "Answered")
    MISSED = "missed", pgettext_lazy("call result", "Missed")
    BUSY = "busy", pgettext_lazy("call result", "Busy")
    FAILED = "failed", pgettext_lazy("call result", "Failed")


class TimelineKind(models.TextChoices):
    CREATED = "created", pgettext_lazy("timeline", "Created")
    COMMENT = "comment", pgettext_lazy("timeline", "Comment")
    ACTIVITY = "activity", pgettext_lazy("timeline", "Activity")
    STAGE = "stage", pgettext_lazy("timeline", "Stage changed")
    FIELDS = "fields", pgettext_lazy("timeline", "Fields changed")
    FILE = "file", pgettext_lazy("timeline", "File")
    CONVERTED = "converted", pgettext_lazy("timeline", "Converted")
    MERGED = "merged", pgettext_lazy("timeline", "Merged")
    LINKED = "linked", pgettext_lazy("timeline", "Linked")


class FieldType(models.TextChoices):
    TEXT = "text", pgettext_lazy("field type", "Text")
    NUMBER = "number", pgettext_lazy("field type", "Number")
    DATE = "date", pgettext_lazy("field type", "Date")
    LIST = "list", pgettext_lazy("field type", "List")
    PERSON = "person", pgettext_lazy("field type", "Person")
    MONEY = "money", pgettext_lazy("field type", "Money")
    BOOLEAN = "boolean", pgettext_lazy("field type", "Yes/no")


class MailSecurity(models.TextChoices):
    SSL = "ssl", "SSL/TLS"
    STARTTLS = "starttls", "STARTTLS"
    NONE = "none", pgettext_lazy("mail security", "None (plain)")


class StoreAdapter(models.TextChoices):
    WOOCOMMERCE = "woocommerce", "WooCommerce"
    SHOPIFY = "shopify", "Shopify"
    LUMEN = "lumen", pgettext_lazy("store adapter", "Lumen JSON")


class CallState(models.TextChoices):
    RINGING = "ringing", pgettext_lazy("call state", "Ringing")
    ANSWERED = "answered", pgettext_lazy("call state", "Talking")
    FINISHED = "finished", pgettext_lazy("call state", "Finished")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", pgettext_lazy("import status", "Uploaded")
    MAPPED = "mapped", pgettext_lazy("import status", "Columns mapped")
    DONE = "done", pgettext_lazy("import status", "Done")
    FAILED = "failed", pgettext_lazy("import status", "Failed")


class DuplicateMode(models.TextChoices):
    SKIP = "skip", pgettext_lazy("duplicates", "Skip duplicates")
    MERGE = "merge", pgettext_lazy("duplicates", "Merge into the existing record")
    CREATE = "create", pgettext_lazy("duplicates", "Create anyway")
