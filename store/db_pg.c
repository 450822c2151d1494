/* The PostgreSQL engine of the store (store/db.h), over libpq: one store
 * shared by a fleet. The store's SQL is written with SQLite's placeholders
 * (?N and bare ?); they are translated to $N here. Statements are sent
 * with PQexecParams (no server-side prepare: the store's statements live
 * for a call or two, and a statement survives a new connection as it is)
 * and read in text format. A connection the server ends (a restart, a
 * failover) is made again at the next statement (db_pg_conn.c). */
#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_pg_internal.h"
#include "store/internal.h"
#include "util/clock.h"

/* libpq's connect_timeout unless the location or PGCONNECT_TIMEOUT sets
 * one: a server that went away without a word (a failover) would otherwise
 * hold a statement for the system's TCP timeout, minutes. */
#define CONNECT_TIMEOUT_S "10"

/* The type oids of pg_type.h (server headers, not in libpq-dev). */
#define PG_BYTEAOID 17
#define PG_INT8OID 20
#define PG_TEXTOID 25
#define PG_FLOAT8OID 701

struct pg_param {
	/* 0: NULL (or text, left to the server to type). */
	Oid type;
	/* The value as sent: num, owned, a blob's pointer or NULL for NULL. */
	const char *value;
	int length;
	int format;
	/* A copied text. */
	char *owned;
	/* An int64's or double's text. */
	char num[32];
};

struct pg_blob {
	unsigned char *data;
	size_t len;
};

struct pg_stmt {
	struct db_stmt base;
	struct store *store;
	char *sql;
	int nparams;
	struct pg_param *params;
	/* The arrays PQexecParams takes, filled from params at each run (one
	 * allocation, at values), and whether the text uses each parameter. */
	const char **values;
	Oid *types;
	int *lengths;
	int *formats;
	bool *used;
	PGresult *res;
	/* The current row of res: -1 before the first. */
	int row;
	/* bytea columns of the current row, decoded on demand. */
	struct pg_blob *blobs;
	int nblobs;
};

#define ST(s) ((struct pg_stmt *)(s))

/* Records msg as one line: libpq's end in a newline, and a failed connect
 * says more on indented lines; the store logs a line per error. */
void pg_set_error(struct pg_conn *c, const char *msg, const char *sqlstate)
{
	size_t o = 0;
	if (!msg || !*msg)
		msg = "unknown error";
	while (*msg && o + 1 < sizeof(c->err)) {
		if (*msg == '\n') {
			msg += strspn(msg, "\n\t ");
			if (*msg && o + 3 < sizeof(c->err)) {
				c->err[o++] = ';';
				c->err[o++] = ' ';
			}
			continue;
		}
		c->err[o++] = *msg++;
	}
	c->err[o] = '\0';
	snprintf(c->sqlstate, sizeof(c->sqlstate), "%s", sqlstate ? sqlstate : "");
}

/* The error of a failed result, or of the connection when there is no
 * result (out of memory, or the connection is gone). */
void pg_set_result_error(struct pg_conn *c, const PGresult *res)
{
	if (res && *PQresultErrorMessage(res))
		pg_set_error(c, PQresultErrorMessage(res), PQresultErrorField(res, PG_DIAG_SQLSTATE));
	else
		pg_set_error(c, PQerrorMessage(c->pg), NULL);
}

/* Like SQLite's changes(): only a statement that writes rows sets it. */
static void note_changes(struct pg_conn *c, PGresult *res)
{
	static const char *const writes[] = {"INSERT ", "UPDATE ", "DELETE ", "MERGE "};
	const char *status = PQcmdStatus(res);
	for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
		if (!strncmp(status, writes[i], strlen(writes[i]))) {
			c->changes = strtoll(PQcmdTuples(res), NULL, 10);
			return;
		}
	}
}


/* A connection that could not be made: down from the start, so that a
 * statement on it (a caller that went on) connects again instead of
 * logging a loss. The error is recorded. */
static int opened_down(struct store *store)
{
	struct pg_conn *c = CONN(store);
	c->down = true;
	c->lost_ns = now_mono_ns();
	snprintf(c->why, sizeof(c->why), "%.255s", c->err);
	return store_fail(store, "open");
}

