"""Reads queries as JSON lines on stdin and parses each with Resoto's own parser.

For every input line `{"q": "<query>"}` it writes one line: either
`{"ok": true, "canonical": "<Resoto's rendering>", "tree": <the parsed tree>}` or
`{"ok": false, "error": "<first line of the error>"}`. The tree names every node's class, so
two trees are equal exactly when Resoto's parser built the same query, up to two identities
of Resoto's own semantics that its tree does not normalise: a path's `[]` is `[*]` (its query
translator replaces one by the other), and a navigation's edge types are a set (its parser
collects them into a Python set, so their order is the hash seed's). Used by the
differential test in ../oracle.rs; the reference is `resotocore` (pinned in requirements.txt).
"""

import json
import sys

import attrs
from resotocore.query.query_parser import parse_query

sys.setrecursionlimit(10_000)


PATH_FIELDS = {"name", "property_path"}
EDGE_TYPE_FIELDS = {"maybe_edge_types", "maybe_two_directional_outbound_edge_type"}


def tree(value):
    if attrs.has(type(value)):
        out = {"_": type(value).__name__}
        for f in attrs.fields(type(value)):
            item = getattr(value, f.name)
            if f.name in PATH_FIELDS and isinstance(item, str):
                item = item.replace("[]", "[*]")
            if f.name in EDGE_TYPE_FIELDS and item is not None:
                item = sorted(item)
            out[f.name] = tree(item)
        return out
    if isinstance(value, dict):
        return {str(k): tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [tree(v) for v in value]
    if isinstance(value, float):
        # JSON has one number type: keep the distinction between 1 and 1.0 visible.
        return {"float": repr(value)}
    if isinstance(value, int) and not isinstance(value, bool):
        return {"int": str(value)}
    if value is None or isinstance(value, (str, bool)):
        return value
    return {"other": type(value).__name__, "repr": repr(value)}


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        query = json.loads(line)["q"]
        try:
            parsed = parse_query(query)
            out = {"ok": True, "canonical": str(parsed), "tree": tree(parsed)}
        except RecursionError:
            out = {"ok": False, "error": "RecursionError: the parser's stack overflowed"}
        except Exception as error:  # every rejection, whatever Resoto raises
            first = str(error).strip().splitlines()
            out = {"ok": False, "error": f"{type(error).__name__}: {first[-1] if first else ''}"}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
