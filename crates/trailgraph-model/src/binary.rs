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
//! before the section is used. Node blocks are read on two threads while the next blocks are
//! read from the file: ids, kinds and ancestors are decoded, and each node's `reported` object is
//! checked in full (every tag, key, string number, count and depth) but kept encoded in its
//! block, to be decoded when first used (see [`crate::reported`]); a block is freed with the
//! last node that holds it encoded. A whole read holds the node blocks and string tables of the
//! file, not the file itself.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::io::{BufRead, Read, Write};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use crate::inventory::{Ancestors, EdgeType, IdIndex, Inventory, Node, NodeId};
use crate::kind::Kind;
use crate::meta::SnapshotMeta;
use crate::parts::PART_NODES;
use crate::reported::Reported;
use crate::snapshot::SnapshotError;
use crate::value::{Key, Number, Object, Text, UniquePairs, Value, intern};

/// The first eight bytes of a binary snapshot.
pub const MAGIC: [u8; 8] = *b"\x89TGSNAP\n";
/// The format version of the binary form written now (3: in parts).
pub const BINARY_VERSION: u32 = 3;
/// The oldest binary format version still read (2: one part).
pub const FIRST_BINARY_VERSION: u32 = 2;

const HEAD: [u8; 4] = *b"HEAD";
const PART: [u8; 4] = *b"PART";
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

