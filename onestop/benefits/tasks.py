from datetime import timedelta

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from onestop.core import clock
from onestop.core.leases import leased

from .reviews import Pressed, reviews_press


@db_periodic_task(crontab(hour="1", minute="10"))  # 09:10 in Beijing
@leased("reviews-press", every=timedelta(days=1))
def press_overdue_reviews() -> Pressed:
    """Every morning: reviews past their deadline are pressed (督办), never stopped."""
    return reviews_press(today=clock.today())
