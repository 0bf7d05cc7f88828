"""Screens read through selectors: no module of a screen builds a queryset of its own.

Issue 14: "no staff-visible queryset built in a view". The check is syntactic: a call of one of
the queryset-building methods, or any ``.objects`` manager, in a screen module fails it, unless
the module is a services or selectors module, or is listed below with its reason.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "onestop"
SCREENS = [
    ROOT / "workbench",
    ROOT / "portal",
    ROOT / "documents" / "views.py",
    ROOT / "reports" / "views.py",
]
NOT_SCREENS = {"services.py", "selectors.py"}  # writes and reads, not views
BUILDERS = {"filter", "exclude", "select_related", "prefetch_related", "annotate", "order_by"}
# (path under onestop/, reason): modules that may build a queryset because what they build is
# not something staff or applicants see. Empty today; an entry needs a reason a reviewer accepts.
ALLOWED: dict[str, str] = {}


def screen_modules() -> list[Path]:
    files: list[Path] = []
    for place in SCREENS:
        files.extend(sorted(place.rglob("*.py")) if place.is_dir() else [place])
    return [f for f in files if f.name not in NOT_SCREENS and "migrations" not in f.parts]


def queryset_building(path: Path) -> list[str]:
    """Each ``.objects`` or builder call in the module, as "line: what"."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            found.append(f"{node.lineno}: .objects")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in BUILDERS
        ):
            found.append(f"{node.lineno}: .{node.func.attr}(")
    return found


def test_the_check_sees_the_screens():
    names = {str(f.relative_to(ROOT)) for f in screen_modules()}
    assert {"workbench/urls.py", "portal/forms.py", "documents/views.py"} <= names
    assert "portal/services.py" not in names and "portal/selectors.py" not in names


def test_screens_build_no_querysets():
    offences = {}
    for path in screen_modules():
        name = str(path.relative_to(ROOT))
        if name in ALLOWED:
            continue
        if found := queryset_building(path):
            offences[name] = found
    assert not offences, f"build these in a selector of the owning app: {offences}"


def test_every_allowance_is_still_needed():
    for name in ALLOWED:
        assert queryset_building(ROOT / name), f"{name} builds no queryset: drop its allowance"
