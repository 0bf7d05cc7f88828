from django.db import models


class RateCounter(models.Model):
    """One fixed window of one rate limit, shared by every process when there is no Redis."""

    bucket = models.CharField(primary_key=True, max_length=200)
    hits = models.PositiveIntegerField(default=0)
    expires = models.BigIntegerField(db_index=True)  # epoch seconds: raw SQL writes it

    class Meta:
        verbose_name = "限流计数"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.bucket}: {self.hits}"


class Lease(models.Model):
    """Who runs a background task now, and until when (used when there is no Redis)."""

    name = models.CharField(max_length=200, primary_key=True)
    holder = models.CharField(max_length=32)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = "任务租约"
        verbose_name_plural = "任务租约"

    def __str__(self) -> str:
        return self.name


class StoredFile(models.Model):
    """A file of the database storage (``onestop.core.dbstorage``): its name and size; its
    bytes (sealed by ``EncryptedStorage`` before they get here) are its chunks."""

    name = models.CharField(max_length=255, unique=True)
    size = models.BigIntegerField(default=0)
    chunks = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    modified_at = models.DateTimeField()

    class Meta:
        verbose_name = "存储文件"
        verbose_name_plural = "存储文件"

    def __str__(self) -> str:
        return self.name


class StoredChunk(models.Model):
    """One piece of a stored file, in order: rows are read one at a time, never the whole."""

    pk = models.CompositePrimaryKey("file", "seq")
    file = models.ForeignKey(StoredFile, on_delete=models.CASCADE, related_name="+")
    seq = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        verbose_name = "存储文件分块"
        verbose_name_plural = "存储文件分块"

    def __str__(self) -> str:
        return f"{self.file_id}#{self.seq}"
