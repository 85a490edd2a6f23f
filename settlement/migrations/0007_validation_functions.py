"""SQL helpers for set-based validation of pushed statements (settlement/sql.py). Plain SQL functions, inlined by
PostgreSQL; each returns an error code or NULL."""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION futcrm_decimal_error(value text, required boolean, non_negative boolean) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN value IS NULL OR btrim(value) = '' THEN CASE WHEN required THEN 'required' END
        WHEN btrim(value) !~ '^-?[0-9]{1,15}(\.[0-9]{1,2})?$' THEN 'invalid'
        WHEN non_negative AND btrim(value) LIKE '-%' AND btrim(value)::numeric <> 0 THEN 'negative'
    END
$$;

CREATE FUNCTION futcrm_integer_error(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN value IS NULL OR btrim(value) = '' THEN 'required'
        WHEN btrim(value) ~ '^-[0-9]+$' THEN 'negative'
        WHEN btrim(value) !~ '^[0-9]{1,9}$' THEN 'invalid'
    END
$$;

CREATE FUNCTION futcrm_boolean_error(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN value IS NULL OR btrim(value) = '' THEN NULL
        WHEN lower(btrim(value)) NOT IN ('true', 'false', '1', '0', '是', '否') THEN 'invalid'
    END
$$;

CREATE FUNCTION futcrm_boolean(value text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(lower(btrim(value)) IN ('true', '1', '是'), false)
$$;
"""

BACKWARD = """
DROP FUNCTION futcrm_decimal_error(text, boolean, boolean);
DROP FUNCTION futcrm_integer_error(text);
DROP FUNCTION futcrm_boolean_error(text);
DROP FUNCTION futcrm_boolean(text);
"""


class Migration(migrations.Migration):
    dependencies = [("settlement", "0006_partition_statements")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
