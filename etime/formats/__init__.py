"""Locale formats etime overrides (``FORMAT_MODULE_PATH``); Django's own fill the rest."""
