"""Chains per org unit, keyed hashes and signed heads.

Existing events keep their unkeyed SM3 hashes and global numbering as the ``legacy`` chain; its
head is sealed here with the current audit key, so the old chain can no longer grow or be cut
unnoticed, and new events start their own chains."""

from django.db import migrations, models


def seal_legacy_head(apps, schema_editor):
    from onestop.audit.macs import audit_keys, head_mac

    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditHead = apps.get_model("audit", "AuditHead")
    if not AuditEvent.objects.exists():
        AuditHead.objects.all().delete()
        return
    key_id = audit_keys().current
    for head in AuditHead.objects.all():
        head.key_id = key_id
        head.mac = head_mac(chain=head.chain, seq=head.seq, hash=head.hash, key_id=key_id)
        head.save(update_fields=["key_id", "mac"])


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_action_without_choices"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="chain",
            field=models.CharField(default="legacy", max_length=24, verbose_name="审计链"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="key_id",
            field=models.CharField(blank=True, max_length=16, verbose_name="密钥编号"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(verbose_name="序号"),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                fields=("chain", "seq"), name="audit_event_chain_seq"
            ),
        ),
        migrations.AddField(
            model_name="audithead",
            name="chain",
            field=models.CharField(default="legacy", max_length=24),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="audithead",
            name="chain",
            field=models.CharField(max_length=24, unique=True),
        ),
        migrations.AddField(
            model_name="audithead",
            name="key_id",
            field=models.CharField(blank=True, max_length=16),
        ),
        migrations.AddField(
            model_name="audithead",
            name="mac",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="audithead",
            name="published_seq",
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunPython(seal_legacy_head, migrations.RunPython.noop),
    ]
