"""Division levels and departments (plain enums, importable without Django set up)."""

from django.db import models


class Level(models.TextChoices):
    PROVINCE = "province", "自治区"
    CITY = "city", "盟市"
    COUNTY = "county", "旗县市区"
    TOWNSHIP = "township", "苏木乡镇（街道）"


class Department(models.TextChoices):
    CDPF = "cdpf", "残联"
    CIVIL = "civil", "民政"
    MEDICAL = "medical", "医保"
    HRSS = "hrss", "人社"
    GOVSERVICE = "gov", "政务服务局"
