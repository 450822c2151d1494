"""A run's result.json read straight from the store's file, for tests that
look into benchfs.db: runs.result as written before schema 12, else
runs.result_z unpacked as store/result_pack.c does (a kind byte, the
payload's length, zlib; in a 'P' payload each \\x01<letter><benchmark>\\x02
is that benchmark's array rendered from its samples as runner/result.c
writes it)."""
import struct
import zlib

_SAMPLES = ("SELECT b.name, s.wall_ns, s.user_ns, s.sys_ns, s.maxrss_bytes, s.exit_code,"
            " s.term_signal FROM samples s JOIN benchmarks b ON b.id = s.bench_id"
            " WHERE s.run_id = ? ORDER BY s.bench_id, s.iteration")


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
