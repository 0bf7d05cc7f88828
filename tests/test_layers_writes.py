"""Every write to a domain model goes through a service: screens, forms, selectors, admin and
templates only call services. This reads the code (not the running platform) for calls that
write: ``save``, ``delete``, ``create`` and the bulk and upsert forms on anything, and ``update``
or ``delete`` on a queryset chain (``X.objects...`` or ``....filter(...)``)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WRITES = {"save", "delete", "create", "bulk_create", "bulk_update", "get_or_create"}
WRITES |= {"update_or_create", "insert_rows", "update_rows"}
QUERYSET_WRITES = {"update", "delete"}
QUERYSET_STEPS = {"objects", "filter", "exclude", "all", "select_for_update", "steps", "matters"}

# Modules that are services without being named services.py, each with its reason.
SERVICE_MODULES = {
    **dict.fromkeys(
        [
            f"onestop/cases/{name}.py"
            for name in (
                "acceptance",
                "certificates",
                "chain_versions",
                "clocks",
                "intake",
                "kernel",
                "materials",
                "proactive",
                "steps",
            )
        ],
        "the cases' services, one module per family of actions (docs/architecture.md)",
    ),
    "onestop/people/shared_data.py": "the people's services for the shared-data sync",
    **dict.fromkeys(
        [
            f"onestop/benefits/{name}.py"
            for name in ("entitlements", "prepare", "reviews", "rolls", "runs")
        ],
        "the benefits' services, one module per family (services.py: accounts and returns)",
    ),
    "onestop/core/leases.py": "the task leases' own rows, taken by conditional update",
    "onestop/core/ratelimit.py": "the rate counters' own rows",
    "onestop/core/bulk.py": "the bulk insert and update the services call",
    "onestop/core/dbstorage.py": "the database storage's own rows: the (sealed) bytes of files "
    "that services store, inside their transaction and audit event",
    "onestop/outbox/webhooks.py": "the delivery worker's leases and results on its own rows",
    "onestop/regions/loader.py": "run by the services and the data migrations (historical models)",
    "onestop/policy/holidays.py": "run by the services and the data migrations (historical models)",
}

# Calls named like writes that write no model, by module: the callee's text and why.
NOT_MODEL_WRITES = {
    ("onestop/audit/models.py", "super().save"): "the append-only guard of the audit row",
    ("onestop/core/storage.py", "self.inner.save"): "the storage backend's file, not a row",
    ("onestop/core/storage.py", "self.inner.delete"): "the storage backend's file, not a row",
    ("onestop/core/storage.py", "storage.inner.save"): "the storage backend's file, not a row",
    ("onestop/core/storage.py", "storage.inner.delete"): "the storage backend's file, not a row",
    ("onestop/documents/fonts.py", "font.save"): "a font subset written to a file",
    ("onestop/core/spreadsheets.py", "book.save"): "an Excel workbook written to the response",
    ("onestop/benefits/disbursement.py", "book.save"): "an Excel workbook written to memory",
    ("onestop/exchange/admin.py", "self.create"): "the admin's hook that calls the key services",
}


def _is_service(path: str) -> bool:
    return path.endswith("/services.py") or "/services/" in path or path in SERVICE_MODULES


def _chain(node: ast.expr) -> set[str]:
    """The names along an attribute and call chain: ``A.objects.filter(x).first`` gives
    {A, objects, filter, first}."""
    names: set[str] = set()
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
            node = node.value
        else:
            if isinstance(node, ast.Name):
                names.add(node.id)
            return names


def writes_in(path: str, source: str) -> list[str]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        name, receiver = node.func.attr, node.func.value
        callee = ast.unparse(node.func)
        if (path, callee) in NOT_MODEL_WRITES:
            continue
        if name in WRITES or (name in QUERYSET_WRITES and _chain(receiver) & QUERYSET_STEPS):
            found.append((node.lineno, f"{path}:{node.lineno}: {ast.unparse(node)[:100]}"))
    return [line for _, line in sorted(found)]


def test_no_write_to_a_domain_model_outside_the_services():
    found = []
    for file in sorted((ROOT / "onestop").rglob("*.py")):
        path = file.relative_to(ROOT).as_posix()
        if "/migrations/" in path or _is_service(path):
            continue
        found += writes_in(path, file.read_text(encoding="utf-8"))
    assert found == [], "writes outside the services:\n" + "\n".join(found)


def test_the_check_sees_the_writes_a_view_could_make():
    view = """
def view(request, pk):
    draft = Draft.objects.get(pk=pk)
    draft.save()
    Notice.objects.filter(person=pk).update(read=True)
    request.user.drafts.filter(old=True).delete()
    Draft.objects.create(phone="1")
    context = {}
    context.update(a=1)
"""
    lines = [line.split(": ", 1)[1] for line in writes_in("onestop/portal/views/x.py", view)]
    assert lines == [
        "draft.save()",
        "Notice.objects.filter(person=pk).update(read=True)",
        "request.user.drafts.filter(old=True).delete()",
        "Draft.objects.create(phone='1')",
    ]


def test_every_exception_still_names_what_is_there():
    for path in SERVICE_MODULES:
        assert (ROOT / path).exists(), path
    for path, callee in NOT_MODEL_WRITES:
        assert f"{callee}(" in (ROOT / path).read_text(encoding="utf-8"), (path, callee)
