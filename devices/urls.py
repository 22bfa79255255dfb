"""ADMS push ("iclock") endpoints; devices call them with paths fixed in their firmware. And
revoking one of your installed apps from the profile page."""

from __future__ import annotations

from django.urls import path, re_path

from devices import pages, views

urlpatterns = [
    re_path(r"^iclock/cdata(?:\.aspx)?/?$", views.iclock_cdata, name="iclock_cdata"),
    re_path(r"^iclock/getrequest(?:\.aspx)?/?$", views.iclock_getrequest, name="iclock_getrequest"),
    re_path(r"^iclock/devicecmd(?:\.aspx)?/?$", views.iclock_devicecmd, name="iclock_devicecmd"),
    re_path(r"^iclock/ping(?:\.aspx)?/?$", views.iclock_ping, name="iclock_ping"),
    re_path(r"^iclock/fdata(?:\.aspx)?/?$", views.iclock_fdata, name="iclock_fdata"),
    re_path(r"^iclock/registry(?:\.aspx)?/?$", views.iclock_registry, name="iclock_registry"),
    re_path(r"^iclock/push(?:\.aspx)?/?$", views.iclock_push, name="iclock_push"),
    # A person's installed apps (their profile page lists them).
    path("profile/devices/<uuid:device_id>/revoke/", pages.client_device_revoke, name="client_device_revoke"),
    # The shared kiosk at a location's door (pairs with a code; no sign-in).
    path("kiosk/", pages.kiosk, name="kiosk"),
]
