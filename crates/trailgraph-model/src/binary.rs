//! The binary snapshot form (format version 2), built for loading.
//!
//! ```text
//! magic  89 54 47 53 4e 41 50 0a      ("\x89TGSNAP\n": not text, so never read as JSON lines)
//! version u32                          (2)
//! section*                             tag [u8; 4], length u64, payload, CRC-32 u32
//! ```
//!
//! All integers are little-endian; `varint` is unsigned LEB128 (at most 10 bytes). Sections come
//! in this order, each exactly once unless noted:
//!
//! - `HEAD`: JSON `{"nodes":N,"edges":M,"meta":{...}}`, the same metadata as the JSON-lines
//!   header;
//! - `STRS`: the string table — `varint keys`, `varint shared`, `varint count`, then `count`
//!   strings as `varint length` + UTF-8 bytes. Every distinct string of the file (node ids,
//!   object keys, string values) is stored once; the first `keys` strings are the object keys,
//!   and the strings before `shared` occur more than once as string values or node ids (a reader
//!   keeps one copy of each);
//! - `NODE` (zero or more blocks): `varint count`, then per node `varint id` (a string), `u8 kind`
//!   (position in [`Kind::ALL`]), three `varint` ancestors (cloud, account, region: 0 for none,
//!   k + 1 for node k) and the `reported` object;
//! - `EDGE` (zero or more blocks): `varint count`, then per edge `varint from`, `varint to`, `u8
//!   type` (0 default, 1 delete, 2 iam);
//! - `END.`: `u64 nodes`, `u64 edges`, repeating the header's counts.
//!
//! A value is a tag byte and its data: 0 null, 1 false, 2 true, 3 integer (zig-zag varint), 4
//! float (`f64`), 5 string (`varint` string), 6 array (`varint n` and n values), 7 object
//! (`varint n` and n pairs of `varint key` and value). An object written directly (the
//! `reported` section) has no tag.
//!
//! The CRC-32 covers the tag, the length and the payload, so a flipped bit anywhere is found
//! before the section is used. Node blocks are decoded on two threads while the next blocks are
//! read; the file is never held whole in memory.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::io::{BufRead, Read, Write};
use std::path::Path;
use std::sync::Arc;

use crate::inventory::{Ancestors, EdgeType, Inventory, Node, NodeId};
use crate::kind::Kind;
use crate::meta::SnapshotMeta;
use crate::snapshot::SnapshotError;
use crate::value::{Key, Number, Object, UniquePairs, Value, intern};

/// The first eight bytes of a binary snapshot.
pub const MAGIC: [u8; 8] = *b"\x89TGSNAP\n";
/// The format version of the binary form.
pub const BINARY_VERSION: u32 = 2;

const HEAD: [u8; 4] = *b"HEAD";
const STRS: [u8; 4] = *b"STRS";
const NODE: [u8; 4] = *b"NODE";
const EDGE: [u8; 4] = *b"EDGE";
const END: [u8; 4] = *b"END.";

/// Nodes per `NODE` block: a unit of work for a decoding thread.
const NODES_PER_BLOCK: usize = 8192;
/// Edges per `EDGE` block.
const EDGES_PER_BLOCK: usize = 1 << 16;
/// Nesting deeper than this is refused (the JSON reader's limit too).
const MAX_DEPTH: usize = 128;
/// Decoding threads.
const WORKERS: usize = 2;
/// The `HEAD` section is metadata; more than this is not a snapshot trailgraph wrote.
const MAX_HEAD: u64 = 64 << 20;

const TAG_NULL: u8 = 0;
const TAG_FALSE: u8 = 1;
const TAG_TRUE: u8 = 2;
const TAG_INT: u8 = 3;
const TAG_FLOAT: u8 = 4;
const TAG_STRING: u8 = 5;
const TAG_ARRAY: u8 = 6;
const TAG_OBJECT: u8 = 7;

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Head {
    nodes: u64,
    edges: u64,
    meta: serde_json::Value,
}

// ---------------------------------------------------------------------------------------------
// Writing

/// The string table being built: every distinct string once, keys first.
struct Strings<'a> {
    index: HashMap<&'a str, u32>,
    list: Vec<&'a str>,
}

impl<'a> Strings<'a> {
    fn add(&mut self, s: &'a str) {
        if !self.index.contains_key(s) {
            let n = u32::try_from(self.list.len()).unwrap_or(u32::MAX);
            self.index.insert(s, n);
            self.list.push(s);
        }
    }

