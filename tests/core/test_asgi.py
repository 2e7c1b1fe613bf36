"""HTTP through the real ASGI application: one synchronous pass through Django, files streamed whole."""

import urllib.error
import urllib.request
import warnings
from pathlib import Path

import plotly
import pytest

from cityops.staticfinders import PLOTLY_JS_STATIC_PATH


def test_a_static_file_is_served_whole_without_reading_it_all_first(asgi_server, recwarn):
    # given the largest asset the app serves (plotly.js, several MB)
    source = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    url = f"http://{asgi_server}/static/{PLOTLY_JS_STATIC_PATH}"

    # when it is fetched through uvicorn
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310  (loopback)
            body = response.read()

    # then byte for byte, and Django did not have to swallow a synchronous iterator
    assert body == source.read_bytes()
    assert not [w for w in recwarn if "synchronous iterators" in str(w.message)]


def test_middleware_still_applies_under_asgi(asgi_server):
    with urllib.request.urlopen(f"http://{asgi_server}/healthz", timeout=10) as response:  # noqa: S310
        headers = response.headers

    assert headers["X-Frame-Options"] == "DENY"  # clickjacking middleware
    assert headers["X-Content-Type-Options"] == "nosniff"  # security middleware


def test_a_static_path_that_does_not_exist_is_404_not_500(asgi_server):
    url = f"http://{asgi_server}/static/vendor/plotly-0.0.0/plotly.min.js"

    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(url, timeout=10)  # noqa: S310
    raised.value.close()  # the error holds the response's socket

    assert raised.value.code == 404
