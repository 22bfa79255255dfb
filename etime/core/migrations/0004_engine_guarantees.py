"""The lock table of etime.core.db.xact_lock (every engine) and, on MariaDB/MySQL, the
partial unique rules as generated columns with unique keys and the leave ledger's
immutability triggers (etime/core/db/mysql_schema.py). Nothing changes in the model state."""

from django.db import migrations

from etime.core.db import mysql_schema


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_translatable_labels"),
        ("account", "0009_emailaddress_unique_primary_email"),
        ("attendance", "0009_punch_partitioned_by_month"),
        ("billing", "0005_mileage_and_per_diem"),
        ("devices", "0009_punch_photo_no_db_constraint"),
        ("leave", "0003_translatable_labels"),
        ("timesheets", "0007_timer_preference"),
    ]

    operations = [migrations.RunPython(mysql_schema.forwards, mysql_schema.backwards, atomic=False)]
