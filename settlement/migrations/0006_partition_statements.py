"""Daily statements become a table partitioned by month of trade_date (docs/statement-storage.md), with one
partition per month created ahead for the seeded calendar and on demand by futcrm_ensure_statement_partition()."""

from django.db import migrations

COLUMNS = """
    trade_date date NOT NULL,
    client_id bigint NOT NULL,
    pre_balance numeric(17, 2) NOT NULL,
    deposit numeric(17, 2) NOT NULL,
    withdrawal numeric(17, 2) NOT NULL,
    close_profit numeric(17, 2) NOT NULL,
    position_profit numeric(17, 2) NOT NULL,
    commission numeric(17, 2) NOT NULL,
    other_adjustments numeric(17, 2) NOT NULL,
    balance numeric(17, 2) NOT NULL,
    margin numeric(17, 2) NOT NULL,
    exchange_margin numeric(17, 2) NULL,
    available numeric(17, 2) NOT NULL,
    trade_volume integer NOT NULL,
    position_volume integer NOT NULL,
    margin_call boolean NOT NULL,
    forced_liquidation boolean NOT NULL,
    CONSTRAINT statement_balance_identity CHECK (balance = pre_balance + deposit - withdrawal + close_profit
        + position_profit - commission + other_adjustments),
    CONSTRAINT statement_non_negative_amounts CHECK (commission >= 0 AND deposit >= 0 AND margin >= 0
        AND position_volume >= 0 AND trade_volume >= 0 AND withdrawal >= 0
        AND (exchange_margin IS NULL OR exchange_margin >= 0)),
    CONSTRAINT settlement_dailystatement_pkey PRIMARY KEY (trade_date, client_id),
    CONSTRAINT settlement_dailystatement_client_fk FOREIGN KEY (client_id) REFERENCES clients_client (id)
"""

FORWARD = f"""
ALTER TABLE settlement_dailystatement RENAME TO settlement_dailystatement_unpartitioned;
ALTER TABLE settlement_dailystatement_unpartitioned DROP CONSTRAINT statement_balance_identity;
ALTER TABLE settlement_dailystatement_unpartitioned DROP CONSTRAINT statement_non_negative_amounts;
ALTER INDEX statement_client_date RENAME TO statement_client_date_unpartitioned;
ALTER TABLE settlement_dailystatement_unpartitioned RENAME CONSTRAINT settlement_dailystatement_pkey
    TO settlement_dailystatement_unpartitioned_pkey;

CREATE TABLE settlement_dailystatement ({COLUMNS}) PARTITION BY RANGE (trade_date);
CREATE INDEX statement_client_date ON settlement_dailystatement (client_id, trade_date);

CREATE FUNCTION futcrm_ensure_statement_partition(day date) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    first_day date := date_trunc('month', day)::date;
    partition text := 'settlement_dailystatement_' || to_char(first_day, 'YYYYMM');
BEGIN
    IF to_regclass(partition) IS NULL THEN
        EXECUTE format('CREATE TABLE %I PARTITION OF settlement_dailystatement FOR VALUES FROM (%L) TO (%L)',
                       partition, first_day, (first_day + interval '1 month')::date);
    END IF;
END $$;

SELECT futcrm_ensure_statement_partition(month::date)
FROM generate_series(date '2024-01-01', date '2027-12-01', interval '1 month') AS month;
SELECT futcrm_ensure_statement_partition(trade_date)
FROM (SELECT DISTINCT date_trunc('month', trade_date)::date AS trade_date
      FROM settlement_dailystatement_unpartitioned) AS months;

INSERT INTO settlement_dailystatement SELECT trade_date, client_id, pre_balance, deposit, withdrawal, close_profit,
    position_profit, commission, other_adjustments, balance, margin, exchange_margin, available, trade_volume,
    position_volume, margin_call, forced_liquidation FROM settlement_dailystatement_unpartitioned;
DROP TABLE settlement_dailystatement_unpartitioned;
"""

BACKWARD = f"""
ALTER TABLE settlement_dailystatement RENAME TO settlement_dailystatement_partitioned;
ALTER TABLE settlement_dailystatement_partitioned DROP CONSTRAINT statement_balance_identity;
ALTER TABLE settlement_dailystatement_partitioned DROP CONSTRAINT statement_non_negative_amounts;
ALTER TABLE settlement_dailystatement_partitioned DROP CONSTRAINT settlement_dailystatement_pkey;
ALTER TABLE settlement_dailystatement_partitioned DROP CONSTRAINT settlement_dailystatement_client_fk;
ALTER INDEX statement_client_date RENAME TO statement_client_date_partitioned;
CREATE TABLE settlement_dailystatement ({COLUMNS});
CREATE INDEX statement_client_date ON settlement_dailystatement (client_id, trade_date);
INSERT INTO settlement_dailystatement SELECT trade_date, client_id, pre_balance, deposit, withdrawal, close_profit,
    position_profit, commission, other_adjustments, balance, margin, exchange_margin, available, trade_volume,
    position_volume, margin_call, forced_liquidation FROM settlement_dailystatement_partitioned;
DROP TABLE settlement_dailystatement_partitioned CASCADE;
DROP FUNCTION futcrm_ensure_statement_partition(date);
"""


class Migration(migrations.Migration):
    dependencies = [("settlement", "0005_statement_client_index")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
