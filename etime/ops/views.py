from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from etime.ops.models import InAppNotification
from etime.ops.notifications import inbox_of, mark_read, preferences, preferences_set, unread_count


@login_required
def notification_preferences(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        preferences_set(
            user=request.user, enabled=set(request.POST.getlist("kinds")), in_app=set(request.POST.getlist("in_app"))
        )
        messages.success(request, _("Notification preferences saved."))
        return redirect("notification_preferences")
    return render(request, "ops/notification_preferences.html", {"preferences": preferences(request.user)})


def bell_widget(request: HttpRequest) -> str | None:
    """The header's bell with the signed-in user's unread count."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return render_to_string("ops/_bell.html", {"unread": unread_count(user)}, request=request)


@login_required
def notification_bell(request: HttpRequest) -> HttpResponse:
    """The header's bell alone, for static/ops/bell.js to refresh it when another tab saw
    the unread count change (or a while has passed) without reloading the page."""
    response = HttpResponse(bell_widget(request) or "")
    response["Cache-Control"] = "no-store"
    return response


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    # get_page: a page number out of range or not a number shows the nearest page, never a 500.
    page = Paginator(inbox_of(request.user), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "ops/notifications.html",
        {"page": page, "notifications": page.object_list, "unread": unread_count(request.user)},
    )


@login_required
@require_POST
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one read and go to its object (the list when it has no link)."""
    notification = InAppNotification.objects.filter(pk=notification_id, user=cast(Any, request.user)).first()
    if notification is None:
        raise Http404
    mark_read(user=request.user, ids=[notification.pk])
    return redirect(notification.link or "notification_list")


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    if not InAppNotification.objects.filter(pk=notification_id, user=cast(Any, request.user)).exists():
        raise Http404
    mark_read(user=request.user, ids=[notification_id])
    return redirect("notification_list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = mark_read(user=request.user)
    if count:
        messages.success(request, _("All notifications marked read."))
    return redirect("notification_list")
