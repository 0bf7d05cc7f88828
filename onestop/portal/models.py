from django.db import models


class OneTimeCode(models.Model):
    """An SMS code: stored hashed, single-use, short-lived, with a limit on wrong guesses."""

    class Purpose(models.TextChoices):
        SIGN_IN = "sign_in", "登录"
        LOOKUP = "lookup", "查询办理进度"

    phone = models.CharField(max_length=11)
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    code_hash = models.CharField(max_length=64)
    # For a status lookup: the one application the code opens.
    application = models.ForeignKey(
        "cases.Application", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["phone", "purpose", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.created_at:%Y-%m-%d %H:%M}"


class Draft(models.Model):
    """An application being filled in online (save and continue later)."""

    phone = models.CharField("填写人手机号", max_length=11, db_index=True)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["phone", "person"], name="draft_once")]

    def __str__(self) -> str:
        return f"草稿 {self.person_id}"


def draft_path(instance, filename):
    return f"drafts/{instance.draft_id}/{instance.sha256[:32]}"


class DraftFile(models.Model):
    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="files")
    code = models.CharField(max_length=32)
    file = models.FileField(upload_to=draft_path)
    original_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.code
