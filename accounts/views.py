"""Self-service pages for people and access: home, profile with API tokens, people list."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.forms import ApiTokenForm
from accounts.models import ApiToken
from accounts.resources import FORMATS, EmployeeResource, export_response
from etime.core import registry
from etime.core.errors import DomainError

NEW_TOKEN_SESSION_KEY = "etime_new_token"  # noqa: S105


@login_required
def home(request: HttpRequest) -> HttpResponse:
    panels = [panel for panel in (p(request) for p in registry.home_panels()) if panel]
    return render(request, "home.html", {"employee": selectors.employee_for_user(request.user), "panels": panels})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm()
    tokens = ApiToken.objects.filter(user=selectors.signed_in_user(request.user)).order_by("-created_at")
    # The raw token is shown exactly once, on the page after it was created.
    new_token = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    return render(
        request,
        "accounts/profile.html",
        {"employee": selectors.employee_for_user(request.user), "tokens": tokens, "form": form, "new_token": new_token},
    )


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            _token, raw = services.api_token_create(
                user=selectors.signed_in_user(request.user),
                name=form.cleaned_data["name"],
                scopes_requested=form.cleaned_data["scopes"],
                expires_at=form.expires_at(),
                actor=request.user,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            request.session[NEW_TOKEN_SESSION_KEY] = raw
            return redirect("profile")
    else:
        messages.error(request, "The token was not created: " + "; ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("profile")


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: Any) -> HttpResponse:
    token = ApiToken.objects.filter(user=selectors.signed_in_user(request.user), pk=token_id).first()
    if token is None:
        raise Http404
    services.api_token_revoke(token=token, actor=request.user)
    messages.success(request, f"Token {token.name!r} revoked.")
    return redirect("profile")


def _people_queryset(request: HttpRequest) -> Any:
    queryset = selectors.employee_list_visible(user=request.user).select_related("department", "location", "manager")
    query = request.GET.get("q", "").strip()
    if query:
        queryset = queryset.filter(
            Q(code__icontains=query) | Q(first_name__icontains=query) | Q(last_name__icontains=query) | Q(email__icontains=query)
        )
    return queryset.order_by("last_name", "first_name", "code"), query


@login_required
def people(request: HttpRequest) -> HttpResponse:
    queryset, query = _people_queryset(request)
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/people.html", {"page": page, "q": query})


@login_required
def person(request: HttpRequest, employee_id: Any) -> HttpResponse:
    employee = selectors.employee_get_visible(user=request.user, employee_id=employee_id)
    if employee is None:
        raise Http404
    return render(request, "accounts/person.html", {"person": employee})


@login_required
def people_export(request: HttpRequest) -> HttpResponse:
    queryset, _query = _people_queryset(request)
    file_format = request.GET.get("file_format", "csv")
    if file_format not in FORMATS:
        # export_response raises DRF's ValidationError, which only API views turn into a 400.
        return HttpResponseBadRequest(f"Unknown file_format; choose one of {', '.join(FORMATS)}.")
    return export_response(EmployeeResource(), queryset, file_format, "people")