    fn get(&self, s: &str) -> std::io::Result<u32> {
        self.index
            .get(s)
            .copied()
            .ok_or_else(|| std::io::Error::other("a string is missing from the string table"))
    }
}

fn collect_keys<'a>(value: &'a Value, strings: &mut Strings<'a>) {
    match value {
        Value::Object(o) => collect_object_keys(o, strings),
        Value::Array(items) => items.iter().for_each(|v| collect_keys(v, strings)),
        _ => {}
    }
}

fn collect_object_keys<'a>(object: &'a Object, strings: &mut Strings<'a>) {
    for (k, v) in object.iter() {
        strings.add(k);
        collect_keys(v, strings);
    }
}

fn collect_values<'a>(value: &'a Value, strings: &mut Strings<'a>) {
    match value {
        Value::String(s) => strings.add(s),
        Value::Object(o) => o.iter().for_each(|(_, v)| collect_values(v, strings)),
        Value::Array(items) => items.iter().for_each(|v| collect_values(v, strings)),
        _ => {}
    }
}

fn count_values<'a>(value: &'a Value, counts: &mut HashMap<&'a str, u32>) {
    match value {
        Value::String(s) => *counts.entry(s).or_insert(0) += 1,
        Value::Object(o) => o.iter().for_each(|(_, v)| count_values(v, counts)),
        Value::Array(items) => items.iter().for_each(|v| count_values(v, counts)),
        _ => {}
    }
}

fn collect_repeated<'a>(value: &'a Value, counts: &HashMap<&str, u32>, strings: &mut Strings<'a>) {
    match value {
        Value::String(s) if counts.get(&**s).is_some_and(|&n| n > 1) => strings.add(s),
        Value::Object(o) => o
            .iter()
            .for_each(|(_, v)| collect_repeated(v, counts, strings)),
        Value::Array(items) => items
            .iter()
            .for_each(|v| collect_repeated(v, counts, strings)),
        _ => {}
    }
}

fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    put_varint(out, n as u64);
}

fn zigzag(i: i64) -> u64 {
    ((i << 1) ^ (i >> 63)) as u64
}

fn unzigzag(u: u64) -> i64 {
    ((u >> 1) as i64) ^ -((u & 1) as i64)
}

fn too_deep() -> std::io::Error {
    std::io::Error::other(format!(
        "a property value nests deeper than {MAX_DEPTH} levels"
    ))
}

fn put_object(
    out: &mut Vec<u8>,
    object: &Object,
    strings: &Strings<'_>,
    depth: usize,
) -> std::io::Result<()> {
    if depth > MAX_DEPTH {
        return Err(too_deep());
    }
    put_len(out, object.len());
    for (k, v) in object.iter() {
        put_varint(out, u64::from(strings.get(k)?));
        put_value(out, v, strings, depth + 1)?;
    }
    Ok(())
}

fn put_value(
    out: &mut Vec<u8>,
    value: &Value,
    strings: &Strings<'_>,
    depth: usize,
) -> std::io::Result<()> {
    match value {
        Value::Null => out.push(TAG_NULL),
        Value::Bool(false) => out.push(TAG_FALSE),
        Value::Bool(true) => out.push(TAG_TRUE),
        Value::Number(Number::Int(i)) => {
            out.push(TAG_INT);
            put_varint(out, zigzag(*i));
        }
        Value::Number(Number::Float(f)) => {
            out.push(TAG_FLOAT);
            out.extend_from_slice(&f.to_le_bytes());
        }
        Value::String(s) => {
            out.push(TAG_STRING);
            put_varint(out, u64::from(strings.get(s)?));
        }
        Value::Array(items) => {
            if depth > MAX_DEPTH {
                return Err(too_deep());
            }
            out.push(TAG_ARRAY);
            put_len(out, items.len());
            for item in items.iter() {
                put_value(out, item, strings, depth + 1)?;
            }
        }
        Value::Object(o) => {
            out.push(TAG_OBJECT);
            put_object(out, o, strings, depth)?;
        }
    }
    Ok(())
}

fn put_section(
    out: &mut (impl Write + ?Sized),
    tag: [u8; 4],
    payload: &[u8],
) -> std::io::Result<()> {
    let length = (payload.len() as u64).to_le_bytes();
    let mut crc = crc32fast::Hasher::new();
    crc.update(&tag);
    crc.update(&length);
    crc.update(payload);
    out.write_all(&tag)?;
    out.write_all(&length)?;
    out.write_all(payload)?;
    out.write_all(&crc.finalize().to_le_bytes())
}

