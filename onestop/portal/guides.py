"""服务指南 (附件1 of the plan): per matter, what it is and who may apply, in words a person can
follow; who decides, in how many working days and what to bring come from the chains and the
materials list the platform works by, so the guide cannot drift from them."""

from dataclasses import dataclass

from django.utils.translation import gettext_noop

from onestop.cases.chains import ChainDef
from onestop.cases.reference import chain_definition, chain_id_for
from onestop.policy.materials import CATALOGUE, NEEDS, REPRESENTATION, Material
from onestop.policy.matters import MATTER_DEPARTMENT, Matter
from onestop.regions.enums import Department

PROVINCE = "150000"

ABOUT = {
    Matter.CERT: (
        gettext_noop(
            "第二代残疾人证是认定残疾类别和等级的凭证，也是办理残疾人两项补贴、养老保险保费代缴等"
            "扶残助困事项的依据。"
        ),
        gettext_noop("户籍在本地、经指定医疗机构评定符合残疾标准的人。"),
    ),
    Matter.LIVING: (
        gettext_noop(
            "对生活困难的残疾人按月发放的生活补贴，与残疾人证一起申请，由民政部门认定资格。"
        ),
        gettext_noop(
            "持有第二代残疾人证、属于低保家庭或低保边缘等困难家庭的残疾人；"
            "已纳入特困人员救助供养的不再享受。"
        ),
    ),
    Matter.NURSING: (
        gettext_noop("对需要长期照护的重度残疾人按月发放的护理补贴，由民政部门认定资格。"),
        gettext_noop(
            "残疾等级为一级或二级（部分地区含三级智力、精神残疾）、"
            "需要长期照护（6 个月以上）的残疾人；"
            "已享受工伤保险生活护理费或特困供养的不再享受。"
        ),
    ),
    Matter.MEDICAL: (
        gettext_noop(
            "低保、特困等困难群众经基本医疗保险、补充医疗保险报销后，个人负担仍然较重、又没能在定点"
            "医药机构直接结算的医疗费用，由医保部门办理医疗救助手工（零星）报销。"
        ),
        gettext_noop("参加城乡居民基本医疗保险、经认定为特困人员、低保对象等医疗救助对象的人。"),
    ),
    Matter.PENSION: (
        gettext_noop(
            "为符合条件的困难重度残疾人代缴城乡居民基本养老保险保费，由人社部门办理；"
            "没有参保的一并参保。"
        ),
        gettext_noop(
            "一级、二级困难重度残疾人，年满 16 周岁（不含在校学生）、未参加职工基本养老保险的"
            "本县户籍城乡居民。"
        ),
    ),
}
DECIDER = {
    Department.CDPF: gettext_noop("旗县（市、区）残联"),
    Department.CIVIL: gettext_noop("旗县（市、区）民政局"),
    Department.MEDICAL: gettext_noop("旗县（市、区）医疗保障局"),
    Department.HRSS: gettext_noop("旗县（市、区）人力资源和社会保障局"),
}


@dataclass(frozen=True)
class Guide:
    matter: Matter
    slug: str
    about: str
    who_may_apply: str
    decider: str
    chain: ChainDef | None
    bring: list[Material]  # what the applicant brings or uploads
    spared: list[Material]  # what the platform fetches itself (免提交)
    representation: list[Material]


def slug(matter: str) -> str:
    return matter.lower()


def guide_for(matter: Matter) -> Guide:
    chain_id = chain_id_for(matter, PROVINCE)
    chain = chain_definition(chain_id) if chain_id else None
    needed = [CATALOGUE[code] for code in NEEDS[matter]]
    about, who = ABOUT[matter]
    return Guide(
        matter=matter,
        slug=slug(matter),
        about=about,
        who_may_apply=who,
        decider=DECIDER[MATTER_DEPARTMENT[matter]],
        chain=chain,
        bring=[m for m in needed if not m.exempt_reason],
        spared=[m for m in needed if m.exempt_reason],
        representation=[CATALOGUE[code] for code in REPRESENTATION],
    )


def guides() -> list[Guide]:
    return [guide_for(m) for m in Matter]
