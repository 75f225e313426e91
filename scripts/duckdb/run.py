"""The monitoring controls of a trailgraph snapshot in DuckDB, timed (see ../bench-duckdb).

Usage: run.py SNAPSHOT REPORT.json — loads the snapshot's node lines, runs controls.sql and
monitoring.sql, writes one JSON object per (control, account) to REPORT.json, and prints the
times of each phase and the peak memory of this process.
"""

import pathlib
import resource
import sys
import time

import duckdb

here = pathlib.Path(__file__).parent


def duckdb_literal(text):
    """A SQL string literal (a regex must be a constant for DuckDB to compile it once)."""
    return "'" + text.replace("'", "''") + "'"


snapshot, report = sys.argv[1], sys.argv[2]
db = duckdb.connect()
db.execute("SET preserve_insertion_order = false")

started = time.perf_counter()
# A snapshot is JSON lines: a header, one object per node, one array per edge, a footer. The
# node lines are the ones that start with {"id":.
db.execute(
    """
    CREATE TEMP TABLE nodes AS
    SELECT line->>'kind' AS kind, line->>'id' AS id, line->'reported' AS r
    FROM read_csv(?, columns = {'line': 'VARCHAR'}, header = false, delim = '\x1f',
                  quote = '', escape = '', auto_detect = false, max_line_size = 100000000)
    WHERE starts_with(line, '{"id":')
    """,
    [snapshot],
)
loaded = time.perf_counter()
db.execute((here / "controls.sql").read_text())
controls = db.execute("SELECT control, pattern FROM controls").fetchall()
per_control = [
    "SELECT ? AS control, account_id, log_group_name, metric_name, filter_name"
    " FROM filters WHERE regexp_matches(filter_pattern, " + duckdb_literal(pattern) + ")"
    for _, pattern in controls
]
monitoring = (here / "monitoring.sql").read_text()
head, tail = monitoring.split("CREATE TEMP TABLE results AS", 1)
db.execute(head)
db.execute(
    "CREATE TEMP TABLE matching AS " + " UNION ALL ".join(per_control),
    [name for name, _ in controls],
)
db.execute("CREATE TEMP TABLE results AS" + tail)
checked = time.perf_counter()
db.execute(f"COPY (SELECT * FROM results ORDER BY control, account_id) TO '{report}' (FORMAT json)")
written = time.perf_counter()

nodes = db.execute("SELECT count(*) FROM nodes").fetchone()[0]
rows, ok = db.execute("SELECT count(*), count(*) FILTER (status = 'ok') FROM results").fetchone()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"duckdb {duckdb.__version__}: {nodes} nodes, {rows} results ({ok} ok)")
print(f"duckdb load: {loaded - started:.2f} s")
print(f"duckdb controls: {checked - loaded:.3f} s")
print(f"duckdb report: {written - checked:.3f} s")
print(f"duckdb total: {written - started:.2f} s, peak RSS: {peak:.0f} MB")
