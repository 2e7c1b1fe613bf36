from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("fieldwork", "0010_visitphoto_phash_bits_fill"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="visitphoto",
            name="phash",
        ),
    ]
