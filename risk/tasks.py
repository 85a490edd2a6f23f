from celery import shared_task


@shared_task
def escalate_overdue_alerts() -> int:
    """R6, every five minutes from beat."""
    from risk.services import alerts_escalate_overdue

    return alerts_escalate_overdue()


@shared_task
def evaluate_risk_for_day(trade_date: str) -> int:
    """R2: raise the day's alerts once its settlement is closed (queued by settlement_day_close)."""
    import datetime

    from risk.services import alerts_evaluate, key_monitoring_update, margin_call_notices_send, risk_levels_compute

    day = datetime.date.fromisoformat(trade_date)
    raised = alerts_evaluate(day)
    margin_call_notices_send(day)  # R7, right after the alerts are raised
    key_monitoring_update(day)  # R3
    risk_levels_compute(day)  # R4, the day's month (provisional until the month ends)
    return raised
