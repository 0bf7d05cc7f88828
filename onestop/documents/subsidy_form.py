"""附件4, 残疾人两项补贴申请审批表: the official grid, drawn box by box at a fixed size (large
print does not scale it), a section of rows at a time from the top of the page down."""

from onestop.core.words import sentences

from .sheet import MARGIN, WIDTH, Sheet

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
X, W = MARGIN, WIDTH
LABEL, ROW = 26, 9  # the label column's width and a row's height
HALF = W / 2
OPINION_LABEL = 20


def subsidy_form(s: Sheet, c: dict, size: float) -> None:
    a = c["applicant"]
    cert = a["certificate"] or {}
    _title(s, c)
    y = _applicant(s, a, cert, s.get_y())
    y = _disability(s, cert, y)
    y = _requested(s, c["requested"], y)
    y = _guardian(s, c["guardian"] or {}, y)
    y = _reasons(s, c["reasons"], y)
    y = _opinions(s, {k: _opinion(v) for k, v in c["opinions"].items()}, y)
    s.set_xy(X, y + 2)
    s.set_font("cjk", size=9)
    s.multi_cell(
        W,
        4.5,
        "注：此表一式三份，乡镇（街道办事处）、残联、旗县区民政局各一份，"
        "附残疾人证、身份证、户口复印件。",
    )


def _title(s: Sheet, c: dict) -> None:
    s.set_font("cjk", size=18)
    with s.strong():
        s.cell(W, 10, "残疾人两项补贴申请审批表", align="C", new_x="LMARGIN", new_y="NEXT")
    s.set_font("cjk", size=10)
    s.cell(W / 3, 7, f"申请地：{c['county']}")
    s.cell(W / 3, 7, f"申请时间：{c['submitted']}")
    s.cell(W / 3, 7, f"受理编号：{c['tracking_no']}", align="R", new_x="LMARGIN", new_y="NEXT")


def _applicant(s: Sheet, a: dict, cert: dict, y: float) -> float:
    """Rows 1-4, beside the photo box."""
    x, label, h = X, LABEL, ROW
    photo = 28
    inner = W - photo
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
    return y + h


def _disability(s: Sheet, cert: dict, y: float) -> float:
    """The level and category checkboxes."""
    x, w, label = X, W, LABEL
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
    return y + rows * rh


def _requested(s: Sheet, requested: list[str], y: float) -> float:
    x, label, h = X, LABEL, ROW
    s.box(x, y, label, h, "申请补贴类别")
    s.box(x + label, y, W - label, h)
    s.check(x + label + 4, y + h / 2, "困难残疾人生活补贴", "LIVING" in requested)
    s.check(x + label + 70, y + h / 2, "重度残疾人护理补贴", "NURSING" in requested)
    return y + h


def _guardian(s: Sheet, g: dict, y: float) -> float:
    x, w, label, h = X, W, LABEL, ROW
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
    return y + h


def _reasons(s: Sheet, reasons: dict, y: float) -> float:
    """The applicant's reasons for each subsidy, and the signatures under them."""
    x, half = X, HALF
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
    return y + 10


def _opinions(s: Sheet, op: dict[str, str], y: float) -> float:
    """The three offices' opinions, each box as tall as its text needs."""
    x, w, half, lw = X, W, HALF, OPINION_LABEL
    tall = max(34, s.needed(half - lw, op["township"], 9), s.needed(half - lw, op["cdpf"], 9))
    s.box(x, y, lw, tall, "苏木乡镇（街道办事处）民政部门审核意见", size=9, align="C")
    s.box(x + lw, y, half - lw, tall, op["township"], size=9, valign="T")
    s.box(x + half, y, lw, tall, "旗县区残联认定审核意见", size=9, align="C")
    s.box(x + half + lw, y, half - lw, tall, op["cdpf"], size=9, valign="T")
    y += tall
    tall = max(28, s.needed(w - lw, op["county"], 9))
    s.box(x, y, lw, tall, "旗县区民政局审批意见", size=9, align="C")
    s.box(x + lw, y, w - lw, tall, op["county"], size=9, valign="T")
    return y + tall


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
