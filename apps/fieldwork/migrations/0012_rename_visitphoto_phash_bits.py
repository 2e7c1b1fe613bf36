from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("fieldwork", "0011_remove_visitphoto_phash_hex"),
    ]

    operations = [
        migrations.RenameField(
            model_name="visitphoto",
            old_name="phash_bits",
            new_name="phash",
        ),
    ]
