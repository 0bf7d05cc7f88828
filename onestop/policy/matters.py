from django.db import models

from onestop.regions.enums import Department


class Matter(models.TextChoices):
    """The five matters (事项) of the one thing."""

    CERT = "CERT", "残疾人证新办"
    LIVING = "LIVING", "困难残疾人生活补贴"
    NURSING = "NURSING", "重度残疾人护理补贴"
    MEDICAL = "MEDICAL", "困难群众医疗救助手工（零星）报销"
    PENSION = "PENSION", "城乡居民基本养老保险保费代缴"


MATTER_DEPARTMENT = {
    Matter.CERT: Department.CDPF,
    Matter.LIVING: Department.CIVIL,
    Matter.NURSING: Department.CIVIL,
    Matter.MEDICAL: Department.MEDICAL,
    Matter.PENSION: Department.HRSS,
}

# A CERT matter for someone whose card is due for renewal is a 换证, named so wherever it shows.
RENEWAL_LABEL = "残疾人证换领"


def matter_label(kind: str, *, renewal: bool = False) -> str:
    """The matter's name as the applicant and the officers read it."""
    return RENEWAL_LABEL if renewal and kind == Matter.CERT else Matter(kind).label
