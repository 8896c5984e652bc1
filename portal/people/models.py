"""The company, its department tree, its people and their invitations."""

from __future__ import annotations

import datetime
import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import ExtractDay, ExtractMonth
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from portal.core.links import url_for_pk
from portal.core.models import TimeStampedModel

from .choices import TIME_ZONE_CHOICES, GroupCreationPolicy, InvitationStatus


class Company(TimeStampedModel):
    """The one company this portal belongs to, with the portal-wide settings its rules demand."""

    name = models.CharField(_("company name"), max_length=200)
    group_creation_policy = models.CharField(
        _("who may create groups"),
        max_length=16,
        choices=GroupCreationPolicy.choices,
        default=GroupCreationPolicy.SUPERVISORS,
    )
    default_time_zone = models.CharField(max_length=64, choices=TIME_ZONE_CHOICES, default="UTC")

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("company")

    def __str__(self) -> str:
        return self.name


class DepartmentQuerySet(MP_NodeQuerySet):
    def visible_to(self, user) -> DepartmentQuerySet:
        """The company structure is open to every employee; anonymous visitors see nothing."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        return self.all()


class DepartmentManager(MP_NodeManager):
    def get_queryset(self) -> DepartmentQuerySet:
        return DepartmentQuerySet(self.model).order_by("path")

    def visible_to(self, user) -> DepartmentQuerySet:
        return self.get_queryset().visible_to(user)


class Department(MP_Node):
    """A node of the company's department tree (a materialised path: subtrees are one indexed query).

    The tree has exactly one root: the company itself. Each department may have a head, who is a member
    of the department they head.
    """

    name = models.CharField(_("name"), max_length=200)
    head = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_department",
    )
    # Stored counter: active members of this department (not of its sub-departments).
    members_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    node_order_by = ["name"]
    objects = DepartmentManager()

    class Meta:
        verbose_name = _("department")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name


def headed_path(user) -> str | None:
    """The tree path of the department `user` heads, or None (memoised on the user object, so the rules
    of visibility that every app derives from the department tree cost one query per request)."""
    if not (user and user.is_authenticated and user.is_active):
        return None
    if not hasattr(user, "_lumen_headed_path"):
        user._lumen_headed_path = (
            Department.objects.filter(head_id=user.pk).values_list("path", flat=True).first()
        )
    return user._lumen_headed_path


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_queryset(self):
        return UserQuerySet(self.model, using=self._db)

    def visible_to(self, user):
        return self.get_queryset().visible_to(user)

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class UserQuerySet(models.QuerySet):
    def visible_to(self, user) -> UserQuerySet:
        """Every employee sees every colleague in the directory; admins see deactivated people too."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        if user.is_staff or user.is_superuser:
            return self.all()
        return self.filter(is_active=True)

    def active(self) -> UserQuerySet:
        return self.filter(is_active=True)


