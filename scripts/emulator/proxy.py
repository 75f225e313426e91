#!/usr/bin/env python3
"""Loopback test proxy in front of a moto server, for trailgraph-collect's emulator tests.

What it does on top of forwarding every request to moto unchanged:

* CloudWatch rpcv2-CBOR: the current Rust SDK only speaks rpcv2-CBOR
  (``POST /service/GraniteServiceVersion20100801/operation/<Op>``), which moto does not serve.
  Requests are decoded and re-sent to moto as awsJson1.0
  (``X-Amz-Target: GraniteServiceVersion20100801.<Op>``); responses are encoded back to CBOR
  following botocore's CloudWatch output shapes (timestamps as CBOR tag 1, doubles as float64,
  unknown keys and nulls dropped); errors become CBOR ``{__type, message}``.
* Forced small pages (``page_sizes``): moto ignores ``limit``/``NextToken`` for
  DescribeMetricFilters and DescribeAlarms; the proxy asks moto for everything and hands out
  slices with opaque ``proxy-page-<offset>`` tokens.
* Pending subscriptions (``pending_endpoints``): moto confirms every subscription at once;
  ListSubscriptions* replies show the chosen endpoints as ``PendingConfirmation``.
* Deterministic faults (``faults``): for the n-th request with the same service, region,
  operation and body, a hash of (seed, that key, n) decides whether to answer with a throttling
  error, an HTTP 500, a dropped connection or a delay. Retries of a request therefore see fresh
  draws, and the outcome does not depend on the order in which concurrent requests arrive.
* Fixed rules (``rules``): answer matching requests (by service, operation, region and, with
  ``body_contains``, a text in the URL-decoded request body, e.g. one role ARN) with a given
  error, always or the first ``times`` times (to exhaust retries or to simulate AccessDenied).
* A fixed added latency (``latency_ms``) to model real API latency in benchmarks.
* Records every (service, operation) it sees, for the IAM policy test.

Control endpoint (JSON): ``POST /__proxy/config`` replaces the configuration (and resets the
fault counters), ``GET /__proxy/operations`` lists what was seen, ``POST /__proxy/reset``
clears that list.

Usage: ``proxy.py --upstream http://127.0.0.1:PORT [--port 0]``; prints ``READY <port>`` once
listening. Only loopback addresses are accepted. Python stdlib plus botocore (for the models).
"""

import argparse
import base64
import datetime
import hashlib
import http.client
import http.server
import json
import re
import socketserver
import struct
import sys
import threading
import time
import urllib.parse
from html import unescape as html_unescape
from xml.sax.saxutils import escape as xml_escape

CBOR_PREFIX = "/service/GraniteServiceVersion20100801/operation/"
CW_TARGET = "GraniteServiceVersion20100801"

# --------------------------------------------------------------------------------------------
# CBOR (RFC 8949), just what smithy rpcv2-CBOR uses.


class Tag:
    def __init__(self, tag, value):
        self.tag = tag
        self.value = value


def cbor_decode(data):
    value, pos = _decode(data, 0)
    if pos != len(data):
        raise ValueError("trailing bytes in CBOR body")
    return value


def _read_arg(data, pos, info):
    if info < 24:
        return info, pos
    if info == 24:
        return data[pos], pos + 1
    if info == 25:
        return struct.unpack_from(">H", data, pos)[0], pos + 2
    if info == 26:
        return struct.unpack_from(">I", data, pos)[0], pos + 4
    if info == 27:
        return struct.unpack_from(">Q", data, pos)[0], pos + 8
    if info == 31:
        return None, pos  # indefinite length
    raise ValueError("bad CBOR additional info %d" % info)


BREAK = object()


