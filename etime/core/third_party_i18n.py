"""Strings other packages mark for translation but ship no translation of, listed here so
that makemessages puts them in etime's catalogs (locale/*/django.po) and translators give
them one: Django looks a msgid up in every catalog, LOCALE_PATHS first, so a German admin
then sees them in German. Found by the pseudo-locale crawl (docs/ARCHITECTURE.md
"Translations"); never imported, only read by makemessages.
"""

from django.utils.translation import gettext_lazy as _

# django-axes 8.3 (admin of the lockout records): absent from its de and fr catalogs; it
# ships no Italian catalog at all.
AXES = [
    _("Clean up expired attempts"),
    _("Attempt Remaining"),
    _("access attempt expiration"),
    _("access attempt expirations"),
    _("Not set"),
    _("Locked Out"),
    _("Access Attempt"),
    _("Expires At"),
    _("The time when access attempt expires and is no longer valid."),
]

# django-celery-beat 2.9: its model names in the permission lists, absent from its catalogs.
CELERY_BEAT = [
    _("periodic task track"),
    _("periodic task tracks"),
]
