"""Self-service pages for people and access: home, profile with API tokens, people list."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse, reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts import password_reset, selectors, services, twofactor_views
from accounts.forms import ApiTokenForm, ApprovalDecisionForm, InboxDecisionForm, KioskPinForm, LanguageForm
from accounts.models import ApiToken
from accounts.resources import FORMATS, EmployeeResource, export_response
from etime.core import access, approvals, registry
from etime.core.access import is_admin
from etime.core.errors import DomainError
from etime.core.models import ApprovalStatus
from etime.core.params import text_param

NEW_TOKEN_SESSION_KEY = "etime_new_token"  # noqa: S105


def _may_approve(user: Any) -> bool:
    return bool(is_admin(user) or getattr(user, "is_manager_role", False))


def nav_links(request: HttpRequest) -> list[dict[str, Any]]:
    if not _may_approve(request.user):
        return []
    return [{"label": _("Inbox"), "url": reverse("inbox"), "order": 50, "testid": "nav-inbox"}]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    panels = [panel for panel in (p(request) for p in registry.home_panels()) if panel]
    user = selectors.signed_in_user(request.user)
    waiting = approvals.pending_for(user).count() if _may_approve(user) else 0
    labels = {kind.name: kind.label for kind in approvals.kinds()}
    mine = [{"approval": a, "kind_label": labels.get(a.kind, a.kind)} for a in approvals.requested_by(user)]
    return render(
        request,
        "home.html",
        {
            "employee": selectors.employee_for_user(request.user),
            "panels": panels,
            "waiting": waiting,
            "my_pending": mine,
        },
    )


def _notification_preferences_url() -> str | None:
    try:
        return reverse("notification_preferences")
    except NoReverseMatch:
        return None


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = selectors.signed_in_user(request.user)
    if request.method == "POST":
        language_form = LanguageForm(request.POST)
        if language_form.is_valid():
            services.user_language_set(user=user, language=language_form.cleaned_data["language"], actor=user)
            messages.success(request, _("Language saved."))
            return redirect("profile")
    else:
        language_form = LanguageForm(initial={"language": user.language})
    form = ApiTokenForm()
    tokens = ApiToken.objects.filter(user=user).order_by("-created_at")
    # The raw token is shown exactly once, on the page after it was created.
    new_token = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    employee = selectors.employee_for_user(request.user)
    if employee is not None:
        employee = type(employee).objects.select_related("department", "location", "manager").get(pk=employee.pk)
    return render(
        request,
        "accounts/profile.html",
        {
            "employee": employee,
            "tokens": tokens,
            "form": form,
            "new_token": new_token,
            "language_form": language_form,
            "notification_preferences_url": _notification_preferences_url(),
            "panels": [panel for panel in (p(request) for p in registry.profile_panels()) if panel],
            **twofactor_views.profile_context(user),
            "kiosk_pin_form": KioskPinForm() if employee is not None else None,
        },
    )


# --- Manager inbox ----------------------------------------------------------------------------


def _inbox_rows(user: Any) -> list[dict[str, Any]]:
    labels = {kind.name: kind.label for kind in approvals.kinds()}
    pending = approvals.pending_for(user).select_related("requester").order_by("created_at")[:500]
    return [{"approval": a, "kind_label": labels.get(a.kind, a.kind)} for a in approvals.summaries(pending)]


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Everything waiting for my decision, whatever app registered its kind; decide one or
    many at once with one comment."""
    user = selectors.signed_in_user(request.user)
    all_rows = _inbox_rows(user)
    kinds = sorted({(row["approval"].kind, row["kind_label"]) for row in all_rows}, key=lambda k: k[1])
    kind = request.GET.get("kind", "")
    rows = [row for row in all_rows if row["approval"].kind == kind] if kind else all_rows
    form = InboxDecisionForm(pending_ids=[str(row["approval"].pk) for row in rows])
    if request.method == "POST":
        form = InboxDecisionForm(request.POST, pending_ids=[str(row["approval"].pk) for row in rows])
        if form.is_valid():
            by_id = {str(row["approval"].pk): row["approval"] for row in rows}
            done, failed = 0, []
            for pk in form.cleaned_data["ids"]:
                try:
                    approvals.decide(
                        request=by_id[pk],
                        actor=user,
                        decision=form.cleaned_data["decision"],
                        comment=form.cleaned_data["comment"],
                    )
                except DomainError as exc:
                    failed.append(f"{by_id[pk].display_summary}: {exc.message}")
                else:
                    done += 1
            if done:
                messages.success(
                    request,
                    ngettext("%(count)d request decided.", "%(count)d requests decided.", done) % {"count": done},
                )
            for failure in failed:
                messages.error(request, failure)
            return redirect(request.get_full_path())
        status = 400
    else:
        status = 200
    return render(
        request, "accounts/inbox.html", {"rows": rows, "form": form, "kinds": kinds, "kind": kind}, status=status
    )