def _decode(data, pos):
    initial = data[pos]
    pos += 1
    major, info = initial >> 5, initial & 0x1F
    if major == 7:
        if info == 20:
            return False, pos
        if info == 21:
            return True, pos
        if info in (22, 23):
            return None, pos
        if info == 25:
            return _half(struct.unpack_from(">H", data, pos)[0]), pos + 2
        if info == 26:
            return struct.unpack_from(">f", data, pos)[0], pos + 4
        if info == 27:
            return struct.unpack_from(">d", data, pos)[0], pos + 8
        if info == 31:
            return BREAK, pos
        raise ValueError("unsupported CBOR simple value %d" % info)
    arg, pos = _read_arg(data, pos, info)
    if major == 0:
        return arg, pos
    if major == 1:
        return -1 - arg, pos
    if major in (2, 3):
        if arg is None:
            chunks = []
            while True:
                chunk, pos = _decode(data, pos)
                if chunk is BREAK:
                    break
                chunks.append(chunk)
            return (b"" if major == 2 else "").join(chunks), pos
        raw = bytes(data[pos:pos + arg])
        pos += arg
        return (raw if major == 2 else raw.decode("utf-8")), pos
    if major == 4:
        items = []
        while arg is None or len(items) < arg:
            item, pos = _decode(data, pos)
            if item is BREAK:
                break
            items.append(item)
        return items, pos
    if major == 5:
        out = {}
        count = 0
        while arg is None or count < arg:
            key, pos = _decode(data, pos)
            if key is BREAK:
                break
            value, pos = _decode(data, pos)
            out[key] = value
            count += 1
        return out, pos
    if major == 6:
        value, pos = _decode(data, pos)
        return Tag(arg, value), pos
    raise ValueError("bad CBOR major type")


def _half(bits):
    sign = -1.0 if bits & 0x8000 else 1.0
    exp = (bits >> 10) & 0x1F
    frac = bits & 0x3FF
    if exp == 0:
        return sign * frac * 2.0 ** -24
    if exp == 31:
        return sign * float("inf") if frac == 0 else float("nan")
    return sign * (1 + frac / 1024.0) * 2.0 ** (exp - 15)


def _head(major, arg):
    if arg < 24:
        return bytes([(major << 5) | arg])
    if arg < 0x100:
        return bytes([(major << 5) | 24, arg])
    if arg < 0x10000:
        return bytes([(major << 5) | 25]) + struct.pack(">H", arg)
    if arg < 0x100000000:
        return bytes([(major << 5) | 26]) + struct.pack(">I", arg)
    return bytes([(major << 5) | 27]) + struct.pack(">Q", arg)


def cbor_encode(value):
    out = bytearray()
    _encode(value, out)
    return bytes(out)


def _encode(value, out):
    if value is None:
        out.append(0xF6)
    elif value is True:
        out.append(0xF5)
    elif value is False:
        out.append(0xF4)
    elif isinstance(value, Tag):
        out += _head(6, value.tag)
        _encode(value.value, out)
    elif isinstance(value, int):
        out += _head(0, value) if value >= 0 else _head(1, -1 - value)
    elif isinstance(value, float):
        out.append(0xFB)
        out += struct.pack(">d", value)
    elif isinstance(value, bytes):
        out += _head(2, len(value)) + value
    elif isinstance(value, str):
        raw = value.encode("utf-8")
        out += _head(3, len(raw)) + raw
    elif isinstance(value, (list, tuple)):
        out += _head(4, len(value))
        for item in value:
            _encode(item, out)
    elif isinstance(value, dict):
        out += _head(5, len(value))
        for key, item in value.items():
            _encode(key, out)
            _encode(item, out)
    else:
        raise TypeError("cannot CBOR-encode %r" % type(value))


def cbor_to_json(value):
    """A decoded CBOR request as the JSON moto's awsJson1.0 handler expects."""
    if isinstance(value, Tag):
        if value.tag == 1:
            return float(value.value)
        return cbor_to_json(value.value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, list):
        return [cbor_to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: cbor_to_json(v) for k, v in value.items()}
    return value


def _to_epoch(value):
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.timestamp()


