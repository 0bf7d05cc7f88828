"""Person registry: applicants, their guardians or agents, and disability certificates.

ID numbers are never stored in clear: ``*_cipher`` holds the encrypted value and ``*_index`` a keyed
hash for exact look-up (see pii.py).
"""

from datetime import date

from django.db import models

from onestop.core import pii
from onestop.core.language import READING_LANGUAGES

from .identifiers import CATEGORIES, LEVELS, mask_id_number

ID_CONTEXT = "id_number"
CERT_CONTEXT = "certificate_number"
CERT_NUMBER_CONTEXT = "people.certificate.number"  # the sealed number (CERT_CONTEXT: its index)


class Sex(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class DibaoCategory(models.TextChoices):
    NONE = "none", "无"
    URBAN = "urban", "城镇"
    RURAL = "rural", "农村"


class TekunCategory(models.TextChoices):
    NONE = "none", "无"
    CENTRALIZED = "centralized", "集中供养"
    DISPERSED = "dispersed", "分散供养"


class EncryptedIdMixin(models.Model):
    id_number_cipher = models.TextField(editable=False)
    id_number_index = models.CharField(max_length=64, editable=False)

    class Meta:
        abstract = True

    def set_id_number(self, number: str) -> None:
        self.id_number_cipher = pii.encrypt(number, context=f"{self._meta.label_lower}.id_number")
        self.id_number_index = pii.blind_index(number, context=ID_CONTEXT)

    @property
    def id_number(self) -> str:
        """The clear number: only for roles allowed to see it, and only via an audited reveal."""
        return pii.decrypt(self.id_number_cipher, context=f"{self._meta.label_lower}.id_number")

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)


