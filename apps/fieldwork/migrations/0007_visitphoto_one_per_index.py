from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('fieldwork', '0006_visit_photos_numbered'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='visitphoto',
            constraint=models.UniqueConstraint(fields=('visit', 'index'), name='fieldwork_visitphoto_one_per_index'),
        ),
    ]