def shape_to_cbor(shape, value):
    """Moto's JSON value as the CBOR value for a botocore shape; None to leave it out."""
    if value is None:
        return None
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return None
        out = {}
        for name, member in shape.members.items():
            if name in value:
                encoded = shape_to_cbor(member, value[name])
                if encoded is not None:
                    out[name] = encoded
        return out
    if kind == "list":
        return [x for x in (shape_to_cbor(shape.member, v) for v in value) if x is not None]
    if kind == "map":
        return {str(k): shape_to_cbor(shape.value, v) for k, v in value.items() if v is not None}
    if kind == "timestamp":
        return Tag(1, _to_epoch(value))
    if kind in ("double", "float"):
        return float(value)
    if kind in ("integer", "long"):
        return int(value)
    if kind == "boolean":
        if isinstance(value, str):
            return value.lower() == "true"
        return bool(value)
    if kind == "blob":
        return base64.b64decode(value) if isinstance(value, str) else bytes(value)
    return str(value)


_CW_MODEL = None


def cloudwatch_model():
    global _CW_MODEL
    if _CW_MODEL is None:
        import botocore.session

        _CW_MODEL = botocore.session.get_session().get_service_model("cloudwatch")
    return _CW_MODEL


# --------------------------------------------------------------------------------------------
# Configuration, recording, fault decisions.


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.config = {}
        self.counters = {}
        self.operations = {}

    def set_config(self, config):
        with self.lock:
            self.config = config
            self.counters = {}

    def get_config(self):
        with self.lock:
            return self.config

    def record(self, service, operation, region):
        with self.lock:
            key = (service, operation)
            self.operations[key] = self.operations.get(key, 0) + 1

    def operations_json(self):
        with self.lock:
            return [
                {"service": s, "operation": o, "count": c}
                for (s, o), c in sorted(self.operations.items())
            ]

    def reset_operations(self):
        with self.lock:
            self.operations = {}

    def next_occurrence(self, key):
        with self.lock:
            n = self.counters.get(key, 0)
            self.counters[key] = n + 1
            return n


STATE = State()