/// Writes `inventory` in the binary form.
pub fn write_binary(inventory: &Inventory, out: &mut (impl Write + ?Sized)) -> std::io::Result<()> {
    let mut strings = Strings {
        index: HashMap::new(),
        list: Vec::new(),
    };
    for (_, node) in inventory.nodes() {
        collect_object_keys(&node.reported, &mut strings);
    }
    let keys = strings.list.len();
    // String values that occur more than once come next, so a reader keeps one copy of each of
    // those and of nothing else.
    // A node's id counts too: it is often also a value (`arn`, a subscription's `id`, a topic
    // that alarms notify), and then the node and its properties share one copy.
    let mut counts: HashMap<&str, u32> = HashMap::new();
    for (_, node) in inventory.nodes() {
        *counts.entry(&node.id).or_insert(0) += 1;
        node.reported
            .iter()
            .for_each(|(_, v)| count_values(v, &mut counts));
    }
    for (_, node) in inventory.nodes() {
        if counts.get(&*node.id).is_some_and(|&n| n > 1) {
            strings.add(&node.id);
        }
        node.reported
            .iter()
            .for_each(|(_, v)| collect_repeated(v, &counts, &mut strings));
    }
    drop(counts);
    let shared = strings.list.len();
    for (_, node) in inventory.nodes() {
        strings.add(&node.id);
        node.reported
            .iter()
            .for_each(|(_, v)| collect_values(v, &mut strings));
    }
    if strings.list.len() > u32::MAX as usize {
        return Err(std::io::Error::other(
            "more than 4,294,967,295 distinct strings",
        ));
    }

    out.write_all(&MAGIC)?;
    out.write_all(&BINARY_VERSION.to_le_bytes())?;
    let head = Head {
        nodes: inventory.node_count() as u64,
        edges: inventory.edge_count() as u64,
        meta: serde_json::to_value(&inventory.meta).map_err(std::io::Error::other)?,
    };
    put_section(
        out,
        HEAD,
        &serde_json::to_vec(&head).map_err(std::io::Error::other)?,
    )?;

    let mut buf = Vec::with_capacity(1 << 20);
    put_len(&mut buf, keys);
    put_len(&mut buf, shared);
    put_len(&mut buf, strings.list.len());
    for s in &strings.list {
        put_len(&mut buf, s.len());
        buf.extend_from_slice(s.as_bytes());
    }
    put_section(out, STRS, &buf)?;

    let number = |a: Option<NodeId>| a.map_or(0, |n| n.index() as u64 + 1);
    let nodes: Vec<&Node> = inventory.nodes().map(|(_, n)| n).collect();
    for block in nodes.chunks(NODES_PER_BLOCK) {
        buf.clear();
        put_len(&mut buf, block.len());
        for node in block {
            put_varint(&mut buf, u64::from(strings.get(&node.id)?));
            buf.push(node.kind.index() as u8);
            let a = node.ancestors;
            put_varint(&mut buf, number(a.cloud));
            put_varint(&mut buf, number(a.account));
            put_varint(&mut buf, number(a.region));
            put_object(&mut buf, &node.reported, &strings, 1)?;
        }
        put_section(out, NODE, &buf)?;
    }

    let edges: Vec<(NodeId, NodeId, EdgeType)> = inventory.edges().collect();
    for block in edges.chunks(EDGES_PER_BLOCK) {
        buf.clear();
        put_len(&mut buf, block.len());
        for (from, to, edge_type) in block {
            put_varint(&mut buf, from.index() as u64);
            put_varint(&mut buf, to.index() as u64);
            buf.push(edge_code(*edge_type));
        }
        put_section(out, EDGE, &buf)?;
    }

    buf.clear();
    buf.extend_from_slice(&head.nodes.to_le_bytes());
    buf.extend_from_slice(&head.edges.to_le_bytes());
    put_section(out, END, &buf)
}

fn edge_code(edge_type: EdgeType) -> u8 {
    match edge_type {
        EdgeType::Default => 0,
        EdgeType::Delete => 1,
        EdgeType::Iam => 2,
    }
}

// ---------------------------------------------------------------------------------------------
// Reading

/// A cursor over one section's payload; every read is bounds-checked.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

