from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("company/", views.directory, name="directory"),
    path("company/pick/", views.pick, name="pick"),
    path("company/people/<int:pk>/", views.profile, name="profile"),
    path("company/people/<int:pk>/photo", views.photo, name="photo"),
    path("company/people/<int:pk>/move/", views.person_move, name="person_move"),
    path("company/people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("company/people/<int:pk>/active/", views.person_set_active, name="person_set_active"),
    path("company/people/<int:pk>/admin/", views.person_set_admin, name="person_set_admin"),
    path("company/people/<int:pk>/sign-out/", views.person_sign_out, name="person_sign_out"),
    path("company/profile/", views.profile_edit, name="profile_edit"),
    path("company/profile/tokens/", views.api_token_create, name="api_token_create"),
    path("company/profile/tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("company/profile/sign-out-others/", views.sign_out_others, name="sign_out_others"),
    path("company/structure/", views.org_chart, name="org_chart"),
    path("company/departments/new/", views.department_create, name="department_create"),
    path("company/departments/<int:pk>/", views.department_detail, name="department_detail"),
    path("company/departments/<int:pk>/rename/", views.department_rename, name="department_rename"),
    path("company/departments/<int:pk>/head/", views.department_set_head, name="department_set_head"),
    path("company/departments/<int:pk>/move/", views.department_move, name="department_move"),
    path("company/departments/<int:pk>/delete/", views.department_delete, name="department_delete"),
    path("company/invitations/", views.invitations, name="invitations"),
    path("company/invitations/new/", views.invite, name="invite"),
    path("company/invitations/<int:pk>/resend/", views.invitation_resend, name="invitation_resend"),
    path("company/invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("company/settings/", views.company_settings, name="company_settings"),
    path("invite/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
