"""From the database to the rules: region paths, parameters in force, and a person's facts."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import Count, Max

from onestop.core.tablecache import TableCache
from onestop.people.models import Benefit, Certificate, Person, SharedRecord
from onestop.regions.models import Level, Region

from . import facts as F
from .parameters import ParameterTable, ParamRow, RuleParams, parse_value


# --- regions -------------------------------------------------------------------------------------
def _build_regions() -> dict[str, tuple[tuple[str, ...], str]]:
    rows = {
        code: (parent, level)
        for code, parent, level in Region.objects.values_list("code", "parent_id", "level")
    }
    out: dict[str, tuple[tuple[str, ...], str]] = {}
    for code, (_, level) in rows.items():
        path = [code]
        while (parent := rows[path[-1]][0]) is not None:
            path.append(parent)
        out[code] = (tuple(reversed(path)), level)
    return out


_regions = TableCache(_build_regions, lambda: Region.objects.count(), recheck=300)


def region_path(code: str) -> tuple[str, ...] | None:
    """Division codes from the province down to ``code``, or None for an unknown code."""
    found = _regions.get().get(code)
    return None if found is None else found[0]


def application_county(code: str) -> str | None:
    """The 旗县 an application in region ``code`` belongs to (itself, or a township's county)."""
    found = _regions.get().get(code)
    if found is None:
        return None
    path, level = found
    if level == Level.COUNTY:
        return code
    if level == Level.TOWNSHIP:
        return path[-2]
    return None


# --- parameters ----------------------------------------------------------------------------------
def _build_parameters() -> ParameterTable:
    from .models import RuleParameter

    return ParameterTable(
        ParamRow(
            p.key, p.region_id, p.valid_from, p.valid_to, parse_value(p.key, p.value), p.example
        )
        for p in RuleParameter.objects.all()
    )


def _parameters_token() -> tuple[object, ...]:
    from .models import RuleParameter

    return tuple(RuleParameter.objects.aggregate(n=Count("id"), t=Max("updated_at")).values())


parameters = TableCache(_build_parameters, _parameters_token)


def params_for(region_code: str, day: date) -> RuleParams:
    return parameters.get().resolve(region_path(region_code) or (), day)


# --- a person's facts ----------------------------------------------------------------------------
BOOL_FACTS = SharedRecord.BOOLEAN
ALLOWANCE_KINDS = {k.value for k in F.AllowanceKind}
PERSON_FIELDS = ("pk", "birth_date", "hukou_region_id", "dibao_category", "tekun_category")


def _related(
    person_ids: list[int],
) -> tuple[dict[int, list[tuple]], dict[int, list[tuple]], dict[int, list[tuple]]]:
    """Certificates, shared records and benefits of these persons, as plain tuples by person."""
    certs: dict[int, list[tuple]] = defaultdict(list)
    shared: dict[int, list[tuple]] = defaultdict(list)
    benefits: dict[int, list[tuple]] = defaultdict(list)
    # No ordering: the models' default orders would sort what is only grouped here.
    for cert in (
        Certificate.objects.filter(person_id__any_of=person_ids)
        .order_by()
        .values_list("person_id", "category", "level", "valid_until", "status", "issue_date")
    ):
        certs[cert[0]].append(cert[1:])
    for record in (
        SharedRecord.objects.filter(person_id__any_of=person_ids)
        .order_by()
        .values_list("person_id", "fact", "value")
    ):
        shared[record[0]].append(record[1:])
    for benefit in (
        Benefit.objects.filter(person_id__any_of=person_ids)
        .order_by()
        .values_list("person_id", "kind", "monthly_amount", "start", "end")
    ):
        benefits[benefit[0]].append(benefit[1:])
    return certs, shared, benefits


def _facts(person: tuple, certs: list, shared: list, benefits: list, day: date) -> F.Facts:
    _, birth_date, hukou, dibao, tekun = person
    cert: F.Certificate | bool = False
    if certs:
        category, level, valid_until, status, _ = max(certs, key=lambda c: c[4])
        cert = F.Certificate(category, level, valid_until, F.CertStatus(status))
    values: dict[str, Any] = {}
    for fact, value in shared:
        if fact == SharedRecord.Fact.DIBAO_UNTIL:
            values["dibao_until"] = date.fromisoformat(value) if value else None
        elif fact in BOOL_FACTS:
            values[fact] = bool(value)
    receiving = set()
    allowances = []
    for kind, amount, start, end in benefits:
        if not (start <= day and (end is None or day <= end)):
            continue
        if kind in ALLOWANCE_KINDS:
            allowances.append(F.Allowance(F.AllowanceKind(kind), amount))
        else:
            receiving.add(kind)
    return F.Facts(
        birth_date=birth_date,
        hukou_path=region_path(hukou),
        certificate=cert,
        dibao=F.Dibao(dibao),
        tekun=F.Tekun(tekun),
        allowances=tuple(allowances),
        receiving=frozenset(receiving),
        shared=frozenset({"birth_date", "hukou_path", "certificate", "dibao", "tekun", *values}),
        **values,
    )


def facts_for(person: Person, day: date) -> F.Facts:
    """What the shared data says of a person on ``day``; facts with no record stay unknown."""
    certs, shared, benefits = _related([person.pk])
    row = tuple(getattr(person, f) for f in PERSON_FIELDS)
    return _facts(row, certs[person.pk], shared[person.pk], benefits[person.pk], day)


def facts_batch(after_pk: int, size: int, day: date) -> list[tuple[int, F.Facts]]:
    """The next ``size`` registry persons after ``after_pk`` with their facts (four queries)."""
    rows = list(
        Person.objects.filter(pk__gt=after_pk).order_by("pk").values_list(*PERSON_FIELDS)[:size]
    )
    return _facts_of(rows, day)


def facts_for_ids(ids: list[int], day: date) -> list[tuple[int, F.Facts]]:
    rows = list(Person.objects.filter(pk__any_of=ids).order_by("pk").values_list(*PERSON_FIELDS))
    return _facts_of(rows, day)


def _facts_of(rows: Iterable[tuple], day: date) -> list[tuple[int, F.Facts]]:
    certs, shared, benefits = _related([r[0] for r in rows])
    return [(r[0], _facts(r, certs[r[0]], shared[r[0]], benefits[r[0]], day)) for r in rows]
