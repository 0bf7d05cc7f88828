"""Laying out the snapshots as A4 PDFs with fpdf2.

Every page carries the verification code, a QR code that opens the public verification page and
the first characters of the content digest. Large print scales the flowing documents; the 附件4
form keeps its official grid."""

from collections.abc import Iterator
from datetime import datetime

import segno
from django.conf import settings
from fpdf import FPDF
from fpdf.enums import TextMode
from fpdf.fonts import FontFace, TTFFont

from onestop.core.words import sentence, sentences

from . import fonts
from .models import DocumentKind

MARGIN = 15
WIDTH = 210 - 2 * MARGIN
LEVEL_LABELS = ["一级残疾", "二级残疾", "三级残疾", "四级残疾"]
CATEGORY_LABELS = [
    (1, "视力残疾"),
    (2, "听力残疾"),
    (3, "言语残疾"),
    (4, "肢体残疾"),
    (5, "智力残疾"),
    (6, "精神残疾"),
    (7, "多重残疾"),
]


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


def verify_url(code: str = "") -> str:
    base = f"{settings.PUBLIC_URL.rstrip('/')}/v/"
    return f"{base}{code}/" if code else base


def display_code(code: str) -> str:
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


class Sheet(FPDF):
    def __init__(
        self,
        *,
        title: str,
        issued: datetime,
        text: str,
        code: str | None = None,
        digest: str = "",
        footnote: str = "",
    ):
        """A document with ``code`` and ``digest`` can be verified; one without (an internal
        report) prints ``footnote`` where it came from instead."""
        super().__init__(format="A4", unit="mm")
        self.code, self.digest, self.footnote = code, digest, footnote
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=30)
        self.add_font("cjk", "", fonts.working_font())
        if fonts.needs_fallback(text):
            for name, path, number in fonts.FALLBACKS:
                if path.exists():
                    self.add_font(name, "", path, collection_font_number=number)
            self.set_fallback_fonts([n for n, p, _ in fonts.FALLBACKS if p.exists()])
        for font in self.fonts.values():
            # The embedded subset keeps the source's bounding boxes: recomputing them from every
            # CFF outline was a third of the time of each PDF.
            if isinstance(font, TTFFont):
                font.ttfont.recalcBBoxes = False
        self.set_title(title)
        self.set_creator("扶残助困「一件事一次办」服务平台")
        self.set_creation_date(issued)
        self.set_font("cjk", size=11)
        self.alias_nb_pages()

    def footer(self):
        top = 297 - 26
        self.set_draw_color(150)
        self.line(MARGIN, top, 210 - MARGIN, top)
        self.set_draw_color(0)
        if self.code is None:
            self.set_xy(MARGIN, top + 3)
            self.set_font("cjk", size=9)
            self.multi_cell(
                WIDTH,
                4.5,
                f"{self.footnote}　　第 {self.page_no()} 页，共 {{nb}} 页",
                new_x="LMARGIN",
                new_y="NEXT",
            )
            return
        qr = segno.make(verify_url(self.code), error="m")
        size = 20
        module = size / (len(qr.matrix) + 2)
        x0, y0 = 210 - MARGIN - size, top + 2
        self.set_fill_color(0)
        for r, row in enumerate(qr.matrix):
            for c, dark in enumerate(row):
                if dark:
                    self.rect(x0 + (c + 1) * module, y0 + (r + 1) * module, module, module, "F")
        self.set_xy(MARGIN, top + 3)
        self.set_font("cjk", size=9)
        self.multi_cell(
            WIDTH - size - 4,
            4.5,
            f"验证码：{display_code(self.code)}\n"
            f"扫描右侧二维码，或访问 {verify_url()} 输入验证码，核验本文书真伪。\n"
            f"内容摘要（SM3）：{self.digest[:32]}　　第 {self.page_no()} 页，共 {{nb}} 页",
            new_x="LMARGIN",
            new_y="NEXT",
        )

    def strong(self):
        """Bold, drawn as filled and stroked text: a second weight of a CJK font would be parsed
        and subset for every document, doubling its cost. Scoped, because the text render mode
        outlives the text object in PDF."""
        return self.local_context(text_mode=TextMode.FILL_STROKE, line_width=0.12)

    # --- flowing documents ----------------------------------------------------------------

    def heading(self, text: str, size: float):
        self.set_font("cjk", size=size)
        with self.strong():
            self.multi_cell(WIDTH, size * 0.6, text, align="C", new_x="LMARGIN", new_y="NEXT")
        self.ln(size * 0.3)

    def section(self, text: str, size: float):
        self.ln(size * 0.2)
        self.set_font("cjk", size=size * 1.1)
        with self.strong():
            self.multi_cell(WIDTH, size * 0.55, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font("cjk", size=size)

    def para(self, text: str, size: float, align: str = "L"):
        self.set_font("cjk", size=size)
        self.multi_cell(WIDTH, size * 0.55, text, align=align, new_x="LMARGIN", new_y="NEXT")

    def pairs(self, rows: list[tuple[str, str]], size: float):
        label_w = size * 3.2
        self.set_font("cjk", size=size)
        for label, value in rows:
            y = self.get_y()
            with self.strong():
                self.multi_cell(label_w, size * 0.55, label, new_x="RIGHT", new_y="TOP")
            self.multi_cell(
                WIDTH - label_w, size * 0.55, value or "—", new_x="LMARGIN", new_y="NEXT"
            )
            self.set_y(max(self.get_y(), y + size * 0.55))

    def table(self, header: list[str], rows: list[list[str]], size: float, widths: list[float]):
        self.set_font("cjk", size=size)
        with super().table(
            col_widths=widths,
            line_height=size * 0.55,
            text_align="LEFT",
            headings_style=FontFace(fill_color=(235, 235, 235)),
            first_row_as_headings=True,
        ) as t:
            t.row(header)
            for r in rows:
                t.row([c or "—" for c in r])
        self.ln(1)

    def signature(self, label: str, size: float):
        self.ln(size * 0.4)
        self.para(f"{label}＿＿＿＿＿＿＿＿＿＿　　日期：＿＿＿＿年＿＿月＿＿日", size)

    # --- the 附件4 grid -------------------------------------------------------------------

    def needed(self, w, text, size=10) -> float:
        """The height a box of width ``w`` needs for ``text``."""
        self.set_font("cjk", size=size)
        lines: list[str] = self.multi_cell(w - 2, size * 0.45, text, dry_run=True, output="LINES")  # type: ignore[assignment]  # the output= argument decides the type
        return len(lines) * size * 0.45 + 3

    def box(self, x, y, w, h, text="", *, size=10, bold=False, align="L", valign="M"):
        self.rect(x, y, w, h)
        if not text:
            return
        self.set_font("cjk", size=size)
        line = size * 0.45
        lines = self.multi_cell(w - 2, line, text, dry_run=True, output="LINES")
        height = len(lines) * line
        top = y + (h - height) / 2 if valign == "M" else y + 1.5
        self.set_xy(x + 1, top)
        if bold:
            with self.strong():
                self.multi_cell(w - 2, line, text, align=align)
        else:
            self.multi_cell(w - 2, line, text, align=align)

    def check(self, x, y, label, checked, size=10):
        """A square box, ticked when true, then the label."""
        s = size * 0.3
        self.rect(x, y - s / 2, s, s)
        if checked:
            self.set_line_width(0.4)
            self.line(x + s * 0.2, y, x + s * 0.42, y + s * 0.3)
            self.line(x + s * 0.42, y + s * 0.3, x + s * 0.85, y - s * 0.35)
            self.set_line_width(0.2)
        self.set_font("cjk", size=size)
        self.set_xy(x + s + 1, y - size * 0.22)
        self.cell(text=label)


def render(kind: str, content: dict, *, code: str, digest: str, issued, large: bool) -> bytes:
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
        [[m["name"], m["status"], m["due"]] for m in c["matters"]],
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
    a, g = c["applicant"], c["guardian"]
    cert = a["certificate"]
    s.heading("扶残助困「一件事一次办」申请表", size * 1.6)
    s.para(f"受理编号：{c['tracking_no']}　　申请渠道：{c['channel']}　　{c['county']}", size)
    s.section("申请人", size)
    s.pairs(
        [
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
                else "尚未持证（本次一并申请）",
            ),
        ],
        size,
    )
    s.section("监护人或代理人", size)
    if g:
        s.pairs(
            [
                ("姓名", f"{g['name']}（{g['kind']}，{g['relation']}）"),
                ("身份证号", g["id_number"]),
                ("联系电话", g["phone"]),
                ("居住地", g["address"]),
                ("代理权限", "、".join(c["authority"]) + f"　有效期至 {c['authority_until']}"),
            ],
            size,
        )
    else:
        s.para("无（本人申请）", size)
    s.section("申请事项和预审结论", size)
    s.table(
        ["事项", "预审结论", "依据"],
        [[m["name"], m["prescreen"], _grounds(m)] for m in c["matters"]],
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


def _grounds(matter: dict) -> str:
    """The prescreen's reasons and, for 待核实, what is still to be checked and by whom."""
    missing = [f"待核实：{m}" for m in matter.get("missing", [])]
    return "".join(map(sentence, [*matter["reasons"], *missing]))


def _subsidy_form(s: Sheet, c: dict, size: float):
    a, g = c["applicant"], c["guardian"] or {}
    cert = a["certificate"] or {}
    x, w = MARGIN, WIDTH
    s.set_font("cjk", size=18)
    with s.strong():
        s.cell(w, 10, "残疾人两项补贴申请审批表", align="C", new_x="LMARGIN", new_y="NEXT")
    s.set_font("cjk", size=10)
    s.cell(w / 3, 7, f"申请地：{c['county']}")
    s.cell(w / 3, 7, f"申请时间：{c['submitted']}")
    s.cell(w / 3, 7, f"受理编号：{c['tracking_no']}", align="R", new_x="LMARGIN", new_y="NEXT")
    y = s.get_y()
    label, h = 26, 9
    # Rows 1-4 beside the photo box.
    photo = 28
    inner = w - photo
    s.box(x, y, label, h, "申请人姓名")
    s.box(x + label, y, 34, h, a["name"])
    s.box(x + label + 34, y, 14, h, "性别")
    s.box(x + label + 48, y, 14, h, a["sex"])
    s.box(x + label + 62, y, 22, h, "联系电话")
    s.box(x + label + 84, y, inner - label - 84, h, a["phone"])
    s.box(x + inner, y, photo, 4 * h, "本人一寸照片", size=9, align="C")
    y += h
    s.box(x, y, label, h, "身份证号")
    s.box(x + label, y, 62, h, a["id_number"])
    s.box(x + label + 62, y, 22, h, "低保类别")
    s.box(x + label + 84, y, inner - label - 84, h)
    s.check(x + label + 86, y + h / 2, "城镇", a["dibao"] == "urban")
    s.check(x + label + 106, y + h / 2, "农村", a["dibao"] == "rural")
    y += h
    s.box(x, y, label, h, "残疾人证号")
    s.box(x + label, y, inner - label, h, cert.get("number", ""))
    y += h
    s.box(x, y, label, h, "申请人户籍地")
    s.box(x + label, y, inner - label, h, a["hukou"])
    y += h
    # Level and category checkboxes.
    rows, rh = 4, 7.5
    s.box(x, y, label, rows * rh, "残疾等级")
    s.box(x + label, y, 34, rows * rh)
    for i, text in enumerate(LEVEL_LABELS):
        s.check(x + label + 2, y + rh * (i + 0.5), text, cert.get("level") == i + 1)
    s.box(x + label + 34, y, 22, rows * rh, "残疾类别")
    col = (w - label - 56) / 3
    s.box(x + label + 56, y, w - label - 56, rows * rh)
    for i, (number, text) in enumerate(CATEGORY_LABELS):
        cx = x + label + 58 + (i % 3) * col
        s.check(cx, y + rh * (i // 3 + 0.5), text, cert.get("category") == number)
    y += rows * rh
    s.box(x, y, label, h, "申请补贴类别")
    s.box(x + label, y, w - label, h)
    s.check(x + label + 4, y + h / 2, "困难残疾人生活补贴", "LIVING" in c["requested"])
    s.check(x + label + 70, y + h / 2, "重度残疾人护理补贴", "NURSING" in c["requested"])
    y += h
    s.box(x, y, w, 7, "监护人信息", bold=True, align="C")
    y += 7
    s.box(x, y, label, h, "姓名")
    s.box(x + label, y, 34, h, g.get("name", ""))
    s.box(x + label + 34, y, 14, h, "性别")
    s.box(x + label + 48, y, 14, h, g.get("sex", ""))
    s.box(x + label + 62, y, 28, h, "与申请人关系")
    s.box(x + label + 90, y, w - label - 90, h, g.get("relation", ""))
    y += h
    s.box(x, y, label, h, "身份证号")
    s.box(x + label, y, 62, h, g.get("id_number", ""))
    s.box(x + label + 62, y, 28, h, "联系电话")
    s.box(x + label + 90, y, w - label - 90, h, g.get("phone", ""))
    y += h
    s.box(x, y, label, h, "居住地")
    s.box(x + label, y, w - label, h, g.get("address", ""))
    y += h
    half = w / 2
    reasons = c["reasons"]
    s.box(x, y, half, 24, "困难残疾人生活补贴申请理由：\n" + reasons.get("LIVING", ""), valign="T")
    s.box(
        x + half,
        y,
        half,
        24,
        "重度残疾人护理补贴申请理由：\n" + reasons.get("NURSING", ""),
        valign="T",
    )
    y += 24
    s.box(x, y, half, 10, "申请人（代理人）签字（捺印）：", valign="T")
    s.box(x + half, y, half, 10, "申请人（代理人）签字（捺印）：", valign="T")
    y += 10
    op = {k: _opinion(v) for k, v in c["opinions"].items()}
    lw = 20
    tall = max(34, s.needed(half - lw, op["township"], 9), s.needed(half - lw, op["cdpf"], 9))
    s.box(x, y, lw, tall, "苏木乡镇（街道办事处）民政部门审核意见", size=9, align="C")
    s.box(x + lw, y, half - lw, tall, op["township"], size=9, valign="T")
    s.box(x + half, y, lw, tall, "旗县区残联认定审核意见", size=9, align="C")
    s.box(x + half + lw, y, half - lw, tall, op["cdpf"], size=9, valign="T")
    y += tall
    tall = max(28, s.needed(w - lw, op["county"], 9))
    s.box(x, y, lw, tall, "旗县区民政局审批意见", size=9, align="C")
    s.box(x + lw, y, w - lw, tall, op["county"], size=9, valign="T")
    y += tall
    s.set_xy(x, y + 2)
    s.set_font("cjk", size=9)
    s.multi_cell(
        w,
        4.5,
        "注：此表一式三份，乡镇（街道办事处）、残联、旗县区民政局各一份，"
        "附残疾人证、身份证、户口复印件。",
    )


def _opinion(decisions: list[dict]) -> str:
    if not decisions:
        return "（尚未办理）"
    lines = []
    for d in decisions:
        lines.append(
            sentences(f"{d['matter']}：{d['outcome_label']}", d["reason"]) + "\n"
            f"审核人：{d['officer']}　{d['unit']}（单位盖章）　{d['date']}"
        )
    return "\n".join(lines)


LAYOUTS = {
    DocumentKind.RECEIPT: _receipt,
    DocumentKind.RESULT: _result,
    DocumentKind.APPLICATION_FORM: _application_form,
    DocumentKind.SUBSIDY_FORM: _subsidy_form,
}
