"""Un-namespaced account routes (Django's auth views expect these names) and the first-run page."""

from django.contrib.auth import views as auth_views
from django.urls import path

from .forms import LoginForm, StyledPasswordChangeForm, StyledPasswordResetForm, StyledSetPasswordForm
from .views import company, signin

urlpatterns = [
    path("setup/", company.setup, name="setup"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/change/",
        signin.PasswordChangeView.as_view(
            form_class=StyledPasswordChangeForm, extra_context={"nav_area": "company"}
        ),
        name="password_change",
    ),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(extra_context={"nav_area": "company"}),
        name="password_change_done",
    ),
    path(
        "accounts/password/reset/",
        signin.PasswordResetView.as_view(form_class=StyledPasswordResetForm),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        signin.PasswordResetConfirmView.as_view(form_class=StyledSetPasswordForm),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"
    ),
]