static int pg_open(struct store *store, const char *location, bool sync_full)
{
	/* The location's own connect_timeout and application_name win (keys
	 * before dbname yield to the URI's, keys after it are fallbacks). */
	const char *const keys[] = {"connect_timeout", "dbname", "fallback_application_name",
				    NULL};
	const char *const vals[] = {getenv("PGCONNECT_TIMEOUT") ? NULL : CONNECT_TIMEOUT_S,
				    location, "benchfs", NULL};
	struct pg_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return store_nomem(store);
	store->conn = c;
	c->sync_full = sync_full;
	/* A NULL first value: the list starts at dbname. */
	c->pg = PQconnectdbParams(vals[0] ? keys : keys + 1, vals[0] ? vals : vals + 1, 1);
	if (!c->pg) {
		pg_set_error(c, "out of memory", NULL);
		return store_fail(store, "open");
	}
	if (PQstatus(c->pg) != CONNECTION_OK) {
		pg_set_error(c, PQerrorMessage(c->pg), NULL);
		return opened_down(store);
	}
	if (!pg_session(c))
		return opened_down(store);
	return STORE_OK;
}

static void pg_close(struct store *store)
{
	struct pg_conn *c = CONN(store);
	if (!c)
		return;
	PQfinish(c->pg);
	free(c->listens);
	free(c);
	store->conn = NULL;
}


static void clear_blobs(struct pg_stmt *s)
{
	for (int i = 0; i < s->nblobs; i++)
		PQfreemem(s->blobs[i].data);
	free(s->blobs);
	s->blobs = NULL;
	s->nblobs = 0;
}

static void clear_result(struct pg_stmt *s)
{
	clear_blobs(s);
	PQclear(s->res);
	s->res = NULL;
	s->row = -1;
}

static void pg_finalize(struct db_stmt *stmt)
{
	struct pg_stmt *s = ST(stmt);
	clear_result(s);
	for (int i = 0; i < s->nparams; i++)
		free(s->params[i].owned);
	free(s->params);
	free(s->values);
	free(s->sql);
	free(s);
}

static struct db_stmt *pg_prepare(struct store *store, const char *sql)
{
	struct pg_stmt *s = calloc(1, sizeof(*s));
	/* One spare element: calloc(0) may give NULL, which means out of memory here. */
	size_t n;
	int rc;
	if (!s) {
		store_nomem(store);
		return NULL;
	}
	s->base.engine = &db_pg_engine;
	s->store = store;
	s->row = -1;
	if ((rc = pg_translate(&s->sql, &s->nparams, sql)) == -EINVAL) {
		pg_set_error(CONN(store), "a parameter's number is out of range (1 to 32766)", NULL);
		free(s);
		store_fail(store, "prepare");
		return NULL;
	}
	n = (size_t)s->nparams + 1;
	if (rc || !(s->params = calloc(n, sizeof(*s->params))) ||
	    !(s->values = calloc(n, sizeof(*s->values) + sizeof(*s->types) +
				       2 * sizeof(*s->lengths) + sizeof(*s->used)))) {
		s->nparams = 0;
		pg_finalize(&s->base);
		store_nomem(store);
		return NULL;
	}
	/* Pointers first, then the 4-byte arrays, then the bytes: each aligned. */
	s->types = (Oid *)(s->values + n);
	s->lengths = (int *)(s->types + n);
	s->formats = s->lengths + n;
	s->used = (bool *)(s->formats + n);
	pg_mark_used(s->used, s->nparams, s->sql);
	return &s->base;
}

static PGresult *send_exec(PGconn *pg, const void *sql)
{
	return PQexec(pg, sql);
}

/* The end of a transaction whose session was lost: the server rolled it
 * back as the session ended. A ROLLBACK has nothing left to do (the next
 * BEGIN goes to a new connection); a COMMIT fails. */
static int end_lost(struct pg_conn *c, bool rollback)
{
	c->tx_lost = false;
	return rollback ? STORE_OK : STORE_ERROR;
}

static int pg_exec(struct store *store, const char *sql)
{
	struct pg_conn *c = CONN(store);
	bool rollback = !strcmp(sql, "ROLLBACK"), ends = rollback || !strcmp(sql, "COMMIT");
	PGresult *res;
	if (ends && (c->tx_lost || c->down)) {
		if (!rollback)
			pg_set_error(c, "the connection to PostgreSQL was lost inside this"
				     " transaction: nothing of it was committed", "08006");
		return end_lost(c, rollback);
	}
	if (!(res = pg_run(c, send_exec, sql)))
		return ends && c->tx_lost ? end_lost(c, rollback) : STORE_ERROR;
	note_changes(c, res);
	PQclear(res);
	return STORE_OK;
}

static PGresult *send_params(PGconn *pg, const void *arg)
{
	const struct pg_stmt *s = arg;
	return PQexecParams(pg, s->sql, s->nparams, s->types, s->values, s->lengths, s->formats,
			    0);
}

