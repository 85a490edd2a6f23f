import datetime

from django.db import connection, transaction
from django.utils import timezone

from risk import sql
from risk.models import RiskThresholdSet


@transaction.atomic
def alerts_evaluate(trade_date: datetime.date) -> int:
    """R2: raise the alerts of one trade date in one set-based pass; re-running raises nothing new (the unique
    (client, trade date, kind) makes a repeat a no-op). Returns how many alerts were raised now."""
    thresholds = RiskThresholdSet.objects.filter(approved_at__isnull=False).order_by("-version").first()
    if thresholds is None:
        raise RuntimeError("No approved risk thresholds (R8): approve a version before evaluating risk.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('futcrm:risk-evaluation'), hashtext(%s))",
                       [trade_date.isoformat()])
        cursor.execute(sql.RAISE_ALERTS, {"trade_date": trade_date, "thresholds_id": thresholds.pk,
                                          "now": timezone.now()})
        return cursor.rowcount
