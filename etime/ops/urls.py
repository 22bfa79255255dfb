from __future__ import annotations

from django.urls import path

from etime.ops import views

urlpatterns = [
    path("profile/notifications/", views.notification_preferences, name="notification_preferences"),
]