/// What went wrong, and where in the payload.
struct Bad {
    at: usize,
    message: String,
}

type Decoded<T> = Result<T, Bad>;

impl<'a> Cursor<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Cursor { bytes, at: 0 }
    }

    fn bad<T>(&self, message: impl Into<String>) -> Decoded<T> {
        Err(Bad {
            at: self.at,
            message: message.into(),
        })
    }

    fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.at)
    }

    fn byte(&mut self) -> Decoded<u8> {
        match self.bytes.get(self.at) {
            Some(&b) => {
                self.at += 1;
                Ok(b)
            }
            None => self.bad("the section ends early"),
        }
    }

    fn take(&mut self, n: usize) -> Decoded<&'a [u8]> {
        match self.bytes.get(self.at..self.at.saturating_add(n)) {
            Some(slice) => {
                self.at += n;
                Ok(slice)
            }
            None => self.bad("the section ends early"),
        }
    }

    fn varint(&mut self) -> Decoded<u64> {
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            let bits = u64::from(byte & 0x7f);
            if shift == 63 && bits > 1 {
                return self.bad("a number does not fit in 64 bits");
            }
            n |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(n);
            }
        }
        self.bad("a number does not fit in 64 bits")
    }

    /// A count of items that take at least `min_bytes` each: larger than what is left is
    /// corrupt (so a forged count cannot reserve memory the file does not back).
    fn count(&mut self, min_bytes: usize) -> Decoded<usize> {
        let n = self.varint()?;
        match usize::try_from(n) {
            Ok(n) if n.saturating_mul(min_bytes) <= self.remaining() => Ok(n),
            _ => self.bad(format!(
                "a count of {n} is more than the rest of the section can hold"
            )),
        }
    }

    fn index(&mut self, limit: usize, what: &str) -> Decoded<usize> {
        let n = self.varint()?;
        match usize::try_from(n) {
            Ok(n) if n < limit => Ok(n),
            _ => self.bad(format!("{what} {n} is out of range (0..{limit})")),
        }
    }

    fn finished(&self) -> Decoded<()> {
        if self.remaining() == 0 {
            Ok(())
        } else {
            self.bad(format!(
                "{} unexpected bytes at the end of the section",
                self.remaining()
            ))
        }
    }
}

/// The string table, borrowed from the `STRS` payload.
struct Table<'a> {
    keys: usize,
    /// Strings before this one are shared by the nodes that use them.
    shared: usize,
    strings: Vec<&'a str>,
}

fn read_table(payload: &[u8]) -> Decoded<Table<'_>> {
    let mut c = Cursor::new(payload);
    let keys = c.count(1)?;
    let shared = c.count(1)?;
    let count = c.count(1)?;
    if keys > count || shared > count {
        return c.bad(format!(
            "{keys} keys and {shared} shared strings but only {count} strings"
        ));
    }
    let mut strings = Vec::with_capacity(count);
    for i in 0..count {
        let len = c.count(1)?;
        let at = c.at;
        let bytes = c.take(len)?;
        match std::str::from_utf8(bytes) {
            Ok(s) => strings.push(s),
            Err(_) => {
                return Err(Bad {
                    at,
                    message: format!("string {i} is not UTF-8"),
                });
            }
        }
    }
    c.finished()?;
    Ok(Table {
        keys,
        shared,
        strings,
    })
}

/// A node as decoded, before its ancestors are resolved.
struct DecodedNode {
    node: Node,
    /// The id's hash for the inventory's id index.
    hash: u64,
    ancestors: [u64; 3],
}

/// Decodes node blocks; holds each key interned once, and each repeated string value it has
/// met once (a value that repeats across nodes — a region, a filter pattern, a state — is one
/// shared allocation per decoding thread; a string that occurs once is not kept).
struct NodeDecoder<'t> {
    table: &'t Table<'t>,
    hasher: hashbrown::DefaultHashBuilder,
    keys: Vec<Key>,
    shared: Vec<Option<Arc<str>>>,
}

impl<'t> NodeDecoder<'t> {
    fn new(table: &'t Table<'t>, hasher: hashbrown::DefaultHashBuilder) -> Self {
        let keys = table
            .strings
            .iter()
            .take(table.keys)
            .map(|s| intern(s))
            .collect();
        let shared = std::iter::repeat_n(None, table.shared).collect();
        NodeDecoder {
            table,
            hasher,
            keys,
            shared,
        }
    }

