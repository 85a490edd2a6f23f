"""The intraday funds and positions without keys or indexes (issue 33's benchmark): a complete snapshot TRUNCATEs
the day's partitions and COPYs 100,000 funds and 300,000 positions into them, and keeping two indexes per table up to
date row by row cost more than writing the rows (positions 1.5 s against 0.7 s). The ingest
(settlement/intraday.py) refuses a key sent twice before it writes; every read scans the day's partition. The first
volumes of the day likewise (written once per account and day by the evaluation)."""

from django.db import migrations

FORWARD = [
    "DROP INDEX intraday_account_sequence",
    "DROP INDEX intraday_position_instrument",
    "ALTER TABLE settlement_intradayaccount DROP CONSTRAINT settlement_intradayaccount_pkey",
    "ALTER TABLE settlement_intradayposition DROP CONSTRAINT settlement_intradayposition_pkey",
    # the first volumes of the day: 300,000 rows on a day's first snapshot, written once per account by its
    # snapshot's evaluation (settlement/intraday.py snapshot_path_record), read by hash joins
    "ALTER TABLE settlement_intradayopening DROP CONSTRAINT settlement_intradayopening_pkey",
]
BACKWARD = [
    'ALTER TABLE settlement_intradayopening ADD PRIMARY KEY ("trading_day", "account_no", "product", "direction")',
    'ALTER TABLE settlement_intradayaccount ADD PRIMARY KEY ("trading_day", "account_no")',
    'ALTER TABLE settlement_intradayposition ADD PRIMARY KEY ("trading_day", "account_no", "instrument", "direction",'
    ' "hedge")',
    'CREATE INDEX "intraday_account_sequence" ON "settlement_intradayaccount" ("trading_day", "sequence")',
    'CREATE INDEX "intraday_position_instrument" ON "settlement_intradayposition" ("trading_day", "instrument")',
]


class Migration(migrations.Migration):
    dependencies = [("settlement", "0018_intraday_partitions")]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD, state_operations=[
            migrations.RemoveIndex(model_name="intradayaccount", name="intraday_account_sequence"),
            migrations.RemoveIndex(model_name="intradayposition", name="intraday_position_instrument"),
        ]),
    ]
