from __future__ import annotations

from django.urls import path

from devices.api import (
    ClientContactView,
    ClientDeviceViewSet,
    DeviceViewSet,
    KioskPairView,
    KioskPunchView,
    OfflineActionView,
)

routes = [
    ("devices", DeviceViewSet, "device"),
    ("client-devices", ClientDeviceViewSet, "client-device"),
]

# Before the router's routes: "contact" is not a client device's id.
urlpatterns = [
    path("client-devices/contact/", ClientContactView.as_view(), name="api-client-device-contact"),
    path("offline-actions/", OfflineActionView.as_view(), name="api-offline-actions"),
    path("kiosk/pair/", KioskPairView.as_view(), name="api-kiosk-pair"),
    path("kiosk/punches/", KioskPunchView.as_view(), name="api-kiosk-punch"),
]