    fn shared_string(&mut self, c: &mut Cursor<'_>) -> Decoded<Arc<str>> {
        let i = c.index(self.table.strings.len(), "string")?;
        match (self.shared.get_mut(i), self.table.strings.get(i)) {
            (Some(Some(s)), _) => Ok(Arc::clone(s)),
            (Some(slot), Some(text)) => {
                let s: Arc<str> = Arc::from(*text);
                *slot = Some(Arc::clone(&s));
                Ok(s)
            }
            (None, Some(text)) => Ok(Arc::from(*text)),
            _ => c.bad(format!("string {i} is out of range")),
        }
    }

    fn object(&mut self, c: &mut Cursor<'_>, depth: usize) -> Decoded<Object> {
        if depth > MAX_DEPTH {
            return c.bad(format!("values nest deeper than {MAX_DEPTH} levels"));
        }
        let n = c.count(2)?;
        let mut pairs = UniquePairs::with_capacity(n);
        for _ in 0..n {
            let k = c.index(self.keys.len(), "object key")?;
            let key = match self.keys.get(k) {
                Some(key) => key.clone(),
                None => return c.bad(format!("object key {k} is out of range")),
            };
            let value = self.value(c, depth + 1)?;
            pairs.push(key, value);
        }
        Ok(pairs.finish())
    }

    fn value(&mut self, c: &mut Cursor<'_>, depth: usize) -> Decoded<Value> {
        let at = c.at;
        Ok(match c.byte()? {
            TAG_NULL => Value::Null,
            TAG_FALSE => Value::Bool(false),
            TAG_TRUE => Value::Bool(true),
            TAG_INT => Value::Number(Number::Int(unzigzag(c.varint()?))),
            TAG_FLOAT => {
                let bytes: [u8; 8] = c.take(8)?.try_into().map_err(|_| Bad {
                    at,
                    message: "a float is cut short".to_owned(),
                })?;
                Value::Number(Number::Float(f64::from_le_bytes(bytes)))
            }
            TAG_STRING => Value::String(self.shared_string(c)?),
            TAG_ARRAY => {
                if depth > MAX_DEPTH {
                    return c.bad(format!("values nest deeper than {MAX_DEPTH} levels"));
                }
                let n = c.count(1)?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.value(c, depth + 1)?);
                }
                Value::Array(items.into_boxed_slice())
            }
            TAG_OBJECT => Value::Object(self.object(c, depth)?),
            other => {
                return Err(Bad {
                    at,
                    message: format!("unknown value tag {other}"),
                });
            }
        })
    }

    fn block(&mut self, payload: &[u8]) -> Decoded<Vec<DecodedNode>> {
        let mut c = Cursor::new(payload);
        // id, kind, three ancestors and an object count: at least six bytes a node.
        let n = c.count(6)?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let id = self.shared_string(&mut c)?;
            let at = c.at;
            let kind = c.byte()?;
            let Some(&kind) = Kind::ALL.get(usize::from(kind)) else {
                return Err(Bad {
                    at,
                    message: format!("unknown node kind {kind}"),
                });
            };
            let ancestors = [c.varint()?, c.varint()?, c.varint()?];
            let reported = self.object(&mut c, 1)?;
            out.push(DecodedNode {
                hash: self.hasher.hash_one(&*id),
                node: Node {
                    id,
                    kind,
                    reported,
                    ancestors: Ancestors::default(),
                },
                ancestors,
            });
        }
        c.finished()?;
        Ok(out)
    }
}

/// One section as read from the file.
struct Section {
    tag: [u8; 4],
    /// Byte offset of the payload in the file.
    offset: u64,
    payload: Vec<u8>,
}

/// Reads sections from the stream, checking lengths and checksums.
struct Sections<R> {
    reader: R,
    offset: u64,
    /// The file size, when known: a length beyond it is truncation, not an allocation.
    size: Option<u64>,
}

enum Frame {
    Section(Section),
    /// The file ends (at the given offset) where a section should begin or inside one.
    Truncated(u64),
}

