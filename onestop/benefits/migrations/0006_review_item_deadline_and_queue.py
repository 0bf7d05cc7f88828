"""Each review item gets its own deadline (until now it shared the round's, filled here from it)
and a queue: ``township`` becomes ``region``, and items whose 户籍 township lies in another
county move to the paying county itself, whose 民政局 now decides them."""

from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery


def fill(apps, schema_editor):
    ReviewItem = apps.get_model("benefits", "ReviewItem")
    ReviewRound = apps.get_model("benefits", "ReviewRound")
    rounds = ReviewRound.objects.filter(pk=OuterRef("round_id"))
    ReviewItem.objects.update(due_date=Subquery(rounds.values("due_date")[:1]))
    ReviewItem.objects.exclude(region__parent_id=F("round__county_id")).exclude(
        region_id=F("round__county_id")
    ).update(region_id=Subquery(rounds.values("county_id")[:1]))
    if schema_editor.connection.vendor == "postgresql":
        # The moved items' foreign keys are checked now: PostgreSQL will not alter a table with
        # checks still pending, and the next operation alters this one.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("benefits", "0005_pension_supplements"),
        ("regions", "0004_orgunit_hotline"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="reviewitem", name="benefits_re_townshi_85a3fb_idx"),
        migrations.RenameField(model_name="reviewitem", old_name="township", new_name="region"),
        migrations.AlterField(
            model_name="reviewitem",
            name="region",
            field=models.ForeignKey(
                on_delete=models.deletion.PROTECT,
                related_name="+",
                to="regions.region",
                verbose_name="复核地区",
            ),
        ),
        migrations.AddField(
            model_name="reviewitem",
            name="due_date",
            field=models.DateField(null=True, verbose_name="复核期限"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="reviewitem",
            name="due_date",
            field=models.DateField(verbose_name="复核期限"),
        ),
        migrations.AlterField(
            model_name="reviewround",
            name="due_date",
            field=models.DateField(verbose_name="首批完成期限"),
        ),
        migrations.AddIndex(
            model_name="reviewitem",
            index=models.Index(fields=["region", "status", "due_date"], name="review_item_queue"),
        ),
        migrations.AddIndex(
            model_name="reviewitem",
            index=models.Index(fields=["status", "due_date"], name="review_item_due"),
        ),
    ]
