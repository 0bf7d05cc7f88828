"""The A4 sheet every PDF is drawn on, with fpdf2: the verification footer, the flowing
document's headings, paragraphs and tables, and the boxes and ticks of the 附件4 grid.

Every page carries the verification code, a QR code that opens the public verification page and
the first characters of the content digest; a sheet without a code (an internal report) prints
where it came from instead."""

from datetime import datetime

import segno
from django.conf import settings
from fpdf import FPDF
from fpdf.enums import TextMode
from fpdf.fonts import FontFace, TTFFont

from . import fonts

MARGIN = 15
WIDTH = 210 - 2 * MARGIN


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
        self.fallbacks: list[str] = []
        if fonts.needs_fallback(text):
            for name, path, number in fonts.FALLBACKS:
                if path.exists():
                    self.add_font(name, "", path, collection_font_number=number)
            self.fallbacks = [n for n, p, _ in fonts.FALLBACKS if p.exists()]
            self.set_fallback_fonts(self.fallbacks)
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

    def mongolian(self, lines: list[str], size: float):
        """Traditional Mongolian on a page of its own, as it is written: each line a column read
        top to bottom (a long one wrapped into several), columns from left to right. The text is
        shaped (joined forms) by HarfBuzz and turned a quarter clockwise; digits and punctuation
        come from the Chinese font, turned with it, as vertical Mongolian prints them."""
        if "mongolian" not in self.fonts:
            self.add_font("mongolian", "", fonts.mongolian_font())
        self.add_page()
        self.set_font("mongolian", size=size)
        self.set_text_shaping(True)
        self.set_fallback_fonts(["cjk"])
        top, height, pitch = MARGIN, 297 - 30 - MARGIN - 5, size * 0.75
        x = MARGIN + pitch  # a turned cell lies to the left of where it starts
        for line in lines:
            for column in self._columns(line, height):
                if x > 210 - MARGIN:
                    self.add_page()
                    x = MARGIN + pitch
                with self.rotation(-90, x, top):
                    self.set_xy(x, top)
                    self.cell(h=pitch, text=column)
                x += pitch
            x += pitch * 0.4  # a little air between one line's columns and the next
        self.set_fallback_fonts(self.fallbacks)
        self.set_text_shaping(False)
        self.set_font("cjk", size=size)

    def _columns(self, line: str, height: float) -> list[str]:
        columns, current = [], ""
        for word in line.split(" "):
            candidate = f"{current} {word}" if current else word
            if current and self.get_string_width(candidate) > height:
                columns.append(current)
                candidate = word
            current = candidate
        return [*columns, current] if current else columns

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
