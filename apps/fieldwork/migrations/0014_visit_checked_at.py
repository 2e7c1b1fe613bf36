import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("fieldwork", "0013_visitphoto_phash_bands"),
    ]

    operations = [
        migrations.AddField(
            model_name="visit",
            name="checked_at",
            # the visits stored so far had their presence checks in the transaction that stored them
            field=models.DateTimeField(
                blank=True,
                default=django.utils.timezone.now,
                help_text="The checks run after the visit is stored; until then the visit waits.",
                null=True,
                verbose_name="presence checks made at",
            ),
            preserve_default=False,
        ),
    ]
