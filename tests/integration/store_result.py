"""A run's result.json read straight from the store's file, for tests that
look into benchfs.db: runs.result as written before schema 12, else
runs.result_z unpacked as store/result_pack.c does (a kind byte, the
payload's length, zlib; in a 'P' payload each \\x01<letter><benchmark>\\x02
is that benchmark's array rendered from its samples as runner/result.c
writes it). connect() opens either engine's store for these reads."""
import json
import sqlite3
import struct
import subprocess
import zlib

_SAMPLES = ("SELECT b.name, s.wall_ns, s.user_ns, s.sys_ns, s.maxrss_bytes, s.exit_code,"
            " s.term_signal FROM samples s JOIN benchmarks b ON b.id = s.bench_id"
            " WHERE s.run_id = ? ORDER BY s.bench_id, s.iteration")


class _PgCursor:
    def __init__(self, rows):
        self._rows = iter(rows)

    def __iter__(self):
        return self._rows

    def fetchone(self):
        return next(self._rows, None)


class PgStore:
    """A PostgreSQL store read through psql (psycopg is not installed): as
    much of sqlite3.Connection as the tests use. execute() takes ?
    parameters (psql quotes them; every ? in the text is one) and gives
    rows of tuples as sqlite3 does: integers, floats (a whole one as an
    int), str, None, and bytea as bytes."""

    def __init__(self, uri):
        self.uri = uri

    def execute(self, sql, params=()):
        parts = sql.split("?")
        if len(parts) != len(params) + 1:
            raise ValueError("%d parameters for %d ?" % (len(params), len(parts) - 1))
        query = parts[0] + "".join(":'p%d'%s" % (i, part) for i, part in enumerate(parts[1:]))
        # Each row as JSON on a line (an object whose keys keep their order,
        # even when repeated), a line --, then each column's name|type: bytea
        # arrives as \x hex.
        script = ("SELECT row_to_json(q) FROM (%s) q \\g\n\\echo --\n"
                  "SELECT * FROM (%s) q \\gdesc\n" % (query, query))
        argv = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", self.uri, "-f", "-"]
        for i, value in enumerate(params):
            argv += ["-v", "p%d=%s" % (i, value)]
        out = subprocess.run(argv, input=script, capture_output=True, text=True, check=True).stdout
        lines = out.split("\n")
        end = lines.index("--")
        rows = [json.loads(line, object_pairs_hook=lambda pairs: [v for _, v in pairs])
                for line in lines[:end]]
        types = [line.split("|")[-1] for line in lines[end + 1:] if line]
        for row in rows:
            for i, kind in enumerate(types):
                if kind == "bytea" and row[i] is not None:
                    row[i] = bytes.fromhex(row[i][2:])
        return _PgCursor(tuple(row) for row in rows)

    def close(self):
        pass


def connect(location):
    """The store at LOCATION: a postgresql:// URI, else a SQLite file."""
    if location.startswith(("postgresql://", "postgres://")):
        return PgStore(location)
    return sqlite3.connect(location)


def _value(letter, row):
    _, wall, user, sys_ns, rss, code, sig = row
    if letter in "tus":
        return "%.9f" % ({"t": wall, "u": user, "s": sys_ns}[letter] / 1e9)
    if letter == "m":
        return "%d" % rss
    return "%d" % (128 + sig if sig > 0 else code)


def result_text(db, run_id):
    text, blob = db.execute("SELECT result, result_z FROM runs WHERE id = ?",
                            (run_id,)).fetchone()
    if text is not None or blob is None:
        return text
    kind, length = chr(blob[0]), struct.unpack("<I", blob[1:5])[0]
    payload = zlib.decompress(blob[5:])
    assert len(payload) == length
    if kind == "T":
        return payload.decode()
    series = {}
    for row in db.execute(_SAMPLES, (run_id,)):
        series.setdefault(row[0], []).append(row)
    out, i = bytearray(), 0
    while True:
        j = payload.find(b"\x01", i)
        if j < 0:
            out += payload[i:]
            return out.decode()
        out += payload[i:j]
        k = payload.index(b"\x02", j)
        letter, name = chr(payload[j + 1]), payload[j + 2:k].decode()
        line = out[out.rfind(b"\n") + 1:]
        indent = len(line) - len(line.lstrip(b" "))
        values = [" " * (indent + 2) + _value(letter, r) for r in series[name]]
        out += ("[\n" + ",\n".join(values) + "\n" + " " * indent + "]").encode()
        i = k + 1
