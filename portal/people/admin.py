"""Django admin for the company, its department tree, its people and invitations.

Admin is one more client of the services: changes that carry rules (a head, a person's department,
(de)activation, the company's settings, department moves and removals) go through them, so head
counts, head assignments and the audit log stay right whatever screen made the change.
"""

from __future__ import annotations

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from . import services
from .choices import InvitationStatus
from .filters import InvitationFilterSet
from .lockout import LockoutHandler
from .models import Company, Department, Invitation, User

_FAILED = "_lumen_admin_failed"


class ServiceAdminMixin:
    """Run service calls of a save inside one savepoint; a refusal becomes an error message and the
    change is rolled back, instead of a server error."""

    def _run_services(self, request, calls) -> bool:
        try:
            with transaction.atomic():
                for call in calls:
                    call()
        except (ValidationError, PermissionDenied) as exc:
            setattr(request, _FAILED, True)
            messages_ = getattr(exc, "messages", None) or [str(exc)]
            self.message_user(request, " ".join(str(m) for m in messages_), messages.ERROR)
            return False
        return True

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(request, _FAILED, False):
            return HttpResponseRedirect(request.get_full_path())
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if getattr(request, _FAILED, False):
            return HttpResponseRedirect(request.get_full_path())
        return super().response_change(request, obj)

    def response_delete(self, request, obj_display, obj_id):
        if getattr(request, _FAILED, False):
            return HttpResponseRedirect(
                reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
            )
        return super().response_delete(request, obj_display, obj_id)

    def log_addition(self, request, obj, message):
        if obj.pk:  # nothing was added when the service refused
            return super().log_addition(request, obj, message)
        return None

    def _report(self, request, done: int, verb: str) -> None:
        if done:
            self.message_user(request, _("%(n)d %(verb)s.") % {"n": done, "verb": verb}, messages.SUCCESS)

    def _each(self, request, queryset, call) -> int:
        """Apply `call(obj)` to every selected object; refusals are reported one by one."""
        done = 0
        for obj in queryset:
            if self._run_services(request, [lambda obj=obj: call(obj)]):
                done += 1
        return done


# --- The company ------------------------------------------------------------------------------------


@admin.register(Company)
class CompanyAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ("name", "group_creation_policy", "default_time_zone", "created_at")
    fields = ("name", "group_creation_policy", "default_time_zone", "created_at", "updated_at")
    readonly_fields = ("created_at", "updated_at")

    def has_add_permission(self, request):
        # One company per portal: it is registered once (setup page or `manage.py register_portal`).
        return super().has_add_permission(request) and not Company.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        values = {name: form.cleaned_data[name] for name in form.changed_data}
        obj.refresh_from_db()
        self._run_services(
            request, [lambda: services.company_update(actor=request.user, company=obj, **values)]
        )


# --- Departments ------------------------------------------------------------------------------------


