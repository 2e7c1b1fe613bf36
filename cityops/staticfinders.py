"""Serve plotly.js from the installed plotly package, so the page and the Python figures agree."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal, overload

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage
from plotly.offline import get_plotlyjs_version

PLOTLY_JS_DIR = Path(plotly.__file__).parent / "package_data"
PLOTLY_JS_STATIC_PATH = f"vendor/plotly-{get_plotlyjs_version()}/plotly.min.js"


class _PrefixedStorage(FileSystemStorage):
    # Django's finders and collectstatic read `prefix` off a finder's storage (as FileSystemFinder sets it for a
    # (prefix, path) entry of STATICFILES_DIRS); django-stubs does not declare it.
    prefix: str


class PlotlyJsFinder(BaseFinder):
    """Exposes only plotly.min.js, under a versioned path in static/vendor/."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.storage = _PrefixedStorage(location=str(PLOTLY_JS_DIR))
        self.storage.prefix = str(Path(PLOTLY_JS_STATIC_PATH).parent)

    def check(self, **kwargs: Any) -> list[Any]:
        return []

    @overload
    def find(self, path: str, find_all: Literal[False] = False) -> str | None: ...
    @overload
    def find(self, path: str, find_all: Literal[True]) -> list[str]: ...
    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> str | list[str] | None:
        if path != PLOTLY_JS_STATIC_PATH:
            return []  # Django's "no match" either way ("" would count as a match of an empty path)
        match = str(PLOTLY_JS_DIR / "plotly.min.js")
        return [match] if find_all else match

    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, FileSystemStorage]]:
        yield "plotly.min.js", self.storage
