"""SQL shared by the migrations that keep full-text search vectors.

Each row is indexed with the text-search configuration of its language
(`simple` when PostgreSQL has none for it), by triggers, so that bulk inserts
and COPY keep the stored tsvector right as well as the ORM does.
"""

# Language code (BCP 47) -> PostgreSQL text-search configuration.
TS_CONFIG_FUNCTION = """
CREATE OR REPLACE FUNCTION dealtracker_ts_config(lang text) RETURNS regconfig
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE split_part(lower(coalesce(lang, '')), '-', 1)
    WHEN 'en' THEN 'english'::regconfig
    WHEN 'ar' THEN 'arabic'::regconfig
    WHEN 'fr' THEN 'french'::regconfig
    WHEN 'de' THEN 'german'::regconfig
    WHEN 'es' THEN 'spanish'::regconfig
    WHEN 'it' THEN 'italian'::regconfig
    WHEN 'pt' THEN 'portuguese'::regconfig
    WHEN 'nl' THEN 'dutch'::regconfig
    WHEN 'ru' THEN 'russian'::regconfig
    WHEN 'tr' THEN 'turkish'::regconfig
    WHEN 'uk' THEN 'simple'::regconfig
    ELSE 'simple'::regconfig
  END
$$;
"""

DROP_TS_CONFIG_FUNCTION = "DROP FUNCTION IF EXISTS dealtracker_ts_config(text);"


def vector_trigger(table: str, body: str, columns: list[str]) -> tuple[str, str]:
    """SQL creating (and dropping) a BEFORE INSERT/UPDATE trigger that sets search_vector."""
    fn = f"{table}_search_vector_update"
    cols = ", ".join(f'"{c}"' for c in columns)
    create = f"""
CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {body}
  RETURN NEW;
END $$;
CREATE TRIGGER {fn}
  BEFORE INSERT OR UPDATE OF {cols} ON {table}
  FOR EACH ROW EXECUTE FUNCTION {fn}();
"""
    drop = f"DROP TRIGGER IF EXISTS {fn} ON {table}; DROP FUNCTION IF EXISTS {fn}();"
    return create, drop
