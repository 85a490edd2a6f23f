import datetime

from risk.models import Alert


def alerts_raised_on(trade_date: datetime.date) -> int:
    """How many risk alerts (R2) were raised for a trade date."""
    return Alert.objects.filter(trade_date=trade_date).count()
