"""The lock table of etime.core.db.xact_lock (every engine) and, on MariaDB/MySQL, the
partial unique rules as generated columns with unique keys and the leave ledger's
immutability triggers (etime/core/db/mysql_schema.py). Nothing changes in the model state."""

from django.db import migrations

from etime.core.db import mysql_schema


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_translatable_labels"),
        ("account", "0009_emailaddress_unique_primary_email"),
        ("attendance", "0007_punch_offline"),
        ("billing", "0004_translatable_labels"),
        ("devices", "0007_kiosk_pairing"),
        ("leave", "0003_translatable_labels"),
        ("timesheets", "0005_deletion_reason_choices"),
    ]

    operations = [migrations.RunPython(mysql_schema.forwards, mysql_schema.backwards, atomic=False)]
