from typing import cast

from django import forms
from django.utils.translation import gettext, gettext_lazy

from onestop.cases.chains import Outcome
from onestop.cases.consent import CURRENT_VERSION, TEXTS
from onestop.cases.forms import UploadField, suggest_matters
from onestop.cases.models import AuthorityScope, CommunicationNeed, Delivery, Step
from onestop.cases.selectors import transfer_targets
from onestop.cases.steps import Decision
from onestop.core.forms import Form, translated
from onestop.core.language import READING_LANGUAGES
from onestop.people.identifiers import CATEGORIES, LEVELS, IdentifierError, parse_id_number
from onestop.people.models import DibaoCategory, TekunCategory
from onestop.policy.matters import Matter as MatterType
from onestop.regions.models import Level, OrgUnit, Region
from onestop.regions.selectors import regions_under


class IdLookupForm(Form):
    id_number = forms.CharField(
        label=gettext_lazy("申请人身份证号"),
        max_length=18,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "inputmode": "text", "autofocus": True}
        ),
        help_text=gettext_lazy("18 位，最后一位可以是 X。"),
    )

    def clean_id_number(self):
        try:
            return parse_id_number(self.cleaned_data["id_number"]).number
        except IdentifierError as exc:
            raise forms.ValidationError(str(exc)) from None


class PersonRegisterForm(Form):
    # Not required here: the service checks every field at once and names each problem.
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=50, required=False)
    name_mn = forms.CharField(
        label=gettext_lazy("蒙古文姓名（身份证上有蒙古文的照抄，没有的不填）"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"lang": "mn-Mong"}),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("阅读语言（通知和回执用这种语言，并附中文）"),
        choices=translated(READING_LANGUAGES),
        required=False,
    )
    id_number = forms.CharField(label=gettext_lazy("身份证号"), max_length=18, required=False)
    township = forms.ChoiceField(label=gettext_lazy("户籍所在苏木乡镇（街道）"), required=False)
    phone = forms.CharField(label=gettext_lazy("联系电话（手机）"), max_length=20, required=False)
    address = forms.CharField(label=gettext_lazy("居住地址"), max_length=200, required=False)
    dibao_category = forms.ChoiceField(
        label=gettext_lazy("低保类别"),
        choices=translated(DibaoCategory.choices),
        initial=DibaoCategory.NONE,
    )
    tekun_category = forms.ChoiceField(
        label=gettext_lazy("特困供养"),
        choices=translated(TekunCategory.choices),
        initial=TekunCategory.NONE,
    )

    def __init__(self, *args, scope: Region, **kwargs):
        super().__init__(*args, **kwargs)
        townships = regions_under(scope, Level.TOWNSHIP)
        township = cast(forms.ChoiceField, self.fields["township"])
        township.choices = [("", gettext("请选择"))] + [(r.code, r.name) for r in townships]


