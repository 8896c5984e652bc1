"""Signing in: API tokens of the portal's own (hashed, expiring, bound to the owner's session auth hash),
the sign-out generation of a person, and the log that limits password reset requests.

The tokens of DRF's authtoken app (one per person, stored in clear, never expiring) are not carried over:
they could have been issued before a password change. Clients ask POST /api/v1/auth/token/ for a new one.
Its table goes in 0005.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0003_photo_content_type_detected"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="auth_generation",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.CreateModel(
            name="PasswordResetRequest",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("email_digest", models.CharField(max_length=64)),
                ("address", models.GenericIPAddressField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "verbose_name": "password reset request",
                "ordering": ["-created_at", "-id"],
                "indexes": [
                    models.Index(
                        fields=["email_digest", "created_at"], name="people_pass_email_d_6ba0c9_idx"
                    ),
                    models.Index(fields=["address", "created_at"], name="people_pass_address_884d12_idx"),
                    models.Index(fields=["created_at"], name="people_pass_created_cb2b9d_idx"),
                ],
            },
        ),
        migrations.CreateModel(
            name="ApiToken",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("label", models.CharField(blank=True, max_length=100, verbose_name="label")),
                ("prefix", models.CharField(max_length=8, verbose_name="starts with")),
                ("key_hash", models.CharField(max_length=64, unique=True)),
                ("auth_hash", models.CharField(max_length=128)),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="created"),
                ),
                ("expires_at", models.DateTimeField(verbose_name="expires")),
                ("last_used_at", models.DateTimeField(blank=True, null=True, verbose_name="last used")),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="api_tokens",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "API token",
                "ordering": ["-created_at", "-id"],
                "indexes": [
                    models.Index(fields=["user", "expires_at"], name="people_apit_user_id_02de19_idx")
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("expires_at__gt", models.F("created_at"))),
                        name="api_token_expires_after_creation",
                    )
                ],
            },
        ),
    ]
