from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import sso_views, twofactor_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    # Django's LogoutView, which also ends an SSO provider's session (accounts/sso_views.py).
    path("accounts/logout/", sso_views.LogoutView.as_view(), name="logout"),
    # allauth's flows name etime's own login page "account_login".
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="account_login"),
    path("", include("accounts.sso_urls")),  # single sign-on (OpenID Connect)
    path("accounts/password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/set-password/<uidb64>/<token>/",
        views.SetPasswordView.as_view(),
        name="set_password",
    ),
    path(
        "accounts/set-password/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="registration/set_password_done.html"),
        name="set_password_done",
    ),
    path("accounts/two-factor/", twofactor_views.verify, name="twofactor_verify"),
    path("accounts/two-factor/setup/", twofactor_views.setup, name="twofactor_setup"),
    path("accounts/two-factor/recovery-codes/", twofactor_views.recovery_codes, name="twofactor_recovery_codes"),
    path(
        "accounts/two-factor/recovery-codes/download/",
        twofactor_views.recovery_download,
        name="twofactor_recovery_download",
    ),
    path(
        "accounts/two-factor/recovery-codes/new/",
        twofactor_views.recovery_regenerate,
        name="twofactor_recovery_regenerate",
    ),
    path("accounts/two-factor/disable/", twofactor_views.disable, name="twofactor_disable"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/", views.token_create, name="token_create"),
    path("profile/kiosk-pin/", views.kiosk_pin_update, name="kiosk_pin_update"),
    path("profile/tokens/<uuid:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<uuid:approval_id>/", views.inbox_detail, name="inbox_detail"),
    path("palette/search/", views.palette_search, name="palette_search"),
    path("people/", views.people, name="people"),
    path("people/export/", views.people_export, name="people_export"),
    path("people/<uuid:employee_id>/", views.person, name="person"),
]