class User(AbstractBaseUser, PermissionsMixin):
    """An employee. Logs in with an e-mail address."""

    email = models.EmailField(_("e-mail"), unique=True)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    position = models.CharField(_("position"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    photo = models.ImageField(_("photo"), upload_to="people/photos/%Y/%m/", blank=True)
    # Detected when the photo was uploaded; the photo is served with this type, never one from its name.
    photo_content_type = models.CharField(max_length=50, blank=True, editable=False)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, choices=TIME_ZONE_CHOICES, default="UTC")
    work_start = models.TimeField(_("work starts"), default=datetime.time(9, 0))
    work_end = models.TimeField(_("work ends"), default=datetime.time(18, 0))
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("portal admin"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    # Raised by "sign out everywhere" (services.person_sign_out_everywhere): it is part of the session auth
    # hash, so every session and API token stamped with the previous hash stops working.
    auth_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name"]

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["last_name", "first_name"]),
            models.Index(fields=["department", "is_active"]),
            # Birthdays of the coming days by (month, day): an index scan, not a scan of every person.
            models.Index(ExtractMonth("birthday"), ExtractDay("birthday"), name="people_user_birthday_md"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(work_start__lt=models.F("work_end")), name="user_work_hours_order"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.first_name

    @property
    def initials(self) -> str:
        return "".join(part[:1] for part in (self.first_name, self.last_name) if part).upper() or "?"

    def get_absolute_url(self) -> str:
        return url_for_pk("people:profile", self.pk)

    @property
    def photo_url(self) -> str:
        """Where the photo is served (the permission-checked view); the avatar of every list uses it."""
        return url_for_pk("people:photo", self.pk)

    def _get_session_auth_hash(self, secret=None) -> str:
        """Django's HMAC of the password hash (sessions carry it; a changed password ends them), mixed with the
        sign-out generation once there is one. Generation 0 gives Django's own hash, so that the sessions
        made before the generation existed stay valid. Django's fallback keys go through here too."""
        digest = super()._get_session_auth_hash(secret=secret)
        if not self.auth_generation:
            return digest
        return salted_hmac(
            "lumen.people.User.auth_generation",
            f"{digest}:{self.auth_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def visible_to(self, user) -> InvitationQuerySet:
        """Admins see all invitations; a supervisor those into the departments of their sub-tree."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        if user.is_staff or user.is_superuser:
            return self.all()
        headed = Department.objects.filter(head=user).only("path").first()
        if headed is None:
            return self.filter(invited_by=user)
        return self.filter(Q(department__path__startswith=headed.path) | Q(invited_by=user))

    def pending(self) -> InvitationQuerySet:
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(TimeStampedModel):
    """An invitation by e-mail into a department.

    The link carries a token signed with the portal's secret key over (id, secret); re-sending replaces the
    secret, so older links stop working. Jobs rebuild the link from the id alone.
    """

    email = models.EmailField(_("e-mail"))
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    position = models.CharField(_("position"), max_length=200, blank=True)
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="invitations_sent"
    )
    secret = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    sent_count = models.PositiveSmallIntegerField(default=0)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitation"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open invitation per address: re-inviting re-sends the existing one.
            models.UniqueConstraint(
                fields=["email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def status(self) -> str:
        if self.accepted_at:
            return InvitationStatus.ACCEPTED
        if self.revoked_at:
            return InvitationStatus.REVOKED
        if self.expires_at <= timezone.now():
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING

    def get_status_display(self) -> str:
        return InvitationStatus(self.status).label


# --- Signing in -------------------------------------------------------------------------------------


class ApiTokenQuerySet(models.QuerySet):
    def visible_to(self, user) -> ApiTokenQuerySet:
        """A person sees their own tokens only; admins too (they sign a person out everywhere instead)."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        return self.filter(user_id=user.pk)

    def live(self) -> ApiTokenQuerySet:
        return self.filter(expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """A key to the API, sent as `Authorization: Token <key>`.

    Only a SHA-256 hash of the key is stored; the key itself is shown once, when the token is made, and its
    first characters (the prefix) let the owner recognise it in the list. A token stops working when it
    expires, when it is revoked, and when its owner's password changes or they are signed out everywhere: it
    keeps the session auth hash its owner had when it was made, and that hash changes then.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    label = models.CharField(_("label"), max_length=100, blank=True)
    prefix = models.CharField(_("starts with"), max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    auth_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="api_token_expires_after_creation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… {self.label}".strip()

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @staticmethod
    def digest(key: str) -> str:
        """The stored form of a key (the key itself is never stored)."""
        return hashlib.sha256(key.encode()).hexdigest()


class PasswordResetRequest(models.Model):
    """A request for a password reset link that was let through, kept for the window of the reset limits
    (per e-mail address and per client address). The address typed is kept as a keyed hash only: it may
    belong to nobody, and it is only ever compared."""

    email_digest = models.CharField(max_length=64)
    address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("password reset request")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["email_digest", "created_at"]),
            models.Index(fields=["address", "created_at"]),
            models.Index(fields=["created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.address or '?'}"