class IntakeForm(Form):
    """一表申请 at the window: every matter on one form."""

    matters = forms.MultipleChoiceField(
        label=gettext_lazy("申请办理的事项"),
        choices=MatterType.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("按申请人的意愿逐项勾选。预审结论只供参考，不会自动勾选。"),
    )
    representative = forms.ChoiceField(label=gettext_lazy("办理人"), required=False)
    authority_scope = forms.MultipleChoiceField(
        label=gettext_lazy("代理权限"),
        choices=translated(AuthorityScope.choices),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    authority_until = forms.DateField(
        label=gettext_lazy("代理有效期至"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("代理人（非监护人）必填。"),
    )
    communication_needs = forms.MultipleChoiceField(
        label=gettext_lazy("沟通需要"),
        choices=translated(CommunicationNeed.choices),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy("以后所有通知都按这里的选择发送。"),
    )
    delivery = forms.ChoiceField(
        label=gettext_lazy("结果送达方式"),
        choices=translated(Delivery.choices),
        widget=forms.RadioSelect,
    )
    delivery_address = forms.CharField(
        label=gettext_lazy("邮寄地址"), max_length=200, required=False
    )
    living_reason = forms.CharField(
        label=gettext_lazy("生活补贴申请理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    nursing_reason = forms.CharField(
        label=gettext_lazy("护理补贴申请理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    consent_share = forms.BooleanField(label=gettext_lazy(TEXTS[CURRENT_VERSION]["share"]))
    consent_sensitive = forms.BooleanField(label=gettext_lazy(TEXTS[CURRENT_VERSION]["sensitive"]))

    BILLS = 3

    def __init__(self, *args, guardians=(), materials=(), assessments=(), renewal=False, **kwargs):
        super().__init__(*args, **kwargs)
        suggest_matters(
            cast(forms.ChoiceField, self.fields["matters"]), assessments, renewal=renewal
        )
        self.fields["representative"].choices = [("", gettext("申请人本人"))] + [
            (
                str(g.pk),
                gettext("{name}（{kind}，{relation}）").format(
                    name=g.name, kind=gettext(g.get_kind_display()), relation=g.relation
                ),
            )
            for g in guardians
        ]
        self.fields["consent_share"].error_messages["required"] = gettext(
            "请确认申请人同意共享信息。"
        )
        self.fields["consent_sensitive"].error_messages["required"] = gettext(
            "请确认申请人同意处理敏感个人信息，否则无法办理。"
        )
        for i in range(1, self.BILLS + 1):
            self.fields[f"bill_{i}_day"] = forms.DateField(
                label=gettext("第 {n} 张票据日期").format(n=i),
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
            )
            self.fields[f"bill_{i}_amount"] = forms.DecimalField(
                label=gettext("第 {n} 张票据合规自付金额（元）").format(n=i),
                required=False,
                min_value=0,
                decimal_places=2,
            )
            self.fields[f"bill_{i}_networked"] = forms.BooleanField(
                label=gettext("第 {n} 张已在医院联网结算").format(n=i), required=False
            )
        self.material_fields = []
        for need in materials:
            if need.exempt:
                continue
            code = need.material.code
            self.fields[f"paper_{code}"] = forms.BooleanField(
                label=gettext("{material}：原件已核验").format(
                    material=gettext(need.material.name)
                ),
                required=False,
            )
            self.fields[f"file_{code}"] = UploadField(
                slot=gettext(need.material.name),
                label=gettext("{material}：上传扫描件或照片").format(
                    material=gettext(need.material.name)
                ),
                required=False,
            )
            self.material_fields.append((need, f"paper_{code}", f"file_{code}"))

    def bills(self) -> list[dict]:
        out = []
        for i in range(1, self.BILLS + 1):
            day, amount = (
                self.cleaned_data.get(f"bill_{i}_day"),
                self.cleaned_data.get(f"bill_{i}_amount"),
            )
            if day and amount is not None:
                out.append(
                    {
                        "day": day.isoformat(),
                        "policy_self_pay": str(amount),
                        "networked": bool(self.cleaned_data.get(f"bill_{i}_networked")),
                    }
                )
        return out

    def clean(self):
        data = super().clean()
        for i in range(1, self.BILLS + 1):
            if bool(data.get(f"bill_{i}_day")) != (data.get(f"bill_{i}_amount") is not None):
                self.add_error(
                    f"bill_{i}_amount", gettext("第 {n} 张票据的日期和金额要一起填写。").format(n=i)
                )
        return data


class RefuseForm(Form):
    reason = forms.CharField(
        label=gettext_lazy("不予受理的理由"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PressForm(Form):
    message = forms.CharField(
        label=gettext_lazy("督办意见"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class SupplyForm(Form):
    file = UploadField(
        label=gettext_lazy("补正材料（扫描件或照片）"),
        slot=gettext_lazy("补正材料"),
        required=False,
    )
    paper = forms.BooleanField(label=gettext_lazy("原件已在窗口核验"), required=False)

    def clean(self):
        data = super().clean()
        if not data.get("file") and not data.get("paper"):
            raise forms.ValidationError(gettext("请上传补正材料，或确认原件已核验。"))
        return data


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("办理结论"), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=gettext_lazy("理由或意见"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("不通过和转办必须填写，会告知申请人。"),
    )
    missing_materials = forms.CharField(
        label=gettext_lazy("需要补正的材料（每行一项）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("退回补正时填写，一次告知全部。"),
    )
    transfer_to = forms.ChoiceField(label=gettext_lazy("转办给"), required=False)
    category = forms.TypedChoiceField(
        label=gettext_lazy("评定的残疾类别"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", gettext_lazy("请选择")), *translated(sorted(CATEGORIES.items()))],
    )
    level = forms.TypedChoiceField(
        label=gettext_lazy("评定的残疾等级"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", gettext_lazy("请选择")), *translated(sorted(LEVELS.items()))],
    )
    amount = forms.DecimalField(
        label=gettext_lazy("核定报销金额（元）"), required=False, min_value=0, decimal_places=2
    )

    def __init__(
        self,
        *args,
        step: Step,
        records: str,
        outcomes,
        proposed_amount=None,
        renews=None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["outcome"]).choices = [
            (o, gettext(Outcome.LABELS[o])) for o in outcomes
        ]
        # The units offered, by choice value: the one chosen is among them once the form is valid.
        self.transfer_units: dict[str, OrgUnit] = {}
        if Outcome.TRANSFER in outcomes:
            self.transfer_units = {str(u.pk): u for u in transfer_targets(step)}
            cast(forms.ChoiceField, self.fields["transfer_to"]).choices = [
                ("", gettext("请选择"))
            ] + [(pk, u.name) for pk, u in self.transfer_units.items()]
        else:
            del self.fields["transfer_to"]
        if records != "assessment":
            del self.fields["category"], self.fields["level"]
        elif renews is not None:
            # 换证: the old card's category and level, to be confirmed or changed on assessment.
            self.fields["category"].initial, self.fields["level"].initial = (
                renews.category,
                renews.level,
            )
            self.fields["level"].help_text = gettext(
                "换证：原证为{category}{level}，已预先选好；重新评定后有变化的，请按评定结果选择。"
            ).format(
                category=gettext(renews.get_category_display()),
                level=gettext(renews.get_level_display()),
            )
        if records != "amount":
            del self.fields["amount"]
        elif proposed_amount:
            # Shown filled in, so nobody approves a figure they have not seen.
            self.fields["amount"].initial = proposed_amount
            self.fields["amount"].help_text = gettext(
                "已按医疗救助规则和申请时填写的票据算好：{amount} 元；核对票据原件后可修改。"
            ).format(amount=proposed_amount)
        if Outcome.RETURN not in outcomes:
            del self.fields["missing_materials"]

    @property
    def outcome_label(self) -> str:
        return Outcome.LABELS[self.cleaned_data["outcome"]]

    @property
    def category_label(self) -> str:
        category = self.cleaned_data.get("category")
        return CATEGORIES[int(category)] if category else ""

    @property
    def level_label(self) -> str:
        level = self.cleaned_data.get("level")
        return LEVELS[int(level)] if level else ""

    @property
    def transfer_unit(self) -> OrgUnit | None:
        return self.transfer_units.get(self.cleaned_data.get("transfer_to") or "")

    def decision(self) -> Decision:
        d = self.cleaned_data
        return Decision(
            outcome=d["outcome"],
            reason=d.get("reason", ""),
            missing_materials=tuple(
                line for line in d.get("missing_materials", "").splitlines() if line.strip()
            ),
            transfer_to=self.transfer_unit,
            category=d.get("category"),
            level=d.get("level"),
            amount=d.get("amount"),
        )
