from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache

from apps.core.health import run_checks
from apps.core.surfaces import surfaces_for_user


def home(request: HttpRequest) -> HttpResponse:
    """Every surface the user's role may use; for visitors, the public ones and the sign-in."""
    return render(request, "core/home.html", {"surfaces": surfaces_for_user(request.user)})


@never_cache
async def healthz(request: HttpRequest) -> JsonResponse:
    """200 when every configured service answers, 503 otherwise. Public: it names no secrets."""
    checks = await run_checks()
    ok = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if ok else "error", "checks": checks}, status=200 if ok else 503)


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and the admin ask for /favicon.ico whatever the page says."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
