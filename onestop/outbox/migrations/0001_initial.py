# The outbox's models moved here from exchange: only the migration state moves, the tables
# (created by exchange 0001) keep their names.

import django.db.models.deletion
import uuid
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('exchange', '0004_idempotent_answer_encrypted'),
        ('cases', '0004_material_source_label'),
        ('regions', '0002_load_inner_mongolia'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='OutboxEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('event_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('topic', models.CharField(choices=[('matter.dispatched', '事项分发'), ('step.decided', '环节办理'), ('matter.supplement_requested', '退回补正'), ('matter.supplement_supplied', '补正材料'), ('certificate.issued', '残疾人证核发'), ('application.concluded', '全部办结'), ('benefit.stopped', '待遇停发'), ('audit.checkpoint', '审计检查点')], max_length=40)),
                        ('payload', models.JSONField()),
                        ('created_at', models.DateTimeField()),
                        ('application', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.application')),
                        ('matter', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.matter')),
                        ('unit', models.ForeignKey(help_text='需要知道此事件的单位', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.orgunit')),
                    ],
                    options={
                        'verbose_name': '事件',
                        'verbose_name_plural': '事件',
                        'db_table': 'exchange_outboxevent',
                        'ordering': ['pk'],
                    },
                ),
                migrations.CreateModel(
                    name='Subscription',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('url', models.URLField(verbose_name='接收地址')),
                        ('secret_cipher', models.TextField(editable=False)),
                        ('algorithm', models.CharField(choices=[('hmac-sm3', 'HMAC-SM3'), ('hmac-sha256', 'HMAC-SHA256')], default='hmac-sm3', max_length=16, verbose_name='签名算法')),
                        ('topics', models.JSONField(default=list, help_text='留空表示全部事件', verbose_name='订阅的事件')),
                        ('active', models.BooleanField(default=True, verbose_name='启用')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                        ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.orgunit', verbose_name='单位')),
                    ],
                    options={
                        'verbose_name': '事件订阅',
                        'verbose_name_plural': '事件订阅',
                        'db_table': 'exchange_subscription',
                    },
                ),
                migrations.CreateModel(
                    name='Delivery',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('status', models.CharField(choices=[('pending', '待发送'), ('delivered', '已送达'), ('dead', '多次失败，已停止')], default='pending', max_length=12, verbose_name='状态')),
                        ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='已尝试次数')),
                        ('next_attempt_at', models.DateTimeField(verbose_name='下次尝试')),
                        ('last_error', models.CharField(blank=True, max_length=300, verbose_name='最近一次错误')),
                        ('delivered_at', models.DateTimeField(blank=True, null=True, verbose_name='送达时间')),
                        ('event', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='deliveries', to='outbox.outboxevent', verbose_name='事件')),
                        ('subscription', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='deliveries', to='outbox.subscription', verbose_name='订阅')),
                    ],
                    options={
                        'verbose_name': '事件推送',
                        'verbose_name_plural': '事件推送',
                        'db_table': 'exchange_delivery',
                        'indexes': [models.Index(fields=['status', 'next_attempt_at'], name='exchange_de_status_8c735f_idx')],
                        'constraints': [models.UniqueConstraint(fields=('event', 'subscription'), name='delivery_once')],
                    },
                ),
            ],
        ),
    ]
