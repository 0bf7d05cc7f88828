"""One audited writer for tests/test_audit.py, in its own process and database connection.

Run as ``python -m tests.audit_writer DB_NAME USER_PK WRITES HOLD``: connects, prints ``ready``,
waits for a line on stdin, then makes WRITES audited writes, each keeping its transaction open
HOLD seconds after the audit event, and prints ``done``. A fresh process, not a fork of the threaded test worker."""

import os
import sys
import time

import django


def main() -> None:
    db_name, user_pk, writes, hold = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.settings_test")
    django.setup()
    from django.db import connection, transaction

    from onestop.accounts.models import StaffUser
    from onestop.audit.models import AuditAction
    from onestop.audit.services import audit_record

    connection.settings_dict["NAME"] = db_name  # the test database pytest made
    user = StaffUser.objects.get(pk=user_pk)
    print("ready", flush=True)
    sys.stdin.readline()
    for i in range(writes):
        with transaction.atomic():
            audit_record(actor=user, action=AuditAction.STAFF_UPDATE, detail={"i": i})
            time.sleep(float(hold))
    print("done", flush=True)  # before the interpreter's own exit, which the test must not time
    connection.close()


if __name__ == "__main__":
    main()
