"""Laying out the snapshots as A4 PDFs, each kind of document by its own layout on a ``Sheet``.

Large print scales the flowing documents; the 附件4 form keeps its official grid."""

from collections.abc import Iterator

from onestop.core.words import sentence, sentences

from . import fonts
from .models import DocumentKind
from .sheet import Sheet
from .subsidy_form import subsidy_form


def strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from strings(v)


def printable(value, missing: set[str]):
    """The snapshot with each character no font has written as its code point, so it shows."""
    if isinstance(value, str):
        return "".join(f"〔U+{ord(c):04X}〕" if c in missing else c for c in value)
    if isinstance(value, dict):
        return {k: printable(v, missing) for k, v in value.items()}
    if isinstance(value, list):
        return [printable(v, missing) for v in value]
    return value


def chinese_part(content: dict) -> dict:
    """The content the Chinese fonts draw: the Mongolian has a font and a page of its own."""
    return {k: v for k, v in content.items() if k != "mongolian"}


def render(kind: str, content: dict, *, code: str, digest: str, issued, large: bool) -> bytes:
    mongolian = content.get("mongolian") or []
    content = chinese_part(content)
    missing = set(fonts.missing("".join(strings(content))))
    content = printable(content, missing)
    title = DocumentKind(kind).label
    if kind == DocumentKind.RESULT:
        title = f"{content['matter']}结果告知书"
    sheet = Sheet(
        title=title, code=code, digest=digest, issued=issued, text="".join(strings(content))
    )
    sheet.add_page()
    size = 16 if large and kind != DocumentKind.SUBSIDY_FORM else 11
    LAYOUTS[DocumentKind(kind)](sheet, content, size)
    if mongolian:
        sheet.mongolian(mongolian, size * 1.2)
    if missing:
        sheet.ln(2)
        listed = "、".join(f"〔U+{ord(c):04X}〕" for c in sorted(missing))
        sheet.para(f"注：{listed}为字库暂未收录的生僻字，以身份证件为准。", size)
    return bytes(sheet.output())


def _receipt(s: Sheet, c: dict, size: float):
    a = c["applicant"]
    s.heading("扶残助困「一件事一次办」受理回执", size * 1.6)
    s.pairs(
        [
            ("受理编号", c["tracking_no"]),
            ("申请人", f"{a['name']}（身份证号 {a['id_masked']}）"),
            ("受理时间", c["accepted"] or "待受理"),
            ("全部办结期限", c["due"]),
            ("结果送达", c["delivery"]),
        ],
        size,
    )
    s.section("申请的事项", size)
    s.table(
        ["事项", "状态", "办结期限"],
        [[_named(m), m["status"], m["due"]] for m in c["matters"]],
        size,
        [2, 1, 1.4],
    )
    s.section("已收材料", size)
    s.para("\n".join(c["materials"]) or "无需提交纸质材料", size)
    s.section("怎样查询进度", size)
    s.para(c["progress_help"], size)
    s.ln(size * 0.4)
    s.para(f"{c['window']}\n{c['accepted'] or c['submitted']}", size, align="R")


def _result(s: Sheet, c: dict, size: float):
    a = c["applicant"]
    s.heading(f"{c['matter']}结果告知书", size * 1.6)
    s.para(f"{a['name']}（身份证号 {a['id_masked']}）：", size)
    s.para(
        f"　　你于{c['submitted'] or c['accepted']}提交的{c['matter']}申请"
        f"（受理编号 {c['tracking_no']}），经审核，决定：{c['decision']}。",
        size,
    )
    if c.get("reason"):
        s.para("　　" + sentence(f"理由：{c['reason']}"), size)
    if c["approved"] and c.get("amount"):
        s.para(f"　　核定金额：{c['amount']} {c['amount_unit']}。", size)
    s.section("办理经过", size)
    s.table(
        ["环节", "办理单位", "经办人", "日期", "结论", "意见"],
        [
            [st["name"], st["unit"], st["officer"], st["date"], st["outcome_label"], st["reason"]]
            for st in c["steps"]
        ],
        size * 0.85,
        [1.6, 1.6, 0.9, 1.2, 0.8, 1.9],
    )
    if c.get("remedy"):
        s.section("救济途径", size)
        s.para(c["remedy"], size)
    s.section("结果送达", size)
    s.para(sentences(c["delivery"], "全部事项办结后与其他结果一次送达"), size)
    s.ln(size * 0.4)
    s.para(f"{c['issuer']}\n{c['issued_date']}", size, align="R")


