"""ADMS push ("iclock") endpoints; devices call them with paths fixed in their firmware."""

from __future__ import annotations

from django.urls import re_path

from devices import views

urlpatterns = [
    re_path(r"^iclock/cdata(?:\.aspx)?/?$", views.iclock_cdata, name="iclock_cdata"),
    re_path(r"^iclock/getrequest(?:\.aspx)?/?$", views.iclock_getrequest, name="iclock_getrequest"),
    re_path(r"^iclock/devicecmd(?:\.aspx)?/?$", views.iclock_devicecmd, name="iclock_devicecmd"),
]
