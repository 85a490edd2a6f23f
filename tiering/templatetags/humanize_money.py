from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def money(value) -> str:
    """12345678.9 → 12,345,678.90 (CNY, two places, exact)."""
    return f"{Decimal(value or 0):,.2f}"