class DepartmentForm(movenodeform_factory(Department, fields=["name", "head"])):
    """The tree position picked in the form becomes a parent for the services (the tree has one root,
    the company: every other department sits under a parent)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["head"].queryset = User.objects.filter(is_active=True).order_by("last_name", "first_name")

    def clean(self):
        cleaned = super().clean()
        ref = cleaned.get("treebeard_ref_node")
        position = cleaned.get("treebeard_position")
        parent = None
        if ref is not None:
            parent = ref if position == "sorted-child" else Department.objects.get_parent(ref)
        cleaned["parent"] = parent
        is_root = self.instance.pk and self.instance.is_root()
        if parent is None and not is_root:
            raise forms.ValidationError(_("Choose the department this one belongs to."))
        if is_root and ref is not None:
            raise forms.ValidationError(_("The company itself cannot be moved."))
        return cleaned


@admin.register(Department)
class DepartmentAdmin(ServiceAdminMixin, TreeAdmin):
    form = DepartmentForm
    list_display = ("name", "head", "members_count")
    search_fields = ("name", "head__first_name", "head__last_name", "head__email")
    list_select_related = ("head",)
    readonly_fields = ("members_count",)
    actions = ["recount"]

    def save_form(self, request, form, change):
        # Not form.save(): treebeard would write the tree itself; the services below do it instead.
        return form.instance

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        actor = request.user
        if not change:
            created: list[Department] = []

            def create():
                created.append(
                    services.department_create(
                        actor=actor, name=data["name"], parent=data["parent"], head=data.get("head")
                    )
                )

            if self._run_services(request, [create]):
                obj.pk = created[0].pk
                obj.path, obj.depth = created[0].path, created[0].depth
                obj._state.adding = False
            return
        current = Department.objects.get(pk=obj.pk)
        calls = []
        if current.name != data["name"]:
            calls.append(
                lambda: services.department_update(actor=actor, department=current, name=data["name"])
            )
        parent = data.get("parent")
        if parent is not None and not current.is_root():
            if Department.objects.get_parent(current).pk != parent.pk:
                calls.append(lambda: services.department_move(actor=actor, department=current, parent=parent))
        if current.head_id != getattr(data.get("head"), "pk", None):
            calls.append(
                lambda: services.department_set_head(actor=actor, department=current, head=data.get("head"))
            )
        self._run_services(request, calls)

    def save_related(self, request, form, formsets, change):
        pass  # no many-to-many fields or inlines; form.save() never ran (see save_form)

    def delete_model(self, request, obj):
        self._run_services(request, [lambda: services.department_delete(actor=request.user, department=obj)])

    def delete_queryset(self, request, queryset):
        # Leaves first, so that a department and its emptied children can go in one action.
        for department in sorted(queryset, key=lambda d: d.depth, reverse=True):
            self.delete_model(request, department)

    @admin.action(description=_("Recount the head counts of the selected departments"))
    def recount(self, request, queryset):
        services.departments_recount(queryset.values_list("pk", flat=True))
        self.message_user(request, _("Head counts recounted."), messages.SUCCESS)


# --- People -----------------------------------------------------------------------------------------


class PersonAddForm(forms.ModelForm):
    """E-mail, name, department and the password twice; the person is created by `person_create`."""

    password1 = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Password again"), strip=False, widget=forms.PasswordInput)

    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "position", "department")

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            candidate = User(
                email=cleaned.get("email", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                validate_password(p1, candidate)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class PersonChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class DepartmentListFilter(admin.RelatedFieldListFilter):
    def field_choices(self, field, request, model_admin):
        return [(d.pk, "— " * (d.depth - 1) + d.name) for d in Department.objects.order_by("path")]


@admin.register(User)
class UserAdmin(ServiceAdminMixin, DjangoUserAdmin):
    form = PersonChangeForm
    add_form = PersonAddForm
    list_display = ("email", "full_name", "position", "department", "is_active", "is_staff")
    list_filter = ("is_active", "is_staff", ("department", DepartmentListFilter))
    list_select_related = ("department",)
    search_fields = ("email", "first_name", "last_name", "position")
    ordering = ("last_name", "first_name", "id")
    actions = ["deactivate", "activate", "sign_out_everywhere", "unlock_sign_in"]
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("first_name", "last_name", "position", "phone", "birthday", "photo")}),
        (_("Company"), {"fields": ("department",)}),
        (_("Preferences"), {"fields": ("time_zone", "work_start", "work_end", "language")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "first_name",
                    "last_name",
                    "position",
                    "department",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    @admin.display(description=_("name"), ordering="last_name")
    def full_name(self, obj: User) -> str:
        return obj.full_name

    def save_model(self, request, obj, form, change):
        actor = request.user
        data = form.cleaned_data
        if not change:
            created: list[User] = []

            def create():
                created.append(
                    services.person_create(
                        actor=actor,
                        email=data["email"],
                        first_name=data["first_name"],
                        last_name=data.get("last_name", ""),
                        position=data.get("position", ""),
                        department=data.get("department"),
                        password=data["password1"],
                    )
                )

            if self._run_services(request, [create]):
                obj.pk = created[0].pk
                obj._state.adding = False
            return
        # Department and activity carry rules (head counts, heads): the services change them;
        # everything else on the form is plain data.
        current = User.objects.get(pk=obj.pk)
        new_department, new_active = obj.department, obj.is_active
        obj.department_id, obj.is_active = current.department_id, current.is_active
        calls = [lambda: super(UserAdmin, self).save_model(request, obj, form, change)]
        if "photo" in form.changed_data:
            # A photo is checked and re-encoded by the service, like one uploaded on the profile page.
            new_photo = data.get("photo") or ""
            obj.photo, obj.photo_content_type = current.photo, current.photo_content_type
            calls.append(lambda: services.person_update(actor=actor, person=obj, photo=new_photo))
        if new_department is not None and new_department.pk != current.department_id:
            calls.append(lambda: services.person_move(actor=actor, person=obj, department=new_department))
        if new_active != current.is_active:
            calls.append(lambda: services.person_set_active(actor=actor, person=obj, active=new_active))
        self._run_services(request, calls)

    def save_related(self, request, form, formsets, change):
        if change or not getattr(request, _FAILED, False):
            super().save_related(request, form, formsets, change)

    @admin.action(description=_("Deactivate the selected people"))
    def deactivate(self, request, queryset):
        done = self._each(
            request,
            queryset,
            lambda p: services.person_set_active(actor=request.user, person=p, active=False),
        )
        self._report(request, done, _("deactivated"))

    @admin.action(description=_("Activate the selected people"))
    def activate(self, request, queryset):
        done = self._each(
            request, queryset, lambda p: services.person_set_active(actor=request.user, person=p, active=True)
        )
        self._report(request, done, _("activated"))

    @admin.action(description=_("Sign the selected people out everywhere (and revoke their API tokens)"))
    def sign_out_everywhere(self, request, queryset):
        done = self._each(
            request, queryset, lambda p: services.person_sign_out_everywhere(actor=request.user, person=p)
        )
        if queryset.filter(pk=request.user.pk).exists():
            # "Everywhere" else for the admin who asked: this admin page stays signed in.
            request.user.refresh_from_db(fields=["auth_generation"])
            update_session_auth_hash(request, request.user)
        self._report(request, done, _("signed out everywhere"))

    @admin.action(description=_("Unlock signing in for the selected people (after too many failed attempts)"))
    def unlock_sign_in(self, request, queryset):
        done = self._each(
            request, queryset, lambda p: services.person_sign_in_unlock(actor=request.user, person=p)
        )
        self._report(request, done, _("unlocked"))

    def user_change_password(self, request, id, form_url=""):
        """Django's password page. A password set here ends the person's sessions (their hash changes) and,
        through the service, revokes their API tokens."""
        try:
            before = User.objects.filter(pk=unquote(id)).values_list("password", flat=True).first()
        except (ValueError, TypeError):
            before = None
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and before is not None:
            person = User.objects.filter(pk=unquote(id)).first()
            if person is not None and person.password != before:
                self._run_services(
                    request,
                    [
                        lambda: services.person_api_tokens_revoke(
                            actor=request.user, person=person, reason="password_change"
                        )
                    ],
                )
        return response


# --- Invitations ------------------------------------------------------------------------------------


class InvitationStatusFilter(admin.SimpleListFilter):
    """The derived status, filtered by the same FilterSet as the invitations page and API."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return InvitationStatus.choices

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return InvitationFilterSet({"status": self.value()}, queryset=queryset).qs


