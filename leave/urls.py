from __future__ import annotations

from django.urls import path

from leave import views

app_name = "leave"

urlpatterns = [
    path("leave/", views.my_leave, name="mine"),
    path("leave/requests/", views.request_create, name="request_create"),
    path("leave/requests/preview/", views.request_preview, name="request_preview"),
    path("leave/ledger/<uuid:leave_type_id>/", views.ledger, name="ledger"),
    path("leave/requests/<uuid:request_id>/cancel/", views.request_cancel, name="request_cancel"),
    path("leave/requests/<uuid:request_id>/decide/", views.request_decide, name="request_decide"),
    path("leave/calendar/", views.team_calendar, name="calendar"),
    path("leave/feeds/", views.feed_create, name="feed_create"),
    path("leave/feeds/<uuid:feed_id>/revoke/", views.feed_revoke, name="feed_revoke"),
    path("leave/feeds/<str:token>.ics", views.feed_ics, name="feed"),
]
