"""The one list of materials (一次告知): what each matter needs, and what shared data spares.

A material is 免提交 when the platform obtains it itself: an electronic licence (ID card,
户口簿, 残疾人证), a form the platform fills in, or a fact the shared data already holds.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_noop

from .facts import Facts
from .matters import Matter
from .verdict import Assessment, Outcome


@dataclass(frozen=True)
class Material:
    code: str
    name: str
    exempt_reason: str = ""  # why it is 免提交 regardless of the person
    exempt_if_shared: str = ""  # a fact name: 免提交 when that fact came from shared data
    note: str = ""


CATALOGUE = {
    m.code: m
    for m in [
        Material("id_card", "居民身份证", exempt_reason="通过电子证照共享获取"),
        Material("hukou_book", "居民户口簿", exempt_reason="通过电子证照共享获取"),
        Material("certificate", "第二代残疾人证", exempt_reason="通过残疾人证数据共享获取"),
        Material(
            "joint_form",
            "扶残助困「一件事一次办」申请表",
            exempt_reason="平台自动生成，签字确认即可",
        ),
        Material(
            "subsidy_form", "残疾人两项补贴申请审批表", exempt_reason="平台自动生成，签字确认即可"
        ),
        Material("photo", "近期一寸免冠彩色照片", note="2 张；在窗口可现场拍照"),
        Material("assessment", "残疾评定", note="到指定医疗机构评定，由评定机构将结果报送残联"),
        Material("dibao_proof", "低保、低保边缘或低收入家庭认定材料", exempt_if_shared="dibao"),
        Material(
            "care_proof",
            "需要长期照护的证明（医疗机构或评估机构出具）",
            exempt_if_shared="long_term_care",
        ),
        Material("bank_account", "本人社会保障卡或银行账户", note="用于发放补贴或报销款"),
        Material("medical_bills", "医疗费用票据原件和费用明细清单"),
        Material("settlement", "基本医疗保险、补充医疗保险结算单"),
        Material("diagnosis", "诊断证明或出院小结", note="住院费用需要"),
        Material("guardian_id", "监护人或代理人的身份证", exempt_reason="通过电子证照共享获取"),
        Material("authorization", "代理人的授权委托书", note="由代理人（非监护人）办理时需要"),
    ]
}

NEEDS = {
    Matter.CERT: ("id_card", "hukou_book", "joint_form", "photo", "assessment"),
    Matter.LIVING: (
        "id_card",
        "hukou_book",
        "certificate",
        "joint_form",
        "subsidy_form",
        "photo",
        "dibao_proof",
        "bank_account",
    ),
    Matter.NURSING: (
        "id_card",
        "hukou_book",
        "certificate",
        "joint_form",
        "subsidy_form",
        "photo",
        "care_proof",
        "bank_account",
    ),
    Matter.MEDICAL: (
        "id_card",
        "joint_form",
        "medical_bills",
        "settlement",
        "diagnosis",
        "bank_account",
    ),
    Matter.PENSION: ("id_card", "hukou_book", "certificate", "joint_form"),
}


# Who acts for the applicant: this concerns every matter of the application.
REPRESENTATION = ("guardian_id", "authorization")


def codes_needed_by(matters: Iterable[str]) -> set[str]:
    """The material codes that belong to these matters (按需共享 of what was submitted)."""
    codes = {code for matter in matters for code in NEEDS[Matter(matter)]}
    return codes | set(REPRESENTATION) if codes else codes


@dataclass(frozen=True)
class MaterialNeed:
    material: Material
    matters: tuple[Matter, ...]
    exempt: bool
    exempt_reason: str


def materials_for(
    assessments: Iterable[Assessment], facts: Facts, *, guardian: str = ""
) -> list[MaterialNeed]:
    """The one deduplicated list for the matters still possible (符合 or 待核实).

    ``guardian`` is "guardian" or "agent" when someone acts for the applicant.
    """
    wanted: dict[str, list[Matter]] = {}
    for a in assessments:
        if a.outcome == Outcome.INELIGIBLE:
            continue
        for code in NEEDS[a.matter]:
            wanted.setdefault(code, []).append(a.matter)
    if guardian and wanted:
        guardian_id, authorization = REPRESENTATION
        wanted[guardian_id] = []
        if guardian == "agent":
            wanted[authorization] = []
    out = []
    for code, matters in wanted.items():
        m = CATALOGUE[code]
        if m.exempt_reason:
            exempt, why = True, m.exempt_reason
        elif m.exempt_if_shared and m.exempt_if_shared in facts.shared:
            exempt, why = True, gettext_noop("共享数据已有，无需提交")
        else:
            exempt, why = False, ""
        out.append(MaterialNeed(m, tuple(matters), exempt, why))
    out.sort(key=lambda n: n.exempt)  # what to bring first
    return out
