"""What each document says: a plain snapshot (strings, lists, dicts) built from the case.

The snapshot is what is stored, hashed and printed; the PDF layout only arranges it. Full ID
numbers appear in the snapshot only for the forms staff file (申请表, 附件4); the renderer masks
them unless the reader's role may see them."""

from collections.abc import Callable
from datetime import date, timedelta

from django.utils import translation
from django.utils.timezone import localdate
from django.utils.translation import gettext, gettext_noop

from onestop.accounts.roles import Role
from onestop.cases.chains import Outcome
from onestop.cases.models import Application, AuthorityScope, Matter, Step
from onestop.core.words import Translate, bare, fill, recorded, sentences, written
from onestop.delivery.places import delivery_text, window_name
from onestop.lang.catalog import MONGOLIAN
from onestop.people.identifiers import CATEGORIES, LEVELS, mask_id_number
from onestop.people.models import Certificate, CertificateStatus
from onestop.policy.matters import Matter as MatterType
from onestop.regions.services import Hotline, hotline_for

from .models import DocumentKind

SUBSIDIES = (MatterType.LIVING, MatterType.NURSING)
# Which of the three opinion blocks of 附件4 a step fills, by who acts (regions may rename steps).
OPINION_BLOCKS = {
    Role.TOWNSHIP_CIVIL: "township",
    Role.CDPF_REVIEWER: "cdpf",
    Role.COUNTY_CIVIL: "county",
}
# 行政复议法 (2023) art. 20: 60 days; 行政诉讼法 art. 46: 6 months.
REVIEW_DAYS = 60


def _day(value) -> str:
    return f"{value:%Y年%-m月%-d日}" if value else ""


def _person_block(person, *, full_id: bool) -> dict:
    cert = (
        Certificate.objects.filter(person=person, status=CertificateStatus.VALID)
        .order_by("-issue_date")
        .first()
    )
    return {
        "name": person.name,
        "sex": person.get_sex_display(),
        "birth": _day(person.birth_date),
        "id_number": person.id_number if full_id else person.id_number_masked,
        "id_masked": person.id_number_masked,
        "phone": person.phone,
        "hukou": person.hukou_region.full_name(),
        "address": person.address,
        "dibao": person.dibao_category,
        "dibao_label": person.get_dibao_category_display(),
        "certificate": None
        if cert is None
        else {
            "number": cert.number if full_id else cert.number_masked,
            "number_masked": cert.number_masked,
            "category": cert.category,
            "category_label": CATEGORIES[cert.category],
            "level": cert.level,
            "level_label": LEVELS[cert.level],
            "valid_until": _day(cert.valid_until),
        },
    }


def _guardian_block(guardian, *, full_id: bool) -> dict | None:
    if guardian is None:
        return None
    number = guardian.id_number
    return {
        "kind": guardian.get_kind_display(),
        "name": guardian.name,
        "sex": guardian.get_sex_display(),
        "relation": guardian.relation,
        "id_number": number if full_id else mask_id_number(number),
        "id_masked": mask_id_number(number),
        "phone": guardian.phone,
        "address": guardian.address,
    }


def _step_block(step: Step) -> dict:
    officer = step.decided_by
    return {
        "code": step.code,
        "role": step.role,
        "name": step.name,
        "unit": step.unit.name,
        "officer": officer.display_name if officer else "",
        "date": _day(localdate(step.decided_at)) if step.decided_at else "",
        "outcome": step.outcome,
        "outcome_label": Outcome.LABELS.get(step.outcome, "办理中"),
        "reason": step.reason,
        "missing": list(step.missing_materials or []),
    }


def _decided_steps(matter: Matter) -> list[dict]:
    steps = matter.steps.filter(decided_at__isnull=False).select_related("unit", "decided_by")
    return [_step_block(s) for s in steps.order_by("index", "pk")]


def _matter_line(matter: Matter) -> dict:
    old = matter.renews
    renews = (
        {"renews": f"原证号 {old.number_masked}，有效期至{_day(old.valid_until)}"} if old else {}
    )
    return {
        "kind": matter.kind,
        "name": matter.label,
        **renews,
        "status": matter.get_status_display(),
        "due": "待残疾人证办结后开始计时"
        if matter.status == Matter.Status.WAITING_CERT
        else _day(matter.due_date) or "受理后确定",
        "prescreen": matter.prescreen.get("outcome_label", ""),
        "reasons": list(matter.prescreen.get("reasons", [])),
        "missing": list(matter.prescreen.get("missing", [])),
    }


