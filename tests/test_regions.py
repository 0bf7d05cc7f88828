import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onestop.regions.models import Level, OrgUnit, Region

pytestmark = pytest.mark.django_db


def test_the_whole_inner_mongolia_tree_is_loaded():
    counts = {lv: Region.objects.filter(level=lv).count() for lv in Level.values}
    assert counts == {"province": 1, "city": 12, "county": 108, "township": 1225}


def test_every_township_has_a_civil_affairs_unit_and_every_county_all_five():
    assert OrgUnit.objects.get(region_id="150702001").name == "正阳街道民政办"
    assert set(OrgUnit.objects.filter(region_id="150702").values_list("name", flat=True)) == {
        "海拉尔区残疾人联合会",
        "海拉尔区民政局",
        "海拉尔区医疗保障局",
        "海拉尔区人力资源和社会保障局",
        "海拉尔区政务服务局",
    }
    assert OrgUnit.objects.count() == (1 + 12 + 108) * 5 + 1225


def test_subtree_is_one_query_and_contains_exactly_the_descendants():
    hulunbuir = Region.objects.get(code="150700")
    with CaptureQueriesContext(connection) as queries:
        codes = set(hulunbuir.subtree().values_list("code", flat=True))
    assert len(queries) == 1
    assert "150702001" in codes and "150781" in codes and "150700" in codes
    assert "150102" not in codes
    assert len(codes) == 1 + 14 + Region.objects.filter(parent__parent_id="150700").count()


def test_containment_and_ancestors():
    hailar, zhengyang = Region.objects.get(code="150702"), Region.objects.get(code="150702001")
    manzhouli = Region.objects.get(code="150781")
    assert hailar.contains(zhengyang) and not manzhouli.contains(zhengyang)
    assert [r.code for r in zhengyang.ancestors()] == ["150000", "150700", "150702", "150702001"]
    assert zhengyang.full_name() == "呼伦贝尔市海拉尔区正阳街道"


def test_reloading_is_idempotent():
    before = (Region.objects.count(), OrgUnit.objects.count())
    call_command("load_regions")
    assert (Region.objects.count(), OrgUnit.objects.count()) == before


@pytest.mark.parametrize(
    ("csv", "reason"),
    [
        ("code,name\n150000,内蒙古自治区\n", "表头"),
        (
            "code,name,level,parent_code\n150000,内蒙古自治区,province,\n15070,呼伦贝尔市,city,150000\n",
            "格式不正确",
        ),
        (
            "code,name,level,parent_code\n150000,内蒙古自治区,province,\n150700,呼伦贝尔市,town,150000\n",
            "层级",
        ),
        (
            "code,name,level,parent_code\n150000,内蒙古自治区,province,\n150700,呼伦贝尔市,city,159900\n",
            "不存在",
        ),
        ("code,name,level,parent_code\n150000,内蒙古自治区,province,\n150000,重复,city,\n", "重复"),
    ],
)
def test_a_broken_region_file_is_refused_whole(tmp_path, csv, reason):
    path = tmp_path / "regions.csv"
    path.write_text(csv, encoding="utf-8")
    before = Region.objects.count()
    with pytest.raises(CommandError, match=reason):
        call_command("load_regions", str(path))
    assert Region.objects.count() == before