impl<R: Read> Sections<R> {
    fn next(&mut self, path: &Path) -> Result<Frame, SnapshotError> {
        let io = |source| SnapshotError::Io {
            path: path.to_owned(),
            source,
        };
        let mut head = [0u8; 12];
        let got = read_full(&mut self.reader, &mut head).map_err(io)?;
        if got < head.len() {
            return Ok(Frame::Truncated(self.offset + got as u64));
        }
        let start = self.offset;
        let mut tag = [0u8; 4];
        tag.copy_from_slice(&head[..4]);
        let mut length = [0u8; 8];
        length.copy_from_slice(&head[4..]);
        let length = u64::from_le_bytes(length);
        let payload_offset = start + 12;
        if let Some(size) = self.size
            && length.saturating_add(payload_offset).saturating_add(4) > size
        {
            return Ok(Frame::Truncated(size));
        }
        if tag == HEAD && length > MAX_HEAD {
            return Err(damaged(
                path,
                start,
                format!("the header section claims {length} bytes"),
            ));
        }
        let Ok(length) = usize::try_from(length) else {
            return Err(damaged(path, start, "a section length is too large"));
        };
        let mut payload = Vec::new();
        // `take` bounds the read: a forged length in a stream of unknown size reads what is
        // there, and the shortfall is truncation.
        let got = (&mut self.reader)
            .take(length as u64)
            .read_to_end(&mut payload)
            .map_err(io)?;
        if got < length {
            return Ok(Frame::Truncated(payload_offset + got as u64));
        }
        let mut crc_bytes = [0u8; 4];
        let got = read_full(&mut self.reader, &mut crc_bytes).map_err(io)?;
        if got < 4 {
            return Ok(Frame::Truncated(
                payload_offset + length as u64 + got as u64,
            ));
        }
        let mut crc = crc32fast::Hasher::new();
        crc.update(&head);
        crc.update(&payload);
        if crc.finalize() != u32::from_le_bytes(crc_bytes) {
            return Err(damaged(
                path,
                start,
                format!(
                    "the {} section is damaged (its checksum does not match)",
                    tag_name(tag)
                ),
            ));
        }
        self.offset = payload_offset + length as u64 + 4;
        Ok(Frame::Section(Section {
            tag,
            offset: payload_offset,
            payload,
        }))
    }
}

/// Reads until `buf` is full or the input ends; returns the bytes read.
pub(crate) fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

fn tag_name(tag: [u8; 4]) -> String {
    if tag.iter().all(|b| b.is_ascii_graphic()) {
        String::from_utf8_lossy(&tag).into_owned()
    } else {
        format!("{tag:02x?}")
    }
}

fn damaged(path: &Path, offset: u64, message: impl Into<String>) -> SnapshotError {
    SnapshotError::Damaged {
        path: path.to_owned(),
        offset,
        message: message.into(),
    }
}

fn at(section: &Section, bad: Bad) -> (u64, String) {
    (section.offset + bad.at as u64, bad.message)
}

