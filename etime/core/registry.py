"""Extension points the core declares and apps fill in their AppConfig.ready().

The core imports no app (DESIGN §1): pages that gather several apps (the home
dashboard, later the manager inbox) iterate these registries instead.

- ``register_home_panel(fn)``: ``fn(request) -> dict | None``; the dict has ``template``
  and ``context``; None hides the panel for this user.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

HomePanel = Callable[[HttpRequest], dict[str, Any] | None]
_home_panels: list[HomePanel] = []


def register_home_panel(panel: HomePanel) -> None:
    if panel not in _home_panels:
        _home_panels.append(panel)


def home_panels() -> list[HomePanel]:
    return list(_home_panels)


# --- Demo data --------------------------------------------------------------------------
# ``manage.py seed_demo`` runs each registered seeder, ``fn(*, rng, stdout) -> None``, by
# ``order`` (lower first; equal orders in registration order, which is INSTALLED_APPS
# order): the people (accounts, order 0) first, then each app's data (100), then what
# builds on several apps' data (200: corrections, reminders, credit notes, locks), then
# operations (300: backups, beat, reports). Seeders must be idempotent. Every model in the
# admin gets at least one demo row (etime/core/tests/test_seed_demo_covers_admin.py).
#
# ``register_demo_personas(fn)``: ``fn() -> {persona: username}`` names the logins the
# production crawl and the README use (employee, manager, finance, admin); seed_demo
# prints them as ``persona <name>: <username>``.
DemoSeeder = Callable[..., object]
DemoPersonas = Callable[[], dict[str, str]]
_demo_seeders: list[tuple[int, DemoSeeder]] = []
_demo_personas: list[DemoPersonas] = []


def register_demo_seeder(seeder: DemoSeeder, *, order: int = 100) -> None:
    if seeder not in demo_seeders():
        _demo_seeders.append((order, seeder))


def demo_seeders() -> list[DemoSeeder]:
    return [seeder for _, seeder in sorted(_demo_seeders, key=lambda pair: pair[0])]


def register_demo_personas(fn: DemoPersonas) -> None:
    if fn not in _demo_personas:
        _demo_personas.append(fn)


def demo_personas() -> dict[str, str]:
    found: dict[str, str] = {}
    for fn in _demo_personas:
        found.update(fn())
    return found


# --- Page chrome ---------------------------------------------------------------------------
# Every signed-in page shows the main navigation and a header strip (the running timer, for
# instance). Apps add to both without the core importing them:
# - ``register_nav_link(fn)``: ``fn(request) -> list[dict] | None`` with ``label``, ``url``
#   and optional ``order`` (lower first) and ``testid``.
# - ``register_header_widget(fn)``: ``fn(request) -> str | None``: a small HTML fragment
#   (already escaped, e.g. from ``render_to_string``) shown in the header, or None.
# Both run on every page: keep them to one cheap query, cached on the request if reused.
NavLinks = Callable[[HttpRequest], list[dict[str, Any]] | None]
HeaderWidget = Callable[[HttpRequest], str | None]
_nav_links: list[NavLinks] = []
_header_widgets: list[HeaderWidget] = []


def register_nav_link(fn: NavLinks) -> None:
    if fn not in _nav_links:
        _nav_links.append(fn)


def register_header_widget(fn: HeaderWidget) -> None:
    if fn not in _header_widgets:
        _header_widgets.append(fn)


def nav_links(request: HttpRequest) -> list[dict[str, Any]]:
    links: list[dict[str, Any]] = []
    for fn in _nav_links:
        links.extend(fn(request) or [])
    return sorted(links, key=lambda link: link.get("order", 100))


def header_widgets(request: HttpRequest) -> list[str]:
    return [html for fn in _header_widgets if (html := fn(request))]


# --- Offline actions ---------------------------------------------------------------------
# A client device (an installed app, a kiosk: devices.ClientDevice) queues actions while
# offline and sends them later with an idempotency key (devices.services.clients). The app
# that owns each action registers what to do with it, so devices imports no app above it:
# ``register_offline_action(name, fn)`` with
# ``fn(*, employee, actor, data, recorded_at, device_now, last_contact_at, device_label) -> dict``
# returning a JSON-able result (stored and replayed for the same key). ``fn`` applies the
# punch policy's rule 6 and raises a DomainError to refuse; it writes in the caller's
# transaction, and the caller audits refusals (nothing of a refused action is kept).
OfflineAction = Callable[..., dict[str, Any]]
_offline_actions: dict[str, OfflineAction] = {}


def register_offline_action(name: str, fn: OfflineAction) -> None:
    _offline_actions[name] = fn


def offline_action(name: str) -> OfflineAction | None:
    return _offline_actions.get(name)


def offline_actions() -> list[str]:
    return sorted(_offline_actions)


# --- Profile panels ----------------------------------------------------------------------
# ``register_profile_panel(fn)``: ``fn(request) -> dict | None`` with ``template`` and
# ``context``, shown on the profile page below the person's own sections (the installed apps
# holding a device credential, for instance); None hides it.
_profile_panels: list[HomePanel] = []


def register_profile_panel(panel: HomePanel) -> None:
    if panel not in _profile_panels:
        _profile_panels.append(panel)


def profile_panels() -> list[HomePanel]:
    return list(_profile_panels)


# --- Approval details ----------------------------------------------------------------------
# The inbox opens a request on its own page (accounts.views.inbox_detail). The app that
# registered the approval kind says what to show there:
# ``register_approval_detail(kind, fn)`` with ``fn(request, obj) -> dict`` holding
# ``template`` and ``context`` (the timesheet's entries by day, the leave days and who else
# is off, the punches a correction changes). ``fn`` reads through the app's selectors with
# ``request.user``; the inbox has already checked that the user may see the approval.
ApprovalDetail = Callable[[HttpRequest, Any], dict[str, Any]]
_approval_details: dict[str, ApprovalDetail] = {}


def register_approval_detail(kind: str, fn: ApprovalDetail) -> None:
    _approval_details[kind] = fn


def approval_detail(kind: str) -> ApprovalDetail | None:
    return _approval_details.get(kind)


# --- Command palette -----------------------------------------------------------------------
# Ctrl/⌘-K opens the command palette (static/js/palette.js), which asks
# ``/palette/search/?q=…`` (accounts.views.palette_search). Each app adds what it offers:
# ``register_palette_source(fn)`` with ``fn(request, query) -> list[dict]``; a dict has
# ``label`` (translated), ``group`` (translated heading), and either ``url`` (go there) or
# ``action`` + ``data`` (``"timer_start"`` with ``{"project": id, "task": id|None}``: the
# script posts it to the timer API). ``query`` is stripped and may be empty (then offer the
# commands, not every row). Keep each source to one or two queries and a few rows.
PaletteSource = Callable[[HttpRequest, str], list[dict[str, Any]]]
_palette_sources: list[PaletteSource] = []


def register_palette_source(fn: PaletteSource) -> None:
    if fn not in _palette_sources:
        _palette_sources.append(fn)


def palette_sources() -> list[PaletteSource]:
    return list(_palette_sources)