@admin.register(Invitation)
class InvitationAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Invitations are sent from the portal (Company → Invitations) or the API; here admins follow them
    up, resend and revoke. The secret of the link is never shown."""

    list_display = ("email", "department", "status_display", "invited_by", "sent_count", "expires_at")
    list_filter = (InvitationStatusFilter, "department", "created_at")
    list_select_related = ("department", "invited_by")
    search_fields = ("email", "first_name", "last_name", "invited_by__email")
    date_hierarchy = "created_at"
    actions = ["resend", "revoke"]
    fields = (
        "email",
        "first_name",
        "last_name",
        "position",
        "department",
        "invited_by",
        "status_display",
        "sent_count",
        "last_sent_at",
        "expires_at",
        "accepted_at",
        "accepted_user",
        "revoked_at",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description=_("status"))
    def status_display(self, obj: Invitation) -> str:
        return obj.get_status_display()

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Resend the selected invitations (fresh link)"))
    def resend(self, request, queryset):
        done = self._each(
            request, queryset, lambda i: services.invitation_resend(actor=request.user, invitation=i)
        )
        self._report(request, done, _("resent"))

    @admin.action(description=_("Revoke the selected invitations"))
    def revoke(self, request, queryset):
        done = self._each(
            request, queryset, lambda i: services.invitation_revoke(actor=request.user, invitation=i)
        )
        self._report(request, done, _("revoked"))


# --- Failed sign-ins (django-axes) ------------------------------------------------------------------


class FailedSignInAdmin(AccessAttemptAdmin):
    """Axes' list of failed sign-ins, where admins lift a pause (delete the attempts of an account or an
    address). Its "Clean up expired attempts" action runs the portal's handler (portal.people.lockout), which
    works without a sign-in request."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.handler = LockoutHandler()


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)
admin.site.register(AccessAttempt, FailedSignInAdmin)
