from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("People and access")

    def ready(self) -> None:
        from accounts import schema  # noqa: F401  (registers the OpenAPI auth extension)
        from etime.core import scopes

        scopes.register_area("employees", "Employees")
        scopes.register_area("departments", "Departments")
        scopes.register_area("locations", "Locations")
        scopes.register_area("audit_events", "Audit trail (admins only)")
        scopes.register_area("approvals", "Approval requests and decisions")

        from accounts.selectors import approval_people_resolver
        from etime.core import approvals

        approvals.set_people_resolver(approval_people_resolver())

        from accounts.selectors import access_people_rules
        from etime.core import access

        access.set_people_rules(access_people_rules())

        from accounts.views import nav_links, palette_pages, palette_people
        from etime.core import registry

        registry.register_nav_link(nav_links)
        registry.register_palette_source(palette_pages)
        registry.register_palette_source(palette_people)

        from accounts.sso_admin import unregister_allauth_admin

        unregister_allauth_admin()  # single sign-on: allauth's admin pages are not etime's

        from accounts import demo

        registry.register_demo_seeder(demo.seed_company, order=0)  # the people every other seeder needs
        registry.register_demo_seeder(demo.seed_access, order=200)
        registry.register_demo_personas(demo.personas)
