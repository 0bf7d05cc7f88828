"""The report a supervisor sees: figures within their region, for the filters in the URL.

Every count comes from the daily figures, as of their last rebuild (the page says when); the
差评 still open are read live among those counted then, so they never outnumber the 差评. Only
what is late *now* is read live, as a count of active steps in the region."""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from onestop.benefits.models import Kind
from onestop.benefits.months import next_month
from onestop.benefits.selectors import payments_by_county_month
from onestop.cases.models import Application, Channel, Matter, Step
from onestop.core import clock
from onestop.core.forms import translated
from onestop.core.words import written
from onestop.policy import calendar
from onestop.policy.matters import Matter as MatterType
from onestop.ratings.models import NEGATIVE, Rating
from onestop.regions.models import OrgUnit, Region

from .models import MONTHS, ApplicationDay, FiguresBuilt, MatterDay, RatingDay, StepDay
from .services import Span

APPLICATION_SUMS = {
    "submitted": Sum("submitted"),
    "accepted": Sum("accepted"),
    "concluded": Sum("concluded"),
    "delivered": Sum("delivered"),
    "t0": Sum("trips_0"),
    "t1": Sum("trips_1"),
    "more": Sum("trips_more"),
}
OPEN_FOLLOWUP = (Rating.FollowUp.OPEN, Rating.FollowUp.CALLED, Rating.FollowUp.APPEALED)