@login_required
def inbox_detail(request: HttpRequest, approval_id: Any) -> HttpResponse:
    """One request in full, with what its app shows about it (the timesheet's entries, the
    leave days with the balance and who else is off, the punches a correction changes), and
    the decision. Seeing needs ``approvals.is_visible_to`` (404 otherwise); deciding needs
    the current level's eligibility (403)."""
    user = selectors.signed_in_user(request.user)
    approval = approvals.visible_request(approval_id, user)
    if approval is None:
        raise Http404  # unknown, or not theirs to see: the same answer
    may_decide = approval.status == ApprovalStatus.PENDING and approvals.can_decide(approval, user)
    form = ApprovalDecisionForm()
    status = 200
    if request.method == "POST":
        if approval.status != ApprovalStatus.PENDING:  # decided meanwhile (another approver, a cancel)
            messages.error(request, approvals.ApprovalAlreadyDecided.message)
            return redirect("inbox_detail", approval_id=approval.pk)
        if not may_decide:
            raise PermissionDenied(_("You may not decide this request at its current level."))
        form = ApprovalDecisionForm(request.POST)
        if form.is_valid():
            try:
                approvals.decide(
                    request=approval,
                    actor=user,
                    decision=form.cleaned_data["decision"],
                    comment=form.cleaned_data["comment"],
                )
            except DomainError as exc:
                messages.error(request, exc.message)
                return redirect("inbox_detail", approval_id=approval.pk)
            messages.success(request, _("Decision recorded."))
            return redirect("inbox")
        status = 400
    approvals.summaries([approval])
    spec_labels = {kind.name: kind.label for kind in approvals.kinds()}
    detail = None
    detail_fn = registry.approval_detail(approval.kind)
    obj = approvals.object_of(approval) if detail_fn is not None else None
    if detail_fn is not None and obj is not None:
        detail = detail_fn(request, obj)
    steps = approvals.steps_of(approval)
    context = {
        "approval": approval,
        "kind_label": spec_labels.get(approval.kind, approval.kind),
        "detail": detail,
        "may_decide": may_decide,
        "form": form,
        "steps": steps,
    }
    return render(request, "accounts/inbox_detail.html", context, status=status)


# --- Command palette -------------------------------------------------------------------------

PALETTE_LIMIT = 20


@login_required
def palette_search(request: HttpRequest) -> JsonResponse:
    """What the command palette (static/js/palette.js) offers for ``q``: every app's
    registered source (etime.core.registry.register_palette_source), each reading through
    its own selectors for the signed-in user."""
    query = (text_param(request, "q", max_length=100) or "").strip()
    items: list[dict[str, Any]] = []
    for source in registry.palette_sources():
        items.extend(source(request, query))
    return JsonResponse({"items": items[:PALETTE_LIMIT]})


def palette_people(request: HttpRequest, query: str) -> list[dict[str, Any]]:
    """People in the caller's reach (themselves, their reports, everyone for admins)."""
    if not query or not _may_approve(request.user):
        return []
    found = (
        selectors.employee_list_visible(user=request.user)
        .filter(Q(first_name__icontains=query) | Q(last_name__icontains=query) | Q(code__iexact=query))
        .order_by("last_name", "first_name")[:8]
    )
    return [
        {"group": _("People"), "label": f"{e.full_name} ({e.code})", "url": reverse("person", args=[e.pk])}
        for e in found
    ]


def palette_pages(request: HttpRequest, query: str) -> list[dict[str, Any]]:
    if not _may_approve(request.user):
        return []
    label = _("Go to the inbox")
    return [{"group": _("Go to"), "label": label, "url": reverse("inbox")}] if _matches(label, query) else []


def _matches(label: str, query: str) -> bool:
    return not query or query.casefold() in label.casefold()


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
        messages.error(
            request,
            _("The token was not created: %(errors)s")
            % {"errors": "; ".join(str(e) for errs in form.errors.values() for e in errs)},
        )
    return redirect("profile")


