"""The reason sentences of the eligibility rules: one catalogue, so every sentence can be
reviewed in one place, and how amounts and dates are written into them.

A reason keeps its values beside its Chinese text (``onestop.core.words.fill``), so a reader of
another language gets the sentence and its values in that language."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext

from onestop.core.words import fill, restored, stored

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    text: str  # as recorded: Chinese
    values: tuple[tuple[str, object], ...] = ()

    @property
    def shown(self) -> str:
        """The sentence in the reader's language."""
        return fill(R[self.code], dict(self.values), gettext)


R = {
    # shared conditions
    "HUKOU.NOT_LOCAL": "【户籍条件】须为本旗县（市、区）户籍，请到户籍所在地申请。",
    "ALIVE.DECEASED": "【停发条件】申请人已死亡，不能申请。",
    "PRISON.SERVING": "【停发条件】申请人正在服刑，服刑期间不享受。",
    # CERT
    "CERT.OK": "【残疾人证新办】可以申请；须到指定医疗机构进行残疾评定，按评定结果确定残疾类别和等级。",
    "CERT.DEPENDENT": "【联办】本事项需要残疾人证的类别和等级，将在残疾人证核发后自动继续办理。",
    "CERT.RENEW": "【残疾人证换领】原残疾人证已于{until}到期，请办理换领，不用新办；是否需要重新评定残疾类别和等级，由残联告知。",
    "CERT.RENEW_SOON": "【残疾人证换领】原残疾人证将于{until}到期，到期前 {days} 日内可以申请换领，不用新办；是否需要重新评定残疾类别和等级，由残联告知。",
    "CERT.ALREADY_HELD": "【残疾人证新办】已持有有效的残疾人证，无需新办；到期前 {days} 日内可以申请换领，等级变更另行办理。",
    # certificate conditions of the other matters
    "HOLDS.NONE": "【持证条件】须持有残疾人证；可同时申请残疾人证新办，发证后自动继续办理。",
    "HOLDS.EXPIRED": "【持证条件】残疾人证已过有效期或已注销，须先换领。",
    "HOLDS.NOT_SECOND_GEN": "【持证条件】须持有第二代残疾人证，请先换领第二代证。",
    # LIVING
    "LIVING.OK": "【困难残疾人生活补贴】符合条件：持证、本地户籍、{basis}。",
    "LIVING.NOT_POOR": "【困难残疾人生活补贴·困难条件】须为{groups}，申请人不在其中。",
    "LIVING.DIBAO_ENDED": "【困难残疾人生活补贴·困难条件】低保已于{until}停止。",
    "LIVING.TEKUN": "【困难残疾人生活补贴·不重复享受】已纳入特困人员救助供养，不再享受生活补贴。",
    "LIVING.ORPHAN": "【困难残疾人生活补贴·不重复享受】已享受孤儿（事实无人抚养儿童）基本生活保障，不再享受生活补贴。",
    "LIVING.HIGHER_HELD": "【困难残疾人生活补贴·择高】已领取{kind}每月{held}元，不低于本补贴每月{own}元，按择高原则不重复发放。",
    "LIVING.CHOOSE_HIGHER": "【困难残疾人生活补贴·择高】本补贴每月{own}元高于已领取的{kind}每月{held}元，批准后改领本补贴、停领{kind}。",
    "LIVING.NOT_INCOME": "【困难残疾人生活补贴】本补贴不计入低保家庭收入。",
    # NURSING
    "NURSING.OK": "【重度残疾人护理补贴】符合条件：{level}、需要长期照护、本地户籍。",
    "NURSING.LEVEL": "【重度残疾人护理补贴·等级条件】须为残疾等级一级或二级{extension}，申请人为{level}。",
    "NURSING.NO_CARE_NEED": "【重度残疾人护理补贴·照护条件】须有长期照护需要（6个月以上）。",
    "NURSING.WORK_INJURY": "【重度残疾人护理补贴·不重复享受】已享受工伤保险生活护理费，不再享受护理补贴。",
    "NURSING.TEKUN": "【重度残疾人护理补贴·不重复享受】已纳入特困人员救助供养，不再享受护理补贴。",
    "NURSING.HIGHER_HELD": "【重度残疾人护理补贴·择高】已领取{kind}每月{held}元，不低于本补贴每月{own}元，按择高原则不重复发放。",
    "NURSING.CHOOSE_HIGHER": "【重度残疾人护理补贴·择高】本补贴每月{own}元高于已领取的{kind}每月{held}元，批准后改领本补贴、停领{kind}。",
    # MEDICAL
    "MEDICAL.OK": "【医疗救助手工报销】符合条件：参加城乡居民基本医疗保险，属于{group}。",
    "MEDICAL.NOT_INSURED": "【医疗救助手工报销·参保条件】须参加城乡居民基本医疗保险。",
    "MEDICAL.NOT_TARGET": "【医疗救助手工报销·救助对象】须为特困人员、低保对象{marginal}，申请人不在其中。",
    "MEDICAL.ALL_NETWORKED": "【医疗救助手工报销】所列费用均已在定点医药机构联网结算，无需手工报销。",
    "MEDICAL.SOME_NETWORKED": "【医疗救助手工报销】其中 {count} 张票据已联网结算，不再重复报销。",
    "MEDICAL.NO_BILLS": "【医疗救助手工报销】请提交未联网结算的医疗费用票据，受理后按规定计算报销金额。",
    "MEDICAL.LEDGER_ASSUMED": "【医疗救助手工报销】按本年度尚未报销计算，实际以医保系统的年度记录为准。",
    "MEDICAL.DECEASED": "【医疗救助手工报销·申请人已死亡】{when}以前发生的医疗费用仍可报销，由配偶、父母、子女等近亲属凭死亡证明和亲属关系证明代为申请；{after}",
    "MEDICAL.AFTER_DEATH": "【医疗救助手工报销·申请人已死亡】其中 {count} 张票据的日期在死亡之后，不予报销。",
    "MEDICAL.NOT_KIN": "【医疗救助手工报销·申请人已死亡】代为申请的人须是死者的近亲属，并提交亲属关系证明。",
    "MEDICAL.CAP_REACHED": "【医疗救助手工报销·年度限额】本年度救助已达最高限额，本次不再报销。",
    # PENSION
    "PENSION.OK": "【城乡居民养老保险保费代缴】符合条件：一级或二级重度残疾、困难人员、年满16周岁未满{max_age}周岁。",
    "PENSION.LEVEL": "【城乡居民养老保险保费代缴·等级条件】须为一级或二级重度残疾人，申请人为{level}。",
    "PENSION.NOT_POOR": "【城乡居民养老保险保费代缴·困难条件】须为低保对象或特困人员。",
    "PENSION.TOO_YOUNG": "【城乡居民养老保险参保条件】须年满16周岁，申请人{age}周岁。",
    "PENSION.TOO_OLD": "【城乡居民养老保险】已年满{max_age}周岁，按月领取养老金，无需再缴费。",
    "PENSION.STUDENT": "【城乡居民养老保险参保条件】在校学生不参加城乡居民养老保险。",
    "PENSION.EMPLOYEE": "【城乡居民养老保险参保条件】已参加职工基本养老保险，不参加城乡居民养老保险。",
    "PENSION.ENROL": "【城乡居民养老保险】尚未参保，人社部门将一并办理参保登记。",
    # parameters
    "PARAM.MISSING": "【政策参数】{date}在本地区没有适用的“{label}”，金额待人工确定。",
}


def said(reason: Reason) -> dict:
    """A reason as a record keeps it to show it again in any language (``shown_again``)."""
    return {"code": reason.code, "values": {k: stored(v) for k, v in reason.values}}


def shown_again(kept: dict) -> str | None:
    """A kept reason in the reader's language; None if the catalogue no longer has it."""
    if kept.get("code") not in R:
        return None
    values = tuple((k, restored(v)) for k, v in kept.get("values", {}).items())
    return Reason(kept["code"], "", values).shown


def reason(code: str, **values: object) -> Reason:
    return Reason(code, fill(R[code], values), tuple(values.items()))


STATIC = {code: Reason(code, text) for code, text in R.items() if "{" not in text}


def money(value: Decimal) -> str:
    return f"{value.quantize(CENT, ROUND_HALF_UP):f}".rstrip("0").rstrip(".")
