"""Documents issued by the platform: what was printed, by whom, and how to check it is genuine."""

from django.db import models


class DocumentKind(models.TextChoices):
    APPLICATION_FORM = "application_form", "扶残助困「一件事一次办」申请表"
    SUBSIDY_FORM = "subsidy_form", "残疾人两项补贴申请审批表"
    RECEIPT = "receipt", "受理回执"
    RESULT = "result", "结果告知书"


class IssuedDocument(models.Model):
    """One version of a document. Its content is kept (encrypted: it holds ID numbers) so the
    same PDF can be printed again, and its SM3 digest is printed on it and shown by the public
    verification page, which says nothing else personal."""

    code = models.CharField("验证码", max_length=10, unique=True)
    kind = models.CharField("文书", max_length=20, choices=DocumentKind.choices)
    application = models.ForeignKey(
        "cases.Application", on_delete=models.PROTECT, related_name="documents"
    )
    matter = models.ForeignKey(
        "cases.Matter", null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    issuer = models.CharField("出具单位", max_length=100)
    issued_at = models.DateTimeField("出具时间")
    content_cipher = models.TextField(editable=False)
    content_hash = models.CharField("内容摘要（SM3）", max_length=64)
    missing_glyphs = models.JSONField("字库未收录的字", default=list)

    class Meta:
        verbose_name = "文书"
        verbose_name_plural = "文书"
        indexes = [models.Index(fields=["application", "kind", "matter"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code}"
