from django.db import models
from django.utils.translation import gettext_lazy as _


class ChatKind(models.TextChoices):
    DIRECT = "direct", _("Direct chat")
    GROUP = "group", _("Group chat")
