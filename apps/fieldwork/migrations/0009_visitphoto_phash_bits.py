from django.db import migrations

import apps.core.fields


class Migration(migrations.Migration):
    dependencies = [
        ("fieldwork", "0008_field_and_model_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="visitphoto",
            name="phash_bits",
            field=apps.core.fields.PerceptualHashField(blank=True, null=True, verbose_name="perceptual hash"),
        ),
    ]
