"""Reads queries as JSON lines on stdin and parses each with Resoto's own parser.

For every input line `{"q": "<query>"}` it writes one line: either
`{"ok": true, "canonical": "<Resoto's rendering>", "tree": "<the parsed tree as JSON>"}` or
`{"ok": false, "error": "<first line of the error>"}`. The tree names every node's class, so
two trees are equal exactly when Resoto's parser built the same query, up to identities
of Resoto's own semantics that its tree does not normalise: a path's `[]` is `[*]` (its query
translator replaces one by the other), a backticked segment that needs no backticks is the
plain name, a navigation's edge types are a set (its parser
collects them into a Python set, so their order is the hash seed's) whose empty form means
`default` (`Navigation.edge_types`), and a two-way navigation's outbound types, when not
written, are its inbound ones (the query translator's `outbound or edge_types`). Used by the
differential test in ../oracle.rs; the reference is `resotocore` (pinned in requirements.txt).
"""

import json
import re
import sys

import attrs
from resotocore.query.query_parser import parse_query

# Resoto parses with Python's default stack depth, as it does in service (so its overflow near
# 50 nested parentheses is seen); building and writing the tree may go deeper.
PARSE_RECURSION_LIMIT = sys.getrecursionlimit()
TREE_RECURSION_LIMIT = 20_000


PATH_FIELDS = {"name", "property_path"}
# A backticked path segment that needs no backticks names the same property (`a`.b is a.b).
UNNEEDED_BACKTICKS = re.compile(r"`([A-Za-z_][A-Za-z0-9_\-]*)`")
EDGE_TYPE_FIELDS = {"maybe_edge_types", "maybe_two_directional_outbound_edge_type"}


def tree(value):
    if attrs.has(type(value)):
        out = {"_": type(value).__name__}
        for f in attrs.fields(type(value)):
            item = getattr(value, f.name)
            if f.name in PATH_FIELDS and isinstance(item, str):
                item = UNNEEDED_BACKTICKS.sub(r"\1", item.replace("[]", "[*]"))
            if f.name in EDGE_TYPE_FIELDS and item is not None:
                item = sorted(item)
            out[f.name] = tree(item)
        if type(value).__name__ == "Navigation":
            effective = sorted(value.edge_types)
            out["maybe_edge_types"] = effective
            if value.direction == "any":
                out["maybe_two_directional_outbound_edge_type"] = (
                    sorted(value.maybe_two_directional_outbound_edge_type or []) or effective
                )
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
            sys.setrecursionlimit(PARSE_RECURSION_LIMIT)
            parsed = parse_query(query)
            sys.setrecursionlimit(TREE_RECURSION_LIMIT)
            # The tree as one JSON string: a reader compares it as text, with no depth limit.
            out = {"ok": True, "canonical": str(parsed), "tree": json.dumps(tree(parsed), sort_keys=True)}
        except RecursionError:
            out = {"ok": False, "error": "RecursionError: the parser's stack overflowed"}
        except Exception as error:  # every rejection, whatever Resoto raises
            first = str(error).strip().splitlines()
            out = {"ok": False, "error": f"{type(error).__name__}: {first[-1] if first else ''}"}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