/// Builds the string table of `nodes`: keys first, then the strings that repeat, then the rest.
fn table_of<'a>(nodes: &[&'a Node]) -> std::io::Result<(Strings<'a>, usize, usize)> {
    let mut strings = Strings {
        index: HashMap::new(),
        list: Vec::new(),
    };
    for node in nodes {
        collect_object_keys(&node.reported, &mut strings);
    }
    let keys = strings.list.len();
    // String values that occur more than once come next, so a reader keeps one copy of each of
    // those and of nothing else.
    // A node's id counts too: it is often also a value (`arn`, a subscription's `id`, a topic
    // that alarms notify), and then the node and its properties share one copy.
    let mut counts: HashMap<&str, u32> = HashMap::new();
    for node in nodes {
        *counts.entry(&node.id).or_insert(0) += 1;
        node.reported
            .iter()
            .for_each(|(_, v)| count_values(v, &mut counts));
    }
    for node in nodes {
        if counts.get(&*node.id).is_some_and(|&n| n > 1) {
            strings.add(&node.id);
        }
        node.reported
            .iter()
            .for_each(|(_, v)| collect_repeated(v, &counts, &mut strings));
    }
    drop(counts);
    let shared = strings.list.len();
    for node in nodes {
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
    Ok((strings, keys, shared))
}

/// Writes `inventory` in the binary form, in parts of about [`PART_NODES`] nodes.
pub fn write_binary(inventory: &Inventory, out: &mut (impl Write + ?Sized)) -> std::io::Result<()> {
    write_binary_in_parts(inventory, out, PART_NODES)
}

/// Writes `inventory` in the binary form, in parts of about `part_nodes` nodes (whole accounts:
/// see [`crate::parts`]).
pub fn write_binary_in_parts(
    inventory: &Inventory,
    out: &mut (impl Write + ?Sized),
    part_nodes: usize,
) -> std::io::Result<()> {
    let plan = crate::parts::plan(inventory, part_nodes);
    let number = |a: Option<NodeId>| {
        a.and_then(|n| plan.position.get(n.index()))
            .map_or(0, |&p| u64::from(p) + 1)
    };
    let edges: Vec<(NodeId, NodeId, EdgeType)> = inventory.edges().collect();

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
    let mut start = 0;
    for (p, &end) in plan.part_ends.iter().enumerate() {
        let order = plan.order.get(start..end).unwrap_or_default();
        let nodes: Vec<&Node> = order.iter().filter_map(|&n| inventory.node(n)).collect();
        let part_edges = plan.part_edges.get(p).map_or(&[][..], Vec::as_slice);

        buf.clear();
        put_len(&mut buf, nodes.len());
        put_len(&mut buf, part_edges.len());
        let kept: Vec<usize> = (start..end)
            .filter(|&i| plan.kept.get(i).copied().unwrap_or(false))
            .map(|i| i - start)
            .collect();
        put_len(&mut buf, kept.len());
        let mut last = 0;
        for (j, &k) in kept.iter().enumerate() {
            // Ascending: the first as is, then the gaps.
            put_len(&mut buf, if j == 0 { k } else { k - last });
            last = k;
        }
        put_section(out, PART, &buf)?;

        let (strings, keys, shared) = table_of(&nodes)?;
        buf.clear();
        put_len(&mut buf, keys);
        put_len(&mut buf, shared);
        put_len(&mut buf, strings.list.len());
        for s in &strings.list {
            put_len(&mut buf, s.len());
            buf.extend_from_slice(s.as_bytes());
        }
        put_section(out, STRS, &buf)?;

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
        drop(strings);

        for block in part_edges.chunks(EDGES_PER_BLOCK) {
            buf.clear();
            put_len(&mut buf, block.len());
            for &e in block {
                let Some(&(from, to, edge_type)) = edges.get(e) else {
                    return Err(std::io::Error::other("an edge is missing from the plan"));
                };
                put_varint(&mut buf, number(Some(from)) - 1);
                put_varint(&mut buf, number(Some(to)) - 1);
                buf.push(edge_code(edge_type));
            }
            put_section(out, EDGE, &buf)?;
        }
        start = end;
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

    /// Takes the next byte if it is `b`.
    fn skip_if(&mut self, b: u8) -> bool {
        let next = self.bytes.get(self.at) == Some(&b);
        if next {
            self.at += 1;
        }
        next
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

    #[inline]
    fn varint(&mut self) -> Decoded<u64> {
        // Most numbers (string and key numbers of a part, counts, tags' data) take one byte.
        if let Some(&byte) = self.bytes.get(self.at)
            && byte < 0x80
        {
            self.at += 1;
            return Ok(u64::from(byte));
        }
        self.long_varint()
    }

    fn long_varint(&mut self) -> Decoded<u64> {
        // Two bytes: up to 16,383, most of the string numbers of a part.
        if let Some(&[low, high]) = self.bytes.get(self.at..self.at.saturating_add(2))
            && high < 0x80
        {
            self.at += 2;
            return Ok(u64::from(low & 0x7f) | u64::from(high) << 7);
        }
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

/// A part's string table, owned: the part's node blocks decode from it while any of their nodes
/// still holds its properties encoded.
pub(crate) struct StringTable {
    /// Every string, one after the other.
    text: String,
    /// Where each string ends in `text`.
    ends: Vec<usize>,
    /// The object keys (the first strings), interned.
    keys: Vec<Key>,
    /// The strings that occur more than once (the first `shared`): each made once, on first
    /// use, and cloned after.
    shared: Box<[OnceLock<Text>]>,
}

impl StringTable {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, i: usize) -> Option<&str> {
        let start = match i.checked_sub(1) {
            Some(before) => *self.ends.get(before)?,
            None => 0,
        };
        self.text.get(start..*self.ends.get(i)?)
    }
}

fn read_table(payload: &[u8]) -> Decoded<StringTable> {
    let mut c = Cursor::new(payload);
    let keys = c.count(1)?;
    let shared = c.count(1)?;
    let count = c.count(1)?;
    if keys > count || shared > count {
        return c.bad(format!(
            "{keys} keys and {shared} shared strings but only {count} strings"
        ));
    }
    let mut text = String::with_capacity(c.remaining().saturating_sub(count));
    let mut ends = Vec::with_capacity(count);
    for i in 0..count {
        let len = c.count(1)?;
        let at = c.at;
        let bytes = c.take(len)?;
        match std::str::from_utf8(bytes) {
            Ok(s) => {
                text.push_str(s);
                ends.push(text.len());
            }
            Err(_) => {
                return Err(Bad {
                    at,
                    message: format!("string {i} is not UTF-8"),
                });
            }
        }
    }
    c.finished()?;
    let mut table = StringTable {
        text,
        ends,
        keys: Vec::with_capacity(keys),
        shared: std::iter::repeat_with(OnceLock::new).take(shared).collect(),
    };
    table.keys = (0..keys)
        .map(|i| intern(table.get(i).unwrap_or_default()))
        .collect();
    Ok(table)
}

/// One `NODE` block as read, kept while a node read from it holds its properties encoded.
pub(crate) struct Block {
    payload: Vec<u8>,
    table: Arc<StringTable>,
}

/// A node's `reported` object as its block holds it: checked when the block was read, decoded
/// when first used (see [`crate::reported::Reported`]).
#[derive(Clone)]
pub(crate) struct Encoded {
    block: Arc<Block>,
    start: u32,
    end: u32,
}

impl Encoded {
    /// The encoded bytes.
    pub(crate) fn len(&self) -> usize {
        self.end.saturating_sub(self.start) as usize
    }

    /// The value of the object's property `key` (`None` when it has none), read from the
    /// record alone: the other properties are skipped, nothing else is built. A key the record
    /// holds more than once (only a damaged or hostile file does) reads as its last value, as
    /// [`Encoded::decode`] keeps it.
    pub(crate) fn property(&self, key: Key) -> Option<Value> {
        let (bytes, reader) = self.record();
        let mut c = Cursor::new(bytes);
        let read = (|| -> Decoded<Option<Value>> {
            let n = c.count(2)?;
            let mut found = None;
            for _ in 0..n {
                let k = c.index(reader.table.keys.len(), "object key")?;
                if reader.table.keys.get(k) == Some(&key) {
                    found = Some(reader.value(&mut c, 2)?);
                } else if c.skip_if(TAG_STRING) {
                    c.index(reader.table.len(), "string")?;
                } else {
                    reader.check_value(&mut c, 2)?;
                }
            }
            Ok(found)
        })();
        // The bytes were checked when the block was read; were they ever refused here, the
        // answer is the decoded object's.
        read.unwrap_or_else(|_| {
            self.decode()
                .get_interned(&crate::value::InternedKey::new(key.as_str()))
                .cloned()
        })
    }

    /// The object. The bytes were checked when the block was read, so this does not fail; were
    /// they ever refused, the object would read as empty.
    pub(crate) fn decode(&self) -> Object {
        let (bytes, decoder) = self.record();
        decoder
            .object(&mut Cursor::new(bytes), 1)
            .unwrap_or_default()
    }

    /// The node's record and a reader for the strings it names.
    fn record(&self) -> (&[u8], ValueReader<'_>) {
        let bytes = self
            .block
            .payload
            .get(self.start as usize..self.end as usize)
            .unwrap_or_default();
        let reader = ValueReader {
            table: &self.block.table,
        };
        (bytes, reader)
    }
}

/// A node as decoded, before its ancestors are resolved.
struct DecodedNode {
    node: Node,
    /// The id's hash for the inventory's id index.
    hash: u64,
    ancestors: [u64; 3],
}

/// Reads values against a string table. Keys are interned once per table; a repeated string
/// (a region, a filter pattern, a state, a topic that alarms notify) is made once per table
/// and cloned after — as text that lives as long as the process
/// ([`crate::value::lasting_text`], while its budget lasts) when it is first met as a value, so
/// copying and dropping it touches no counter, and as one shared allocation when first met as
/// a node id; a string that occurs once is not kept.
struct ValueReader<'t> {
    table: &'t StringTable,
}

impl ValueReader<'_> {
    /// A node id: shared with the values of the same text.
    fn id(&self, c: &mut Cursor<'_>) -> Decoded<Arc<str>> {
        Ok(self.text(c, |text| Text::from(text))?.into_arc())
    }

    /// A string value.
    fn string(&self, c: &mut Cursor<'_>) -> Decoded<Text> {
        self.text(c, |text| {
            crate::value::lasting_text(text).unwrap_or_else(|| Text::from(text))
        })
    }

    /// The string the next number names; a repeated one is made by `first` where it first
    /// occurs and cloned after.
    fn text(&self, c: &mut Cursor<'_>, first: impl FnOnce(&str) -> Text) -> Decoded<Text> {
        let i = c.index(self.table.len(), "string")?;
        match (self.table.shared.get(i), self.table.get(i)) {
            (Some(slot), Some(text)) => Ok(slot.get_or_init(|| first(text)).clone()),
            (None, Some(text)) => Ok(Text::from(text)),
            _ => c.bad(format!("string {i} is out of range")),
        }
    }

    fn object(&self, c: &mut Cursor<'_>, depth: usize) -> Decoded<Object> {
        if depth > MAX_DEPTH {
            return c.bad(format!("values nest deeper than {MAX_DEPTH} levels"));
        }
        let n = c.count(2)?;
        // Key numbers below 128 are told apart by one bit each; a repeated one (which only a
        // damaged or hostile file holds) or a larger number hands the pairs to `UniquePairs`,
        // which keeps the last value of a repeated key in the place of the first.
        let mut pairs = Vec::with_capacity(n);
        let mut seen = 0u128;
        let mut general: Option<UniquePairs> = None;
        for _ in 0..n {
            let k = c.index(self.table.keys.len(), "object key")?;
            let key = match self.table.keys.get(k) {
                Some(&key) => key,
                None => return c.bad(format!("object key {k} is out of range")),
            };
            // Most values are strings: decoded here rather than through `value`, whose result
            // the compiler returns through memory.
            let value = if c.skip_if(TAG_STRING) {
                Value::String(self.string(c)?)
            } else {
                self.value(c, depth + 1)?
            };
            if let Some(general) = general.as_mut() {
                general.push(key, value);
                continue;
            }
            let bit = u32::try_from(k).ok().and_then(|k| 1u128.checked_shl(k));
            match bit {
                Some(bit) if seen & bit == 0 => {
                    seen |= bit;
                    pairs.push((key, value));
                }
                _ => {
                    let mut all = UniquePairs::of_distinct(std::mem::take(&mut pairs));
                    all.push(key, value);
                    general = Some(all);
                }
            }
        }
        Ok(match general {
            Some(general) => general.finish(),
            None => UniquePairs::of_distinct(pairs).finish(),
        })
    }

    fn value(&self, c: &mut Cursor<'_>, depth: usize) -> Decoded<Value> {
        let at = c.at;
        Ok(match c.byte()? {
            TAG_NULL => Value::Null,
            TAG_FALSE => Value::Bool(false),
            TAG_TRUE => Value::Bool(true),
            TAG_INT => Value::Number(Number::Int(unzigzag(c.varint()?))),
            TAG_FLOAT => Value::Number(Number::Float(float(c)?)),
            TAG_STRING => Value::String(self.string(c)?),
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

    /// Checks an object as [`ValueReader::object`] reads it, building nothing: what passes here,
    /// `object` reads without an error.
    fn check_object(&self, c: &mut Cursor<'_>, depth: usize) -> Decoded<()> {
        if depth > MAX_DEPTH {
            return c.bad(format!("values nest deeper than {MAX_DEPTH} levels"));
        }
        let n = c.count(2)?;
        for _ in 0..n {
            c.index(self.table.keys.len(), "object key")?;
            if c.skip_if(TAG_STRING) {
                c.index(self.table.len(), "string")?;
            } else {
                self.check_value(c, depth + 1)?;
            }
        }
        Ok(())
    }

    /// Checks a value as [`ValueReader::value`] reads it, building nothing.
    fn check_value(&self, c: &mut Cursor<'_>, depth: usize) -> Decoded<()> {
        let at = c.at;
        match c.byte()? {
            TAG_NULL | TAG_FALSE | TAG_TRUE => {}
            TAG_INT => {
                c.varint()?;
            }
            TAG_FLOAT => {
                float(c)?;
            }
            TAG_STRING => {
                c.index(self.table.len(), "string")?;
            }
            TAG_ARRAY => {
                if depth > MAX_DEPTH {
                    return c.bad(format!("values nest deeper than {MAX_DEPTH} levels"));
                }
                let n = c.count(1)?;
                for _ in 0..n {
                    self.check_value(c, depth + 1)?;
                }
            }
            TAG_OBJECT => self.check_object(c, depth)?,
            other => {
                return Err(Bad {
                    at,
                    message: format!("unknown value tag {other}"),
                });
            }
        }
        Ok(())
    }
}

/// An `f64` after its tag.
fn float(c: &mut Cursor<'_>) -> Decoded<f64> {
    let at = c.at;
    let bytes: [u8; 8] = c.take(8)?.try_into().map_err(|_| Bad {
        at,
        message: "a float is cut short".to_owned(),
    })?;
    Ok(f64::from_le_bytes(bytes))
}

/// Reads one `NODE` block: ids, kinds and ancestors now, each node's properties checked and
/// kept encoded in the block.
fn read_block(
    table: &Arc<StringTable>,
    hasher: &hashbrown::DefaultHashBuilder,
    payload: Vec<u8>,
) -> Decoded<Vec<DecodedNode>> {
    if u32::try_from(payload.len()).is_err() {
        return Err(Bad {
            at: 0,
            message: "a node block is larger than 4 GiB (trailgraph writes blocks of a few MB)"
                .to_owned(),
        });
    }
    let block = Arc::new(Block {
        payload,
        table: Arc::clone(table),
    });
    let strings = ValueReader { table };
    let mut c = Cursor::new(&block.payload);
    // id, kind, three ancestors and an object count: at least six bytes a node.
    let n = c.count(6)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let id = strings.id(&mut c)?;
        let at = c.at;
        let kind = c.byte()?;
        let Some(&kind) = Kind::ALL.get(usize::from(kind)) else {
            return Err(Bad {
                at,
                message: format!("unknown node kind {kind}"),
            });
        };
        let ancestors = [c.varint()?, c.varint()?, c.varint()?];
        let start = c.at;
        strings.check_object(&mut c, 1)?;
        // Both fit: the block is smaller than 4 GiB.
        let (start, end) = (start as u32, c.at as u32);
        out.push(DecodedNode {
            hash: hasher.hash_one(&*id),
            node: Node {
                id,
                kind,
                reported: Reported::encoded(Encoded {
                    block: Arc::clone(&block),
                    start,
                    end,
                }),
                ancestors: Ancestors::default(),
            },
            ancestors,
        });
    }
    c.finished()?;
    Ok(out)
}

/// One section as read from the file.
struct Section {
    tag: [u8; 4],
    /// Byte offset of the payload in the file.
    offset: u64,
    payload: Vec<u8>,
    /// A string table's payload read as one by the reading thread ([`read_ahead`]).
    table: Option<Decoded<StringTable>>,
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
        // The whole payload is reserved at once when the file is known to hold it (checked
        // above); in a stream of unknown size only up to `STREAM_RESERVE`, and the rest grows as
        // it arrives.
        let reserve = match self.size {
            Some(_) => length,
            None => length.min(STREAM_RESERVE),
        };
        let mut payload = Vec::with_capacity(reserve);
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
            table: None,
        }))
    }
}

