"""Entitlements (who is owed what, from when, until when) and the monthly payment runs.

Months are stored as the first day of the month. An entitlement's ``end`` is the last month it
is owed; a change that stops it takes effect from the month after the event."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_noop

from onestop.core import pii
from onestop.core.words import MONTH, Words, words, written
from onestop.policy.matters import Matter as MatterType

ACCOUNT_CONTEXT = "benefits.payeeaccount.number"


class Kind(models.TextChoices):
    LIVING = MatterType.LIVING.value, "困难残疾人生活补贴"
    NURSING = MatterType.NURSING.value, "重度残疾人护理补贴"
    PENSION = MatterType.PENSION.value, "城乡居民养老保险保费代缴"
    MEDICAL = MatterType.MEDICAL.value, "医疗救助"


class EndReason(models.TextChoices):
    DECEASED = "deceased", "死亡"
    MOVED = "moved", "户籍迁出本旗县（市、区）"
    IMPRISONED = "imprisoned", "服刑"
    CERT_EXPIRED = "cert_expired", "残疾人证过期"
    CERT_CANCELLED = "cert_cancelled", "残疾人证注销"
    REVIEW_FAILED = "review_failed", "定期复核未通过"
    FRAUD = "fraud", "查实骗取待遇"
    PAID_ONCE = "paid_once", "一次性支付完毕"
    AGED_OUT = "aged_out", "年满60周岁"


class Entitlement(models.Model):
    person = models.ForeignKey(
        "people.Person", verbose_name="享受人", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("待遇", max_length=16, choices=Kind.choices)
    county = models.ForeignKey(
        "regions.Region", verbose_name="发放旗县", on_delete=models.PROTECT, related_name="+"
    )
    matter = models.OneToOneField(
        "cases.Matter",
        verbose_name="批准事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entitlement",
    )
    # Monthly kinds: the standard for one month when approved (each run uses the standard in
    # force in the month it pays); MEDICAL: the amount decided, paid once.
    amount = models.DecimalField("标准金额（元）", max_digits=12, decimal_places=2)
    example = models.BooleanField("标准为示例值", default=False)
    start = models.DateField("起始月份")
    end = models.DateField("终止月份", null=True, blank=True)
    end_reason = models.CharField("终止原因", max_length=16, choices=EndReason.choices, blank=True)
    created_at = models.DateTimeField("创建时间")

    class Meta:
        verbose_name = "待遇资格"
        verbose_name_plural = "待遇资格"
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind"],
                condition=Q(end__isnull=True) & ~Q(kind=Kind.MEDICAL),
                name="entitlement_one_open_per_kind",
            )
        ]
        indexes = [models.Index(fields=["county", "kind", "start"])]

    def __str__(self) -> str:
        return self.get_kind_display()


class EntitlementChange(models.Model):
    class Change(models.TextChoices):
        START = "start", "开始享受"
        END = "end", "停止享受"

    entitlement = models.ForeignKey(Entitlement, on_delete=models.PROTECT, related_name="changes")
    change = models.CharField("变更", max_length=8, choices=Change.choices)
    effective = models.DateField("生效月份")
    reason = models.CharField("原因", max_length=200)
    at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "待遇变更"
        verbose_name_plural = "待遇变更"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_change_display()} {self.effective:%Y-%m}"


class PayeeAccount(models.Model):
    """Where a person's money goes (bank card or the 一卡通 account); the number is encrypted."""

    person = models.OneToOneField(
        "people.Person", on_delete=models.PROTECT, related_name="payee_account"
    )
    bank = models.CharField("开户银行", max_length=60)
    holder = models.CharField("户名", max_length=60)
    number_cipher = models.TextField(editable=False)
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        verbose_name = "收款账户"
        verbose_name_plural = "收款账户"

    def __str__(self) -> str:
        return f"{self.bank} {self.holder}"

    @property
    def number_masked(self) -> str:
        """The last four digits only: enough to confirm it on the telephone or at the window."""
        number = pii.decrypt(self.number_cipher, context=ACCOUNT_CONTEXT)
        return "*" * 4 + number[-4:]


