import django.db.models.expressions
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("fieldwork", "0012_rename_visitphoto_phash_bits"),
    ]

    operations = [
        migrations.AddField(
            model_name="visitphoto",
            name="phash_band0",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.expressions.CombinedExpression(
                    django.db.models.expressions.CombinedExpression(models.F("phash"), ">>", models.Value(48)),
                    "&",
                    models.Value(65535),
                ),
                output_field=models.IntegerField(),
                verbose_name="perceptual hash band",
            ),
        ),
        migrations.AddField(
            model_name="visitphoto",
            name="phash_band1",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.expressions.CombinedExpression(
                    django.db.models.expressions.CombinedExpression(models.F("phash"), ">>", models.Value(32)),
                    "&",
                    models.Value(65535),
                ),
                output_field=models.IntegerField(),
                verbose_name="perceptual hash band",
            ),
        ),
        migrations.AddField(
            model_name="visitphoto",
            name="phash_band2",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.expressions.CombinedExpression(
                    django.db.models.expressions.CombinedExpression(models.F("phash"), ">>", models.Value(16)),
                    "&",
                    models.Value(65535),
                ),
                output_field=models.IntegerField(),
                verbose_name="perceptual hash band",
            ),
        ),
        migrations.AddField(
            model_name="visitphoto",
            name="phash_band3",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.expressions.CombinedExpression(
                    django.db.models.expressions.CombinedExpression(models.F("phash"), ">>", models.Value(0)),
                    "&",
                    models.Value(65535),
                ),
                output_field=models.IntegerField(),
                verbose_name="perceptual hash band",
            ),
        ),
        migrations.AddIndex(
            model_name="visitphoto",
            index=models.Index(fields=["phash_band0"], name="fieldwork_photo_phash_band0"),
        ),
        migrations.AddIndex(
            model_name="visitphoto",
            index=models.Index(fields=["phash_band1"], name="fieldwork_photo_phash_band1"),
        ),
        migrations.AddIndex(
            model_name="visitphoto",
            index=models.Index(fields=["phash_band2"], name="fieldwork_photo_phash_band2"),
        ),
        migrations.AddIndex(
            model_name="visitphoto",
            index=models.Index(fields=["phash_band3"], name="fieldwork_photo_phash_band3"),
        ),
    ]