def _application_form(s: Sheet, c: dict, size: float):
    s.heading("扶残助困「一件事一次办」申请表", size * 1.6)
    s.para(f"受理编号：{c['tracking_no']}　　申请渠道：{c['channel']}　　{c['county']}", size)
    s.section("申请人", size)
    s.pairs(_applicant_rows(c["applicant"]), size)
    s.section("监护人或代理人", size)
    if c["guardian"]:
        s.pairs(_guardian_rows(c), size)
    else:
        s.para("无（本人申请）", size)
    s.section("申请事项和预审结论", size)
    s.table(
        ["事项", "预审结论", "依据"],
        [[_named(m), m["prescreen"], _grounds(m)] for m in c["matters"]],
        size * 0.9,
        [1.3, 0.8, 3],
    )
    if c.get("applicant_reasons"):
        s.section("申请人填写的申请理由", size)
        s.para("\n".join(f"{label}：{text}" for label, text in c["applicant_reasons"]), size)
    s.section("材料", size)
    s.para("\n".join(c["materials"]) or "无需提交纸质材料", size)
    s.section("授权和送达", size)
    s.pairs(
        [
            ("数据共享授权", f"{c['consent']} 同意（告知书版本 {c['consent_version']}）"),
            (
                "敏感个人信息",
                f"{c['sensitive_consent']} 单独同意" if c["sensitive_consent"] else "未同意",
            ),
            ("结果送达", c["delivery"]),
            ("沟通需要", "、".join(c["needs"]) or "无"),
        ],
        size,
    )
    s.signature("申请人（代理人）签字（捺印）：", size)
    s.signature("窗口受理人签字：", size)


def _applicant_rows(a: dict) -> list[tuple[str, str]]:
    cert = a["certificate"]
    return [
        ("姓名", f"{a['name']}　性别：{a['sex']}　出生日期：{a['birth']}"),
        ("身份证号", a["id_number"]),
        ("联系电话", a["phone"]),
        ("户籍地", a["hukou"]),
        ("居住地址", a["address"]),
        ("低保类别", a["dibao_label"]),
        (
            "残疾人证",
            f"{cert['number']}　{cert['category_label']}{cert['level_label']}"
            f"　有效期至 {cert['valid_until']}"
            if cert
            else a.get("certificate_note", "尚未持证（本次一并申请）"),
        ),
    ]


def _guardian_rows(c: dict) -> list[tuple[str, str]]:
    g = c["guardian"]
    return [
        ("姓名", f"{g['name']}（{g['kind']}，{g['relation']}）"),
        ("身份证号", g["id_number"]),
        ("联系电话", g["phone"]),
        ("居住地", g["address"]),
        ("代理权限", "、".join(c["authority"]) + f"　有效期至 {c['authority_until']}"),
    ]


def _named(matter: dict) -> str:
    """The matter's name, and for a 换证 the card it renews."""
    return f"{matter['name']}（{matter['renews']}）" if matter.get("renews") else matter["name"]


def _grounds(matter: dict) -> str:
    """The prescreen's reasons and, for 待核实, what is still to be checked and by whom."""
    missing = [f"待核实：{m}" for m in matter.get("missing", [])]
    return "".join(map(sentence, [*matter["reasons"], *missing]))


LAYOUTS = {
    DocumentKind.RECEIPT: _receipt,
    DocumentKind.RESULT: _result,
    DocumentKind.APPLICATION_FORM: _application_form,
    DocumentKind.SUBSIDY_FORM: subsidy_form,
}
