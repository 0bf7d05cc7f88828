"""Where an applicant receives the results, in words a clerk can read aloud: the window's name,
address and hours and what to bring, or the postal address. The one place that says it."""

from dataclasses import dataclass

from onestop.cases.models import Application, Delivery
from onestop.core.words import sentences
from onestop.regions.models import OrgUnit

BRING = "取件码和申请人的居民身份证；由他人代领的，还要带代领人的居民身份证"


@dataclass(frozen=True)
class Window:
    name: str
    address: str
    hours: str

    @property
    def directions(self) -> str:
        """到…领取，地址…，办公时间… as clauses (no closing stop: the sentence may go on)."""
        hours = f"，办公时间：{self.hours}" if self.hours else ""
        return f"到{self.name}领取，地址：{self.address}{hours}"


def window(application: Application) -> Window:
    """The 残联 window of the applicant's county, which hands results over."""
    county = application.county
    unit = OrgUnit.objects.filter(department="cdpf", region_id=county.pk).first()
    return Window(
        name=f"{county.name}残联「一件事一次办」窗口",
        address=(unit.address if unit else "") or f"{county.name}政务服务中心",
        hours=unit.opening_hours if unit else "",
    )


def delivery_text(application: Application) -> str:
    """结果送达: where the results go, as one or two full sentences."""
    if application.delivery == Delivery.POST:
        return sentences(f"邮政寄送到{application.delivery_address}")
    return sentences(window(application).directions, f"请带上{BRING}")