def _header(app: Application) -> dict:
    return {
        "tracking_no": app.tracking_no,
        "county": app.county.name,
        "window": window_name(app),
        "channel": app.get_channel_display(),
        "submitted": _day(localdate(app.submitted_at)) if app.submitted_at else "",
        "accepted": _day(localdate(app.accepted_at)) if app.accepted_at else "",
        "large_print": "large_print" in (app.communication_needs or []),
    }


PROGRESS_HELP = gettext_noop(
    "凭受理编号和身份证号后六位，在政务服务网「一件事一次办」专栏查询，"
    "或拨打咨询电话 {number}（{who}）。办理中如需补正材料，我们会一次告知全部需要的材料。"
)


def progress_help(app: Application, line: Hotline | None = None, tr: Translate = recorded) -> str:
    """怎样查询进度, on the printed and the on-screen receipt: where to look and whom to call
    (``tr``: the reader's gettext on a page)."""
    line = line or hotline_for(app.applicant.hukou_region_id)
    return fill(PROGRESS_HELP, {"number": line.number, "who": bare(line.who)}, tr)


def _in_mongolian(person, lines: Callable[[], list[str]]) -> list[str]:
    """A document's essentials in Mongolian for a person who reads it first (printed as vertical
    columns after the Chinese, which stays the text of record); none for anyone else."""
    if person.language != MONGOLIAN:
        return []
    with translation.override(MONGOLIAN):
        return lines()


def _labelled(label: str, value: object) -> str:
    return f"{label}: {written(value, gettext)}"


def _opening(title: str, app: Application) -> list[str]:
    """A Mongolian page's first lines: the document, its number, whose it is."""
    person = app.applicant
    return [
        title,
        _labelled(gettext("受理编号"), app.tracking_no),
        _labelled(gettext("申请人"), person.name_mn or person.name),
    ]


def mongolian_receipt(app: Application, line: Hotline) -> list[str]:
    return _in_mongolian(
        app.applicant,
        lambda: [
            *_opening(gettext("扶残助困「一件事一次办」受理回执"), app),
            _labelled(gettext("全部办结期限"), app.due_date or gettext("受理后确定")),
            _labelled(gettext("凭受理编号和身份证号后六位查询进度，或拨打咨询电话"), line.number),
        ],
    )


def mongolian_application_form(app: Application) -> list[str]:
    return _in_mongolian(
        app.applicant,
        lambda: [
            *_opening(gettext("扶残助困「一件事一次办」申请表"), app),
            _labelled(gettext("办理事项"), tuple(m.label for m in app.matters.order_by("pk"))),
            _labelled(gettext("结果送达"), delivery_text(app, gettext)),
            gettext("以上内容与中文申请表一致，以中文为准；请核对后签字。"),
        ],
    )


def mongolian_result(matter: Matter, issued: date, approved: bool) -> list[str]:
    app = matter.application

    def lines() -> list[str]:
        out = [
            *_opening(gettext("{matter}结果告知书").format(matter=gettext(matter.label)), app),
            _labelled(
                gettext("办理结果"), gettext_noop("准予") if approved else gettext_noop("不予批准")
            ),
        ]
        if matter.result.get("amount"):
            unit = gettext(matter.result.get("unit", "")) if matter.result.get("unit") else ""
            out.append(_labelled(gettext("金额"), f"{matter.result['amount']} {unit}".strip()))
        if approved:
            out.append(_labelled(gettext("结果送达"), delivery_text(app, gettext)))
        else:
            out.append(gettext("不予批准的理由见本告知书的中文部分。"))
            out.append(fill(REMEDY, _remedy_values(app, issued), gettext))
        out.append(_labelled(gettext("出具日期"), issued))
        return out

    return _in_mongolian(app.applicant, lines)