/// The most a section read from a stream of unknown size reserves before its bytes arrive.
const STREAM_RESERVE: usize = 16 << 20;

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

/// A part as announced by its `PART` section, numbers global (a version 2 file is one part).
pub(crate) struct PartHead {
    /// The number of the part's first node.
    pub first: u64,
    pub nodes: u64,
    pub edges: u64,
    /// The numbers of the part's nodes that later parts need, ascending.
    pub kept: Vec<u64>,
}

/// Where a reader puts what it decodes. Numbers are node numbers in the file, checked by the
/// reader to be below the nodes read so far (edges) or announced (ancestors are checked by the
/// sink, which knows what it holds).
pub(crate) trait Sink {
    /// The header, before anything else; `reserve` is the header's counts bounded by the file
    /// (when its size is known), `counts` the header's counts as bounded by the file's size, or
    /// as written when the size is not known.
    fn head(&mut self, meta: SnapshotMeta, reserve: (usize, usize), counts: (u64, u64));
    /// A part begins; returns the hasher the part's nodes are to be hashed with.
    fn begin(&mut self, part: PartHead) -> Result<hashbrown::DefaultHashBuilder, String>;
    fn node(&mut self, node: Node, hash: u64, ancestors: [u64; 3]) -> Result<(), String>;
    fn edge(&mut self, from: u64, to: u64, edge_type: EdgeType) -> Result<(), String>;
    /// The part is complete.
    fn end(&mut self) -> Result<(), String>;
}