class Person(EncryptedIdMixin):
    name = models.CharField("姓名", max_length=50)
    name_mn = models.CharField("蒙古文姓名", max_length=100, blank=True, db_index=True)
    # The language the person reads first (a communication need): notices go out in it, with
    # the Chinese beside; "" means Chinese.
    language = models.CharField("阅读语言", max_length=8, blank=True, choices=READING_LANGUAGES)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices, editable=False)
    birth_date = models.DateField("出生日期", editable=False)
    phone = models.CharField("联系电话", max_length=11, blank=True)
    hukou_region = models.ForeignKey(
        "regions.Region", verbose_name="户籍地", on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField("居住地址", max_length=200, blank=True)
    dibao_category = models.CharField(
        "低保类别", max_length=8, choices=DibaoCategory.choices, default=DibaoCategory.NONE
    )
    tekun_category = models.CharField(
        "特困供养", max_length=12, choices=TekunCategory.choices, default=TekunCategory.NONE
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        constraints = [
            models.UniqueConstraint(fields=["id_number_index"], name="person_unique_id_number")
        ]

    def __str__(self) -> str:
        return self.name

    def age_on(self, day: date) -> int:
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


class GuardianKind(models.TextChoices):
    GUARDIAN = "guardian", "监护人"
    AGENT = "agent", "代理人"


class Guardian(EncryptedIdMixin):
    person = models.ForeignKey(
        Person, verbose_name="被监护人", on_delete=models.PROTECT, related_name="guardians"
    )
    kind = models.CharField("类型", max_length=8, choices=GuardianKind.choices)
    name = models.CharField("姓名", max_length=50)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices, editable=False)
    relation = models.CharField("与申请人关系", max_length=20)
    phone = models.CharField("联系电话", max_length=11)
    address = models.CharField("居住地", max_length=200, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "监护人或代理人"
        verbose_name_plural = "监护人或代理人"
        indexes = [models.Index(fields=["id_number_index"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"


class CertificateStatus(models.TextChoices):
    VALID = "valid", "有效"
    EXPIRED = "expired", "已过期"
    CANCELLED = "cancelled", "已注销"


class Certificate(models.Model):
    """第二代残疾人证."""

    person = models.ForeignKey(
        Person, verbose_name="持证人", on_delete=models.PROTECT, related_name="certificates"
    )
    number_cipher = models.TextField(editable=False)
    number_index = models.CharField(max_length=64, editable=False)
    category = models.PositiveSmallIntegerField("残疾类别", choices=sorted(CATEGORIES.items()))
    level = models.PositiveSmallIntegerField("残疾等级", choices=sorted(LEVELS.items()))
    issue_date = models.DateField("发证日期")
    valid_until = models.DateField("有效期至")
    status = models.CharField(
        "状态", max_length=12, choices=CertificateStatus.choices, default=CertificateStatus.VALID
    )
    # Where the certificate system's record came from, and its version (shared-data sync).
    source = models.CharField("来源", max_length=64, blank=True)
    source_time = models.DateTimeField("来源版本时间", null=True, blank=True)

    class Meta:
        verbose_name = "残疾人证"
        verbose_name_plural = "残疾人证"
        ordering = ["-issue_date"]
        # A constraint, not unique=True: PostgreSQL would get a second, pattern-matching index
        # that no look-up of a keyed hash uses and every insert pays for.
        constraints = [
            models.UniqueConstraint(fields=["number_index"], name="certificate_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}{self.get_level_display()}"

    def set_number(self, number: str) -> None:
        self.number_cipher = self.seal_number(number)
        self.number_index = pii.blind_index(number, context=CERT_CONTEXT)

    @staticmethod
    def seal_number(number: str) -> str:
        return pii.encrypt(number, context=CERT_NUMBER_CONTEXT)

    @property
    def number(self) -> str:
        return pii.decrypt(self.number_cipher, context=CERT_NUMBER_CONTEXT)

    @property
    def number_masked(self) -> str:
        number = self.number
        return mask_id_number(number[:18]) + number[18:]


class SharedRecord(models.Model):
    """One fact about a person from an authoritative shared-data source (民政, 医保, 人社, …).

    Rules read these through ``onestop.policy.registry``; a fact with no record is unknown.
    """

    class Fact(models.TextChoices):
        DIBAO_UNTIL = "dibao_until", "低保终止日期"
        DIBAO_MARGINAL = "dibao_marginal", "低保边缘家庭"
        LOW_INCOME = "low_income", "低收入家庭"
        ORPHAN_SUPPORT = "orphan_support", "孤儿或事实无人抚养儿童保障"
        WORK_INJURY_NURSING = "work_injury_nursing", "工伤保险生活护理费"
        EMPLOYEE_PENSION = "employee_pension", "职工基本养老保险"
        RESIDENT_PENSION = "resident_pension", "城乡居民基本养老保险"
        RESIDENT_MEDICAL = "resident_medical", "城乡居民基本医疗保险"
        LONG_TERM_CARE = "long_term_care", "长期护理需要"
        DECEASED = "deceased", "死亡"
        IMPRISONED = "imprisoned", "服刑"
        RETIRED_CADRE = "retired_cadre", "离休"
        STUDENT = "student", "在校学生"
        # Version carriers for what the person row itself holds (its value is the new state).
        DIBAO = "dibao", "低保类别"
        TEKUN = "tekun", "特困供养"
        HUKOU = "hukou", "户籍地"

    # Yes/no facts the rules read from here (the others live on the person row, or are dates).
    BOOLEAN = frozenset(
        {
            "dibao_marginal",
            "low_income",
            "orphan_support",
            "work_injury_nursing",
            "employee_pension",
            "resident_pension",
            "resident_medical",
            "long_term_care",
            "deceased",
            "imprisoned",
            "retired_cadre",
            "student",
        }
    )

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="shared_records")
    fact = models.CharField("事实", max_length=32, choices=Fact.choices)
    value = models.JSONField("值")  # bool, or an ISO date for dibao_until
    source = models.CharField("来源", max_length=64)
    source_time = models.DateTimeField("来源版本时间")

    class Meta:
        verbose_name = "共享数据"
        verbose_name_plural = "共享数据"
        constraints = [
            models.UniqueConstraint(fields=["person", "fact"], name="shared_record_person_fact")
        ]

    def __str__(self) -> str:
        return f"{self.get_fact_display()}：{self.value}"


class Benefit(models.Model):
    """A benefit or allowance the person receives (one of the matters, or an overlapping one)."""

    class Kind(models.TextChoices):
        LIVING = "LIVING", "困难残疾人生活补贴"
        NURSING = "NURSING", "重度残疾人护理补贴"
        PENSION = "PENSION", "城乡居民养老保险保费代缴"
        OLD_AGE_LIVING = "old_age_living", "老年人生活补贴"
        WORK_INJURY_LIVING = "work_injury_living", "因公致残生活补助"
        RETIRED_CADRE_LIVING = "retired_cadre_living", "离休干部生活补贴"
        OLD_AGE_NURSING = "old_age_nursing", "老年人护理补贴"
        RETIRED_CADRE_NURSING = "retired_cadre_nursing", "离休干部护理费"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="benefits")
    kind = models.CharField("类型", max_length=32, choices=Kind.choices)
    monthly_amount = models.DecimalField("每月金额（元）", max_digits=10, decimal_places=2)
    start = models.DateField("起始日期")
    end = models.DateField("终止日期", null=True, blank=True)

    class Meta:
        verbose_name = "在享待遇"
        verbose_name_plural = "在享待遇"
        indexes = [models.Index(fields=["person", "kind"])]

    def __str__(self) -> str:
        return self.get_kind_display()

    def active_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)