class ReportFilter(forms.Form):
    date_from = forms.DateField(
        label=gettext_lazy("开始日期"),
        required=False,
        help_text=gettext_lazy("不填为本月 1 日"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label=gettext_lazy("结束日期"),
        required=False,
        help_text=gettext_lazy("不填为今天"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    county = forms.ChoiceField(label=gettext_lazy("旗县（市、区）"), required=False)
    channel = forms.ChoiceField(
        label=gettext_lazy("渠道"),
        required=False,
        choices=[("", gettext_lazy("全部")), *translated(Channel.choices)],
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("事项"),
        required=False,
        choices=[("", gettext_lazy("全部")), *translated(MatterType.choices)],
    )

    def __init__(self, *args, counties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].choices = [("", gettext("全部"))] + [
            (r.code, r.name) for r in counties
        ]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", gettext("结束日期不能早于开始日期。"))
        return data


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    # The chart beside the table: which column labels the bars and which gives their length.
    chart_label: int = 0
    chart_value: int | None = 1
    chart_unit: str = gettext_noop("件")


@dataclass
class Report:
    date_from: date
    date_to: date
    counties: list[Region]
    tiles: list[tuple[str, str, str]]
    tables: list[Table]
    counted_at: datetime | None  # when the figures were counted; None: not yet

    @property
    def counted_label(self) -> str:
        """数据更新于 …: the time in Beijing, with the date when it is not today's."""
        if self.counted_at is None:
            return gettext("尚未统计")
        local = timezone.localtime(self.counted_at)
        if local.date() == clock.today():
            return f"{local:%H:%M}"
        return f"{written(local.date(), gettext)} {local:%H:%M}"


def counties_for(user) -> list[Region]:
    scope = getattr(user, "scope", None)
    if scope is None:
        return []
    if scope.level == "county":
        return [scope]
    return list(scope.subtree().filter(level="county").order_by("code"))


def percentile(histogram: dict[int, int], share: float) -> int | None:
    """Nearest-rank percentile of whole working days from {days: how many}."""
    total = sum(histogram.values())
    if not total:
        return None
    rank, running = math.ceil(share * total), 0
    for days in sorted(histogram):
        running += histogram[days]
        if running >= rank:
            return days
    return max(histogram)


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


def _spans(
    date_from: date, date_to: date, counted_to: date | None
) -> list[tuple[bool, date, date]]:
    """(monthly?, first, last) covering the days: whole months from the monthly figures, the
    days before the first whole month and after the last from the daily ones. A year's report
    reads about twelve rows per key, not 365. A month counted only up to ``date_to`` (this
    month, to today) is whole for this purpose: its monthly row holds just those days."""
    first = date_from if date_from.day == 1 else next_month(date_from)
    last_whole = calendar.month_end(date_to) == date_to or (
        counted_to is not None and date_to >= counted_to
    )
    after = next_month(date_to) if last_whole else date_to.replace(day=1)
    if first >= after:
        return [(False, date_from, date_to)]
    spans = [(True, first, after - timedelta(days=1))]
    if date_from < first:
        spans.insert(0, (False, date_from, first - timedelta(days=1)))
    if after <= date_to:
        spans.append((False, after, date_to))
    return spans


class Figures:
    """The figures of one daily table within the codes and days, summed by keys."""

    def __init__(
        self,
        day_model,
        codes: list[str],
        date_from: date,
        date_to: date,
        counted_to: date | None,
        **filters,
    ):
        self.parts = [
            (MONTHS[day_model] if monthly else day_model)._default_manager.filter(
                county_id__in=codes, day__gte=first, day__lte=last, **filters
            )
            for monthly, first, last in _spans(date_from, date_to, counted_to)
        ]

    def total(self, **sums) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for part in self.parts:
            for name, value in part.aggregate(**sums).items():
                out[name] += value or 0
        return out

    def by(self, *keys: str, **sums) -> dict[Any, dict[str, int]]:
        """{key (or tuple of keys): {sum name: value}}."""
        out: dict[Any, list[int]] = {}
        n, names = len(keys), list(sums)
        for part in self.parts:
            rows = part.values(*keys).annotate(**sums).order_by().values_list(*keys, *names)
            for row in rows:
                acc = out.setdefault(row[0] if n == 1 else row[:n], [0] * len(names))
                for i, value in enumerate(row[n:]):
                    acc[i] += value or 0
        return {key: dict(zip(names, values, strict=True)) for key, values in out.items()}


def build(user, data: dict) -> Report:
    today = clock.today()
    counties = counties_for(user)
    codes = [c.code for c in counties]
    if data.get("county"):
        codes = [data["county"]] if data["county"] in codes else []
    date_to = data.get("date_to") or today
    date_from = data.get("date_from") or date_to.replace(day=1)
    built = FiguresBuilt.objects.first()
    counted_at = built.built_at if built else None
    # The last day with figures: none are counted after it.
    window = (
        codes,
        date_from,
        date_to,
        timezone.localtime(counted_at).date() if counted_at else None,
    )

    channel = {"channel": data["channel"]} if data.get("channel") else {}
    apps = Figures(ApplicationDay, *window, **channel)
    matters = Figures(MatterDay, *window, **({"kind": data["kind"]} if data.get("kind") else {}))
    totals = apps.total(**APPLICATION_SUMS)
    proactive = Figures(ApplicationDay, *window, channel=Channel.PROACTIVE).total(
        n=Sum("submitted")
    )["n"]
    timeliness, decided_all, on_time_all = _timeliness(Figures(StepDay, *window))
    overdue = _overdue(codes, today)
    ratings, rated_all, good_all = _ratings(
        Figures(RatingDay, *window), date_from, date_to, codes, today, counted_at
    )
    delivered = totals["delivered"]
    pieces = gettext("件")
    tiles = [
        (gettext("申请"), f"{totals['submitted']:,}", pieces),
        (gettext("已送达"), f"{delivered:,}", pieces),
        (
            gettext("最多跑一次"),
            _share(totals["t0"] + totals["t1"], delivered),
            gettext("已送达中到现场不超过 1 次"),
        ),
        (
            gettext("按时办结率"),
            _share(on_time_all, decided_all),
            gettext("{n} 个环节").format(n=f"{decided_all:,}"),
        ),
        (
            gettext("好评率"),
            _share(good_all, rated_all),
            gettext("{n} 条评价").format(n=f"{rated_all:,}"),
        ),
        (gettext("免申即享已确认"), f"{proactive:,}", pieces),
        (
            gettext("当前超期"),
            f"{sum(r[1] for r in overdue.rows):,}",
            gettext("个环节（此刻）"),
        ),
    ]
    return Report(
        date_from,
        date_to,
        counties,
        tiles,
        [
            _months(apps, data.get("channel")),
            _matters(matters),
            _counties(apps, codes),
            _trips(totals),
            timeliness,
            overdue,
            ratings,
            _payments(codes, date_from, date_to),
        ],
        counted_at,
    )


def _payments(codes: list[str], date_from: date, date_to: date) -> Table:
    """Subsidies paid: the released rolls by county and month."""
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    return Table(
        "payments",
        gettext("待遇发放：各旗县（市、区）按月已发放的名册"),
        [
            gettext("旗县（市、区）"),
            gettext("月份"),
            gettext("待遇"),
            gettext("笔数"),
            gettext("金额（元）"),
            gettext("退回笔数"),
        ],
        [
            [
                names[county],
                f"{month:%Y-%m}",
                gettext(Kind(kind).label),
                lines,
                f"{total:.2f}",
                back,
            ]
            for county, month, kind, lines, total, back in payments_by_county_month(
                codes, date_from, date_to
            )
        ],
        chart_value=None,  # several rows per county: the table says it better than bars
    )


def _months(apps: Figures, channel: str | None) -> Table:
    """Applications by month and channel."""
    by_month: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (day, kind), sums in apps.by("day", "channel", n=Sum("submitted")).items():
        by_month[f"{day:%Y-%m}"][kind] += sums["n"]
    channels = [c for c in Channel if not channel or c == channel]
    return Table(
        "months",
        gettext("按月份和渠道的申请件数"),
        [gettext("月份"), *(gettext(c.label) for c in channels), gettext("合计")],
        [
            [month, *(by_month[month][c] for c in channels), sum(by_month[month].values())]
            for month in sorted(by_month)
        ],
        chart_value=len(channels) + 1,
    )


def _counties(apps: Figures, codes: list[str]) -> Table:
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    per_county = apps.by("county_id", **APPLICATION_SUMS)
    return Table(
        "counties",
        gettext("各旗县（市、区）"),
        [
            gettext("旗县（市、区）"),
            gettext("申请"),
            gettext("受理"),
            gettext("办结"),
            gettext("送达"),
            gettext("最多跑一次占比"),
        ],
        [
            [
                names[code],
                r["submitted"],
                r["accepted"],
                r["concluded"],
                r["delivered"],
                _share(r["t0"] + r["t1"], r["delivered"]),
            ]
            for code in codes
            if (r := per_county.get(code)) is not None
        ],
    )


def _trips(totals: dict[str, int]) -> Table:
    delivered = totals["delivered"]
    return Table(
        "trips",
        gettext("「最多跑一次」：已送达申请的到现场次数"),
        [gettext("到现场次数"), gettext("件数"), gettext("占比")],
        [
            [gettext("0 次（全程网办或上门）"), totals["t0"], _share(totals["t0"], delivered)],
            [gettext("1 次"), totals["t1"], _share(totals["t1"], delivered)],
            [gettext("2 次及以上"), totals["more"], _share(totals["more"], delivered)],
        ],
    )


def _matters(matters: Figures) -> Table:
    labels = dict(MatterType.choices)
    kinds = matters.by(
        "kind", submitted=Sum("submitted"), approved=Sum("approved"), rejected=Sum("rejected")
    )
    return Table(
        "matters",
        gettext("各事项"),
        [gettext("事项"), gettext("申请"), gettext("通过"), gettext("未通过")],
        [
            [
                gettext(labels[k]),
                kinds[k]["submitted"],
                kinds[k]["approved"],
                kinds[k]["rejected"],
            ]
            for k in MatterType.values
            if k in kinds
        ],
    )


def _timeliness(figures: Figures) -> tuple[Table, int, int]:
    """Per unit and step, from the histograms; with the steps decided and decided on time."""
    steps: dict[tuple[int, str], list] = {}
    for (unit_id, step, days), sums in figures.by(
        "unit_id", "step", "days", decided=Sum("decided"), on_time=Sum("on_time")
    ).items():
        acc = steps.setdefault((unit_id, step), [0, 0, {}])
        acc[0] += sums["decided"]
        acc[1] += sums["on_time"]
        acc[2][days] = sums["decided"]
    unit_names = dict(
        OrgUnit.objects.filter(pk__in={u for u, _ in steps}).values_list("pk", "name")
    )
    table = Table(
        "timeliness",
        gettext("按时办结：各单位各环节"),
        [
            gettext("单位"),
            gettext("环节"),
            gettext("办理件数"),
            gettext("按时办结率"),
            gettext("用时中位数（工作日）"),
            gettext("90%在（工作日）内"),
        ],
        [
            [
                unit_names.get(unit_id, ""),
                gettext(step),
                decided,
                _share(on_time, decided),
                percentile(hist, 0.5),
                percentile(hist, 0.9),
            ]
            for (unit_id, step), (decided, on_time, hist) in sorted(
                steps.items(), key=lambda kv: (unit_names.get(kv[0][0], ""), kv[0][1])
            )
        ],
        chart_value=None,
    )
    return table, sum(v[0] for v in steps.values()), sum(v[1] for v in steps.values())


def _overdue(codes: list[str], today: date) -> Table:
    """Late now, read live. A step at work belongs to an application at work: saying so lets
    the database start from the open applications of the counties, not from all of them."""
    late = (
        Step.objects.filter(
            status=Step.Status.ACTIVE,
            matter__status=Matter.Status.IN_PROGRESS,
            matter__application__status=Application.Status.IN_PROGRESS,
            matter__application__county_id__in=codes,
            due_date__lte=calendar.due_soon_until(today),
        )
        .values("unit__name")
        .annotate(
            overdue=Count("pk", filter=Q(due_date__lt=today)),
            due_soon=Count("pk", filter=Q(due_date__gte=today)),
        )
        .order_by("-overdue", "unit__name")
    )
    return Table(
        "overdue",
        gettext("当前超期和临期（截至 {day}）").format(day=written(today, gettext)),
        [gettext("单位"), gettext("已超期环节"), gettext("1个工作日内到期")],
        [[r["unit__name"], r["overdue"], r["due_soon"]] for r in late],
    )


def _ratings(
    figures: Figures,
    date_from: date,
    date_to: date,
    codes: list[str],
    today: date,
    counted_at: datetime | None,
) -> tuple[Table, int, int]:
    """Counted ratings from the figures; of the 差评 counted, those still open now (read live,
    few and indexed by follow-up); with all ratings and the good."""
    start, end = Span(date_from, date_to, counted_at or clock.now()).bounds()
    if counted_at is None:
        end = start  # nothing counted yet, so nothing counted is open
    rated = figures.by("unit_id", rated=Sum("rated"), good=Sum("good"), bad=Sum("bad"))
    followups: dict[int, Any] = {
        r["unit_id"]: r
        for r in Rating.objects.filter(
            level__in=NEGATIVE,
            followup__in=OPEN_FOLLOWUP,
            application__county_id__in=codes,
            created_at__gte=start,
            created_at__lt=end,
        )
        .values("unit_id")
        .annotate(open=Count("pk"), late=Count("pk", filter=Q(followup_due__lt=today)))
    }
    units = set(rated) | set(followups)
    names = dict(OrgUnit.objects.filter(pk__in=units).values_list("pk", "name"))
    rows = []
    for unit_id in sorted(units, key=lambda u: names.get(u, "")):
        r = rated.get(unit_id, {"rated": 0, "good": 0, "bad": 0})
        f = followups.get(unit_id, {"open": 0, "late": 0})
        rows.append(
            [
                names.get(unit_id) or gettext("未归属单位"),
                r["rated"],
                _share(r["good"], r["rated"]),
                r["bad"],
                f["open"],
                f["late"],
            ]
        )
    table = Table(
        "ratings",
        gettext("好差评"),
        [
            gettext("单位"),
            gettext("评价数"),
            gettext("好评率"),
            gettext("差评"),
            gettext("差评待整改"),
            gettext("差评整改超期"),
        ],
        rows,
        chart_value=1,
    )
    return table, sum(r["rated"] for r in rated.values()), sum(r["good"] for r in rated.values())
