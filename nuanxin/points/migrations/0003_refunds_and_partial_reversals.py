"""Refunds of redemptions, partial corrections and the record of which lots a spend drew from.

- `LedgerEntry.kind` gains "refund" (points > 0, reversing a spend entry); a correction
  ("reversal") may now be of 0 points (nothing was left of the award to take back).
- `LotDraw`: what each spend took from each lot (a refund keeps the earliest expiry among them).
- `RedeemCode`: `refunded_at`, `refunded_by`, `refund_reason`.

SQLite rebuilds the ledger table to change its CHECK constraints, and the rebuild drops the
append-only trigger of migration 0002; the first and last operations put it back, forwards and
backwards (PostgreSQL alters the table in place, its trigger stays).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

SQLITE_TRIGGER = """
CREATE TRIGGER IF NOT EXISTS points_ledger_no_update BEFORE UPDATE ON points_ledgerentry
BEGIN
    SELECT RAISE(ABORT, 'points ledger entries are append-only');
END;
"""


def restore_sqlite_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_TRIGGER)


class Migration(migrations.Migration):
    dependencies = [
        ("couriers", "0003_courier_import_batch"),
        ("points", "0002_ledger_append_only_trigger"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Backwards, this runs last: after the rebuild back to 0002's constraints.
        migrations.RunPython(migrations.RunPython.noop, restore_sqlite_trigger),
        migrations.CreateModel(
            name="LotDraw",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("points", models.PositiveIntegerField(verbose_name="points")),
            ],
            options={
                "verbose_name": "points drawn from a lot",
                "verbose_name_plural": "points drawn from lots",
            },
        ),
        migrations.RemoveConstraint(
            model_name="ledgerentry",
            name="ledger_points_nonzero",
        ),
        migrations.RemoveConstraint(
            model_name="ledgerentry",
            name="ledger_sign_matches_kind",
        ),
        migrations.AddField(
            model_name="redeemcode",
            name="refund_reason",
            field=models.CharField(blank=True, max_length=200, verbose_name="reason for the refund"),
        ),
        migrations.AddField(
            model_name="redeemcode",
            name="refunded_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="refunded at"),
        ),
        migrations.AddField(
            model_name="redeemcode",
            name="refunded_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="refunded by",
            ),
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="kind",
            field=models.CharField(
                choices=[
                    ("earn", "Earned"),
                    ("spend", "Redeemed"),
                    ("expire", "Expired"),
                    ("reversal", "Correction"),
                    ("refund", "Refund"),
                ],
                max_length=10,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="reverses",
            field=models.OneToOneField(
                blank=True,
                help_text="The earn entry a correction reverses, or the spend entry a refund gives back.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="reversed_by",
                to="points.ledgerentry",
                verbose_name="reverses",
            ),
        ),
        migrations.AlterField(
            model_name="lot",
            name="entry",
            field=models.OneToOneField(
                help_text="The earn or refund entry that brought the points.",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="created_lot",
                to="points.ledgerentry",
                verbose_name="entry",
            ),
        ),
        migrations.AddConstraint(
            model_name="ledgerentry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("points", 0), _negated=True), ("kind", "reversal"), _connector="OR"
                ),
                name="ledger_points_nonzero",
            ),
        ),
        migrations.AddConstraint(
            model_name="ledgerentry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("kind", "earn"), ("points__gt", 0)),
                    models.Q(("kind__in", ["spend", "expire"]), ("points__lt", 0)),
                    models.Q(("kind", "reversal"), ("points__lte", 0), ("reverses__isnull", False)),
                    models.Q(("kind", "refund"), ("points__gt", 0), ("reverses__isnull", False)),
                    _connector="OR",
                ),
                name="ledger_sign_matches_kind",
            ),
        ),
        migrations.AddField(
            model_name="lotdraw",
            name="entry",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="draws",
                to="points.ledgerentry",
                verbose_name="spend entry",
            ),
        ),
        migrations.AddField(
            model_name="lotdraw",
            name="lot",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="draws",
                to="points.lot",
                verbose_name="lot",
            ),
        ),
        migrations.AddConstraint(
            model_name="lotdraw",
            constraint=models.CheckConstraint(
                condition=models.Q(("points__gt", 0)), name="lot_draw_points_positive"
            ),
        ),
        migrations.AddConstraint(
            model_name="lotdraw",
            constraint=models.UniqueConstraint(fields=("entry", "lot"), name="one_draw_per_entry_and_lot"),
        ),
        # Forwards, after the rebuild to the new constraints.
        migrations.RunPython(restore_sqlite_trigger, migrations.RunPython.noop),
    ]
