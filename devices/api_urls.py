from __future__ import annotations

from devices.api import DeviceViewSet

routes = [
    ("devices", DeviceViewSet, "device"),
]
