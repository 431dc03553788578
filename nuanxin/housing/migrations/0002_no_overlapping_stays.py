"""No two approved stays of one room may overlap — enforced by PostgreSQL itself.

An exclusion constraint over (room_id WITH =, daterange(check_in, check_out, '[)') WITH &&) for
rows with status 'approved'. It needs the btree_gist extension (for `=` on an integer inside a GiST
index). Both exist only on PostgreSQL: on any other database this migration does nothing and the
approval service's check inside an IMMEDIATE transaction is the guarantee (docs/housing.md).
"""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeBoundary, RangeOperators
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations, models

CONSTRAINT_NAME = "housing_stay_no_overlapping_approved"


class DateRange(models.Func):
    function = "DATERANGE"
    output_field = DateRangeField()


def no_overlap_constraint():
    return ExclusionConstraint(
        name=CONSTRAINT_NAME,
        expressions=[
            ("room", RangeOperators.EQUAL),
            (DateRange("check_in", "check_out", RangeBoundary()), RangeOperators.OVERLAPS),
        ],
        condition=models.Q(status="approved"),
    )


class AddConstraintOnPostgreSQL(migrations.operations.base.Operation):
    """Add (and on reverse, drop) the constraint on PostgreSQL only; the model state is unchanged,
    so `makemigrations --check` stays clean on every database."""

    reversible = True

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.add_constraint(to_state.apps.get_model(app_label, "StayApplication"), no_overlap_constraint())

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.remove_constraint(
                from_state.apps.get_model(app_label, "StayApplication"), no_overlap_constraint()
            )

    def describe(self):
        return "Add the no-overlapping-approved-stays exclusion constraint (PostgreSQL only)"


class Migration(migrations.Migration):
    dependencies = [("housing", "0001_initial")]

    operations = [
        BtreeGistExtension(),  # a no-op on databases other than PostgreSQL
        AddConstraintOnPostgreSQL(),
    ]