def receipt(app: Application) -> dict:
    line = hotline_for(app.applicant.hukou_region_id)
    mongolian = mongolian_receipt(app, line)
    return {
        **({"mongolian": mongolian} if mongolian else {}),
        **_header(app),
        "progress_help": progress_help(app, line),
        "applicant": _person_block(app.applicant, full_id=False),
        "due": _day(app.due_date) or "受理后确定",
        "matters": [_matter_line(m) for m in app.matters.order_by("pk")],
        "materials": [f"{m.label}：{m.get_source_display()}" for m in app.materials.all()],
        "delivery": sentences("全部事项办结后一次送达", delivery_text(app)),
    }


def application_form(app: Application) -> dict:
    applicant = _person_block(app.applicant, full_id=True)
    if applicant["certificate"] is None and app.matters.filter(renews__isnull=False).exists():
        applicant["certificate_note"] = "原证已过期，本次申请换领"
    mongolian = mongolian_application_form(app)
    return {
        **({"mongolian": mongolian} if mongolian else {}),
        **_header(app),
        "applicant": applicant,
        "guardian": _guardian_block(app.representative, full_id=True),
        "authority": [AuthorityScope(a).label for a in app.authority_scope or []],
        "authority_until": _day(app.authority_until),
        "matters": [_matter_line(m) for m in app.matters.order_by("pk")],
        "applicant_reasons": [list(r) for r in app.applicant_reasons],
        "materials": [f"{m.label}：{m.get_source_display()}" for m in app.materials.all()],
        "consent": _day(localdate(app.consent_at)) if app.consent_at else "",
        "consent_version": app.consent_version,
        "sensitive_consent": _day(localdate(app.sensitive_consent_at))
        if app.sensitive_consent_at
        else "",
        "delivery": delivery_text(app),
        "needs": app.communication_need_labels,
    }


def subsidy_form(app: Application) -> dict:
    """附件4: one form for both subsidies; each opinion block lists each subsidy's decision."""
    subsidies = {m.kind: m for m in app.matters.filter(kind__in=SUBSIDIES)}
    opinions: dict[str, list] = {"township": [], "cdpf": [], "county": []}
    for kind in SUBSIDIES:
        matter = subsidies.get(kind)
        if matter is None:
            continue
        for step in _decided_steps(matter):
            block = OPINION_BLOCKS.get(step["role"])
            if block:
                opinions[block].append({**step, "matter": matter.get_kind_display()})
    return {
        **_header(app),
        "applicant": _person_block(app.applicant, full_id=True),
        "guardian": _guardian_block(app.representative, full_id=True),
        "requested": [k for k in SUBSIDIES if k in subsidies],
        # The applicant's own words; the rules' and officers' reasons go in the opinion blocks.
        "reasons": {kind: app.applicant_reason(kind) for kind in SUBSIDIES if kind in subsidies},
        "opinions": opinions,
    }


def result(matter: Matter, issued: date) -> dict:
    app = matter.application
    approved = matter.status == Matter.Status.APPROVED
    steps = _decided_steps(matter)
    deciding = steps[-1] if steps else None
    out = {
        **_header(app),
        "applicant": _person_block(app.applicant, full_id=False),
        "matter": matter.label,
        "matter_kind": matter.kind,
        "approved": approved,
        "decision": "准予" if approved else "不予批准",
        "reason": deciding["reason"] if deciding else "",
        "steps": steps,
        "amount": matter.result.get("amount"),
        "amount_unit": matter.result.get("unit", ""),
        "delivery": delivery_text(app),
        "issuer": deciding["unit"] if deciding else app.county.name,
        "issued_date": _day(issued),
    }
    if not approved:
        out["remedy"] = fill(REMEDY, _remedy_values(app, issued))
    mongolian = mongolian_result(matter, issued, approved)
    return {**({"mongolian": mongolian} if mongolian else {}), **out}


REMEDY = gettext_noop(
    "如对本决定不服，可以自收到本告知书之日起{days}日内（即{day}前）向{county}人民政府"
    "申请行政复议，或者自知道作出本决定之日起六个月内依法向人民法院提起行政诉讼。"
)


def _remedy_values(app: Application, issued: date) -> dict:
    return {
        "days": REVIEW_DAYS,
        "day": issued + timedelta(days=REVIEW_DAYS),
        "county": app.county.name,
    }


BUILDERS = {
    DocumentKind.RECEIPT: receipt,
    DocumentKind.APPLICATION_FORM: application_form,
    DocumentKind.SUBSIDY_FORM: subsidy_form,
}