def draw(seed, key, n, salt):
    digest = hashlib.sha256(("%s|%s|%d|%s" % (seed, key, n, salt)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / float(1 << 64)


def matches(rule, service, operation, region, body_text=""):
    return (
        rule.get("service") in (None, service)
        and rule.get("operation") in (None, operation)
        and rule.get("region") in (None, region)
        and (rule.get("body_contains") is None or rule["body_contains"] in body_text)
    )


# --------------------------------------------------------------------------------------------
# Protocol helpers.

SCOPE_RE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")


def error_response(protocol, status, code, message):
    """(status, headers, body) for an error in the request's protocol."""
    if protocol == "cbor":
        body = cbor_encode({"__type": code, "message": message})
        return status, {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"}, body
    if protocol == "query":
        body = (
            '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error>'
            "<Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>"
            "<RequestId>proxy</RequestId></ErrorResponse>" % (xml_escape(code), xml_escape(message))
        ).encode()
        return status, {"Content-Type": "text/xml"}, body
    body = json.dumps({"__type": code, "message": message}).encode()
    return status, {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": code}, body


PAGED = {
    # operation key: (request token key, request limit keys, [response list keys], response token key)
    "logs.DescribeMetricFilters": ("nextToken", ["limit"], ["metricFilters"], "nextToken"),
    "logs.DescribeLogGroups": ("nextToken", ["limit"], ["logGroups"], "nextToken"),
    "monitoring.DescribeAlarms": (
        "NextToken",
        ["MaxRecords"],
        ["MetricAlarms", "CompositeAlarms"],
        "NextToken",
    ),
}


def page_request(op_key, request):
    """Strips paging parameters from a JSON request; returns the offset asked for."""
    token_key, limit_keys, _, _ = PAGED[op_key]
    token = request.pop(token_key, None)
    for key in limit_keys:
        request.pop(key, None)
    if token:
        if not str(token).startswith("proxy-page-"):
            raise ValueError("token not issued by the proxy")
        return int(str(token)[len("proxy-page-"):])
    return 0


def page_response(op_key, response, offset, size):
    _, _, list_keys, token_key = PAGED[op_key]
    items = [(key, item) for key in list_keys for item in (response.get(key) or [])]
    chunk = items[offset:offset + size]
    for key in list_keys:
        if key in response or key == list_keys[0]:
            response[key] = [item for k, item in chunk if k == key]
    response.pop(token_key, None)
    if offset + size < len(items):
        response[token_key] = "proxy-page-%d" % (offset + size)
    return response


MEMBER_RE = re.compile(r"<member>(.*?)</member>", re.S)


def mark_pending(xml_text, endpoints):
    def rewrite(match):
        block = match.group(1)
        endpoint = re.search(r"<Endpoint>(.*?)</Endpoint>", block, re.S)
        if endpoint and html_unescape(endpoint.group(1)) in endpoints:
            block = re.sub(
                r"<SubscriptionArn>.*?</SubscriptionArn>",
                "<SubscriptionArn>PendingConfirmation</SubscriptionArn>",
                block,
                flags=re.S,
            )
        return "<member>" + block + "</member>"

    return MEMBER_RE.sub(rewrite, xml_text)


# --------------------------------------------------------------------------------------------
# The HTTP handler.

UPSTREAM = {"host": "127.0.0.1", "port": 0}
LOCAL = threading.local()
HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "expect"}


def upstream(method, path, headers, body):
    for attempt in range(2):
        conn = getattr(LOCAL, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(UPSTREAM["host"], UPSTREAM["port"], timeout=60)
            LOCAL.conn = conn
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, resp.getheaders(), data
        except (http.client.HTTPException, OSError):
            conn.close()
            LOCAL.conn = None
            if attempt == 1:
                raise
    raise RuntimeError("unreachable")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send(self, status, headers, body):
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def do_HEAD(self):
        self.handle_any("HEAD")

    def handle_control(self, method, body):
        if self.path == "/__proxy/config" and method == "POST":
            STATE.set_config(json.loads(body or b"{}"))
            return self.send(200, {"Content-Type": "application/json"}, b"{}")
        if self.path == "/__proxy/operations":
            data = json.dumps(STATE.operations_json()).encode()
            return self.send(200, {"Content-Type": "application/json"}, data)
        if self.path == "/__proxy/reset" and method == "POST":
            STATE.reset_operations()
            return self.send(200, {"Content-Type": "application/json"}, b"{}")
        if self.path == "/__proxy/health":
            return self.send(200, {"Content-Type": "application/json"}, b"{}")
        return self.send(404, {"Content-Type": "text/plain"}, b"unknown control path")

    def handle_any(self, method):
        body = self.read_body()
        if self.path.startswith("/__proxy/"):
            return self.handle_control(method, body)

        scope = SCOPE_RE.search(self.headers.get("Authorization", ""))
        region, service = (scope.group(1), scope.group(2)) if scope else ("", "")
        path = self.path
        target = self.headers.get("X-Amz-Target", "")
        if path.startswith(CBOR_PREFIX):
            protocol, operation = "cbor", path[len(CBOR_PREFIX):].split("?")[0]
        elif target:
            protocol, operation = "json", target.rsplit(".", 1)[-1]
        else:
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
            protocol, operation = "query", (form.get("Action") or [""])[0]
        STATE.record(service, operation, region)
        config = STATE.get_config()

        latency = config.get("latency_ms")
        if latency:
            time.sleep(latency / 1000.0)

        # Fixed rules first, then random faults.
        body_text = urllib.parse.unquote_plus(body.decode("utf-8", "replace"))
        for index, rule in enumerate(config.get("rules") or []):
            if matches(rule, service, operation, region, body_text):
                n = STATE.next_occurrence("rule%d" % index)
                times = rule.get("times")
                if times is None or n < times:
                    status, headers, out = error_response(
                        protocol, rule.get("status", 400), rule.get("code", "AccessDenied"),
                        rule.get("message", "injected by test proxy"),
                    )
                    return self.send(status, headers, out)

        faults = config.get("faults")
        if faults and faults.get("rate", 0) > 0 and (
            faults.get("services") is None or service in faults["services"]
        ):
            key = "%s|%s|%s|%s" % (service, region, operation, hashlib.sha256(body).hexdigest())
            n = STATE.next_occurrence(key)
            seed = faults.get("seed", 0)
            if draw(seed, key, n, "hit") < faults["rate"]:
                kinds = faults.get("kinds") or ["throttle", "500", "drop", "delay"]
                kind = kinds[int(draw(seed, key, n, "kind") * len(kinds)) % len(kinds)]
                if kind == "throttle":
                    code = "Throttling" if protocol == "query" else "ThrottlingException"
                    return self.send(*error_response(protocol, 400, code, "Rate exceeded"))
                if kind == "500":
                    return self.send(*error_response(protocol, 500, "InternalFailure", "injected"))
                if kind == "drop":
                    self.close_connection = True
                    return None
                if kind == "delay":
                    time.sleep(faults.get("delay_ms", 200) / 1000.0)

        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
        op_key = "%s.%s" % (service, operation)
        page_size = (config.get("page_sizes") or {}).get(op_key)
        try:
            if protocol == "cbor":
                return self.forward_cbor(operation, headers, body, op_key, page_size)
            if protocol == "json" and page_size and op_key in PAGED:
                return self.forward_json_paged(headers, body, op_key, page_size)
            status, resp_headers, data = upstream(method, path, headers, body)
            if (
                protocol == "query"
                and status == 200
                and operation in ("ListSubscriptions", "ListSubscriptionsByTopic")
                and config.get("pending_endpoints")
            ):
                data = mark_pending(data.decode("utf-8"), set(config["pending_endpoints"])).encode()
            out_headers = {k: v for k, v in resp_headers if k.lower() not in HOP_HEADERS}
            return self.send(status, out_headers, data)
        except ValueError as err:
            return self.send(*error_response(protocol, 400, "InvalidParameterValue", str(err)))

    def forward_json_paged(self, headers, body, op_key, page_size):
        request = json.loads(body or b"{}")
        offset = page_request(op_key, request)
        status, resp_headers, data = upstream("POST", "/", headers, json.dumps(request).encode())
        out_headers = {k: v for k, v in resp_headers if k.lower() not in HOP_HEADERS}
        if status == 200:
            data = json.dumps(page_response(op_key, json.loads(data), offset, page_size)).encode()
        return self.send(status, out_headers, data)

    def forward_cbor(self, operation, headers, body, op_key, page_size):
        request = cbor_to_json(cbor_decode(body)) if body else {}
        if not isinstance(request, dict):
            request = {}
        offset = page_request(op_key, request) if page_size and op_key in PAGED else None
        json_headers = {
            k: v
            for k, v in headers.items()
            if k.lower() not in ("content-type", "smithy-protocol", "accept", "x-amzn-query-mode")
        }
        json_headers["Content-Type"] = "application/x-amz-json-1.0"
        json_headers["X-Amz-Target"] = "%s.%s" % (CW_TARGET, operation)
        status, _, data = upstream("POST", "/", json_headers, json.dumps(request).encode())
        if status != 200:
            try:
                err = json.loads(data)
                code = str(err.get("__type", "InternalFailure")).split("#")[-1]
                message = err.get("message") or err.get("Message") or ""
            except ValueError:
                code, message = "InternalFailure", "moto answered HTTP %d" % status
            return self.send(*error_response("cbor", status, code, message))
        response = json.loads(data) if data.strip() else {}
        if offset is not None:
            response = page_response(op_key, response, offset, page_size)
        output = cloudwatch_model().operation_model(operation).output_shape
        encoded = shape_to_cbor(output, response) if output is not None else {}
        out_headers = {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"}
        return self.send(200, out_headers, cbor_encode(encoded or {}))


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--upstream", required=True, help="moto base URL (loopback only)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--config", help="initial configuration as JSON")
    args = parser.parse_args()
    parsed = urllib.parse.urlparse(args.upstream)
    if parsed.hostname not in ("127.0.0.1", "localhost"):
        sys.exit("upstream must be a loopback address")
    UPSTREAM["host"], UPSTREAM["port"] = parsed.hostname, parsed.port or 80
    if args.config:
        STATE.set_config(json.loads(args.config))
    cloudwatch_model()
    server = Server(("127.0.0.1", args.port), Handler)
    print("READY %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
