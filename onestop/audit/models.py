"""Append-only audit trail in chains, one per acting org unit plus a system chain.

Each event is linked to the previous one of its chain by a keyed hash (HMAC-SM3 by default) whose
key lives outside the database; see onestop/audit/macs.py."""

from typing import Any

from django.conf import settings
from django.db import models


class AuditAction(models.TextChoices):
    LOGIN = "auth.login", "登录"
    LOGIN_FAILED = "auth.login_failed", "登录失败"
    ACCOUNT_LOCKED = "auth.account_locked", "账号锁定"
    LOGOUT = "auth.logout", "退出登录"
    PASSWORD_CHANGE = "auth.password_change", "修改密码"
    STAFF_CREATE = "staff.create", "新建工作人员账号"
    STAFF_UPDATE = "staff.update", "修改工作人员账号"
    REGIONS_LOAD = "regions.load", "导入行政区划"
    UNIT_HOTLINE_SET = "regions.hotline_set", "设置咨询电话"
    PERSON_REGISTER = "person.register", "登记人员"
    PERSON_REVEAL_ID = "person.reveal_id", "查看完整身份证号"
    GUARDIAN_ADD = "person.guardian_add", "登记监护人或代理人"
    CERTIFICATE_RECORD = "person.certificate_record", "登记残疾人证"
    CERTIFICATE_CANCEL = "person.certificate_cancel", "注销残疾人证"
    SHARED_RECORD_UPSERT = "person.shared_record", "更新共享数据"
    BENEFIT_RECORD = "person.benefit_record", "登记在享待遇"
    HOLIDAYS_LOAD = "calendar.holidays_load", "导入节假日安排"
    RULE_PARAMETER_SAVE = "policy.parameter_save", "修改政策参数"
    PROACTIVE_SCAN = "policy.proactive_scan", "免申即享筛查"
    CHAIN_VERSION_CREATE = "cases.chain_version", "新增办理流程版本"
    APPLICATION_SUBMIT = "cases.submit", "提交申请"
    APPLICATION_ACCEPT = "cases.accept", "受理"
    APPLICATION_REFUSE = "cases.refuse", "不予受理"
    APPLICATION_PROPOSE = "cases.propose", "主动推送申请"
    APPLICATION_CONFIRM = "cases.confirm", "申请人确认"
    APPLICATION_WITHDRAW = "cases.withdraw", "撤回申请"
    APPLICATION_CONCLUDE = "cases.conclude", "全部事项办结"
    APPLICATION_DELIVER = "cases.deliver", "送达结果"
    STEP_CLAIM = "cases.step_claim", "认领"
    STEP_ASSIGN = "cases.step_assign", "分派"
    STEP_DECIDE = "cases.step_decide", "办理"
    STEP_DUE_SOON = "cases.step_due_soon", "临期提醒"
    STEP_OVERDUE = "cases.step_overdue", "超期"
    MATTER_SUPPLY = "cases.supply", "补正材料"
    MATTER_RESUME = "cases.resume", "恢复计时"
    MATTER_PRESS = "cases.press", "督办"
    MATERIAL_VIEW = "cases.material_view", "查看申请材料"
    MATERIAL_ATTACH = "cases.material_attach", "附上文书"
    CITIZEN_SIGN_IN = "portal.sign_in", "申请人登录"
    DRAFT_FILE_REMOVE = "portal.draft_file_remove", "删除草稿材料"
    RATING_SUBMIT = "ratings.submit", "评价"
    RATING_ANSWER = "ratings.answer", "回复差评"
    RATING_RECTIFICATION = "ratings.rectification", "评价整改"
    RATING_CALL_BACK = "ratings.call_back", "差评回访"
    RATING_APPEAL = "ratings.appeal", "差评申诉"
    RATING_APPEAL_DECIDE = "ratings.appeal_decide", "处理差评申诉"
    API_KEY_CREATE = "exchange.api_key_create", "创建接口密钥"
    API_KEY_REVOKE = "exchange.api_key_revoke", "停用接口密钥"
    SUBSCRIPTION_CREATE = "exchange.subscription_create", "创建事件订阅"
    SUBSCRIPTION_DEACTIVATE = "exchange.subscription_deactivate", "停用事件订阅"
    DELIVERY_REPLAY = "exchange.delivery_replay", "重发事件"
    API_MATTER_READ = "exchange.matter_read", "接口读取事项"
    SHARED_IMPORT = "exchange.shared_import", "导入共享数据"
    BENEFIT_STOP = "person.benefit_stop", "待遇停发"
    NOTICE = "notices.notice", "发出通知"
    NOTICE_HANDLED = "notices.handled", "电话或大字版告知办理"
    DOCUMENT_ISSUE = "documents.issue", "出具文书"
    DOCUMENT_PRINT = "documents.print", "打印文书"
    REPORTS_REBUILD = "reports.rebuild", "重算统计数据"
    HANDOVER_READY = "delivery.ready", "结果备好待送达"
    HANDOVER_POSTED = "delivery.posted", "结果寄出"
    HANDOVER_RETURNED = "delivery.returned", "邮件退回"
    ENTITLEMENT_START = "benefits.entitlement_start", "开始享受待遇"
    ENTITLEMENT_END = "benefits.entitlement_end", "停止享受待遇"
    PAYEE_ACCOUNT_SET = "benefits.account_set", "登记收款账户"
    RUN_PREPARE = "benefits.run_prepare", "生成发放名册"
    RUN_APPROVE = "benefits.run_approve", "审核发放名册"
    RUN_RELEASE = "benefits.run_release", "发放并生成代发文件"
    RUN_FILE_OPEN = "benefits.run_file_open", "下载代发文件"
    PAYMENT_RETURNS = "benefits.returns", "导入代发结果"
    RECOVERY_OPEN = "benefits.recovery_open", "发现待追回款"
    RECOVERY_RESOLVE = "benefits.recovery_resolve", "处理待追回款"
    LINES_REMOVE = "benefits.lines_remove", "停发后移出未审核名册的明细"
    REVIEW_OPEN = "benefits.review_open", "开展定期复核"
    REVIEW_DECIDE = "benefits.review_decide", "定期复核结论"
    REVIEW_PRESS = "benefits.review_press", "定期复核督办"
    PARTITION_DETACH = "audit.partition_detach", "分离归档月分区"
    PARTITION_DROP = "audit.partition_drop", "删除过期月分区"
    PHRASE_REVIEW = "lang.phrase_review", "审校蒙古文译文"
    PERSON_LANGUAGE = "person.language", "选择阅读语言"
    STAFF_LANGUAGE = "accounts.language", "选择界面语言"


