"""The one way etime renders HTML to PDF (WeasyPrint), with a URL fetcher that reads only
etime's own files (docs/SECURITY.md "PDF rendering").

WeasyPrint's default fetcher opens any URL a document names: http(s) to any host (a
request from the server, SSRF), file:// anywhere on disk. A URL that reaches a template
(a logo path, a name that slipped past escaping) would be fetched. Here only ``data:``
URLs and ``file:`` URLs under the static files (STATIC_ROOT and every finder's
directories), MEDIA_ROOT, the caller's ``base_url`` directory (the app's template assets)
and files an installer configured (``ETIME_COMPANY_LOGO_PATH``) are read; anything else
is refused and WeasyPrint renders without it (a warning in the log, no request made).

``weasy_html(html, base_url=...)`` returns the ``weasyprint.HTML`` document (for callers
that ``.render()`` first); ``render_pdf(html, ...)`` returns the PDF bytes.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings

log = logging.getLogger("etime.pdf")


@cache
def _static_roots() -> tuple[Path, ...]:
    from django.contrib.staticfiles import finders

    roots = [Path(settings.STATIC_ROOT)]
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            location = getattr(storage, "location", None)
            if location:
                roots.append(Path(location))
        for root in getattr(finder, "locations", []):
            roots.append(Path(root[1] if isinstance(root, tuple) else root))
    return tuple(dict.fromkeys(r.resolve() for r in roots))


def allowed_roots(base_url: str | None = None) -> tuple[Path, ...]:
    roots = [*_static_roots(), Path(settings.MEDIA_ROOT).resolve()]
    if base_url and "://" not in base_url:
        roots.append(Path(base_url).resolve())
    return tuple(roots)


def allowed_files() -> tuple[Path, ...]:
    logo = settings.ETIME_COMPANY_LOGO_PATH
    return (Path(logo).resolve(),) if logo else ()


def _fetcher_class() -> Any:
    from weasyprint.urls import URLFetcher

    class RestrictedURLFetcher(URLFetcher):
        """WeasyPrint's fetcher, for data: URLs and etime's own files only."""

        def __init__(self, roots: tuple[Path, ...], files: tuple[Path, ...]) -> None:
            super().__init__(timeout=5, allowed_protocols={"data", "file"}, allow_redirects=False)
            self.roots, self.files = roots, files

        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            if scheme == "file" and parts.netloc in ("", "localhost"):
                path = Path(url2pathname(parts.path)).resolve()
                if path in self.files or any(path.is_relative_to(root) for root in self.roots):
                    return super().fetch(url, headers)
            elif scheme == "data":
                return super().fetch(url, headers)
            log.warning("PDF rendering refused to fetch %s", url[:200])
            raise ValueError(f"etime renders PDFs from its own files only; refused {url[:200]}")

    return RestrictedURLFetcher


def url_fetcher(base_url: str | None = None) -> Any:
    return _fetcher_class()(allowed_roots(base_url), allowed_files())


def weasy_html(html: str, *, base_url: str | None = None) -> Any:
    """A ``weasyprint.HTML`` of ``html`` whose resources come only from etime's own files."""
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url, url_fetcher=url_fetcher(base_url))


def render_pdf(html: str, *, base_url: str | None = None, **options: Any) -> bytes:
    pdf = weasy_html(html, base_url=base_url).write_pdf(**options)
    if pdf is None:  # only when given a target
        raise RuntimeError("WeasyPrint returned no PDF")
    return bytes(pdf)