class PaymentRun(models.Model):
    """One county's roll (发放名册) of one kind for one month."""

    class Status(models.TextChoices):
        PREPARING = "preparing", "生成中"
        PREPARED = "prepared", "待审核"
        APPROVED = "approved", "已审核，待发放"
        RELEASED = "released", "已发放"

    county = models.ForeignKey(
        "regions.Region", verbose_name="旗县", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("待遇", max_length=16, choices=Kind.choices)
    month = models.DateField("发放月份")
    # 代缴 is listed once a year; people approved after the year's list was prepared go on a
    # supplementary list (补充名单) of the same year: batch 1, 2, ...
    batch = models.PositiveSmallIntegerField("批次", default=0)
    status = models.CharField("状态", max_length=12, choices=Status.choices)
    # The last entitlement (by pk) whose lines are written: a run killed midway resumes here.
    cursor = models.BigIntegerField(default=0)
    standard = models.DecimalField(
        "当月标准（元）", max_digits=12, decimal_places=2, null=True, blank=True
    )
    line_count = models.PositiveIntegerField("笔数", default=0)
    total = models.DecimalField("合计金额（元）", max_digits=16, decimal_places=2, default=0)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    prepared_at = models.DateTimeField("生成时间", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField("审核时间", null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField("发放时间", null=True, blank=True)
    agent = models.CharField("代发机构", max_length=32, blank=True)
    file = models.FileField("代发文件", upload_to="payments/", blank=True)
    digest = models.CharField("文件 SM3 摘要", max_length=64, blank=True)

    class Meta:
        verbose_name = "发放批次"
        verbose_name_plural = "发放批次"
        constraints = [
            models.UniqueConstraint(
                fields=["county", "kind", "month", "batch"], name="run_once_per_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.county_id} {self.get_kind_display()} {self.period}"

    @property
    def period_words(self) -> Words:
        """What the roll pays for: a month, or for the pension premium a year (and its
        supplementary batch)."""
        if self.kind != Kind.PENSION:
            return words(MONTH, y=self.month.year, m=self.month.month)
        if self.batch:
            return words(
                gettext_noop("{y}年度补充名单（第{n}批）"), y=self.month.year, n=self.batch
            )
        return words(gettext_noop("{y}年度"), y=self.month.year)

    @property
    def period(self) -> str:
        """The period as staff and the paying agent read it in the records and the files."""
        return written(self.period_words)


class PaymentLine(models.Model):
    class Type(models.TextChoices):
        REGULAR = "regular", "当月"
        ARREARS = "arrears", "补发"
        REISSUE = "reissue", "退回重发"

    class Status(models.TextChoices):
        PENDING = "pending", "待发"
        SENT = "sent", "已发"
        RETURNED = "returned", "退回"

    # Indexes are few on purpose (a month's run writes a line per person, and each index costs
    # the run about a third of a bare insert): the unique key leads with the person and kind,
    # so neither the person nor the entitlement (always read with its person and kind) needs
    # one of its own. On PostgreSQL the references are checked once per statement, not per row
    # (migrations 0004 and 0008 say why).
    run = models.ForeignKey(PaymentRun, on_delete=models.PROTECT, related_name="lines")
    entitlement = models.ForeignKey(
        Entitlement, on_delete=models.PROTECT, related_name="lines", db_index=False
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    kind = models.CharField("待遇", max_length=16, choices=Kind.choices)
    month = models.DateField("所属月份")
    # 0 for the monthly kinds; a medical claim's matter, which is paid once whatever the month.
    claim = models.BigIntegerField(default=0)
    type = models.CharField("类型", max_length=8, choices=Type.choices)
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2)
    status = models.CharField("状态", max_length=8, choices=Status.choices)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    return_reason = models.CharField("退回原因", max_length=200, blank=True)
    returned_at = models.DateTimeField("退回时间", null=True, blank=True)
    reissue_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reissues",
        db_index=False,
    )

    class Meta:
        verbose_name = "发放明细"
        verbose_name_plural = "发放明细"
        constraints = [
            # Never twice for one month of one benefit: a returned line frees its month for the
            # reissue, nothing else does.
            models.UniqueConstraint(
                fields=["person", "kind", "month", "claim"],
                condition=~Q(status="returned"),
                name="line_once_per_person_month",
            ),
            # A returned line is paid again at most once.
            models.UniqueConstraint(
                fields=["reissue_of"],
                condition=Q(reissue_of__isnull=False),
                name="line_reissued_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.month:%Y-%m} {self.amount}"


class Recovery(models.Model):
    """Money paid for a month after the entitlement ended, reported late: to be followed up
    (recovered or written off by decision), never silently netted against a later payment."""

    class Status(models.TextChoices):
        OPEN = "open", "待追回"
        RECOVERED = "recovered", "已追回"
        WAIVED = "waived", "已核销"

    line = models.OneToOneField(PaymentLine, on_delete=models.PROTECT, related_name="recovery")
    entitlement = models.ForeignKey(
        Entitlement, on_delete=models.PROTECT, related_name="recoveries"
    )
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default="open")
    created_at = models.DateTimeField("发现时间")
    note = models.CharField("处理说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "待追回款"
        verbose_name_plural = "待追回款"

    def __str__(self) -> str:
        return f"{self.line} {self.get_status_display()}"


class ReviewRound(models.Model):
    """定期复核: one county's yearly review of everyone still entitled."""

    county = models.ForeignKey(
        "regions.Region", verbose_name="旗县", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("年度")
    opened_at = models.DateTimeField("开始时间")
    # The deadline of the people queued when the round opened; each item keeps its own.
    due_date = models.DateField("首批完成期限")

    class Meta:
        verbose_name = "定期复核"
        verbose_name_plural = "定期复核"
        constraints = [
            models.UniqueConstraint(fields=["county", "year"], name="review_once_a_year")
        ]

    def __str__(self) -> str:
        return f"{self.county_id} {self.year}"


# The 定期复核 pre-checks against shared data, as the officer reads them.
REVIEW_CHECKS = {
    "alive": "健在",
    "hukou_local": "户籍仍在本旗县",
    "certificate_valid": "残疾人证有效",
    "dibao_valid": "仍为低保对象",
}


class ReviewItem(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "待复核"
        KEPT = "kept", "继续享受"
        STOPPED = "stopped", "停止享受"

    round = models.ForeignKey(ReviewRound, on_delete=models.PROTECT, related_name="items")
    entitlement = models.ForeignKey(Entitlement, on_delete=models.PROTECT, related_name="reviews")
    # Whose queue: the township of the 户籍 when it is one of the paying county's, else the
    # county itself (its 民政局 decides; another county's township has no say over this money).
    region = models.ForeignKey(
        "regions.Region", verbose_name="复核地区", on_delete=models.PROTECT, related_name="+"
    )
    # Counted from the day the person was queued: a round opened again adds people later.
    due_date = models.DateField("复核期限")
    # What the shared data says, checked when the round opened: {check: passed or None}.
    precheck = models.JSONField("预核结果", default=dict)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default="pending")
    note = models.CharField("复核意见", max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("复核时间", null=True, blank=True)
    pressed_at = models.DateTimeField("督办时间", null=True, blank=True)

    class Meta:
        verbose_name = "复核对象"
        verbose_name_plural = "复核对象"
        constraints = [
            models.UniqueConstraint(fields=["round", "entitlement"], name="review_item_once")
        ]
        indexes = [
            models.Index(fields=["region", "status", "due_date"], name="review_item_queue"),
            models.Index(fields=["status", "due_date"], name="review_item_due"),
        ]

    def __str__(self) -> str:
        return f"{self.entitlement} {self.get_status_display()}"

    @property
    def by_county(self) -> bool:
        """Queued for the paying county's 民政局 itself: the 户籍 is not in its townships."""
        return self.region_id == self.round.county_id

    @property
    def doubts(self) -> list[str]:
        """The pre-checks the shared data did not pass, to be verified in person."""
        return [REVIEW_CHECKS[k] for k, passed in self.precheck.items() if passed is False]
