# Photos travel on their own uploads: a visit declares them (index, SHA-256 of the original, name) and waits
# until all arrived.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('fieldwork', '0004_personal_data_erased_at'),
    ]

    operations = [
        migrations.AlterField(
            model_name='visit',
            name='status',
            field=models.CharField(choices=[('waiting', 'waiting for its photos'), ('accepted', 'accepted'), ('review', 'waiting for review'), ('rejected', 'rejected')], default='accepted', max_length=10, verbose_name='status'),
        ),
        migrations.AddField(
            model_name='visitphoto',
            name='index',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='index in the visit'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='visitphoto',
            name='name',
            field=models.CharField(blank=True, max_length=200, verbose_name='name on the device'),
        ),
        migrations.AddField(
            model_name='visitphoto',
            name='sha256',
            field=models.CharField(blank=True, help_text='Declared by the device; the bytes received must match it.', max_length=64, verbose_name='SHA-256 of the original'),
        ),
        migrations.AddField(
            model_name='visitphoto',
            name='size',
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name='size of the original (bytes)'),
        ),
        migrations.AddField(
            model_name='visitphoto',
            name='received_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='received'),
        ),
        migrations.AlterField(
            model_name='visitphoto',
            name='image',
            field=models.FileField(blank=True, upload_to='visits/'),
        ),
        migrations.AlterField(
            model_name='visitphoto',
            name='phash',
            field=models.CharField(blank=True, db_index=True, max_length=16, verbose_name='perceptual hash'),
        ),
        migrations.AlterModelOptions(
            name='visitphoto',
            options={'ordering': ['visit', 'index'], 'verbose_name': 'visit photo', 'verbose_name_plural': 'visit photos'},
        ),
    ]
