import getpass
from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from onestop.accounts.roles import Role
from onestop.accounts.services import staff_user_create
from onestop.regions.models import OrgUnit


class Command(BaseCommand):
    help = (
        "Create a staff account (e.g. the first 系统管理员 of a deployment). Asks for the password."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="display name (姓名)")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--unit", required=True, help="org unit code, e.g. gov-150700")

    def handle(
        self, *args: Any, username: str, name: str, role: str, unit: str, **options: Any
    ) -> None:
        org_unit = OrgUnit.objects.filter(code=unit).select_related("region").first()
        if org_unit is None:
            raise CommandError(f"单位代码“{unit}”不存在（格式如 gov-150700、civil-150702001）。")
        password = getpass.getpass("密码：")
        if password != getpass.getpass("再次输入密码："):
            raise CommandError("两次输入的密码不一致。")
        try:
            user = staff_user_create(
                actor=None,
                username=username,
                display_name=name,
                role=role,
                org_unit=org_unit,
                password=password,
            )
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(
            f"已创建账号 {user.username}（{user.get_role_display()}，{org_unit.name}）。"
        )
