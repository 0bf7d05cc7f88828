"""Pydantic's validation errors, said in Chinese, field by field."""

from typing import Any

from ninja.errors import HttpError

FIELD_LABELS = {
    "matter_id": "事项编号",
    "step_id": "环节编号",
    "outcome": "办理结论",
    "cursor": "分页游标",
    "limit": "每页条数",
    "region": "区划代码",
    "day": "日期",
    "matters": "事项",
    "person_id": "人员编号",
    "guardian": "办理人类型",
    "facts": "个人情况",
    "birth_date": "出生日期",
    "hukou_region": "户籍地区划代码",
    "certificate": "残疾人证",
    "category": "残疾类别",
    "level": "残疾等级",
    "valid_until": "有效期至",
    "status": "状态",
    "dibao": "低保类别",
    "dibao_until": "低保终止日期",
    "tekun": "特困供养类别",
    "allowances": "已领取的补贴",
    "kind": "类型",
    "monthly_amount": "每月金额",
    "receiving": "已享受的事项",
    "bills": "医疗费用票据",
    "policy_self_pay": "合规自付金额",
    "networked": "是否已联网结算",
    "medical_aid_paid_this_year": "本年度已获医疗救助金额",
    "deductible_used_this_year": "本年度已计入起付标准的金额",
    "amount": "核定金额",
    "code": "材料代码",
    "file": "文件",
    "records": "记录",
    "value": "取值",
}


def _message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "必须填写。"
    if kind.startswith("date") or kind.startswith("datetime"):
        return "不是有效的日期，请按“年-月-日”填写，如 2026-11-29。"
    if kind == "greater_than_equal":
        return "不能为负数。" if str(ctx.get("ge")) == "0" else f"不能小于 {ctx.get('ge')}。"
    if kind == "greater_than":
        return f"应大于 {ctx.get('gt')}。"
    if kind == "less_than_equal":
        return f"不能大于 {ctx.get('le')}。"
    if kind in {"enum", "literal_error"}:
        choices = str(ctx.get("expected", "")).replace(" or ", ", ").replace("'", "")
        return f"取值无效，可选：{'、'.join(c.strip() for c in choices.split(','))}。"
    if kind.startswith("bool"):
        return "应为 true 或 false。"
    if kind.startswith("int"):
        return "应为整数。"
    if kind.startswith("decimal") or kind.startswith("float"):
        return "应为数字。"
    if kind.startswith("string"):
        return "应为文字。"
    if kind == "list_type":
        return "应为列表。"
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return "应为对象。"
    if kind == "extra_forbidden":
        return "不是可用的字段，请检查拼写。"
    if kind == "json_invalid":
        return "请求内容不是有效的 JSON。"
    if kind == "multipart_invalid":
        return (
            "请求内容不是完整的 multipart/form-data 表单（缺少 boundary 或内容残缺），请重新上传。"
        )
    if kind == "value_error":
        return str(ctx.get("error", "取值无效。"))
    return "取值无效。"


def translate_validation_errors(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    out = []
    for error in errors:
        # (where, [payload,] field, ...): the first is the part of the request, not a field.
        loc = [str(p) for p in error.get("loc", ())][1:]
        if loc[:1] == ["payload"]:
            loc = loc[1:]
        names = [FIELD_LABELS.get(p, f"第 {int(p) + 1} 项" if p.isdigit() else p) for p in loc]
        label = "·".join(names) or "请求"
        out.append({"field": ".".join(loc), "message": f"{label}：{_message(error)}"})
    return out


def field_error(field: str, message: str) -> list[dict[str, str]]:
    label = FIELD_LABELS.get(field.rsplit(".", 1)[-1], field)
    return [{"field": field, "message": f"{label}：{message}"}]


class FieldError(HttpError):
    """A 422 answer naming the field at fault, in the same shape as the validation errors."""

    def __init__(self, field: str, message: str):
        super().__init__(422, message)
        self.detail = field_error(field, message)
