from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from onestop.demo.data import (
    DEMO_PASSWORD,
    load_demo_accounts,
    load_demo_cases,
    load_demo_hotlines,
    load_demo_payments,
    load_demo_persons,
    load_demo_renewal,
)
from onestop.people.models import Guardian


class Command(BaseCommand):
    help = "Load demo staff accounts and generated persons (idempotent; refused in production)."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("生产环境不能导入演示数据。")
        accounts = load_demo_accounts()
        load_demo_hotlines()
        persons = load_demo_persons()
        cases = load_demo_cases()
        rolls = load_demo_payments()
        renewal = load_demo_renewal()
        self.stdout.write(
            f"演示数据已就绪（本次新增 {persons} 名人员、{cases} 份申请、{rolls} 份发放名册）。"
            "仅供本地试用的演示账号："
        )
        width = max(len(a.username) for a, _ in accounts)
        for account, _new in accounts:
            self.stdout.write(
                f"  {account.username:<{width}}  {account.role.label:<8}  {account.display_name}"
            )
        self.stdout.write(f"  密码（所有演示账号）：{DEMO_PASSWORD}")
        guardian = Guardian.objects.select_related("person").order_by("pk").first()
        if guardian is not None:
            self.stdout.write(
                f"网上申办演示：用手机号 {guardian.phone} 登录 /portal/（{guardian.name}，"
                f"可为{guardian.person.name}办理）；短信验证码显示在控制台和 /portal/dev/outbox/。"
            )
        self.stdout.write(
            f"换证演示：用手机号 {renewal.phone} 登录 /portal/（{renewal.name}，"
            "残疾人证即将到期），在“我的申请”或“消息”里点“申请换证”；"
            "窗口也可在人员信息页为其办理换证。"
        )
