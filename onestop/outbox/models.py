"""The outbox: events written with the change they report, the department systems subscribed
to a unit's events, and each event's delivery to each subscription.

The tables keep the names they had in ``exchange``, where these models began."""

import uuid

from django.db import models


class OutboxEvent(models.Model):
    """Something a department or the platform must know, written with the change itself."""

    class Topic(models.TextChoices):
        MATTER_DISPATCHED = "matter.dispatched", "事项分发"
        STEP_DECIDED = "step.decided", "环节办理"
        SUPPLEMENT_REQUESTED = "matter.supplement_requested", "退回补正"
        SUPPLEMENT_SUPPLIED = "matter.supplement_supplied", "补正材料"
        CERTIFICATE_ISSUED = "certificate.issued", "残疾人证核发"
        APPLICATION_CONCLUDED = "application.concluded", "全部办结"
        BENEFIT_STOPPED = "benefit.stopped", "待遇停发"
        AUDIT_CHECKPOINT = "audit.checkpoint", "审计检查点"
        RUN_RELEASED = "payments.run_released", "发放名册已发放"
        PAYMENT_RETURNED = "payments.payment_returned", "发放退回"
        ENTITLEMENT_ENDED = "benefits.entitlement_ended", "停止享受待遇"

    # The primary key orders events; event_id is what receivers deduplicate on.
    event_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    topic = models.CharField(max_length=40, choices=Topic.choices)
    application = models.ForeignKey(
        "cases.Application", null=True, on_delete=models.PROTECT, related_name="+"
    )
    matter = models.ForeignKey(
        "cases.Matter", null=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "regions.OrgUnit",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="需要知道此事件的单位",
    )
    payload = models.JSONField()
    created_at = models.DateTimeField()

    class Meta:
        db_table = "exchange_outboxevent"
        verbose_name = "事件"
        verbose_name_plural = "事件"
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.topic}"


class Subscription(models.Model):
    """A department system's endpoint for the events of its unit."""

    class Algorithm(models.TextChoices):
        SM3 = "hmac-sm3", "HMAC-SM3"
        SHA256 = "hmac-sha256", "HMAC-SHA256"

    unit = models.ForeignKey(
        "regions.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name="单位"
    )
    url = models.URLField("接收地址")
    secret_cipher = models.TextField(editable=False)
    algorithm = models.CharField(
        "签名算法", max_length=16, choices=Algorithm.choices, default=Algorithm.SM3
    )
    topics = models.JSONField("订阅的事件", default=list, help_text="留空表示全部事件")
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        db_table = "exchange_subscription"
        verbose_name = "事件订阅"
        verbose_name_plural = "事件订阅"

    def __str__(self) -> str:
        return f"{self.unit} → {self.url}"


class Delivery(models.Model):
    """One event to one subscription: pending until delivered, dead after too many tries."""

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        DELIVERED = "delivered", "已送达"
        DEAD = "dead", "多次失败，已停止"

    event = models.ForeignKey(
        OutboxEvent, on_delete=models.PROTECT, related_name="deliveries", verbose_name="事件"
    )
    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="deliveries", verbose_name="订阅"
    )
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("已尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试")
    last_error = models.CharField("最近一次错误", max_length=300, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    # The event's created_at, copied: on PostgreSQL both tables are partitioned by it, so an
    # event and its deliveries are kept and dropped together (outbox migration 0003).
    created_at = models.DateTimeField("事件时间")

    class Meta:
        db_table = "exchange_delivery"
        verbose_name = "事件推送"
        verbose_name_plural = "事件推送"
        constraints = [
            models.UniqueConstraint(fields=["event", "subscription"], name="delivery_once")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription_id}: {self.get_status_display()}"
