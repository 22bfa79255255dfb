from __future__ import annotations

from django.urls import path

from attendance import views

urlpatterns = [
    path("attendance/", views.my_attendance, name="attendance_mine"),
    path("attendance/punch/", views.punch_now, name="attendance_punch"),
    path("attendance/corrections/new/", views.correction_new, name="attendance_correction_new"),
    path("attendance/swaps/new/", views.swap_new, name="attendance_swap_new"),
    path("attendance/team/", views.team, name="attendance_team"),
    path("attendance/team/today/", views.team_today, name="attendance_team_today"),
    path("attendance/team/<uuid:employee_id>/", views.member, name="attendance_member"),
    path(
        "attendance/team/<uuid:employee_id>/day-status/", views.member_day_status, name="attendance_member_day_status"
    ),
    path("attendance/team/export/", views.register_export, name="attendance_register_export"),
    path("attendance/requests/<uuid:approval_id>/<str:decision>/", views.decide, name="attendance_decide"),
]
