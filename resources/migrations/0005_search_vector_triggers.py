"""PostgreSQL keeps every resource's `search_vector` current by itself.

The vector spans other tables (concept names, tag names), and used to be refreshed only where
the code remembered to: renaming or deleting a tag, or changing a resource from the shell, left
resources findable by words they no longer have. Now the database refreshes the affected
resources on every write that changes what the vector is made of, whichever way it is made
(admin forms and bulk actions, the ORM, the import, plain SQL):

- a resource's own words (title, Chinese title, description, authors): before the row is written;
- tags and concepts given to or taken from a resource, and tags or concepts renamed: after the
  statement, once for all the resources it touched.

`resources_refresh_search_vectors(ids)` (NULL: all) is the one definition of the vector's
refresh, called by resources.search.refresh_search_vectors too. Other databases search with a
plain query over the live tables and need none of this.
"""

from django.db import migrations

VECTOR = """
CREATE FUNCTION resources_search_vector(r resources_resource) RETURNS tsvector AS $$
    SELECT setweight(to_tsvector('english', r.title || ' ' || r.title_zh), 'A')
        || setweight(to_tsvector('english', coalesce((
            SELECT string_agg(c.name || ' ' || c.name_zh, ' ')
            FROM resources_concept AS c
            JOIN resources_resource_concepts AS rc ON rc.concept_id = c.id
            WHERE rc.resource_id = r.id), '')), 'B')
        || setweight(to_tsvector('english', r.description || ' ' || r.authors || ' ' || coalesce((
            SELECT string_agg(t.name, ' ')
            FROM resources_tag AS t
            JOIN resources_taggedresource AS tr ON tr.tag_id = t.id
            WHERE tr.content_object_id = r.id), '')), 'C')
$$ LANGUAGE sql STABLE
"""
REFRESH = """
CREATE FUNCTION resources_refresh_search_vectors(ids bigint[]) RETURNS void AS $$
    UPDATE resources_resource AS r SET search_vector = resources_search_vector(r)
    WHERE ids IS NULL OR r.id = ANY(ids)
$$ LANGUAGE sql
"""
OWN_WORDS = """
CREATE FUNCTION resources_resource_search_vector() RETURNS trigger AS $$
BEGIN
    NEW.search_vector := resources_search_vector(NEW);
    RETURN NEW;
END
$$ LANGUAGE plpgsql
"""
# Statement-level functions read the rows the statement changed from a transition table named
# `changed` (old rows for a delete, new rows for an insert).
LINKS = """
CREATE FUNCTION resources_{name}_search_vector() RETURNS trigger AS $$
BEGIN
    PERFORM resources_refresh_search_vectors(ARRAY(SELECT DISTINCT {column} FROM changed));
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""
RENAMED = """
CREATE FUNCTION resources_{name}_renamed_search_vector() RETURNS trigger AS $$
BEGIN
    PERFORM resources_refresh_search_vectors(ARRAY(
        SELECT DISTINCT link.{resource_column}
        FROM {link_table} AS link
        JOIN new_rows ON new_rows.id = link.{key_column}
        JOIN old_rows ON old_rows.id = new_rows.id
        WHERE ({words}) IS DISTINCT FROM ({old_words})));
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""

LINK_TABLES = [
    # (function name, link table, its resource column)
    ("tagged", "resources_taggedresource", "content_object_id"),
    ("concept_link", "resources_resource_concepts", "resource_id"),
]
RENAMES = [
    # (function name, table, link table, link's resource column, link's key column, words)
    ("tag", "resources_tag", "resources_taggedresource", "content_object_id", "tag_id",
     ["name"]),
    ("concept", "resources_concept", "resources_resource_concepts", "resource_id", "concept_id",
     ["name", "name_zh"]),
]  # fmt: skip

FORWARD = [
    VECTOR,
    REFRESH,
    OWN_WORDS,
    "CREATE TRIGGER resources_resource_search_vector "
    "BEFORE INSERT OR UPDATE OF title, title_zh, description, authors ON resources_resource "
    "FOR EACH ROW EXECUTE FUNCTION resources_resource_search_vector()",
]
BACKWARD = [
    "DROP TRIGGER resources_resource_search_vector ON resources_resource",
    "DROP FUNCTION resources_resource_search_vector()",
]
for name, table, column in LINK_TABLES:
    FORWARD.append(LINKS.format(name=name, column=column))
    # One trigger per event and transition table: PostgreSQL allows no more on one trigger.
    for event, transition in [("INSERT", "NEW"), ("DELETE", "OLD"), ("UPDATE", "OLD"),
                              ("UPDATE", "NEW")]:  # fmt: skip
        trigger = f"{table}_search_{event.lower()}_{transition.lower()}"
        FORWARD.append(
            f"CREATE TRIGGER {trigger} AFTER {event} ON {table} "
            f"REFERENCING {transition} TABLE AS changed FOR EACH STATEMENT "
            f"EXECUTE FUNCTION resources_{name}_search_vector()"
        )
        BACKWARD.append(f"DROP TRIGGER {trigger} ON {table}")
    BACKWARD.append(f"DROP FUNCTION resources_{name}_search_vector()")
for name, table, link_table, resource_column, key_column, words in RENAMES:
    FORWARD.append(
        RENAMED.format(
            name=name,
            link_table=link_table,
            resource_column=resource_column,
            key_column=key_column,
            words=", ".join(f"new_rows.{word}" for word in words) + ", ''",
            old_words=", ".join(f"old_rows.{word}" for word in words) + ", ''",
        )
    )
    FORWARD.append(
        f"CREATE TRIGGER {table}_search_renamed AFTER UPDATE ON {table} "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION resources_{name}_renamed_search_vector()"
    )
    BACKWARD += [
        f"DROP TRIGGER {table}_search_renamed ON {table}",
        f"DROP FUNCTION resources_{name}_renamed_search_vector()",
    ]
BACKWARD += [
    "DROP FUNCTION resources_refresh_search_vectors(bigint[])",
    "DROP FUNCTION resources_search_vector(resources_resource)",
]


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return operation


class Migration(migrations.Migration):
    dependencies = [("resources", "0004_tag_slug_never_empty")]

    operations = [
        migrations.RunPython(run(FORWARD), run(BACKWARD)),
        # Rows written before the triggers existed may be stale already.
        migrations.RunPython(
            run(["SELECT resources_refresh_search_vectors(NULL)"]), migrations.RunPython.noop
        ),
    ]