/// Reads the part head of a `PART` section that starts at node `first`.
fn read_part_head(payload: &[u8], first: u64) -> Decoded<PartHead> {
    let mut c = Cursor::new(payload);
    let nodes = c.varint()?;
    let edges = c.varint()?;
    let count = c.count(1)?;
    let mut kept = Vec::with_capacity(count);
    let mut last: Option<u64> = None;
    for _ in 0..count {
        let step = c.varint()?;
        let k = match last {
            None => Some(step),
            Some(_) if step == 0 => None,
            Some(l) => l.checked_add(step),
        };
        match k {
            Some(k) if k < nodes => {
                kept.push(first + k);
                last = Some(k);
            }
            _ => return c.bad("a kept node is out of the part or out of order"),
        }
    }
    c.finished()?;
    Ok(PartHead {
        first,
        nodes,
        edges,
        kept,
    })
}

/// Reads a binary snapshot whose magic has been consumed already (`reader` is at the version).
/// The id index is built on a thread of its own from the ids' hashes while this thread adds
/// the nodes to the graph.
pub(crate) fn read_binary(
    reader: impl BufRead + Send,
    path: &Path,
    size: Option<u64>,
) -> Result<Inventory, SnapshotError> {
    let (mut inventory, later) = std::thread::scope(|scope| {
        let (send, receive) = std::sync::mpsc::sync_channel::<ToIndex>(8);
        let indexing = scope.spawn(move || {
            let mut index = IdIndex::default();
            for message in receive {
                match message {
                    ToIndex::Reserve(nodes) => index.reserve(nodes),
                    ToIndex::Hashes(hashes) => hashes.into_iter().for_each(|h| index.push(h)),
                }
            }
            index
        });
        let mut sink = Whole {
            inventory: Inventory::default(),
            later: Vec::new(),
            hashes: Vec::with_capacity(INDEX_BATCH),
            index: send,
        };
        let read = read_into(reader, path, size, &mut sink);
        let Whole {
            mut inventory,
            later,
            hashes,
            index,
        } = sink;
        // The last hashes, then the end of them (which ends the indexing thread). Hashes that
        // did not arrive would leave the index short of the nodes, which `set_id_index` refuses.
        let _ = index.send(ToIndex::Hashes(hashes));
        drop(index);
        let built = indexing
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        read?;
        inventory
            .set_id_index(built)
            .map_err(|e| damaged(path, 0, e.to_string()))?;
        Ok((inventory, later))
    })?;
    let count = inventory.node_count();
    for (i, numbers) in later {
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
    Ok(inventory)
}

/// Hashes handed to the indexing thread at a time.
const INDEX_BATCH: usize = 8192;

/// What the indexing thread of a whole read is sent.
enum ToIndex {
    /// Room for this many nodes.
    Reserve(usize),
    /// The hashes of the next nodes' ids, in node order.
    Hashes(Vec<u64>),
}

/// The sink of a whole read: everything into one inventory.
struct Whole {
    inventory: Inventory,
    /// The nodes whose ancestors come after them in the file (which trailgraph does not
    /// write), with their ancestors' numbers: resolved once every node is in.
    later: Vec<(usize, [u64; 3])>,
    /// Hashes of the latest nodes' ids, not yet sent to the indexing thread.
    hashes: Vec<u64>,
    /// The indexing thread (see [`read_binary`]).
    index: std::sync::mpsc::SyncSender<ToIndex>,
}

impl Sink for Whole {
    fn head(&mut self, meta: SnapshotMeta, reserve: (usize, usize), _: (u64, u64)) {
        self.inventory = Inventory::new(meta);
        self.inventory.reserve_unindexed(reserve.0, reserve.1);
        // If the indexing thread stopped, the next batch of hashes says so.
        let _ = self.index.send(ToIndex::Reserve(reserve.0));
    }

    fn begin(&mut self, _: PartHead) -> Result<hashbrown::DefaultHashBuilder, String> {
        Ok(self.inventory.id_hasher())
    }

    fn node(&mut self, mut node: Node, hash: u64, ancestors: [u64; 3]) -> Result<(), String> {
        // Number `n` is node `n - 1`; this node will be node `count` (a node can be its own
        // ancestor: an account is its own account).
        let count = self.inventory.node_count() as u64;
        if ancestors.iter().all(|&n| n <= count + 1) {
            let at = |n: u64| n.checked_sub(1).map(|n| NodeId::new(n as usize));
            node.ancestors = Ancestors {
                cloud: at(ancestors[0]),
                account: at(ancestors[1]),
                region: at(ancestors[2]),
            };
        } else {
            self.later.push((count as usize, ancestors));
        }
        self.inventory.add_node_unindexed(node);
        self.hashes.push(hash);
        if self.hashes.len() >= INDEX_BATCH {
            let batch = std::mem::replace(&mut self.hashes, Vec::with_capacity(INDEX_BATCH));
            self.index
                .send(ToIndex::Hashes(batch))
                .map_err(|_| "the indexing thread stopped".to_owned())?;
        }
        Ok(())
    }

    fn edge(&mut self, from: u64, to: u64, edge_type: EdgeType) -> Result<(), String> {
        self.inventory.add_edge_unchecked(
            NodeId::new(from as usize),
            NodeId::new(to as usize),
            edge_type,
        );
        Ok(())
    }

    fn end(&mut self) -> Result<(), String> {
        Ok(())
    }
}

/// One part of a snapshot as a checker gets it: the part's own nodes (whole accounts) after the
/// nodes of earlier parts that it needs (the cloud, an organisation trail of the management
/// account and what that leads to), all linked.
#[derive(Debug)]
pub struct Part {
    /// The nodes: first the ones kept from earlier parts, then the part's own.
    pub inventory: Inventory,
    /// How many of the inventory's first nodes come from earlier parts.
    pub borrowed: usize,
}

impl Part {
    /// Whether `node` is one of the part's own (not borrowed from an earlier part).
    pub fn owns(&self, node: NodeId) -> bool {
        node.index() >= self.borrowed
    }

    /// The number of the part's own nodes.
    pub fn own_nodes(&self) -> usize {
        self.inventory.node_count().saturating_sub(self.borrowed)
    }
}

/// A node kept for later parts: as decoded, ancestors as node numbers.
struct KeptNode {
    number: u64,
    node: Node,
    ancestors: [u64; 3],
}

/// The sink of a read by parts: hands each part to `each`, keeps what later parts need.
struct ByParts<F> {
    meta: SnapshotMeta,
    each: F,
    stopped: bool,
    kept: Vec<KeptNode>,
    kept_edges: Vec<(u64, u64, EdgeType)>,
    part: Option<PartHead>,
    inventory: Inventory,
    /// Node number → position in `inventory`, for the borrowed nodes (looked up for nearly
    /// every node and edge: hashbrown's hasher, not SipHash).
    borrowed: hashbrown::HashMap<u64, NodeId>,
    /// The ancestors' numbers of the part's nodes so far.
    ancestors: Vec<[u64; 3]>,
    /// The part's nodes whose ancestors come after them in the file (which trailgraph does not
    /// write): resolved at the end of the part.
    later: Vec<usize>,
    /// Kept nodes and edges copied into parts so far, and how many the file may ask for (a
    /// hostile file could keep every node and cut the rest into parts of one: the copies would
    /// grow with the square of the file).
    copied: u64,
    copy_limit: u64,
}

impl<F> ByParts<F> {
    fn local(&self, number: u64) -> Option<NodeId> {
        let part = self.part.as_ref()?;
        if number >= part.first && number < part.first + self.ancestors.len() as u64 {
            return Some(NodeId::new(
                self.borrowed.len() + (number - part.first) as usize,
            ));
        }
        self.borrowed.get(&number).copied()
    }

    fn is_kept(&self, number: u64) -> bool {
        self.borrowed.contains_key(&number)
            || self
                .part
                .as_ref()
                .is_some_and(|p| p.kept.binary_search(&number).is_ok())
    }
}

impl<F: FnMut(Part) -> std::ops::ControlFlow<()>> Sink for ByParts<F> {
    fn head(&mut self, meta: SnapshotMeta, _: (usize, usize), counts: (u64, u64)) {
        self.meta = meta;
        self.copy_limit = crate::parts::copy_limit(counts.0, counts.1);
    }

    fn begin(&mut self, part: PartHead) -> Result<hashbrown::DefaultHashBuilder, String> {
        self.copied = self
            .copied
            .saturating_add(self.kept.len() as u64)
            .saturating_add(self.kept_edges.len() as u64);
        if self.copied > self.copy_limit {
            return Err(format!(
                "the parts borrow more than {} copies of kept nodes and edges ({} per node and \
                 edge of the file, and a million): a file trailgraph writes keeps far fewer",
                self.copy_limit,
                crate::parts::COPIES_PER_NODE
            ));
        }
        let mut inventory = Inventory::new(self.meta.clone());
        let own = usize::try_from(part.nodes).unwrap_or(0).min(1 << 24);
        inventory.reserve(self.kept.len() + own, 0);
        self.borrowed.clear();
        for k in &self.kept {
            if let Ok(n) = inventory.add_node(k.node.clone()) {
                self.borrowed.insert(k.number, n);
            }
        }
        for k in &self.kept {
            let resolve = |n: u64| {
                n.checked_sub(1)
                    .and_then(|n| self.borrowed.get(&n).copied())
            };
            if let Some(&at) = self.borrowed.get(&k.number) {
                inventory.set_ancestors(
                    at,
                    Ancestors {
                        cloud: resolve(k.ancestors[0]),
                        account: resolve(k.ancestors[1]),
                        region: resolve(k.ancestors[2]),
                    },
                );
            }
        }
        for &(from, to, edge_type) in &self.kept_edges {
            if let (Some(&f), Some(&t)) = (self.borrowed.get(&from), self.borrowed.get(&to)) {
                inventory.add_edge_unchecked(f, t, edge_type);
            }
        }
        self.ancestors.clear();
        self.later.clear();
        self.part = Some(part);
        let hasher = inventory.id_hasher();
        self.inventory = inventory;
        Ok(hasher)
    }

    fn node(&mut self, mut node: Node, hash: u64, ancestors: [u64; 3]) -> Result<(), String> {
        // Once its numbers are in, the node can be its own ancestor (an account is its own
        // account).
        self.ancestors.push(ancestors);
        let resolve = |n: u64| match n {
            0 => Some(None),
            n => self.local(n - 1).map(Some),
        };
        match (
            resolve(ancestors[0]),
            resolve(ancestors[1]),
            resolve(ancestors[2]),
        ) {
            (Some(cloud), Some(account), Some(region)) => {
                node.ancestors = Ancestors {
                    cloud,
                    account,
                    region,
                };
            }
            _ => self.later.push(self.ancestors.len() - 1),
        }
        self.inventory
            .add_node_hashed(node, hash)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn edge(&mut self, from: u64, to: u64, edge_type: EdgeType) -> Result<(), String> {
        match (self.local(from), self.local(to)) {
            (Some(f), Some(t)) => {
                self.inventory.add_edge_unchecked(f, t, edge_type);
                if self.is_kept(from) && self.is_kept(to) {
                    self.kept_edges.push((from, to, edge_type));
                }
                Ok(())
            }
            _ => Err(format!(
                "an edge from node {from} to node {to} refers to a node of an earlier part that \
                 is not kept for later parts"
            )),
        }
    }

    fn end(&mut self) -> Result<(), String> {
        if self.part.is_none() {
            return Ok(());
        }
        let borrowed = self.borrowed.len();
        // Ancestors resolve against the part itself and the borrowed nodes (`local` needs the
        // part, which is taken only after).
        for &i in &self.later {
            let numbers = self.ancestors.get(i).copied().unwrap_or_default();
            let mut resolved = [None; 3];
            for (slot, n) in resolved.iter_mut().zip(numbers) {
                if n == 0 {
                    continue;
                }
                match self.local(n - 1) {
                    Some(at) => *slot = Some(at),
                    None => {
                        return Err(format!(
                            "ancestor node number {} is neither in its part nor kept from an \
                             earlier one",
                            n - 1
                        ));
                    }
                }
            }
            self.inventory.set_ancestors(
                NodeId::new(borrowed + i),
                Ancestors {
                    cloud: resolved[0],
                    account: resolved[1],
                    region: resolved[2],
                },
            );
        }
        let Some(part) = self.part.take() else {
            return Ok(());
        };
        for &number in &part.kept {
            let at = borrowed + (number - part.first) as usize;
            if let Some(node) = self.inventory.node(NodeId::new(at)) {
                let ancestors = self
                    .ancestors
                    .get(at - borrowed)
                    .copied()
                    .unwrap_or_default();
                // Decoded, so that the kept node does not hold this part's block.
                let node = Node {
                    id: Arc::clone(&node.id),
                    kind: node.kind,
                    reported: node.reported.detached(),
                    ancestors: node.ancestors,
                };
                self.kept.push(KeptNode {
                    number,
                    node,
                    ancestors,
                });
            }
        }
        self.ancestors.clear();
        let inventory = std::mem::take(&mut self.inventory);
        if !self.stopped {
            let flow = (self.each)(Part {
                inventory,
                borrowed,
            });
            self.stopped = flow.is_break();
        }
        Ok(())
    }
}

/// Reads a binary snapshot whose magic has been consumed already, part by part: `each` gets
/// every part in file order (and can stop the read); returns the metadata. Only what later parts
/// need is held between parts.
pub(crate) fn read_binary_parts(
    reader: impl BufRead + Send,
    path: &Path,
    size: Option<u64>,
    each: impl FnMut(Part) -> std::ops::ControlFlow<()>,
) -> Result<SnapshotMeta, SnapshotError> {
    let mut sink = ByParts {
        meta: SnapshotMeta::default(),
        each,
        stopped: false,
        kept: Vec::new(),
        kept_edges: Vec::new(),
        copied: 0,
        copy_limit: 0,
        part: None,
        inventory: Inventory::default(),
        borrowed: hashbrown::HashMap::new(),
        ancestors: Vec::new(),
        later: Vec::new(),
    };
    read_into(reader, path, size, &mut sink)?;
    Ok(sink.meta)
}

fn read_into(
    mut reader: impl BufRead + Send,
    path: &Path,
    size: Option<u64>,
    sink: &mut impl Sink,
) -> Result<(), SnapshotError> {
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
    if version < FIRST_BINARY_VERSION {
        return Err(damaged(
            path,
            8,
            format!(
                "binary format version {version} does not exist (binary snapshots start at version {FIRST_BINARY_VERSION})"
            ),
        ));
    }
    let in_parts = version >= 3;
    let sections = Sections {
        reader,
        offset: 12,
        size,
    };
    // One thread reads the sections ahead (file reads and checksums) while this one decodes
    // and inserts what they hold.
    std::thread::scope(|scope| {
        let (send, frames) = std::sync::mpsc::sync_channel(READ_AHEAD);
        scope.spawn(move || read_ahead(sections, path, &send));
        let mut ahead = ReadAhead { frames };
        read_sections(&mut ahead, path, size, in_parts, sink)
        // `ahead` ends here, which stops the reading thread if it is still reading.
    })
}

/// Reads the sections after the format version from `sections`, into `sink`.
fn read_sections(
    sections: &mut ReadAhead,
    path: &Path,
    size: Option<u64>,
    in_parts: bool,
    sink: &mut impl Sink,
) -> Result<(), SnapshotError> {
    let truncated = |offset: u64, announced: Option<(u64, u64)>| SnapshotError::TruncatedAt {
        path: path.to_owned(),
        offset,
        expected_nodes: announced.map(|a| a.0),
        expected_edges: announced.map(|a| a.1),
    };
    let next = |sections: &mut ReadAhead,
                announced: Option<(u64, u64)>|
     -> Result<Section, SnapshotError> {
        match sections.next(path)? {
            Frame::Truncated(offset) => Err(truncated(offset, announced)),
            Frame::Section(s) => Ok(s),
        }
    };
    let wrong = |s: &Section, expected: &str| {
        damaged(
            path,
            s.offset - 12,
            format!("expected {expected}, found {}", tag_name(s.tag)),
        )
    };

    let head = next(sections, None)?;
    if head.tag != HEAD {
        return Err(wrong(&head, "the HEAD section"));
    }
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
    // Counts are reserved only as far as the file can hold them (six bytes a node at least).
    let reserve = |total: u64, per: u64| -> usize {
        let bound = size.map_or(1 << 16, |s| s / per);
        usize::try_from(total.min(bound)).unwrap_or(0)
    };
    let bounded = |total: u64, per: u64| size.map_or(total, |s| total.min(s / per));
    sink.head(
        meta,
        (reserve(node_total, 6), reserve(edge_total, 3)),
        (bounded(node_total, 6), bounded(edge_total, 3)),
    );

    let mut nodes: u64 = 0;
    let mut edges: u64 = 0;
    let mut section = next(sections, announced)?;
    let mut one_part_read = false;
    let end = loop {
        let part = if in_parts {
            match section.tag {
                END => break section,
                PART => {
                    let part = read_part_head(&section.payload, nodes).map_err(|bad| {
                        let (offset, message) = at(&section, bad);
                        damaged(path, offset, message)
                    })?;
                    if part.nodes > node_total - nodes || part.edges > edge_total - edges {
                        return Err(damaged(
                            path,
                            section.offset,
                            "a part announces more nodes or edges than the header",
                        ));
                    }
                    section = next(sections, announced)?;
                    part
                }
                _ => return Err(wrong(&section, "a PART or the END. section")),
            }
        } else {
            // A version 2 file is one part without a PART section.
            if one_part_read {
                if section.tag != END {
                    return Err(wrong(&section, "the END. section"));
                }
                break section;
            }
            one_part_read = true;
            PartHead {
                first: 0,
                nodes: node_total,
                edges: edge_total,
                kept: Vec::new(),
            }
        };
        let (part_nodes, part_edges) = (part.nodes, part.edges);
        let at_part = section.offset;
        let hasher = sink
            .begin(part)
            .map_err(|message| damaged(path, at_part, message))?;
        if section.tag != STRS {
            return Err(wrong(&section, "the STRS section"));
        }
        let table = section
            .table
            .take()
            .unwrap_or_else(|| read_table(&section.payload));
        let table = table.map_err(|bad| {
            let (offset, message) = at(&section, bad);
            damaged(path, offset, message)
        })?;
        let table = Arc::new(table);
        let (decoded, after) =
            decode_nodes(sections, path, &table, hasher, part_nodes, announced, sink)?;
        drop(table);
        nodes += decoded;
        if decoded != part_nodes {
            return Err(damaged(
                path,
                0,
                format!(
                    "a part announces {part_nodes} nodes and holds {decoded} (the header announces {node_total})"
                ),
            ));
        }
        section = after;
        let mut in_part: u64 = 0;
        while section.tag == EDGE {
            let mut c = Cursor::new(&section.payload);
            let decoded = (|| -> Decoded<()> {
                let n = c.count(3)?;
                for _ in 0..n {
                    let limit = usize::try_from(nodes).unwrap_or(usize::MAX);
                    let from = c.index(limit, "edge source node")? as u64;
                    let to = c.index(limit, "edge target node")? as u64;
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
                    in_part += 1;
                    if in_part > part_edges {
                        return c.bad(format!(
                            "more edges than the {part_edges} the part announces"
                        ));
                    }
                    sink.edge(from, to, edge_type)
                        .map_err(|message| Bad { at, message })?;
                }
                c.finished()
            })();
            decoded.map_err(|bad| {
                let (offset, message) = at(&section, bad);
                damaged(path, offset, message)
            })?;
            section = next(sections, announced)?;
        }
        edges += in_part;
        if in_part != part_edges {
            return Err(damaged(
                path,
                section.offset - 12,
                format!("a part announces {part_edges} edges and holds {in_part}"),
            ));
        }
        sink.end()
            .map_err(|message| damaged(path, section.offset - 12, message))?;
    };
    if nodes != node_total {
        return Err(damaged(
            path,
            end.offset,
            format!("the header announces {node_total} nodes, the file holds {nodes}"),
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
    sections.finish()
}

/// Sections waiting at most, read ahead of the one being decoded (a section is a few MB).
const READ_AHEAD: usize = 2;

/// What the reading thread read: each section in turn, ending with the `END.` section (then,
/// if data follows it, the error that says so), a truncation or an error.
type Frames = std::sync::mpsc::Receiver<Result<Frame, SnapshotError>>;

/// The sections of a file, read ahead by another thread ([`read_ahead`]).
struct ReadAhead {
    frames: Frames,
}

impl ReadAhead {
    fn next(&mut self, path: &Path) -> Result<Frame, SnapshotError> {
        // The reading thread stops after the end, a truncation or an error; a section asked
        // for after that is an error of the file's structure, which was reported already.
        self.frames
            .recv()
            .unwrap_or_else(|_| Err(damaged(path, 0, "nothing can be read after the end")))
    }

    /// After the `END.` section: whether data follows it.
    fn finish(&mut self) -> Result<(), SnapshotError> {
        match self.frames.recv() {
            Ok(Err(e)) => Err(e),
            _ => Ok(()),
        }
    }
}

/// Reads the sections of `sections` in turn into `send`, until the `END.` section (then checks
/// that nothing follows it), a truncation or an error, or until nobody takes them any more.
fn read_ahead<R: Read>(
    mut sections: Sections<R>,
    path: &Path,
    send: &std::sync::mpsc::SyncSender<Result<Frame, SnapshotError>>,
) {
    loop {
        let mut frame = sections.next(path);
        // A string table is read here too, while the calling thread inserts the nodes before it.
        if let Ok(Frame::Section(s)) = &mut frame
            && s.tag == STRS
        {
            s.table = Some(read_table(&s.payload));
        }
        let end = matches!(&frame, Ok(Frame::Section(s)) if s.tag == END);
        let stop = !matches!(&frame, Ok(Frame::Section(_)));
        if send.send(frame).is_err() || stop {
            return;
        }
        if end {
            break;
        }
    }
    let mut extra = [0u8; 1];
    let trailing = match read_full(&mut sections.reader, &mut extra) {
        Err(source) => Some(SnapshotError::Io {
            path: path.to_owned(),
            source,
        }),
        Ok(got) if got > 0 => Some(damaged(
            path,
            sections.offset,
            "unexpected data after the end marker",
        )),
        Ok(_) => None,
    };
    if let Some(e) = trailing {
        // Nobody may be waiting any more; then there is nobody to tell.
        let _ = send.send(Err(e));
    }
}

/// Decodes the `NODE` blocks that follow (at most `limit` nodes) into `sink`: this thread reads
/// and inserts in file order, two workers decode. Returns the nodes decoded and the first
/// section after them.
fn decode_nodes(
    sections: &mut ReadAhead,
    path: &Path,
    table: &Arc<StringTable>,
    hasher: hashbrown::DefaultHashBuilder,
    limit: u64,
    announced: Option<(u64, u64)>,
    sink: &mut impl Sink,
) -> Result<(u64, Section), SnapshotError> {
    let truncated = |offset: u64| SnapshotError::TruncatedAt {
        path: path.to_owned(),
        offset,
        expected_nodes: announced.map(|a| a.0),
        expected_edges: announced.map(|a| a.1),
    };
    std::thread::scope(|scope| -> Result<(u64, Section), SnapshotError> {
        let mut inputs = Vec::new();
        let mut outputs = Vec::new();
        for _ in 0..WORKERS {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Section>(2);
            let (result_tx, result_rx) =
                std::sync::mpsc::sync_channel::<Result<Vec<DecodedNode>, (u64, String)>>(2);
            let hasher = hasher.clone();
            scope.spawn(move || {
                for section in rx {
                    let offset = section.offset;
                    let decoded = read_block(table, &hasher, section.payload)
                        .map_err(|bad| (offset + bad.at as u64, bad.message));
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
                           sink: &mut dyn FnMut(DecodedNode) -> Result<(), String>|
         -> Result<(), SnapshotError> {
            let decoded = outputs
                .get(worker)
                .and_then(|rx| rx.recv().ok())
                .ok_or_else(stopped)?
                .map_err(|(offset, message)| damaged(path, offset, message))?;
            for d in decoded {
                inserted += 1;
                if inserted > limit {
                    return Err(damaged(
                        path,
                        0,
                        format!("more node records than the {limit} announced"),
                    ));
                }
                sink(d).map_err(|e| damaged(path, 0, e))?;
            }
            Ok(())
        };
        let mut put = |d: DecodedNode| sink.node(d.node, d.hash, d.ancestors);
        let mut next_worker = 0;
        let after = loop {
            let section = match sections.next(path)? {
                Frame::Truncated(offset) => {
                    drop(inputs);
                    return Err(truncated(offset));
                }
                Frame::Section(s) if s.tag == NODE => s,
                Frame::Section(s) => break s,
            };
            if in_flight.len() >= 2 * WORKERS
                && let Some(worker) = in_flight.pop_front()
            {
                receive(worker, &mut put)?;
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
            receive(worker, &mut put)?;
        }
        Ok((inserted, after))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_zigzag_round_trip() {
        for n in [
            0u64,
            1,
            127,
            128,
            300,
            16_383,
            16_384,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            let mut buf = Vec::new();
            put_varint(&mut buf, n);
            let mut c = Cursor::new(&buf);
            assert_eq!(c.varint().ok(), Some(n));
            assert_eq!(c.remaining(), 0);
        }
        for i in [0i64, -1, 1, i64::MIN, i64::MAX, -300] {
            assert_eq!(unzigzag(zigzag(i)), i);
        }
        // A number written in more bytes than it needs reads as its value.
        for (bytes, n) in [
            (&[0x80u8, 0x00][..], 0u64),
            (&[0xff, 0x00], 127),
            (&[0x80, 0x80, 0x00], 0),
        ] {
            let mut c = Cursor::new(bytes);
            assert_eq!(c.varint().ok(), Some(n));
            assert_eq!(c.remaining(), 0);
        }
        // A number cut short is refused.
        assert!(Cursor::new(&[0x80]).varint().is_err());
        assert!(Cursor::new(&[0x80, 0x80]).varint().is_err());
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

    /// A table of `keys` keys and `strings` strings in all.
    fn table(keys: usize, strings: usize) -> StringTable {
        let mut strs = Vec::new();
        put_varint(&mut strs, keys as u64);
        put_varint(&mut strs, (strings / 2) as u64);
        put_varint(&mut strs, strings as u64);
        for i in 0..strings {
            let s = format!("s{i}");
            put_len(&mut strs, s.len());
            strs.extend_from_slice(s.as_bytes());
        }
        match read_table(&strs) {
            Ok(table) => table,
            Err(bad) => panic!("the table is refused: {}", bad.message),
        }
    }

    proptest::proptest! {
        /// Properties are checked when their block is read and decoded later, where an error
        /// could no longer be reported: whatever the check accepts must decode, byte for byte.
        #[test]
        fn what_the_check_accepts_decodes(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![0u8..8, proptest::num::u8::ANY],
                0..64,
            ),
        ) {
            let table = table(5, 9);
            let reader = ValueReader { table: &table };
            let mut checked = Cursor::new(&bytes);
            if reader.check_object(&mut checked, 1).is_ok() {
                let mut decoded = Cursor::new(&bytes);
                proptest::prop_assert!(reader.object(&mut decoded, 1).is_ok());
                proptest::prop_assert_eq!(checked.at, decoded.at);
            }
        }
    }

    #[test]
    fn the_check_refuses_what_decoding_would() {
        let table = table(2, 4);
        let reader = ValueReader { table: &table };
        // One pair each: key 2 (there are two keys), string 4 (of four), tag 9, a short float,
        // an array nested too deep.
        let mut deep = vec![1, 0];
        for _ in 0..=MAX_DEPTH {
            deep.extend([TAG_ARRAY, 1]);
        }
        deep.push(TAG_NULL);
        let cases: [(&[u8], &str); 5] = [
            (&[1, 2, TAG_NULL], "object key 2 is out of range"),
            (&[1, 0, TAG_STRING, 4], "string 4 is out of range"),
            (&[1, 0, 9], "unknown value tag 9"),
            (&[1, 0, TAG_FLOAT, 0, 0], "the section ends early"),
            (&deep, "nest deeper"),
        ];
        for (bytes, expected) in cases {
            let mut c = Cursor::new(bytes);
            match reader.check_object(&mut c, 1) {
                Ok(()) => panic!("accepted {bytes:?}"),
                Err(bad) => assert!(bad.message.contains(expected), "{}", bad.message),
            }
            let mut c = Cursor::new(bytes);
            assert!(reader.object(&mut c, 1).is_err(), "decoded {bytes:?}");
        }
    }

    #[test]
    fn a_repeated_key_keeps_its_last_value_in_the_first_place() {
        // 200 keys, so that key numbers beyond the decoder's 128-bit mask occur too.
        let names: Vec<String> = (0..200).map(|i| format!("k{i}")).collect();
        let mut strs = Vec::new();
        put_varint(&mut strs, names.len() as u64);
        put_varint(&mut strs, 0);
        put_varint(&mut strs, names.len() as u64);
        for name in &names {
            put_len(&mut strs, name.len());
            strs.extend_from_slice(name.as_bytes());
        }
        let Ok(table) = read_table(&strs) else {
            panic!("the table is refused");
        };
        let table = Arc::new(table);
        let object = |pairs: &[(u64, i64)]| {
            let mut buf = Vec::new();
            put_varint(&mut buf, pairs.len() as u64);
            for &(k, v) in pairs {
                put_varint(&mut buf, k);
                buf.push(TAG_INT);
                put_varint(&mut buf, zigzag(v));
            }
            buf
        };
        type Case<'c> = (&'c [(u64, i64)], &'c [(&'c str, i64)]);
        let cases: [Case<'_>; 4] = [
            (&[(3, 1), (5, 2), (3, 3)], &[("k3", 3), ("k5", 2)]),
            (
                &[(150, 1), (3, 2), (150, 3), (3, 4)],
                &[("k150", 3), ("k3", 4)],
            ),
            (
                &[(1, 1), (130, 2), (1, 5), (2, 6)],
                &[("k1", 5), ("k130", 2), ("k2", 6)],
            ),
            (
                &[(0, 1), (127, 2), (128, 3)],
                &[("k0", 1), ("k127", 2), ("k128", 3)],
            ),
        ];
        for (pairs, expected) in cases {
            let bytes = object(pairs);
            let decoder = ValueReader { table: &table };
            let mut c = Cursor::new(&bytes);
            assert!(decoder.check_object(&mut c, 0).is_ok(), "{pairs:?}");
            let mut c = Cursor::new(&bytes);
            let Ok(decoded) = decoder.object(&mut c, 0) else {
                panic!("refused {pairs:?}");
            };
            let got: Vec<(&str, i64)> = decoded
                .iter()
                .map(|(k, v)| match v.as_number() {
                    Some(Number::Int(i)) => (k, i),
                    _ => (k, i64::MIN),
                })
                .collect();
            assert_eq!(got, expected, "{pairs:?}");
            // One property read from the record alone is the decoded one: the last value of a
            // repeated key.
            let end = bytes.len() as u32;
            let encoded = Encoded {
                block: Arc::new(Block {
                    payload: bytes,
                    table: Arc::clone(&table),
                }),
                start: 0,
                end,
            };
            for (name, value) in expected {
                let read = encoded.property(intern(name));
                assert_eq!(
                    read,
                    Some(Value::Number(Number::Int(*value))),
                    "{name} in {pairs:?}"
                );
            }
            assert_eq!(encoded.property(intern("k199")), None, "{pairs:?}");
        }
    }
}
