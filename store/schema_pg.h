/* The PostgreSQL store's schema, created whole (store/schema_pg.c). */
#ifndef BENCHFS_STORE_SCHEMA_PG_H
#define BENCHFS_STORE_SCHEMA_PG_H

/* The SQLite schema version store_pg_schema matches: the state after that
 * many of store/open.c's migrations (its pg_migrations go on from here). */
#define STORE_PG_SCHEMA_VERSION 16

/* The tables, indexes, the iterations view and its triggers, the meta rows,
 * schema_version (one row: STORE_PG_SCHEMA_VERSION) and the functions
 * SQLite has built in that the store's SQL calls (json_each, json_valid,
 * json_extract). Several statements: run it with the engine's exec, in one
 * transaction. */
extern const char *const store_pg_schema;

#endif