static int pg_step(struct db_stmt *stmt)
{
	struct pg_stmt *s = ST(stmt);
	struct pg_conn *c = CONN(s->store);
	/* The whole result is fetched at once (not row by row): the store runs
	 * other statements on the connection between the rows of a query. */
	if (s->res) {
		clear_blobs(s);
		if (++s->row < PQntuples(s->res))
			return DB_ROW;
		/* Past the end, as SQLite: the next step runs the statement again. */
		clear_result(s);
		return DB_DONE;
	}
	for (int i = 0; i < s->nparams; i++) {
		/* The server cannot type a parameter the text never uses: text, then. */
		s->types[i] = s->params[i].type || s->used[i] ? s->params[i].type : PG_TEXTOID;
		s->values[i] = s->params[i].value;
		s->lengths[i] = s->params[i].length;
		s->formats[i] = s->params[i].format;
	}
	if (!(s->res = pg_run(c, send_params, s))) {
		clear_result(s);
		return PG_FAIL;
	}
	note_changes(c, s->res);
	s->row = 0;
	if (PQntuples(s->res) > 0)
		return DB_ROW;
	clear_result(s);
	return DB_DONE;
}

static void pg_reset(struct db_stmt *stmt)
{
	clear_result(ST(stmt));
}

/* The parameter i (1-based) to set, its old value dropped; NULL (error
 * recorded) when out of range. */
static struct pg_param *param(struct pg_stmt *s, int i)
{
	struct pg_param *p;
	if (i < 1 || i > s->nparams) {
		char msg[64];
		snprintf(msg, sizeof(msg), "parameter %d out of range (the statement has %d)", i,
			 s->nparams);
		pg_set_error(CONN(s->store), msg, NULL);
		return NULL;
	}
	p = &s->params[i - 1];
	free(p->owned);
	memset(p, 0, sizeof(*p));
	return p;
}

static int pg_bind_int64(struct db_stmt *stmt, int i, int64_t value)
{
	struct pg_param *p = param(ST(stmt), i);
	if (!p)
		return PG_FAIL;
	p->type = PG_INT8OID;
	snprintf(p->num, sizeof(p->num), "%" PRId64, value);
	p->value = p->num;
	return 0;
}

static int pg_bind_double(struct db_stmt *stmt, int i, double value)
{
	struct pg_param *p = param(ST(stmt), i);
	if (!p)
		return PG_FAIL;
	p->type = PG_FLOAT8OID;
	/* %.17g reads back as the same double; float8in spells the rest so. */
	if (isnan(value))
		snprintf(p->num, sizeof(p->num), "NaN");
	else if (isinf(value))
		snprintf(p->num, sizeof(p->num), "%s", value > 0 ? "Infinity" : "-Infinity");
	else
		snprintf(p->num, sizeof(p->num), "%.17g", value);
	p->value = p->num;
	return 0;
}

static int pg_bind_text(struct db_stmt *stmt, int i, const char *text, int len)
{
	struct pg_param *p = param(ST(stmt), i);
	size_t n;
	if (!p)
		return PG_FAIL;
	/* SQLite binds NULL for a NULL pointer. */
	if (!text)
		return 0;
	n = len < 0 ? strlen(text) : (size_t)len;
	if (!(p->owned = malloc(n + 1))) {
		pg_set_error(CONN(ST(stmt)->store), "out of memory", NULL);
		return PG_FAIL;
	}
	memcpy(p->owned, text, n);
	p->owned[n] = '\0';
	/* Type 0: the server types it from where it is used, as it does a quoted literal. */
	p->value = p->owned;
	return 0;
}

static int pg_bind_blob(struct db_stmt *stmt, int i, const void *blob, size_t len)
{
	struct pg_param *p = param(ST(stmt), i);
	if (!p)
		return PG_FAIL;
	if (!blob)
		return 0;
	if (len > INT32_MAX) {
		pg_set_error(CONN(ST(stmt)->store), "blob too large", NULL);
		return PG_FAIL;
	}
	p->type = PG_BYTEAOID;
	p->value = blob;
	p->length = (int)len;
	p->format = 1;
	return 0;
}

static int pg_bind_null(struct db_stmt *stmt, int i)
{
	return param(ST(stmt), i) ? 0 : PG_FAIL;
}

static int pg_bind_parameter_count(struct db_stmt *stmt)
{
	return ST(stmt)->nparams;
}

/* The current row's column col, or NULL for SQL NULL and for a column or
 * row that is not there. */
static const char *value(struct pg_stmt *s, int col)
{
	if (!s->res || s->row < 0 || s->row >= PQntuples(s->res) || col < 0 ||
	    col >= PQnfields(s->res) || PQgetisnull(s->res, s->row, col))
		return NULL;
	return PQgetvalue(s->res, s->row, col);
}

