from django.urls import path

from .views import company, departments, invitations, people, signin

app_name = "people"
urlpatterns = [
    path("company/", people.directory, name="directory"),
    path("company/people/<int:pk>/", people.profile, name="profile"),
    path("company/people/<int:pk>/photo", people.photo, name="photo"),
    path("company/people/<int:pk>/move/", people.person_move, name="person_move"),
    path("company/people/<int:pk>/edit/", people.person_edit, name="person_edit"),
    path("company/people/<int:pk>/active/", people.person_set_active, name="person_set_active"),
    path("company/people/<int:pk>/admin/", people.person_set_admin, name="person_set_admin"),
    path("company/people/<int:pk>/sign-out/", signin.person_sign_out, name="person_sign_out"),
    path("company/profile/", people.profile_edit, name="profile_edit"),
    path("company/profile/tokens/", signin.api_token_create, name="api_token_create"),
    path("company/profile/tokens/<int:pk>/revoke/", signin.api_token_revoke, name="api_token_revoke"),
    path("company/profile/sign-out-others/", signin.sign_out_others, name="sign_out_others"),
    path("company/structure/", departments.org_chart, name="org_chart"),
    path("company/departments/new/", departments.department_create, name="department_create"),
    path("company/departments/<int:pk>/", departments.department_detail, name="department_detail"),
    path("company/departments/<int:pk>/rename/", departments.department_rename, name="department_rename"),
    path("company/departments/<int:pk>/head/", departments.department_set_head, name="department_set_head"),
    path("company/departments/<int:pk>/move/", departments.department_move, name="department_move"),
    path("company/departments/<int:pk>/delete/", departments.department_delete, name="department_delete"),
    path("company/invitations/", invitations.invitations, name="invitations"),
    path("company/invitations/new/", invitations.invite, name="invite"),
    path("company/invitations/<int:pk>/resend/", invitations.invitation_resend, name="invitation_resend"),
    path("company/invitations/<int:pk>/revoke/", invitations.invitation_revoke, name="invitation_revoke"),
    path("company/settings/", company.company_settings, name="company_settings"),
    path("invite/<str:token>/", invitations.invitation_accept, name="invitation_accept"),
]