LEGACY_CHAIN = "legacy"  # the one global, unkeyed chain written before chains per unit
SYSTEM_CHAIN = "system"  # events with neither an acting unit nor a county (commands, the worker)


class AuditEvent(models.Model):
    # The primary key is the global order; ``seq`` counts within the chain.
    chain = models.CharField("审计链", max_length=24)
    seq = models.BigIntegerField("序号")
    at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_role = models.CharField("角色", max_length=32, blank=True)
    org_unit = models.ForeignKey(
        "regions.OrgUnit",
        verbose_name="所属单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # No choices= here: new action codes must not need a schema migration each time.
    action = models.CharField("操作", max_length=48)
    subject_type = models.CharField("对象类型", max_length=48, blank=True)
    subject_id = models.CharField("对象编号", max_length=64, blank=True)
    detail = models.JSONField("详情", default=dict)
    prev_hash = models.CharField("前一条哈希", max_length=64)
    hash = models.CharField("哈希", max_length=64)
    key_id = models.CharField("密钥编号", max_length=16, blank=True)

    class Meta:
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="audit_event_chain_seq")
        ]
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "at"]),
            models.Index(fields=["actor", "at"]),
            models.Index(fields=["action", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq} {self.action_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("Audit events are append-only.")

    @property
    def action_label(self) -> str:
        try:
            return AuditAction(self.action).label
        except ValueError:
            return self.action


class AuditHead(models.Model):
    """A chain's tip, locked while an event is appended so two writers cannot fork that chain.

    ``mac`` binds (chain, seq, hash) to the key, so a head moved back over deleted events shows."""

    chain = models.CharField(max_length=24, unique=True)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)
    key_id = models.CharField(max_length=16, blank=True)
    mac = models.CharField(max_length=64, blank=True)
    # The last seq written to the checkpoint file, so unchanged chains are not published again.
    published_seq = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "审计链头"

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq}"
