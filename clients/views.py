from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import render

from clients.models import Client


@login_required
@permission_required("clients.view_client", raise_exception=True)
def service_card_view(request, client_id: int):
    """S10 客户服务卡: a printable card with the advisor's name and phone and the service hotline."""
    client = Client.objects.visible_to(request.user).select_related("advisor", "branch").filter(pk=client_id).first()
    if client is None:
        raise Http404
    return render(request, "clients/service_card.html", {"client": client, "hotline": settings.SERVICE_HOTLINE})
