from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.accounts.selectors import regions_scope
from apps.core.decorators import permission_required
from tests.water.models import PressureSensor


@permission_required("water.view_pressuresensor")
def water_index(request: HttpRequest) -> HttpResponse:
    """The gauges of the user's regions with their latest reading."""
    sensors = (
        regions_scope(PressureSensor.objects.all(), user=request.user)
        .select_related("region")
        .annotate(last_at=Max("pressurereading__observed_at"))
        .order_by("code")
    )
    return render(request, "water/index.html", {"sensors": sensors})
