"""Intraday funds and positions partitioned by trading day (issue 33): a complete snapshot empties its day's
partitions (TRUNCATE, no dead rows for the COPY that follows to step over) and COPYs the rows straight into them,
the day's date their column default; the close drops them. The tables are new and hold only a session's state, so
they are created again rather than copied."""

from django.db import migrations

PARTITIONED = [
    'CREATE TABLE "settlement_intradayaccount" ("trading_day" date NOT NULL, "account_no" varchar(32) NOT NULL, "sequence" bigint NOT NULL, "taken_at" timestamp with time zone NOT NULL, "pre_balance" numeric NOT NULL CHECK ("pre_balance" <> \'NaN\' AND scale("pre_balance") <= 2 AND abs("pre_balance") < 1e15), "deposit" numeric NOT NULL CHECK ("deposit" <> \'NaN\' AND scale("deposit") <= 2 AND abs("deposit") < 1e15), "withdrawal" numeric NOT NULL CHECK ("withdrawal" <> \'NaN\' AND scale("withdrawal") <= 2 AND abs("withdrawal") < 1e15), "close_profit" numeric NOT NULL CHECK ("close_profit" <> \'NaN\' AND scale("close_profit") <= 2 AND abs("close_profit") < 1e15), "position_profit" numeric NOT NULL CHECK ("position_profit" <> \'NaN\' AND scale("position_profit") <= 2 AND abs("position_profit") < 1e15), "commission" numeric NOT NULL CHECK ("commission" <> \'NaN\' AND scale("commission") <= 2 AND abs("commission") < 1e15), "balance" numeric NOT NULL CHECK ("balance" <> \'NaN\' AND scale("balance") <= 2 AND abs("balance") < 1e15), "margin" numeric NOT NULL CHECK ("margin" <> \'NaN\' AND scale("margin") <= 2 AND abs("margin") < 1e15), "exchange_margin" numeric NOT NULL CHECK ("exchange_margin" <> \'NaN\' AND scale("exchange_margin") <= 2 AND abs("exchange_margin") < 1e15), "frozen_margin" numeric NOT NULL CHECK ("frozen_margin" <> \'NaN\' AND scale("frozen_margin") <= 2 AND abs("frozen_margin") < 1e15), "available" numeric NOT NULL CHECK ("available" <> \'NaN\' AND scale("available") <= 2 AND abs("available") < 1e15), CONSTRAINT "intraday_balance_identity" CHECK ("balance" = ((((("pre_balance" + "deposit") - "withdrawal") + "close_profit") + "position_profit") - "commission")), CONSTRAINT "intraday_non_negative_amounts" CHECK (("commission" >= 0 AND "deposit" >= 0 AND "exchange_margin" >= 0 AND "frozen_margin" >= 0 AND "margin" >= 0 AND "withdrawal" >= 0)), PRIMARY KEY ("trading_day", "account_no")) PARTITION BY LIST ("trading_day")',
    'CREATE TABLE "settlement_intradayposition" ("trading_day" date NOT NULL, "account_no" varchar(32) NOT NULL, "instrument" varchar(32) NOT NULL, "direction" varchar(5) NOT NULL, "hedge" varchar(11) NOT NULL, "volume" integer NOT NULL, "today_volume" integer NOT NULL, "margin" numeric NOT NULL CHECK ("margin" <> \'NaN\' AND scale("margin") <= 2 AND abs("margin") < 1e15), "exchange_margin" numeric NOT NULL CHECK ("exchange_margin" <> \'NaN\' AND scale("exchange_margin") <= 2 AND abs("exchange_margin") < 1e15), "position_profit" numeric NOT NULL CHECK ("position_profit" <> \'NaN\' AND scale("position_profit") <= 2 AND abs("position_profit") < 1e15), "open_cost" numeric NOT NULL CHECK ("open_cost" <> \'NaN\' AND scale("open_cost") <= 2 AND abs("open_cost") < 1e15), CONSTRAINT "intraday_position_valid" CHECK (("direction" IN (\'long\', \'short\') AND "exchange_margin" >= 0 AND "hedge" IN (\'speculation\', \'hedge\', \'arbitrage\') AND "margin" >= 0 AND "today_volume" >= 0 AND "today_volume" <= ("volume") AND "volume" >= 1)), PRIMARY KEY ("trading_day", "account_no", "instrument", "direction", "hedge")) PARTITION BY LIST ("trading_day")',
]
PLAIN = [
    'CREATE TABLE "settlement_intradayaccount" ("trading_day" date NOT NULL, "account_no" varchar(32) NOT NULL, "sequence" bigint NOT NULL, "taken_at" timestamp with time zone NOT NULL, "pre_balance" numeric NOT NULL CHECK ("pre_balance" <> \'NaN\' AND scale("pre_balance") <= 2 AND abs("pre_balance") < 1e15), "deposit" numeric NOT NULL CHECK ("deposit" <> \'NaN\' AND scale("deposit") <= 2 AND abs("deposit") < 1e15), "withdrawal" numeric NOT NULL CHECK ("withdrawal" <> \'NaN\' AND scale("withdrawal") <= 2 AND abs("withdrawal") < 1e15), "close_profit" numeric NOT NULL CHECK ("close_profit" <> \'NaN\' AND scale("close_profit") <= 2 AND abs("close_profit") < 1e15), "position_profit" numeric NOT NULL CHECK ("position_profit" <> \'NaN\' AND scale("position_profit") <= 2 AND abs("position_profit") < 1e15), "commission" numeric NOT NULL CHECK ("commission" <> \'NaN\' AND scale("commission") <= 2 AND abs("commission") < 1e15), "balance" numeric NOT NULL CHECK ("balance" <> \'NaN\' AND scale("balance") <= 2 AND abs("balance") < 1e15), "margin" numeric NOT NULL CHECK ("margin" <> \'NaN\' AND scale("margin") <= 2 AND abs("margin") < 1e15), "exchange_margin" numeric NOT NULL CHECK ("exchange_margin" <> \'NaN\' AND scale("exchange_margin") <= 2 AND abs("exchange_margin") < 1e15), "frozen_margin" numeric NOT NULL CHECK ("frozen_margin" <> \'NaN\' AND scale("frozen_margin") <= 2 AND abs("frozen_margin") < 1e15), "available" numeric NOT NULL CHECK ("available" <> \'NaN\' AND scale("available") <= 2 AND abs("available") < 1e15), CONSTRAINT "intraday_balance_identity" CHECK ("balance" = ((((("pre_balance" + "deposit") - "withdrawal") + "close_profit") + "position_profit") - "commission")), CONSTRAINT "intraday_non_negative_amounts" CHECK (("commission" >= 0 AND "deposit" >= 0 AND "exchange_margin" >= 0 AND "frozen_margin" >= 0 AND "margin" >= 0 AND "withdrawal" >= 0)), PRIMARY KEY ("trading_day", "account_no"))',
    'CREATE TABLE "settlement_intradayposition" ("trading_day" date NOT NULL, "account_no" varchar(32) NOT NULL, "instrument" varchar(32) NOT NULL, "direction" varchar(5) NOT NULL, "hedge" varchar(11) NOT NULL, "volume" integer NOT NULL, "today_volume" integer NOT NULL, "margin" numeric NOT NULL CHECK ("margin" <> \'NaN\' AND scale("margin") <= 2 AND abs("margin") < 1e15), "exchange_margin" numeric NOT NULL CHECK ("exchange_margin" <> \'NaN\' AND scale("exchange_margin") <= 2 AND abs("exchange_margin") < 1e15), "position_profit" numeric NOT NULL CHECK ("position_profit" <> \'NaN\' AND scale("position_profit") <= 2 AND abs("position_profit") < 1e15), "open_cost" numeric NOT NULL CHECK ("open_cost" <> \'NaN\' AND scale("open_cost") <= 2 AND abs("open_cost") < 1e15), CONSTRAINT "intraday_position_valid" CHECK (("direction" IN (\'long\', \'short\') AND "exchange_margin" >= 0 AND "hedge" IN (\'speculation\', \'hedge\', \'arbitrage\') AND "margin" >= 0 AND "today_volume" >= 0 AND "today_volume" <= ("volume") AND "volume" >= 1)), PRIMARY KEY ("trading_day", "account_no", "instrument", "direction", "hedge"))',
]
INDEXES = [
    'CREATE INDEX "intraday_account_sequence" ON "settlement_intradayaccount" ("trading_day", "sequence")',
    'CREATE INDEX "intraday_position_instrument" ON "settlement_intradayposition" ("trading_day", "instrument")',
]
FUNCTION = r"""
CREATE FUNCTION futcrm_ensure_intraday_partitions(day date) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    suffix text := to_char(day, 'YYYYMMDD');
    parent text;
BEGIN
    FOREACH parent IN ARRAY ARRAY['settlement_intradayaccount', 'settlement_intradayposition'] LOOP
        IF to_regclass(parent || '_' || suffix) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES IN (%L)', parent || '_' || suffix, parent, day);
            -- the day's rows are COPYed into their partition without the column: its default is the day
            EXECUTE format('ALTER TABLE %I ALTER COLUMN trading_day SET DEFAULT %L', parent || '_' || suffix, day);
        END IF;
    END LOOP;
END $$;
"""
DROP = ["DROP TABLE settlement_intradayposition", "DROP TABLE settlement_intradayaccount"]


class Migration(migrations.Migration):
    dependencies = [("settlement", "0017_intraday")]

    operations = [
        migrations.RunSQL([*DROP, *PARTITIONED, *INDEXES, FUNCTION],
                          ["DROP FUNCTION futcrm_ensure_intraday_partitions(date)", *DROP, *PLAIN, *INDEXES]),
    ]
