"""Where an applicant receives the results, in words a clerk can read aloud: the window's name,
address and hours and what to bring, or the postal address. The one place that says it."""

from dataclasses import dataclass

from django.utils.translation import gettext_noop

from onestop.cases.models import Application, Delivery
from onestop.core.words import Translate, Words, bare, fill, recorded, words, written
from onestop.regions.models import OrgUnit

BRING = gettext_noop("取件码和申请人的居民身份证；由他人代领的，还要带代领人的居民身份证")
WINDOW_NAME = gettext_noop("{county}残联「一件事一次办」窗口")
SERVICE_CENTRE = gettext_noop("{county}政务服务中心")
POSTED = gettext_noop("邮政寄送到{address}。")
PICKUP = gettext_noop("到{window}领取，地址：{address}。请带上{bring}。")
PICKUP_HOURS = gettext_noop("到{window}领取，地址：{address}，办公时间：{hours}。请带上{bring}。")
HOW = gettext_noop("请凭取件码 {code} 和申请人的居民身份证到{window}领取，地址：{address}")
HOW_HOURS = gettext_noop(
    "请凭取件码 {code} 和申请人的居民身份证到{window}领取，地址：{address}，办公时间：{hours}"
)
HOW_POST = gettext_noop("将通过邮政寄到 {address}，寄出后告诉您邮件号")


@dataclass(frozen=True)
class Window:
    name: Words
    address: Words | str
    hours: str

    def values(self) -> dict[str, object]:
        return {"window": self.name, "address": self.address, "hours": bare(self.hours)}


def _window(application: Application) -> Window:
    """The 残联 window of the applicant's county, which hands results over."""
    county = application.county
    unit = OrgUnit.objects.filter(department="cdpf", region_id=county.pk).first()
    return Window(
        name=words(WINDOW_NAME, county=county.name),
        address=bare(unit.address if unit else "") or words(SERVICE_CENTRE, county=county.name),
        hours=unit.opening_hours if unit else "",
    )


def window_name(application: Application, tr: Translate = recorded) -> str:
    return written(_window(application).name, tr)


def delivery_text(application: Application, tr: Translate = recorded) -> str:
    """结果送达: where the results go, as one or two full sentences (``tr``: the reader's
    gettext on a page; documents keep the Chinese)."""
    if application.delivery == Delivery.POST:
        return fill(POSTED, {"address": bare(application.delivery_address)}, tr)
    w = _window(application)
    return fill(PICKUP_HOURS if w.hours else PICKUP, {**w.values(), "bring": BRING}, tr)


def how_to_receive(application: Application, code: str = "") -> Words:
    """What the notice that results are ready says about receiving them (a pickup code at the
    window, or the post)."""
    if not code:
        return words(HOW_POST, address=bare(application.delivery_address))
    w = _window(application)
    return words(HOW_HOURS if w.hours else HOW, code=code, **w.values())