static int64_t pg_column_int64(struct db_stmt *stmt, int col)
{
	const char *v = value(ST(stmt), col);
	char *end;
	long long n;
	double d;
	if (!v)
		return 0;
	if (!strcmp(v, "t") || !strcmp(v, "f"))
		return *v == 't';
	errno = 0;
	n = strtoll(v, &end, 10);
	if (end != v && *end != '.' && *end != 'e' && *end != 'E')
		return n;
	/* A fraction, an exponent, NaN or Infinity: SQLite truncates toward
	 * zero and clamps to the range (NaN reads 0). */
	d = strtod(v, NULL);
	if (isnan(d))
		return 0;
	if (d >= 9223372036854775807.0)
		return INT64_MAX;
	if (d <= -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)d;
}

static double pg_column_double(struct db_stmt *stmt, int col)
{
	const char *v = value(ST(stmt), col);
	if (!v)
		return 0.0;
	if (!strcmp(v, "t") || !strcmp(v, "f"))
		return *v == 't';
	return strtod(v, NULL);
}

static const unsigned char *pg_column_text(struct db_stmt *stmt, int col)
{
	return (const unsigned char *)value(ST(stmt), col);
}

/* Column col of the current row as bytes: a bytea column decoded from its
 * hex text (kept until the next step), any other as its text. */
static const void *column_bytes_of(struct pg_stmt *s, int col, size_t *len)
{
	const char *v = value(s, col);
	*len = 0;
	if (!v)
		return NULL;
	if (PQftype(s->res, col) != PG_BYTEAOID) {
		*len = (size_t)PQgetlength(s->res, s->row, col);
		return v;
	}
	if (!s->blobs) {
		if (!(s->blobs = calloc((size_t)PQnfields(s->res), sizeof(*s->blobs))))
			return NULL;
		s->nblobs = PQnfields(s->res);
	}
	if (!s->blobs[col].data)
		s->blobs[col].data = PQunescapeBytea((const unsigned char *)v, &s->blobs[col].len);
	*len = s->blobs[col].data ? s->blobs[col].len : 0;
	return s->blobs[col].data;
}

static const void *pg_column_blob(struct db_stmt *stmt, int col)
{
	size_t len;
	return column_bytes_of(ST(stmt), col, &len);
}

static size_t pg_column_bytes(struct db_stmt *stmt, int col)
{
	size_t len;
	column_bytes_of(ST(stmt), col, &len);
	return len;
}

static bool pg_column_is_null(struct db_stmt *stmt, int col)
{
	return value(ST(stmt), col) == NULL;
}

static int64_t pg_changes(struct store *store)
{
	return CONN(store) ? CONN(store)->changes : 0;
}

static const char *pg_errmsg(struct store *store)
{
	return CONN(store) ? CONN(store)->err : "out of memory";
}

static bool pg_error_is_full(struct store *store)
{
	/* 53100 disk_full. Class 53's others (out of memory, too many
	 * connections, a configured limit) are faults to report, not the
	 * machine's state a writer waits out. */
	return CONN(store) && !strcmp(CONN(store)->sqlstate, "53100");
}

static char version_text[64];

static void version_once(void)
{
	/* PQlibVersion: major * 10000 + minor since PostgreSQL 10. */
	int v = PQlibVersion();
	snprintf(version_text, sizeof(version_text), "PostgreSQL client %d.%d", v / 10000,
		 v % 10000);
}

static const char *pg_version(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, version_once);
	return version_text;
}

const struct db_engine db_pg_engine = {
	.dialect = DB_POSTGRES,
	.name = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.prepare = pg_prepare,
	.exec = pg_exec,
	.step = pg_step,
	.reset = pg_reset,
	.finalize = pg_finalize,
	.bind_int64 = pg_bind_int64,
	.bind_double = pg_bind_double,
	.bind_text = pg_bind_text,
	.bind_blob = pg_bind_blob,
	.bind_null = pg_bind_null,
	.bind_parameter_count = pg_bind_parameter_count,
	.column_int64 = pg_column_int64,
	.column_double = pg_column_double,
	.column_text = pg_column_text,
	.column_blob = pg_column_blob,
	.column_bytes = pg_column_bytes,
	.column_is_null = pg_column_is_null,
	.changes = pg_changes,
	.errmsg = pg_errmsg,
	.error_is_full = pg_error_is_full,
	.version = pg_version,
	.listen = pg_listen,
	.wait = pg_wait,
};
