"""Validation helpers that accept exactly what the typed fast path accepts (settlement/sql.py): a decimal is any
text PostgreSQL reads as numeric, with at most 2 decimal places and an absolute value below 10^15; an integer is
what it reads as integer; a boolean is what it reads as boolean, or 是/否."""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION futcrm_decimal_error(value text, required boolean, non_negative boolean) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN value IS NULL OR btrim(value) = '' THEN CASE WHEN required THEN 'required' END
        WHEN NOT pg_input_is_valid(value, 'numeric') THEN 'invalid'
        WHEN NOT (abs(value::numeric) < 1e15) OR scale(value::numeric) > 2 THEN 'invalid'
        WHEN non_negative AND value::numeric < 0 THEN 'negative'
    END
$$;

CREATE OR REPLACE FUNCTION futcrm_integer_error(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN value IS NULL OR btrim(value) = '' THEN 'required'
        WHEN NOT pg_input_is_valid(value, 'integer') THEN 'invalid'
        WHEN value::integer < 0 THEN 'negative'
    END
$$;

CREATE OR REPLACE FUNCTION futcrm_boolean_error(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN value IS NULL OR btrim(value) = '' OR btrim(value) IN ('是', '否') THEN NULL
        WHEN NOT pg_input_is_valid(value, 'boolean') THEN 'invalid'
    END
$$;

-- Strict: raises on anything futcrm_boolean_error calls invalid, so the fast path falls back to diagnosis.
CREATE OR REPLACE FUNCTION futcrm_boolean(value text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE btrim(value) WHEN '是' THEN true WHEN '否' THEN false
                             ELSE coalesce(nullif(btrim(value), '')::boolean, false) END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("settlement", "0007_validation_functions")]

    operations = [migrations.RunSQL(FORWARD, migrations.RunSQL.noop)]