/// Reads a binary snapshot whose magic has been consumed already (`reader` is at the version).
pub(crate) fn read_binary(
    mut reader: impl BufRead,
    path: &Path,
    size: Option<u64>,
) -> Result<Inventory, SnapshotError> {
    let mut version = [0u8; 4];
    let got = read_full(&mut reader, &mut version).map_err(|source| SnapshotError::Io {
        path: path.to_owned(),
        source,
    })?;
    if got < 4 {
        return Err(damaged(
            path,
            8,
            "the file ends inside the format version (it is truncated)",
        ));
    }
    let version = u32::from_le_bytes(version);
    if version > BINARY_VERSION {
        return Err(SnapshotError::NewerVersion {
            path: path.to_owned(),
            found: version,
            supported: BINARY_VERSION,
        });
    }
    if version < BINARY_VERSION {
        return Err(damaged(
            path,
            8,
            format!(
                "binary format version {version} does not exist (binary snapshots start at version {BINARY_VERSION})"
            ),
        ));
    }
    let mut sections = Sections {
        reader,
        offset: 12,
        size,
    };
    let truncated = |offset: u64, announced: Option<(u64, u64)>| SnapshotError::TruncatedAt {
        path: path.to_owned(),
        offset,
        expected_nodes: announced.map(|a| a.0),
        expected_edges: announced.map(|a| a.1),
    };
    let expect = |sections: &mut Sections<_>,
                  tag: [u8; 4],
                  announced: Option<(u64, u64)>|
     -> Result<Section, SnapshotError> {
        match sections.next(path)? {
            Frame::Truncated(offset) => Err(truncated(offset, announced)),
            Frame::Section(s) if s.tag == tag => Ok(s),
            Frame::Section(s) => Err(damaged(
                path,
                s.offset - 12,
                format!(
                    "expected the {} section, found {}",
                    tag_name(tag),
                    tag_name(s.tag)
                ),
            )),
        }
    };

    let head = expect(&mut sections, HEAD, None)?;
    let parsed: Head = serde_json::from_slice(&head.payload)
        .map_err(|e| damaged(path, head.offset, format!("bad snapshot header: {e}")))?;
    let meta: SnapshotMeta = serde_json::from_value(parsed.meta).map_err(|e| {
        damaged(
            path,
            head.offset,
            format!("bad metadata in the header: {e}"),
        )
    })?;
    let (node_total, edge_total) = (parsed.nodes, parsed.edges);
    let announced = Some((node_total, edge_total));
    if node_total > u64::from(u32::MAX) {
        return Err(damaged(
            path,
            head.offset,
            format!("{node_total} nodes is more than a snapshot can number"),
        ));
    }

    let strs = expect(&mut sections, STRS, announced)?;
    let table = read_table(&strs.payload).map_err(|bad| {
        let (offset, message) = at(&strs, bad);
        damaged(path, offset, message)
    })?;

    let mut inventory = Inventory::new(meta);
    // Counts are reserved only as far as the file can hold them (six bytes a node at least).
    let reserve = |total: u64, per: u64| -> usize {
        let bound = size.map_or(1 << 16, |s| s / per);
        usize::try_from(total.min(bound)).unwrap_or(0)
    };
    inventory.reserve(reserve(node_total, 6), reserve(edge_total, 3));
    let mut ancestors: Vec<[u64; 3]> = Vec::with_capacity(reserve(node_total, 6));

    // Node blocks: this thread reads and inserts in file order; the workers decode.
    let first_after_nodes =
        std::thread::scope(|scope| -> Result<Option<Section>, SnapshotError> {
            let table = &table;
            let hasher = inventory.id_hasher();
            let mut inputs = Vec::new();
            let mut outputs = Vec::new();
            for _ in 0..WORKERS {
                let (tx, rx) = std::sync::mpsc::sync_channel::<Section>(2);
                let (result_tx, result_rx) =
                    std::sync::mpsc::sync_channel::<Result<Vec<DecodedNode>, (u64, String)>>(2);
                let hasher = hasher.clone();
                scope.spawn(move || {
                    let mut decoder = NodeDecoder::new(table, hasher);
                    for section in rx {
                        let decoded = decoder.block(&section.payload).map_err(|b| at(&section, b));
                        if result_tx.send(decoded).is_err() {
                            break;
                        }
                    }
                });
                inputs.push(tx);
                outputs.push(result_rx);
            }
            let stopped = || damaged(path, 0, "a decoding thread stopped");
            let mut in_flight = std::collections::VecDeque::new();
            let mut inserted: u64 = 0;
            let mut receive = |worker: usize,
                               inventory: &mut Inventory,
                               ancestors: &mut Vec<[u64; 3]>|
             -> Result<(), SnapshotError> {
                let decoded = outputs
                    .get(worker)
                    .and_then(|rx| rx.recv().ok())
                    .ok_or_else(stopped)?
                    .map_err(|(offset, message)| damaged(path, offset, message))?;
                for d in decoded {
                    inserted += 1;
                    if inserted > node_total {
                        return Err(damaged(
                            path,
                            0,
                            format!("more node records than the {node_total} the header announces"),
                        ));
                    }
                    ancestors.push(d.ancestors);
                    inventory
                        .add_node_hashed(d.node, d.hash)
                        .map_err(|e| damaged(path, 0, e.to_string()))?;
                }
                Ok(())
            };
            let mut next_worker = 0;
            let after = loop {
                let section = match sections.next(path)? {
                    Frame::Truncated(offset) => {
                        drop(inputs);
                        return Err(truncated(offset, announced));
                    }
                    Frame::Section(s) if s.tag == NODE => s,
                    Frame::Section(s) => break s,
                };
                if in_flight.len() >= 2 * WORKERS
                    && let Some(worker) = in_flight.pop_front()
                {
                    receive(worker, &mut inventory, &mut ancestors)?;
                }
                inputs
                    .get(next_worker)
                    .and_then(|tx| tx.send(section).ok())
                    .ok_or_else(stopped)?;
                in_flight.push_back(next_worker);
                next_worker = (next_worker + 1) % WORKERS;
            };
            drop(inputs);
            while let Some(worker) = in_flight.pop_front() {
                receive(worker, &mut inventory, &mut ancestors)?;
            }
            Ok(Some(after))
        })?;
    if inventory.node_count() as u64 != node_total {
        return Err(damaged(
            path,
            0,
            format!(
                "the header announces {node_total} nodes, the file holds {}",
                inventory.node_count()
            ),
        ));
    }

    let count = inventory.node_count();
    for (i, numbers) in ancestors.into_iter().enumerate() {
        let resolve = |n: u64| -> Result<Option<NodeId>, SnapshotError> {
            match n {
                0 => Ok(None),
                n if n <= count as u64 => Ok(Some(NodeId::new((n - 1) as usize))),
                n => Err(damaged(
                    path,
                    0,
                    format!(
                        "node {i}: ancestor node number {} is out of range (0..{count})",
                        n - 1
                    ),
                )),
            }
        };
        let resolved = Ancestors {
            cloud: resolve(numbers[0])?,
            account: resolve(numbers[1])?,
            region: resolve(numbers[2])?,
        };
        inventory.set_ancestors(NodeId::new(i), resolved);
    }

    let mut section = first_after_nodes;
    let mut edges: u64 = 0;
    let end = loop {
        let Some(s) = section.take() else {
            return Err(truncated(sections.offset, announced));
        };
        if s.tag != EDGE {
            break s;
        }
        let mut c = Cursor::new(&s.payload);
        let decoded = (|| -> Decoded<()> {
            let n = c.count(3)?;
            for _ in 0..n {
                let from = c.index(count, "edge source node")?;
                let to = c.index(count, "edge target node")?;
                let at = c.at;
                let edge_type = match c.byte()? {
                    0 => EdgeType::Default,
                    1 => EdgeType::Delete,
                    2 => EdgeType::Iam,
                    other => {
                        return Err(Bad {
                            at,
                            message: format!("unknown edge type {other}"),
                        });
                    }
                };
                inventory.add_edge_unchecked(NodeId::new(from), NodeId::new(to), edge_type);
                edges += 1;
            }
            c.finished()
        })();
        decoded.map_err(|bad| {
            let (offset, message) = at(&s, bad);
            damaged(path, offset, message)
        })?;
        section = match sections.next(path)? {
            Frame::Section(next) => Some(next),
            Frame::Truncated(offset) => return Err(truncated(offset, announced)),
        };
    };
    if end.tag != END {
        return Err(damaged(
            path,
            end.offset - 12,
            format!("expected the END. section, found {}", tag_name(end.tag)),
        ));
    }
    if edges != edge_total {
        return Err(damaged(
            path,
            end.offset,
            format!("the header announces {edge_total} edges, the file holds {edges}"),
        ));
    }
    let mut expected = Vec::with_capacity(16);
    expected.extend_from_slice(&node_total.to_le_bytes());
    expected.extend_from_slice(&edge_total.to_le_bytes());
    if end.payload != expected {
        return Err(damaged(
            path,
            end.offset,
            "the end marker does not match the header",
        ));
    }
    let mut extra = [0u8; 1];
    let got = read_full(&mut sections.reader, &mut extra).map_err(|source| SnapshotError::Io {
        path: path.to_owned(),
        source,
    })?;
    if got > 0 {
        return Err(damaged(
            path,
            sections.offset,
            "unexpected data after the end marker",
        ));
    }
    Ok(inventory)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_zigzag_round_trip() {
        for n in [0u64, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            let mut buf = Vec::new();
            put_varint(&mut buf, n);
            let mut c = Cursor::new(&buf);
            assert_eq!(c.varint().ok(), Some(n));
            assert_eq!(c.remaining(), 0);
        }
        for i in [0i64, -1, 1, i64::MIN, i64::MAX, -300] {
            assert_eq!(unzigzag(zigzag(i)), i);
        }
        // Eleven continuation bytes, or a tenth byte with more than one bit, overflow.
        let mut c = Cursor::new(&[0xff; 11]);
        assert!(c.varint().is_err());
        let mut c = Cursor::new(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]);
        assert!(c.varint().is_err());
    }

    #[test]
    fn a_forged_count_is_refused_before_reserving() {
        let mut buf = Vec::new();
        put_varint(&mut buf, u64::MAX / 2);
        let mut c = Cursor::new(&buf);
        let Err(bad) = c.count(1) else {
            panic!("accepted");
        };
        assert!(
            bad.message.contains("more than the rest"),
            "{}",
            bad.message
        );
    }
}
