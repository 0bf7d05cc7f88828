"""Materials stored and read through the encrypted storage, in a folder and in the database
(issue 16, item 2): seconds and MB/s to store and to open (check all, then stream), and the
memory peak of a read (tracemalloc), beside the whole-file format of earlier releases. Figures
only; nothing passes or fails.

Run: .venv/bin/python bench/storage.py [--sizes 1,10] [--sqlite]
(PostgreSQL in its own database onestop_bench_storage; --sqlite: a SQLite file under /tmp)
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # bench/calendar.py must not shadow the standard library's calendar
DB = "onestop_bench_storage"
MB = 1024 * 1024
BACKENDS = {
    "folder": "django.core.files.storage.FileSystemStorage",
    "database": "onestop.core.dbstorage.DatabaseStorage",
}


def peak_of(work) -> int:
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        work()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def child(sizes: list[int]) -> None:
    import django

    django.setup()
    from django.core.files.base import ContentFile
    from django.core.management import call_command
    from django.db import connection

    from onestop.core import sealing
    from onestop.core.storage import EncryptedStorage

    call_command("migrate", verbosity=0)
    print(f"{connection.vendor}: store, then open (check all, then stream) one material")
    for label, backend in BACKENDS.items():
        storage = EncryptedStorage(
            backend, {"location": tempfile.mkdtemp()} if label == "folder" else {}
        )
        for size in sizes:
            content = os.urandom(size * MB)
            t0 = time.perf_counter()
            name = storage.save(f"bench/{label}/{size}", ContentFile(content))
            store = time.perf_counter() - t0

            def read(name=name, storage=storage):
                with storage.open(name) as handle:
                    while handle.read(64 * 1024):
                        pass

            t0 = time.perf_counter()
            read()
            opened = time.perf_counter() - t0
            peak = peak_of(read)
            print(
                f"  {label:<8} {size:>3} MB: store {store:6.3f}s ({size / store:6.1f} MB/s)"
                f"   open {opened:6.3f}s ({size / opened:6.1f} MB/s)"
                f"   read peak {peak / 1024:7.0f} KB ({peak / (size * MB):.3f} of the file)"
            )
            whole = storage.inner.save(
                f"bench/{label}/{size}-whole",
                ContentFile(sealing.seal_whole(f"bench/{label}/{size}-whole", content)),
            )

            def read_whole(name=whole, storage=storage):
                with storage.open(name) as handle:
                    handle.read()

            t0 = time.perf_counter()
            read_whole()
            opened = time.perf_counter() - t0
            peak = peak_of(read_whole)
            print(
                f"  {'':<8} {'':>3}     whole-file format (earlier releases): open {opened:6.3f}s"
                f"   read peak {peak / 1024:7.0f} KB ({peak / (size * MB):.3f} of the file)"
            )
            storage.delete(name)
            storage.inner.delete(whole)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1,10")
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.child:
        child(sizes)
        return
    var = tempfile.mkdtemp(prefix="onestop-bench-storage-")
    if args.sqlite:
        url = f"sqlite:///{var}/bench.sqlite3"
    else:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {DB}")
            c.execute(f"CREATE DATABASE {DB}")
        url = f"postgresql://postgres@127.0.0.1:5432/{DB}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ONESTOP_")},
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "onestop.settings",
        "ONESTOP_LOG_LEVEL": "WARNING",
        "ONESTOP_VAR_DIR": var,
        "PYTHONUNBUFFERED": "1",
    }
    subprocess.run(
        [sys.executable, __file__, "--child", "--sizes", args.sizes], env=env, check=True, cwd=ROOT
    )


if __name__ == "__main__":
    main()
