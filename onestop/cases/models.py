"""One application (联办申请), its matters (one per requested item) and their steps."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import File
from django.db import models

from onestop.policy.matters import Matter as MatterType
from onestop.policy.matters import matter_label


class Channel(models.TextChoices):
    WINDOW = "window", "窗口"
    ONLINE = "online", "网上"
    PROACTIVE = "proactive", "主动推送"


class Delivery(models.TextChoices):
    PICKUP = "pickup", "窗口自取"
    POST = "post", "邮政寄送"


class CommunicationNeed(models.TextChoices):
    LARGE_PRINT = "large_print", "大字版材料"
    VOICE_CALL = "voice_call", "电话语音告知"
    SMS_ONLY = "sms_only", "只用短信联系"
    SIGN_LANGUAGE = "sign_language", "手语服务"


# Where the single form keeps the applicant's own 申请理由, per subsidy (the 附件4 boxes).
REASON_ANSWERS = {MatterType.LIVING: "living_reason", MatterType.NURSING: "nursing_reason"}


class AuthorityScope(models.TextChoices):
    APPLY = "apply", "代为申请和补正"
    RECEIVE = "receive", "代为领取结果"
    RATE = "rate", "代为评价"


class ChainVersion(models.Model):
    """A matter's approval chain for a region's subtree; new versions never change old ones."""

    matter = models.CharField("事项", max_length=16, choices=MatterType.choices)
    region = models.ForeignKey(
        "regions.Region", verbose_name="适用区划", on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField("版本")
    definition = models.JSONField("流程定义")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "办理流程版本"
        verbose_name_plural = "办理流程版本"
        constraints = [
            models.UniqueConstraint(
                fields=["matter", "region", "version"], name="chain_matter_region_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_matter_display()} {self.region_id} v{self.version}"


class Application(models.Model):
    class Status(models.TextChoices):
        PENDING_CONFIRMATION = "pending_confirmation", "待确认"
        SUBMITTED = "submitted", "待受理"
        IN_PROGRESS = "in_progress", "办理中"
        REFUSED = "refused", "不予受理"
        WITHDRAWN = "withdrawn", "已撤回"
        CONCLUDED = "concluded", "已办结，待送达"
        DELIVERED = "delivered", "已送达"

    tracking_no = models.CharField("受理编号", max_length=20, unique=True)
    channel = models.CharField("渠道", max_length=12, choices=Channel.choices)
    status = models.CharField("状态", max_length=24, choices=Status.choices, db_index=True)
    applicant = models.ForeignKey(
        "people.Person",
        verbose_name="申请人",
        on_delete=models.PROTECT,
        related_name="applications",
    )
    county = models.ForeignKey(
        "regions.Region", verbose_name="户籍旗县", on_delete=models.PROTECT, related_name="+"
    )
    township = models.ForeignKey(
        "regions.Region", verbose_name="户籍苏木乡镇", on_delete=models.PROTECT, related_name="+"
    )
    representative = models.ForeignKey(
        "people.Guardian",
        verbose_name="监护人或代理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    authority_scope = models.JSONField("代理权限", default=list)
    authority_until = models.DateField("代理有效期至", null=True, blank=True)
    answers = models.JSONField("申请表填写内容", default=dict)
    # Empty until the applicant agrees (a proactive application waits for it).
    consent_version = models.CharField("授权共享告知书版本", max_length=16, blank=True)
    consent_at = models.DateTimeField("同意共享时间", null=True, blank=True)
    sensitive_consent_at = models.DateTimeField("同意处理敏感个人信息时间", null=True, blank=True)
    delivery = models.CharField("送达方式", max_length=8, choices=Delivery.choices, blank=True)
    delivery_address = models.CharField("邮寄地址", max_length=200, blank=True)
    communication_needs = models.JSONField("沟通需要", default=list)
    trips = models.PositiveSmallIntegerField("到现场次数", default=0)
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    due_date = models.DateField("办结期限", null=True, blank=True, db_index=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    concluded_at = models.DateTimeField("办结时间", null=True, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    refusal_reason = models.CharField("不予受理理由", max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "联办申请"
        verbose_name_plural = "联办申请"
        indexes = [models.Index(fields=["county", "status", "due_date"])]

    def __str__(self) -> str:
        return self.tracking_no

    @property
    def communication_need_labels(self) -> list[str]:
        labels = dict(CommunicationNeed.choices)
        return [labels[n] for n in self.communication_needs or [] if n in labels]

    @property
    def applicant_reasons(self) -> list[tuple[str, str]]:
        """(subsidy, the applicant's words) for each requested subsidy they gave a reason for."""
        kinds = set(self.matters.values_list("kind", flat=True))
        return [
            (MatterType(k).label, text)
            for k in REASON_ANSWERS
            if k in kinds and (text := self.applicant_reason(k))
        ]

    def applicant_reason(self, kind: str) -> str:
        """The 申请理由 the applicant gave for a subsidy, in their own words."""
        field = REASON_ANSWERS.get(MatterType(kind)) if kind in MatterType.values else None
        return str(self.answers.get(field) or "").strip() if field else ""


class Matter(models.Model):
    """One requested item of an application, on its own chain and clock."""

    class Status(models.TextChoices):
        PENDING = "pending", "待受理"
        IN_PROGRESS = "in_progress", "办理中"
        WAITING_CERT = "waiting_cert", "等待残疾人证办结"
        SUPPLEMENT = "supplement", "待补正材料"
        APPROVED = "approved", "已通过"
        REJECTED = "rejected", "未通过"
        WITHDRAWN = "withdrawn", "已撤回"

    OPEN = (Status.PENDING, Status.IN_PROGRESS, Status.WAITING_CERT, Status.SUPPLEMENT)
    PAUSED = (Status.WAITING_CERT, Status.SUPPLEMENT)

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="matters")
    kind = models.CharField("事项", max_length=16, choices=MatterType.choices)
    status = models.CharField("状态", max_length=16, choices=Status.choices, db_index=True)
    chain = models.ForeignKey(
        ChainVersion, verbose_name="流程版本", on_delete=models.PROTECT, related_name="matters"
    )
    dispatched_on = models.DateField("分发日期", null=True, blank=True)
    due_date = models.DateField("办结期限", null=True, blank=True)
    paused_on = models.DateField("计时暂停日", null=True, blank=True)
    paused_days = models.PositiveIntegerField("累计暂停工作日", default=0)
    prescreen = models.JSONField("预审结论", default=dict)
    result = models.JSONField("办理结果", default=dict)
    decided_at = models.DateTimeField("办结时间", null=True, blank=True)
    pressed_count = models.PositiveSmallIntegerField("督办次数", default=0)
    # 换证: the card a CERT matter renews (None: 新办). Set at intake from the registry.
    renews = models.ForeignKey(
        "people.Certificate",
        verbose_name="换领的原残疾人证",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="renewals",
    )

    class Meta:
        verbose_name = "办理事项"
        verbose_name_plural = "办理事项"
        constraints = [
            models.UniqueConstraint(fields=["application", "kind"], name="matter_once_per_app")
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def applicant_reason(self) -> str:
        return self.application.applicant_reason(self.kind)

    @property
    def label(self) -> str:
        """Its name where a person reads it: 残疾人证换领 for a renewal, else the kind's."""
        return matter_label(self.kind, renewal=self.renews_id is not None)


class Step(models.Model):
    """One attempt at one step of a matter's chain, at one unit."""

    class Status(models.TextChoices):
        ACTIVE = "active", "办理中"
        DONE = "done", "已办理"
        CANCELLED = "cancelled", "已取消"

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="steps")
    index = models.PositiveSmallIntegerField("环节序号")
    code = models.CharField(max_length=32)
    name = models.CharField("环节", max_length=64)
    role = models.CharField("办理角色", max_length=32)
    unit = models.ForeignKey("regions.OrgUnit", verbose_name="办理单位", on_delete=models.PROTECT)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField("状态", max_length=12, choices=Status.choices)
    started_on = models.DateField("开始日期")
    due_date = models.DateField("期限")
    outcome = models.CharField("结论", max_length=12, blank=True)
    reason = models.CharField("理由", max_length=500, blank=True)
    missing_materials = models.JSONField("需补正材料", default=list)
    data = models.JSONField("办理数据", default=dict)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("办理时间", null=True, blank=True)
    warned = models.BooleanField("已提示临期", default=False)
    overdue = models.BooleanField("已超期", default=False)

    class Meta:
        verbose_name = "办理环节"
        verbose_name_plural = "办理环节"
        indexes = [
            # The officer queue: a unit's open steps, by due date.
            models.Index(fields=["unit", "status", "due_date"]),
            models.Index(fields=["status", "due_date"]),
            # The 已办 tab: what an officer decided, newest first.
            models.Index(fields=["decided_by", "-decided_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_status_display()}）"

    @property
    def outcome_label(self) -> str:
        from .chains import Outcome

        return Outcome.LABELS.get(self.outcome, "")


class MaterialSource(models.TextChoices):
    UPLOAD = "upload", "上传或扫描"
    ELICENCE = "elicence", "电子证照或共享数据获取（免提交）"
    PAPER = "paper", "窗口核验原件"


def material_path(instance: "Material", filename: str) -> str:
    # Random name under the application's folder: never the uploader's file name.
    return f"materials/{instance.application_id}/{instance.sha256[:32]}"


class Material(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="materials")
    code = models.CharField("材料", max_length=32)
    source = models.CharField("来源", max_length=12, choices=MaterialSource.choices)
    file = models.FileField(upload_to=material_path, blank=True)
    original_name = models.CharField("原文件名", max_length=200, blank=True)
    content_type = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    reference = models.CharField("电子证照编号", max_length=64, blank=True)
    supplied_for = models.ForeignKey(
        Step, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"

    def __str__(self) -> str:
        return self.label

    def open_checked(self) -> File:
        """The file's content as a stream, once all of it has been checked against the storage's
        seal and the digest taken at upload: a row pointed at another stored file (which passes
        the storage's own check) is refused too, before a byte is handed out."""
        from onestop.core.storage import EncryptedStorage

        storage = self.file.storage
        if not isinstance(storage, EncryptedStorage):
            raise ImproperlyConfigured("materials must be kept in an EncryptedStorage")
        return storage.open_checked(self.file.name or "", sha256=self.sha256)

    @property
    def label(self) -> str:
        from onestop.policy.materials import CATALOGUE

        if self.code == "supplement":
            return "补正材料"
        found = CATALOGUE.get(self.code)
        return found.name if found else self.code


class Alert(models.Model):
    """What an officer or supervisor must see: 临期, 超期, 督办."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", "临期"
        OVERDUE = "overdue", "超期"
        PRESSED = "pressed", "督办"

    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    unit = models.ForeignKey("regions.OrgUnit", on_delete=models.PROTECT, related_name="+")
    message = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "提醒"
        verbose_name_plural = "提醒"
        indexes = [models.Index(fields=["unit", "read_at"])]

    def __str__(self) -> str:
        return self.get_kind_display()
