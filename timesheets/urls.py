"""Time-tracking pages (mounted by etime/urls.py): the timer, my week, entries, a team
member's week. URL names are in the ``timesheets`` namespace."""

from __future__ import annotations

from django.urls import path

from timesheets import views, week_views

app_name = "timesheets"

urlpatterns = [
    path("time/", views.timer, name="timer"),
    path("time/timer/start/", views.timer_start, name="timer_start"),
    path("time/timer/stop/", views.timer_stop, name="timer_stop"),
    path("time/timer/header/", views.header_timer, name="header_timer"),
    path("time/timer/preference/", views.timer_preference, name="timer_preference"),
    path("time/entries/<uuid:entry_id>/continue/", views.timer_continue, name="timer_continue"),
    path("time/week/", views.week, name="week"),
    path("time/week/submit/", views.week_submit, name="week_submit"),
    path("time/week/duplicate/", views.duplicate_day, name="duplicate_day"),
    path("time/week/grid/", week_views.week_grid_save, name="week_grid_save"),
    path("time/week/copy/", week_views.week_copy, name="week_copy"),
    path("time/week/bulk/", week_views.entries_bulk_edit, name="entries_bulk_edit"),
    path("time/calendar/", week_views.calendar, name="calendar"),
    path("time/calendar/feed/", week_views.calendar_feed, name="calendar_feed"),
    path("time/calendar/entries/", week_views.calendar_create, name="calendar_create"),
    path("time/calendar/entries/<uuid:entry_id>/", week_views.calendar_update, name="calendar_update"),
    path("time/entries/new/", views.entry_new, name="entry_new"),
    path("time/entries/<uuid:entry_id>/", views.entry_edit, name="entry_edit"),
    path("time/entries/<uuid:entry_id>/delete/", views.entry_delete, name="entry_delete"),
    path("time/people/<uuid:employee_id>/week/", views.employee_week, name="employee_week"),
    path("time/projects/<uuid:project_id>/budget/", views.project_budget, name="project_budget"),
]
