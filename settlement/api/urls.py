from django.urls import path

from settlement.api import views

urlpatterns = [
    path("settlement/clients", views.ClientPushView.as_view(), name="settlement-clients"),
    path("settlement/statements", views.StatementPushView.as_view(), name="settlement-statements"),
    path("settlement/snapshots", views.SnapshotPushView.as_view(), name="settlement-snapshots"),
    path("settlement/days/<str:trade_date>/close", views.DayCloseView.as_view(), name="settlement-day-close"),
    path("settlement/days/<str:trade_date>/reopen", views.DayReopenView.as_view(), name="settlement-day-reopen"),
    path("settlement/days/<str:trade_date>", views.DayStatusView.as_view(), name="settlement-day"),
]