@login_required
@require_POST
def kiosk_pin_update(request: HttpRequest) -> HttpResponse:
    """Set one's own kiosk PIN (accounts.kiosk_pin); hashed, never shown again."""
    from accounts.kiosk_pin import kiosk_pin_set

    employee = selectors.employee_for_user(request.user)
    if employee is None:
        return redirect("profile")
    form = KioskPinForm(request.POST)
    if form.is_valid():
        try:
            kiosk_pin_set(employee=employee, pin=form.cleaned_data["pin"], actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your kiosk PIN is set."))
    else:
        messages.error(
            request,
            _("The kiosk PIN was not set: %(errors)s")
            % {"errors": "; ".join(str(e) for errs in form.errors.values() for e in errs)},
        )
    return redirect("profile")


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: Any) -> HttpResponse:
    token = ApiToken.objects.filter(user=selectors.signed_in_user(request.user), pk=token_id).first()
    if token is None:
        raise Http404
    services.api_token_revoke(token=token, actor=request.user)
    messages.success(request, _("Token %(name)s revoked.") % {"name": repr(token.name)})
    return redirect("profile")


def _people_queryset(request: HttpRequest) -> Any:
    queryset = selectors.employee_list_visible(user=request.user).select_related("department", "location", "manager")
    query = text_param(request, "q").strip()
    if query:
        queryset = queryset.filter(
            Q(code__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(email__icontains=query)
        )
    return queryset.order_by("last_name", "first_name", "code"), query


@login_required
def people(request: HttpRequest) -> HttpResponse:
    queryset, query = _people_queryset(request)
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/people.html", {"page": page, "q": query})


@login_required
def person(request: HttpRequest, employee_id: Any) -> HttpResponse:
    employee = access.person_for(request.user, employee_id, access.Action.VIEW)
    return render(request, "accounts/person.html", {"person": employee})


@login_required
def people_export(request: HttpRequest) -> HttpResponse:
    queryset, _query = _people_queryset(request)
    file_format = request.GET.get("file_format", "csv")
    if file_format not in FORMATS:
        # export_response raises DRF's ValidationError, which only API views turn into a 400.
        return HttpResponseBadRequest(f"Unknown file_format; choose one of {', '.join(FORMATS)}.")
    return export_response(EmployeeResource(), queryset, file_format, "people")


# --- Forgotten passwords (accounts.password_reset has the rules) --------------------------


class PasswordResetView(auth_views.PasswordResetView):
    """Asks for a link by e-mail. Known and unknown addresses get the same redirect after
    the same work; over the throttle, the same 429 page."""

    template_name = "registration/password_reset_form.html"

    def form_valid(self, form: Any) -> HttpResponse:
        email = form.cleaned_data["email"]
        wait = password_reset.throttle_wait(self.request, email)
        if wait is not None:
            minutes = max(1, -(-wait // 60))
            response = render(
                self.request, "registration/password_reset_throttled.html", {"wait_minutes": minutes}, status=429
            )
            response["Retry-After"] = str(wait)
            return response
        password_reset.password_reset_request(
            email=email,
            client=password_reset.client_address(self.request),
            language=translation.get_language() or "",
        )
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "valid_days": settings.PASSWORD_RESET_TIMEOUT // 86400}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The link from the mail. A valid one shows the new-password form once; saving goes
    through ``password_reset_complete`` (audit, lockout cleared)."""

    success_url = reverse_lazy("password_reset_complete")

    def get_user(self, uidb64: str) -> Any:
        user = super().get_user(uidb64)
        # A link mailed before the login was deactivated must not bring it back to life.
        return user if user is not None and user.is_active else None

    complete = staticmethod(password_reset.password_reset_complete)

    def form_valid(self, form: Any) -> HttpResponse:
        self.complete(
            user=form.user,
            password=form.cleaned_data["new_password1"],
            client=password_reset.client_address(self.request),
        )
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


class SetPasswordView(PasswordResetConfirmView):
    """The invitation's link: the same page and rules with its own wording, saved through
    ``invitation_accept`` (audited as ``invitation.accepted``)."""

    template_name = "registration/set_password.html"
    success_url = reverse_lazy("set_password_done")
    complete = staticmethod(password_reset.invitation_accept)
