/* The schema's history: SQLite's migrations from an empty file, and
 * PostgreSQL's from the schema store/schema_pg.c creates. store_open
 * (open.c) applies them. */
#include "store/internal.h"
#include "store/schema_pg.h"

/* Migration 17 in either engine's words: its integer and text types
 * (PostgreSQL's text compares bytewise, as SQLite's does), SQLite's WITHOUT
 * ROWID, and PostgreSQL's version bump. */
#define STORE_FLEET_SQL(INT, TXT, WITHOUT_ROWID, BUMP)                                    \
	"ALTER TABLE runs ADD COLUMN labels" TXT " NOT NULL DEFAULT '';"                     \
	"ALTER TABLE runs ADD COLUMN runner" TXT " NOT NULL DEFAULT '';"                     \
	"ALTER TABLE runs ADD COLUMN lease_ns" INT " NOT NULL DEFAULT 0;"                    \
	"CREATE TABLE run_labels (run_id" INT " NOT NULL REFERENCES runs (id),"              \
	" label" TXT " NOT NULL, PRIMARY KEY (run_id, label))" WITHOUT_ROWID ";"             \
	"CREATE INDEX runs_held ON runs (runner, state) WHERE runner <> '';"                 \
	"CREATE TABLE runners (name" TXT " PRIMARY KEY, labels" TXT " NOT NULL,"             \
	" host" TXT " NOT NULL, pid" INT " NOT NULL, run_id" INT " NOT NULL DEFAULT 0,"      \
	" started_ns" INT " NOT NULL, heartbeat_ns" INT " NOT NULL);" BUMP

/* Migration 18, likewise; a file is stored as it is (size its length). */
#define STORE_RUN_FILES_SQL(INT, TXT, BLOB, WITHOUT_ROWID, BUMP)                          \
	"CREATE TABLE run_files (run_id" INT " NOT NULL REFERENCES runs (id),"               \
	" name" TXT " NOT NULL, size" INT " NOT NULL, mtime_ns" INT " NOT NULL,"             \
	" body" BLOB " NOT NULL, PRIMARY KEY (run_id, name))" WITHOUT_ROWID ";" BUMP

/* SQLite's: each entry moves the schema from version i to i + 1. Never edit
 * a shipped entry: add a new one, so existing stores migrate forward. A
 * PostgreSQL store is created at version 16 by store/schema_pg.c; a new
 * entry here needs its PostgreSQL text too (store_pg_migrations). */
