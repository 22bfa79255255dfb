from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from etime.ops.notifications import preferences, preferences_set


@login_required
def notification_preferences(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        preferences_set(user=request.user, enabled=set(request.POST.getlist("kinds")))
        messages.success(request, _("Notification preferences saved."))
        return redirect("notification_preferences")
    return render(request, "ops/notification_preferences.html", {"preferences": preferences(request.user)})
