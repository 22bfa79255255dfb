"""The punch table becomes partitioned on PostgreSQL (attendance 0008, which runs after
this one): a foreign key can no longer reference its ``id`` alone."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('devices', '0008_kiosk_photos'),
    ]

    operations = [
        migrations.AlterField(
            model_name='punchphoto',
            name='punch',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='attendance.punch', verbose_name='punch'),
        ),
    ]