const char *const store_migrations[] = {
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
	"INSERT INTO meta (key, value) VALUES ('seq', 0);"
	"CREATE TABLE runs ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" revision TEXT NOT NULL,"
	" commit_sha TEXT NOT NULL CHECK (length(commit_sha) = 40),"
	" state TEXT NOT NULL CHECK (state IN ('queued','building','running','done','failed')),"
	" detail TEXT NOT NULL DEFAULT '',"
	" seq INTEGER NOT NULL,"
	" created_ns INTEGER NOT NULL,"
	" updated_ns INTEGER NOT NULL,"
	" started_ns INTEGER NOT NULL DEFAULT 0,"
	" finished_ns INTEGER NOT NULL DEFAULT 0,"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" config TEXT NOT NULL,"
	" system TEXT,"
	" result TEXT);"
	"CREATE INDEX runs_by_state ON runs (state, id);"
	"CREATE INDEX runs_by_commit ON runs (commit_sha, state, id);"
	"CREATE TABLE iterations ("
	" run_id INTEGER NOT NULL REFERENCES runs (id),"
	" benchmark TEXT NOT NULL,"
	" iteration INTEGER NOT NULL,"
	" wall_ns INTEGER NOT NULL,"
	" user_ns INTEGER NOT NULL,"
	" sys_ns INTEGER NOT NULL,"
	" maxrss_bytes INTEGER NOT NULL,"
	" exit_code INTEGER NOT NULL,"
	" term_signal INTEGER NOT NULL,"
	" PRIMARY KEY (run_id, benchmark, iteration)) WITHOUT ROWID;",

	/* 2: hosts (views pool runs of one host), linked A/B runs, pinned
	 * baselines, per-benchmark metrics, and an index for per-benchmark history. */
	"ALTER TABLE runs ADD COLUMN host TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE runs ADD COLUMN pair_id INTEGER NOT NULL DEFAULT 0;"
	"UPDATE runs SET host = coalesce(json_extract(system, '$.hostname'), '')"
	" WHERE system IS NOT NULL AND json_valid(system);"
	/* Covering: the views list a host's done runs without touching the
	 * large result column (which pushes later columns to overflow pages). */
	"CREATE INDEX runs_done_by_host ON runs (host, state, id, commit_sha, finished_ns, pair_id);"
	/* The change number of the last change the computed views depend on (a
	 * run finishing done, a baseline pinned or removed). */
	"INSERT INTO meta (key, value) SELECT 'views_seq', value FROM meta WHERE key = 'seq';"
	"INSERT INTO meta (key, value) VALUES ('views_ns', 0);"
	"CREATE INDEX iterations_by_benchmark ON iterations (benchmark, run_id, iteration, wall_ns);"
	/* Per run and benchmark sums of wall time, written when a run finishes
	 * done: long histories are tested on per-commit means without reading
	 * every iteration. */
	"CREATE TABLE run_sums ("
	" run_id INTEGER NOT NULL REFERENCES runs (id),"
	" benchmark TEXT NOT NULL,"
	" n INTEGER NOT NULL,"
	" sum_wall_ns INTEGER NOT NULL,"
	" PRIMARY KEY (run_id, benchmark)) WITHOUT ROWID;"
	"INSERT INTO run_sums SELECT i.run_id, i.benchmark, count(*), sum(i.wall_ns)"
	" FROM iterations i JOIN runs r ON r.id = i.run_id WHERE r.state = 'done'"
	" GROUP BY i.run_id, i.benchmark;"
	"CREATE TABLE baselines ("
	" name TEXT PRIMARY KEY,"
	" revision TEXT NOT NULL,"
	" commit_sha TEXT NOT NULL CHECK (length(commit_sha) = 40),"
	" created_ns INTEGER NOT NULL);"
	"CREATE TABLE metrics ("
	" run_id INTEGER NOT NULL REFERENCES runs (id),"
	" benchmark TEXT NOT NULL,"
	" name TEXT NOT NULL,"
	" value REAL NOT NULL,"
	" PRIMARY KEY (run_id, benchmark, name)) WITHOUT ROWID;",

	/* 3: the identity of a run's build (checkout_artifacts_id), so views can
	 * tell byte-identical builds apart from changed ones. The covering index
	 * of done runs gains it: the column sits after result, whose overflow
	 * pages a table read would walk. */
	"ALTER TABLE runs ADD COLUMN build_id TEXT NOT NULL DEFAULT ''"
	" CHECK (build_id = '' OR (length(build_id) = 40 AND build_id NOT GLOB '*[^0-9a-f]*'));"
	"DROP INDEX runs_done_by_host;"
	"CREATE INDEX runs_done_by_host"
	" ON runs (host, state, id, commit_sha, finished_ns, pair_id, build_id);",

	/* 4: each run's fastest iteration beside its sum: under interference
	 * that comes and goes, a run's minimum moves far less than its mean, so
	 * the history's suspects are looked for in the minimums. */
	"ALTER TABLE run_sums ADD COLUMN min_wall_ns INTEGER NOT NULL DEFAULT 0;"
	"UPDATE run_sums SET min_wall_ns = (SELECT min(wall_ns) FROM iterations i"
	" WHERE i.run_id = run_sums.run_id AND i.benchmark = run_sums.benchmark);",

	/* 5: runs excluded from the computed views, with the reason given. A
	 * table of its own, not a column of runs: the covering index of done
	 * runs stays as it is, and the few excluded ids are skipped with one
	 * lookup each. */
	"CREATE TABLE exclusions ("
	" run_id INTEGER PRIMARY KEY REFERENCES runs (id),"
	" reason TEXT NOT NULL,"
	" excluded_ns INTEGER NOT NULL);",
	/* 6: the triage of the regressions file's alerts (views/alerts.h): the
	 * state of each alert id someone set or the daemon notified, with the
	 * entry's line as it was then (so an alert no longer listed can still
	 * be read), and every change of state, who made it and when. */
	"CREATE TABLE alerts ("
	" id TEXT PRIMARY KEY CHECK (length(id) = 12),"
	" commit_sha TEXT NOT NULL,"
	" benchmark TEXT NOT NULL,"
	" state TEXT NOT NULL,"
	" fixed_sha TEXT,"
	" uid INTEGER NOT NULL DEFAULT -1,"
	" changed_ns INTEGER NOT NULL DEFAULT 0,"
	" notified_ns INTEGER NOT NULL DEFAULT 0,"
	" line TEXT NOT NULL);"
	"CREATE TABLE alert_events ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	" alert_id TEXT NOT NULL,"
	" state TEXT NOT NULL,"
	" fixed_sha TEXT,"
	" uid INTEGER NOT NULL,"
	" at_ns INTEGER NOT NULL);"
	"CREATE INDEX alert_events_by_id ON alert_events (alert_id, seq);",
	/* 7: retention. An old run's per-iteration samples may be collapsed
	 * into per-run statistics: what history/<bench>.csv shows of a commit
	 * whose samples are all one run's (n, mean, stddev, median, min, max,
	 * in seconds, as stats_describe gives them), beside run_sums, which
	 * stays. summarized marks such a run (a table of its own, like
	 * exclusions): a view that needs its samples says they were pruned. */
	"CREATE TABLE run_summaries ("
	" run_id INTEGER NOT NULL REFERENCES runs (id),"
	" benchmark TEXT NOT NULL,"
	" n INTEGER NOT NULL,"
	" mean REAL NOT NULL,"
	" stddev REAL NOT NULL,"
	" median REAL NOT NULL,"
	" min REAL NOT NULL,"
	" max REAL NOT NULL,"
	" PRIMARY KEY (run_id, benchmark)) WITHOUT ROWID;"
	"CREATE TABLE summarized ("
	" run_id INTEGER PRIMARY KEY REFERENCES runs (id),"
	" summarized_ns INTEGER NOT NULL,"
	" samples INTEGER NOT NULL);",
	/* 8: bisections (service/bisect.h): one per confirmed step whose range
	 * holds commits never benchmarked, with the two ends it narrows, its
	 * state and the commit it named. Its runs are marked by their revision,
	 * "bisect/<id>", so a run queued before a crash is found again; the
	 * index finds them without a scan of every run. */
	"CREATE TABLE bisections ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" benchmark TEXT NOT NULL,"
	" metric TEXT NOT NULL,"
	" good TEXT NOT NULL CHECK (length(good) = 40),"
	" bad TEXT NOT NULL CHECK (length(bad) = 40),"
	" config TEXT NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN"
	" ('running','named','not-verified','gave-up','capped')),"
	" culprit TEXT,"
	" runs TEXT NOT NULL DEFAULT '',"
	" detail TEXT NOT NULL DEFAULT '',"
	" created_ns INTEGER NOT NULL,"
	" updated_ns INTEGER NOT NULL,"
	" UNIQUE (benchmark, metric, good, bad));"
	"CREATE INDEX runs_by_revision ON runs (revision, id) WHERE revision LIKE 'bisect/%';",
	/* 9: baselines' provenance and history: every pin and unpin of a name,
	 * by which uid, on which host, the run a pin referred to (0: none yet)
	 * and that run's toolchain; a name's current pin points at its event.
	 * Pins made before keep their name, revision, commit and time; what was
	 * not recorded then is NULL (shown as unknown). */
	"CREATE TABLE baseline_events ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" name TEXT NOT NULL,"
	" action TEXT NOT NULL CHECK (action IN ('pin', 'unpin')),"
	" revision TEXT,"
	" commit_sha TEXT NOT NULL CHECK (length(commit_sha) = 40),"
	" run_id INTEGER,"
	" uid INTEGER,"
	" host TEXT,"
	" cc TEXT,"
	" libc TEXT,"
	" at_ns INTEGER NOT NULL);"
	"CREATE INDEX baseline_events_by_name ON baseline_events (name, id);"
	"ALTER TABLE baselines ADD COLUMN event_id INTEGER NOT NULL DEFAULT 0;"
	"INSERT INTO baseline_events (name, action, revision, commit_sha, at_ns)"
	" SELECT name, 'pin', revision, commit_sha, created_ns FROM baselines"
	" ORDER BY created_ns, name;"
	"UPDATE baselines SET event_id = (SELECT max(id) FROM baseline_events e"
	" WHERE e.name = baselines.name);",
	/* 10: watched branches (service/watch.h): per remote and branch, the
	 * last fetch, its result, the last error, the tip last queued, how
	 * many commits that fetch queued, the next fetch due and the count of
	 * failed fetches in a row (the backoff). */
	"CREATE TABLE watch_branches ("
	" remote TEXT NOT NULL,"
	" branch TEXT NOT NULL,"
	" fetched_ns INTEGER NOT NULL DEFAULT 0,"
	" result TEXT NOT NULL DEFAULT '',"
	" tip TEXT NOT NULL DEFAULT '',"
	" queued INTEGER NOT NULL DEFAULT 0,"
	" next_ns INTEGER NOT NULL DEFAULT 0,"
	" error TEXT NOT NULL DEFAULT '',"
	" error_ns INTEGER NOT NULL DEFAULT 0,"
	" failures INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (remote, branch));",
	/* 11: kept views (store/view_cache.c): a computed view's text at the
	 * results change number it was computed at, so that a view of the
	 * whole history is computed once per change, not once per read. */
	"CREATE TABLE kept_views ("
	" key TEXT PRIMARY KEY,"
	" seq INTEGER NOT NULL,"
	" body BLOB NOT NULL);",
	/* 12: compact storage. Benchmark names get integer ids and the samples
	 * are keyed by (run, benchmark id, iteration): the name is no longer
	 * repeated in every row, and the primary key serves every query, so the
	 * per-benchmark index (a second copy of most of each row) goes.
	 * "iterations" stays as a view with the old columns. A partial
	 * index finds the benchmarks that have samples (each starts at
	 * iteration 1) without a walk over all of them. Configurations are
	 * stored once (configs, looked up by a hash of the text), and a run's
	 * result.json is stored packed and compressed (result_z, store/
	 * result_pack.h); rows written before this migration are converted by
	 * store_open in batches (meta 'pack_pending'), and read as they are
	 * until then. */
	"CREATE TABLE benchmarks ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE);"
	"INSERT INTO benchmarks (name) SELECT DISTINCT benchmark FROM iterations ORDER BY 1;"
	"CREATE TABLE samples ("
	" run_id INTEGER NOT NULL REFERENCES runs (id),"
	" bench_id INTEGER NOT NULL REFERENCES benchmarks (id),"
	" iteration INTEGER NOT NULL,"
	" wall_ns INTEGER NOT NULL,"
	" user_ns INTEGER NOT NULL,"
	" sys_ns INTEGER NOT NULL,"
	" maxrss_bytes INTEGER NOT NULL,"
	" exit_code INTEGER NOT NULL,"
	" term_signal INTEGER NOT NULL,"
	" PRIMARY KEY (run_id, bench_id, iteration)) WITHOUT ROWID;"
	"INSERT INTO samples SELECT i.run_id, b.id, i.iteration, i.wall_ns, i.user_ns, i.sys_ns,"
	" i.maxrss_bytes, i.exit_code, i.term_signal"
	" FROM iterations i JOIN benchmarks b ON b.name = i.benchmark ORDER BY 1, 2, 3;"
	"DROP TABLE iterations;"
	"CREATE INDEX samples_first ON samples (bench_id) WHERE iteration = 1;"
	"CREATE VIEW iterations AS SELECT s.run_id, b.name AS benchmark, s.iteration, s.wall_ns,"
	" s.user_ns, s.sys_ns, s.maxrss_bytes, s.exit_code, s.term_signal"
	" FROM samples s JOIN benchmarks b ON b.id = s.bench_id;"
	/* Writes through the old name keep working too. */
	"CREATE TRIGGER iterations_insert INSTEAD OF INSERT ON iterations BEGIN"
	" INSERT OR IGNORE INTO benchmarks (name) VALUES (NEW.benchmark);"
	" INSERT INTO samples VALUES (NEW.run_id,"
	" (SELECT id FROM benchmarks WHERE name = NEW.benchmark), NEW.iteration, NEW.wall_ns,"
	" NEW.user_ns, NEW.sys_ns, NEW.maxrss_bytes, NEW.exit_code, NEW.term_signal); END;"
	"CREATE TRIGGER iterations_delete INSTEAD OF DELETE ON iterations BEGIN"
	" DELETE FROM samples WHERE run_id = OLD.run_id AND iteration = OLD.iteration"
	" AND bench_id = (SELECT id FROM benchmarks WHERE name = OLD.benchmark); END;"
	"CREATE TABLE configs ("
	" id INTEGER PRIMARY KEY,"
	" hash INTEGER NOT NULL,"
	" body TEXT NOT NULL);"
	"CREATE INDEX configs_by_hash ON configs (hash);"
	"ALTER TABLE runs ADD COLUMN config_id INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE runs ADD COLUMN result_z BLOB;"
	"INSERT INTO meta (key, value) VALUES ('pack_pending', 1);",
	/* 13: every done run described (store/run_stats.c): per benchmark the
	 * statistics history/<bench>.csv and .svg show of a commit measured
	 * once, so that they read one small row per run instead of every
	 * sample. Derived data: written when the daemon is idle (described
	 * marks the runs done), and a run without them is read from its
	 * samples. Keyed by benchmark first: a history reads one benchmark. */
	"CREATE TABLE run_stats ("
	" benchmark TEXT NOT NULL,"
	" run_id INTEGER NOT NULL REFERENCES runs (id),"
	" n INTEGER NOT NULL,"
	" mean REAL NOT NULL,"
	" stddev REAL NOT NULL,"
	" median REAL NOT NULL,"
	" min REAL NOT NULL,"
	" max REAL NOT NULL,"
	" PRIMARY KEY (benchmark, run_id)) WITHOUT ROWID;"
	"CREATE TABLE described (run_id INTEGER PRIMARY KEY REFERENCES runs (id));",
	/* 14: the listing of runs/ (store/run_listing.c) reads every run's id,
	 * state and creation time from this covering index: a scan of the table
	 * reads each run's row, whose pages lie scattered through the file
	 * between the large columns' overflow pages (slow once the page cache
	 * is cold). */
	"CREATE INDEX runs_listing ON runs (id, state, created_ns);",
	/* 15: metrics a benchmark reports per iteration (store/metric_samples.c),
	 * keyed like samples so that a run's values of one benchmark are one
	 * range, with their unit and direction defined once by name. */
	"CREATE TABLE metric_defs ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" unit TEXT NOT NULL,"
	" higher INTEGER NOT NULL CHECK (higher IN (0, 1)));"
	"CREATE TABLE metric_samples ("
	" run_id INTEGER NOT NULL REFERENCES runs (id),"
	" bench_id INTEGER NOT NULL REFERENCES benchmarks (id),"
	" metric_id INTEGER NOT NULL REFERENCES metric_defs (id),"
	" iteration INTEGER NOT NULL,"
	" value REAL NOT NULL,"
	" PRIMARY KEY (run_id, bench_id, metric_id, iteration)) WITHOUT ROWID;",
	/* 16: runs described before the keeper described cpu and memory too are
	 * described again (derived data: the keeper redoes it in batches when
	 * idle, and until then their history reads the samples). */
	"DELETE FROM described;",
	/* 17: the fleet (store/claims.c). A job needs labels (run_labels, one
	 * row each, so a claim matches them in SQL; labels repeats them for
	 * display); a runner claims it (runner), holds it until lease_ns and
	 * renews that while it lives; runners lists who is there. */
	STORE_FLEET_SQL(" INTEGER", " TEXT", " WITHOUT ROWID", ""),
	/* 18: a run's files kept in the store (store/run_files.c): its
	 * debug.log and extra files (perf.data, profiles, artifacts) as its
	 * runner left them, so that every machine sharing the store shows
	 * them, not only the one that ran it. */
	STORE_RUN_FILES_SQL(" INTEGER", " TEXT", " BLOB", " WITHOUT ROWID", ""),
};

/* PostgreSQL's migrations from the version store/schema_pg.c creates. */
const char *const store_pg_migrations[] = {
	STORE_FLEET_SQL(" bigint", " text COLLATE \"C\"", "", "UPDATE schema_version SET version = 17;"),
	STORE_RUN_FILES_SQL(" bigint", " text COLLATE \"C\"", " bytea", "",
			    "UPDATE schema_version SET version = 18;"),
};

_Static_assert(sizeof(store_migrations) / sizeof(store_migrations[0]) == STORE_SCHEMA_VERSION,
	       "STORE_SCHEMA_VERSION must equal the number of migrations");
_Static_assert(STORE_PG_SCHEMA_VERSION +
			       sizeof(store_pg_migrations) / sizeof(store_pg_migrations[0]) ==
		       STORE_SCHEMA_VERSION,
	       "a new migration needs its PostgreSQL text in pg_migrations");
