"""换证: when a 残疾人证 (valid 10 years) is due to be renewed. Pure: the rules, the reminders and
the screens all ask it, so the window is said once."""

from datetime import date, timedelta

# A holder may apply to renew this many days before the card expires, and is first told then.
RENEWAL_DAYS = 90


def due_for_renewal(valid_until: date, cancelled: bool, day: date) -> bool:
    """A card not cancelled that expires within ``RENEWAL_DAYS`` of ``day``, or has expired."""
    return not cancelled and valid_until <= day + timedelta(days=RENEWAL_DAYS)
