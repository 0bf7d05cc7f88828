"""A name written in traditional Mongolian script, as Inner Mongolia's ID cards carry it beside
the Chinese: stored normalised (NFC, single spaces) so the same name always matches."""

import re
import unicodedata

from django.utils.translation import gettext

from onestop.core.words import MONGOLIAN_LETTER

from .identifiers import IdentifierError

MAX_LENGTH = 100
# Mongolian letters, the free variation selectors and vowel separator (U+180B-U+180F), the
# narrow no-break space before suffixes (U+202F), joiners, spaces and the middle dot of
# compound names.
SCRIPT = re.compile("[\u1800-\u18af\u202f\u200c\u200d ·]+")
# The private-use code points of the legacy Menksoft (蒙科立) fonts and input methods: each is a
# glyph, not a letter, and reads as nothing without that font. Until their official chart gives a
# tested mapping to letters, such a name is refused with the way to type it again.
MENKSOFT = re.compile("[\ue234-\ue71d]")


def clean_mongolian_name(value: str) -> str:
    """The name normalised, or "" when none was given; IdentifierError (in the reader's
    language) if it is not Mongolian script."""
    name = " ".join(unicodedata.normalize("NFC", value or "").split())
    if not name:
        return ""
    if len(name) > MAX_LENGTH:
        raise IdentifierError(gettext("蒙古文姓名不能超过 {n} 个字符。").format(n=MAX_LENGTH))
    if MENKSOFT.search(name):
        raise IdentifierError(
            gettext(
                "蒙古文姓名是用蒙科立旧编码输入的，系统无法识别。请切换到国家标准（Unicode）"
                "蒙古文输入法重新输入，或照身份证上的蒙古文逐字输入。"
            )
        )
    if not SCRIPT.fullmatch(name) or not MONGOLIAN_LETTER.search(name):
        raise IdentifierError(
            gettext("蒙古文姓名只能用传统蒙古文书写（不能含汉字、拉丁字母或西里尔字母）。")
        )
    return name
