from typing import cast

from django import forms
from django.utils.translation import gettext, gettext_lazy

from onestop.cases.consent import CURRENT_VERSION, TEXTS
from onestop.cases.errors import AlreadyOpen
from onestop.cases.forms import UploadField, suggest_matters
from onestop.cases.intake import duplicate_check
from onestop.cases.models import CommunicationNeed, Delivery
from onestop.core.forms import Form, translated
from onestop.people.identifiers import CATEGORIES, LEVELS
from onestop.policy.matters import Matter as MatterType
from onestop.ratings.models import Level
from onestop.regions.models import Level as RegionLevel
from onestop.regions.selectors import EVERYWHERE, regions_under

YES_NO_UNKNOWN = [
    ("yes", gettext_lazy("是")),
    ("no", gettext_lazy("不是")),
    ("unknown", gettext_lazy("不清楚")),
]


def tri(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class CheckForm(Form):
    """一次告知 before signing in: a few questions, answered in plain words."""

    county = forms.ChoiceField(label=gettext_lazy("户口在哪个旗县（市、区）"))
    birth_date = forms.DateField(
        label=gettext_lazy("出生日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("例如 1970-05-10"),
    )
    has_certificate = forms.ChoiceField(
        label=gettext_lazy("有没有残疾人证"),
        choices=[
            ("yes", gettext_lazy("有")),
            ("no", gettext_lazy("没有")),
            ("unknown", gettext_lazy("不清楚")),
        ],
        widget=forms.RadioSelect,
    )
    category = forms.TypedChoiceField(
        label=gettext_lazy("残疾类别（有证的填）"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", gettext_lazy("不知道或没有证")), *translated(sorted(CATEGORIES.items()))],
    )
    level = forms.TypedChoiceField(
        label=gettext_lazy("残疾等级（有证的填）"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", gettext_lazy("不知道或没有证")), *translated(sorted(LEVELS.items()))],
    )
    dibao = forms.ChoiceField(
        label=gettext_lazy("家里是不是低保户"),
        choices=[
            ("urban", gettext_lazy("是，城镇低保")),
            ("rural", gettext_lazy("是，农村低保")),
            ("none", gettext_lazy("不是")),
            ("unknown", gettext_lazy("不清楚")),
        ],
        widget=forms.RadioSelect,
    )
    tekun = forms.ChoiceField(
        label=gettext_lazy("是不是特困供养人员"), choices=YES_NO_UNKNOWN, widget=forms.RadioSelect
    )
    long_term_care = forms.ChoiceField(
        label=gettext_lazy("是不是需要别人长期照顾（半年以上）"),
        choices=YES_NO_UNKNOWN,
        widget=forms.RadioSelect,
    )
    resident_medical = forms.ChoiceField(
        label=gettext_lazy("有没有参加城乡居民医疗保险"),
        choices=YES_NO_UNKNOWN,
        widget=forms.RadioSelect,
    )
    employee_pension = forms.ChoiceField(
        label=gettext_lazy("有没有参加职工养老保险（单位上班交的）"),
        choices=YES_NO_UNKNOWN,
        widget=forms.RadioSelect,
    )
    student = forms.ChoiceField(
        label=gettext_lazy("是不是在校学生"), choices=YES_NO_UNKNOWN, widget=forms.RadioSelect
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        counties = regions_under(EVERYWHERE, RegionLevel.COUNTY)
        self.fields["county"].choices = [("", gettext("请选择"))] + [
            (r.code, f"{r.parent.name}{r.name}") for r in counties
        ]


class PhoneForm(Form):
    phone = forms.CharField(
        label=gettext_lazy("手机号码"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class CodeForm(Form):
    code = forms.CharField(
        label=gettext_lazy("短信验证码（6 位数字）"),
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class MattersForm(Form):
    matters = forms.MultipleChoiceField(
        label=gettext_lazy("想办理哪些事"),
        choices=MatterType.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("想办哪件就勾哪件。标着“预审符合”的，是按登记信息查到可以申请的。"),
    )

    def __init__(self, *args, assessments=(), person=None, renewal=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        suggest_matters(
            cast(forms.ChoiceField, self.fields["matters"]), assessments, renewal=renewal
        )

    def clean_matters(self):
        """Said here, at step 1, what the submission would refuse four steps later."""
        chosen = self.cleaned_data["matters"]
        try:
            duplicate_check(self.person, chosen)
        except AlreadyOpen as exc:
            raise forms.ValidationError(
                gettext("{open}请取消勾选，办理进度可在“我的申请”里查看。").format(open=exc)
            ) from None
        return chosen


class DetailsForm(Form):
    living_reason = forms.CharField(
        label=gettext_lazy("为什么申请生活补贴（可以不填）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    nursing_reason = forms.CharField(
        label=gettext_lazy("为什么申请护理补贴（可以不填）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, materials=(), matters=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Only the reasons for the subsidies chosen at step 1 are asked for.
        for kind, name in (
            (MatterType.LIVING, "living_reason"),
            (MatterType.NURSING, "nursing_reason"),
        ):
            if kind not in matters:
                del self.fields[name]
        self.uploads = []
        for need in materials:
            if need.exempt:
                continue
            name = f"file_{need.material.code}"
            self.fields[name] = UploadField(
                slot=gettext(need.material.name),
                label=gettext("{material}（拍照上传）").format(
                    material=gettext(need.material.name)
                ),
                required=False,
                widget=forms.ClearableFileInput(
                    attrs={"accept": "image/*,application/pdf", "capture": "environment"}
                ),
                help_text=gettext(need.material.note)
                if need.material.note
                else gettext("JPG、PNG 照片或 PDF，不超过 10 MB。"),
            )
            self.uploads.append((need, name))


class DeliveryForm(Form):
    delivery = forms.ChoiceField(
        label=gettext_lazy("结果怎么给您"),
        choices=translated(Delivery.choices),
        widget=forms.RadioSelect,
    )
    delivery_address = forms.CharField(
        label=gettext_lazy("邮寄地址（选邮寄时填）"), max_length=200, required=False
    )
    communication_needs = forms.MultipleChoiceField(
        label=gettext_lazy("以后怎么联系您方便"),
        choices=translated(CommunicationNeed.choices),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class ConsentForm(Form):
    consent_share = forms.BooleanField(label=gettext_lazy(TEXTS[CURRENT_VERSION]["share"]))
    consent_sensitive = forms.BooleanField(label=gettext_lazy(TEXTS[CURRENT_VERSION]["sensitive"]))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent_share"].error_messages["required"] = gettext("请勾选同意共享信息。")
        self.fields["consent_sensitive"].error_messages["required"] = gettext(
            "请勾选同意，不同意就没法办理。"
        )


class SupplyForm(Form):
    file = UploadField(
        slot=gettext_lazy("补交的材料"),
        label=gettext_lazy("补交的材料（拍照上传）"),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/*,application/pdf", "capture": "environment"}
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].error_messages["required"] = gettext("请选择要上传的照片或文件。")


class RatingForm(Form):
    level = forms.TypedChoiceField(
        label=gettext_lazy("您满意吗"),
        coerce=int,
        choices=translated(Level.choices),
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("想说的话（可以不写）"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class LookupForm(Form):
    tracking_no = forms.CharField(
        label=gettext_lazy("受理编号"),
        max_length=20,
        help_text=gettext_lazy("在受理回执上，例如 261129-7KQ9-M4TX"),
    )
    id_last6 = forms.CharField(
        label=gettext_lazy("申请人身份证号的最后 6 位"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
