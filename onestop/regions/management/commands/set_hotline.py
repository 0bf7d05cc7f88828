from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from onestop.regions.models import OrgUnit
from onestop.regions.services import unit_hotline_set


class Command(BaseCommand):
    help = "Set (or, with an empty number, clear) a county window's public 咨询电话."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("county", help="county division code, e.g. 150702")
        parser.add_argument("number", help='e.g. 0470-8200123; "" falls back to the default line')

    def handle(self, *args: Any, county: str, number: str, **options: Any) -> None:
        unit = OrgUnit.objects.filter(code=f"cdpf-{county}", region__level="county").first()
        if unit is None:
            raise CommandError(f"没有旗县（市、区）代码为 {county} 的残联单位。")
        unit_hotline_set(actor=None, unit=unit, hotline=number)
        self.stdout.write(f"{unit.name}咨询电话已设为：{unit.hotline or '（默认热线）'}")
