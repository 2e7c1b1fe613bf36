# Photos stored before uploads were separate came inside their visit: numbered in the order they were stored,
# received with it. Their originals were not kept, so their SHA-256 stays empty.

from django.db import migrations
from django.db.models import OuterRef, Subquery


def number(apps, schema_editor):
    VisitPhoto = apps.get_model('fieldwork', 'VisitPhoto')
    Visit = apps.get_model('fieldwork', 'Visit')
    VisitPhoto.objects.filter(received_at__isnull=True).update(
        received_at=Subquery(Visit.objects.filter(pk=OuterRef('visit_id')).values('received_at')[:1])
    )
    visit_ids = VisitPhoto.objects.values('visit_id').order_by('visit_id').distinct()
    for visit_id in visit_ids.values_list('visit_id', flat=True).iterator():
        for index, pk in enumerate(VisitPhoto.objects.filter(visit_id=visit_id).order_by('pk').values_list('pk', flat=True)):
            VisitPhoto.objects.filter(pk=pk).update(index=index)


class Migration(migrations.Migration):

    dependencies = [
        ('fieldwork', '0005_visit_photo_uploads'),
    ]

    operations = [
        migrations.RunPython(number, migrations.RunPython.noop),
    ]
