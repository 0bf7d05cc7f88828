from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from .services import send_pending


@db_task()
@lock_task("notices")
def send_notices_now():
    return send_pending()


@db_periodic_task(crontab(minute="*"))
@lock_task("notices")
def send_notices_periodic():
    """Every minute: texts that failed and are due for another try."""
    return send_pending()
