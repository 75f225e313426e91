//! Reading and writing inventory snapshots.
//!
//! A snapshot is one file in one of two forms (documented in `docs/snapshot-format.md`): the
//! binary form (format version 2, [`crate::binary`]), built for loading, which trailgraph writes
//! by default; and JSON Lines (format version 1), for people and other tools, written for a
//! file named `*.jsonl`. Readers tell them apart by the first bytes. The JSON-lines form:
//!
//! ```text
//! {"format":"trailgraph-snapshot","version":1,"nodes":N,"edges":M,"meta":{...}}
//! {"id":"...","kind":"aws_cloud_trail","ancestors":[0,1,2],"reported":{...}}   N node lines
//! [0,1,"default"]                                                                 M edge lines
//! {"end":"trailgraph-snapshot","nodes":N,"edges":M}
//! ```
//!
//! Nodes are numbered by their line order (0-based); ancestors and edges refer to those numbers.
//! The trailer makes a truncated file detectable. Files are written with
//! [`write_atomically`](crate::write::write_atomically): to a temporary file in the same
//! directory with mode 0600, renamed into place, so a reader never sees half a file.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::inventory::{Ancestors, EdgeType, Inventory, Node, NodeId};
use crate::kind::Kind;
use crate::meta::SnapshotMeta;
use crate::value::Object;
pub use crate::write::write_atomically;

/// The value of `format` in the header line.
pub const FORMAT_NAME: &str = "trailgraph-snapshot";
/// The version of the JSON-lines form (the binary form is version 2).
pub const FORMAT_VERSION: u32 = 1;

/// The two forms of a snapshot file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotFormat {
    /// The binary form: fast to load, compact (string table, checksummed sections).
    Binary,
    /// JSON Lines: one JSON document a line, for people and other tools.
    JsonLines,
}

impl SnapshotFormat {
    /// The form a file of this name is written in: JSON Lines for `*.jsonl` and for standard
    /// output (`-`, `/dev/stdout`: a terminal or a pipe into `jq` wants text), otherwise binary.
    pub fn for_path(path: &Path) -> SnapshotFormat {
        if path == Path::new("-") || path == Path::new("/dev/stdout") {
            return SnapshotFormat::JsonLines;
        }
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("jsonl") => SnapshotFormat::JsonLines,
            _ => SnapshotFormat::Binary,
        }
    }
}

/// Why a snapshot could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// The file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The first line is not a trailgraph snapshot header.
    #[error(
        "{path}: not a trailgraph snapshot (it starts with neither the binary snapshot signature nor a snapshot header line)"
    )]
    NotASnapshot {
        /// The file.
        path: PathBuf,
    },
    /// The file was written by a newer trailgraph.
    #[error(
        "{path}: snapshot format version {found} is newer than this trailgraph reads (up to {supported}); upgrade trailgraph"
    )]
    NewerVersion {
        /// The file.
        path: PathBuf,
        /// Version in the file.
        found: u32,
        /// Newest version this build reads.
        supported: u32,
    },
    /// A line does not have the expected shape.
    #[error("{path}: line {line}: {message}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A binary snapshot is damaged at a byte offset.
    #[error("{path}: byte {offset}: {message}")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// Byte offset in the file (0 when the damage is in what several parts say together).
        offset: u64,
        /// What is wrong.
        message: String,
    },
    /// A binary snapshot ends before its end marker.
    #[error(
        "{path}: snapshot is truncated: the file ends at byte {offset} before its end marker{}",
        announced(*expected_nodes, *expected_edges)
    )]
    TruncatedAt {
        /// The file.
        path: PathBuf,
        /// Where the file ends.
        offset: u64,
        /// Nodes announced by the header, if it was read.
        expected_nodes: Option<u64>,
        /// Edges announced by the header, if it was read.
        expected_edges: Option<u64>,
    },
    /// The file ends before the trailer.
    #[error(
        "{path}: snapshot is truncated: the header announces {expected_nodes} nodes and {expected_edges} edges, but the file ends after line {lines} without its end marker"
    )]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Nodes announced.
        expected_nodes: usize,
        /// Edges announced.
        expected_edges: usize,
        /// Lines present.
        lines: usize,
    },
}

fn announced(nodes: Option<u64>, edges: Option<u64>) -> String {
    match (nodes, edges) {
        (Some(n), Some(e)) => format!(" (the header announces {n} nodes and {e} edges)"),
        _ => String::new(),
    }
}

#[derive(Serialize, Deserialize)]
struct Header {
    format: String,
    version: u32,
    nodes: usize,
    edges: usize,
    meta: serde_json::Value,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeLine {
    id: String,
    kind: Kind,
    ancestors: [Option<u32>; 3],
    reported: Object,
}

#[derive(Serialize)]
struct NodeLineRef<'a> {
    id: &'a str,
    kind: Kind,
    ancestors: [Option<u32>; 3],
    reported: &'a Object,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Trailer {
    end: String,
    nodes: usize,
    edges: usize,
}

/// Writes `inventory` to `path` in the form its name asks for ([`SnapshotFormat::for_path`])
/// with [`write_atomically`]: atomically with mode 0600, or straight through to `-`,
/// `/dev/stdout` or `/dev/null`; directories, pipes and devices other than those are refused.
pub fn write_snapshot(inventory: &Inventory, path: &Path) -> Result<(), SnapshotError> {
    write_snapshot_as(inventory, path, SnapshotFormat::for_path(path))
}

/// Writes `inventory` to `path` in the given form, as [`write_snapshot`] does.
pub fn write_snapshot_as(
    inventory: &Inventory,
    path: &Path,
    format: SnapshotFormat,
) -> Result<(), SnapshotError> {
    write_atomically(path, |out| match format {
        SnapshotFormat::Binary => crate::binary::write_binary(inventory, out),
        SnapshotFormat::JsonLines => write_to(inventory, out),
    })
    .map_err(|source| SnapshotError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Writes `inventory` to `path` in the binary form, in parts of about `part_nodes` nodes (see
/// [`crate::parts`]), as [`write_snapshot`] does.
pub fn write_snapshot_in_parts(
    inventory: &Inventory,
    path: &Path,
    part_nodes: usize,
) -> Result<(), SnapshotError> {
    write_atomically(path, |out| {
        crate::binary::write_binary_in_parts(inventory, out, part_nodes)
    })
    .map_err(|source| SnapshotError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Writes the snapshot in the JSON-lines form to any writer.
pub fn write_to(inventory: &Inventory, out: &mut (impl Write + ?Sized)) -> std::io::Result<()> {
    let header = Header {
        format: FORMAT_NAME.to_owned(),
        version: FORMAT_VERSION,
        nodes: inventory.node_count(),
        edges: inventory.edge_count(),
        meta: serde_json::to_value(&inventory.meta).map_err(std::io::Error::other)?,
    };
    serde_json::to_writer(&mut *out, &header)?;
    out.write_all(b"\n")?;
    let number = |i: Option<NodeId>| i.map(|n| n.index() as u32);
    for (_, node) in inventory.nodes() {
        let a = node.ancestors;
        let line = NodeLineRef {
            id: &node.id,
            kind: node.kind,
            ancestors: [number(a.cloud), number(a.account), number(a.region)],
            reported: &node.reported,
        };
        serde_json::to_writer(&mut *out, &line)?;
        out.write_all(b"\n")?;
    }
    for (from, to, edge_type) in inventory.edges() {
        serde_json::to_writer(&mut *out, &(from.index(), to.index(), edge_type))?;
        out.write_all(b"\n")?;
    }
    let trailer = Trailer {
        end: FORMAT_NAME.to_owned(),
        nodes: inventory.node_count(),
        edges: inventory.edge_count(),
    };
    serde_json::to_writer(&mut *out, &trailer)?;
    out.write_all(b"\n")
}

/// Reads a snapshot file of either form, streaming it (the file is never held in memory whole)
/// and decoding nodes on two threads.
pub fn read_snapshot(path: &Path) -> Result<Inventory, SnapshotError> {
    let (reader, size) = open_snapshot(path)?;
    read_from(reader, path, size)
}

/// Opens a snapshot file for reading, with its size: it bounds what the counts in the header
/// may reserve (None: a pipe, unknown).
fn open_snapshot(path: &Path) -> Result<(BufReader<fs::File>, Option<u64>), SnapshotError> {
    let file = fs::File::open(path).map_err(|source| SnapshotError::Io {
        path: path.to_owned(),
        source,
    })?;
    let size = file
        .metadata()
        .ok()
        .filter(fs::Metadata::is_file)
        .map(|m| m.len());
    Ok((BufReader::with_capacity(1 << 20, file), size))
}

/// Whether `reader` holds the binary form, whose signature is then consumed (the JSON-lines
/// form is left unread); a file that starts like the signature but is not is refused.
fn consume_binary_magic(reader: &mut impl BufRead, path: &Path) -> Result<bool, SnapshotError> {
    let io = |source| SnapshotError::Io {
        path: path.to_owned(),
        source,
    };
    if reader.fill_buf().map_err(io)?.first() != crate::binary::MAGIC.first() {
        return Ok(false);
    }
    let mut magic = [0u8; 8];
    let got = crate::binary::read_full(reader, &mut magic).map_err(io)?;
    if got != magic.len() || magic != crate::binary::MAGIC {
        return Err(SnapshotError::NotASnapshot {
            path: path.to_owned(),
        });
    }
    Ok(true)
}

/// Reads a snapshot file part by part (see [`crate::parts`]): `each` gets every part in file
/// order, and may stop the read; only the nodes that later parts need are held between parts.
/// A binary snapshot of format version 2 and a JSON-lines snapshot are one part. Returns the
/// snapshot's metadata.
pub fn read_snapshot_parts(
    path: &Path,
    mut each: impl FnMut(crate::binary::Part) -> std::ops::ControlFlow<()>,
) -> Result<SnapshotMeta, SnapshotError> {
    let (mut reader, size) = open_snapshot(path)?;
    if consume_binary_magic(&mut reader, path)? {
        return crate::binary::read_binary_parts(reader, path, size, each);
    }
    let inventory = read_json_lines(reader, path, size)?;
    let meta = inventory.meta.clone();
    let _ = each(crate::binary::Part {
        inventory,
        borrowed: 0,
    });
    Ok(meta)
}

/// The format version of a binary snapshot file, from its first twelve bytes (`None`: not a
/// binary snapshot, or too short).
pub fn binary_version(path: &Path) -> std::io::Result<Option<u32>> {
    let mut start = [0u8; 12];
    let got = crate::binary::read_full(&mut fs::File::open(path)?, &mut start)?;
    let magic = crate::binary::MAGIC;
    if got < start.len() || !start.starts_with(&magic) {
        return Ok(None);
    }
    let mut version = [0u8; 4];
    version.copy_from_slice(&start[magic.len()..magic.len() + 4]);
    Ok(Some(u32::from_le_bytes(version)))
}

/// The form of a snapshot file by its first bytes (`None`: neither form).
pub fn file_format(path: &Path) -> std::io::Result<Option<SnapshotFormat>> {
    let mut start = [0u8; 16];
    let got = crate::binary::read_full(&mut fs::File::open(path)?, &mut start)?;
    let start = &start[..got];
    Ok(if start.starts_with(&crate::binary::MAGIC) {
        Some(SnapshotFormat::Binary)
    } else if start.starts_with(b"{\"format\"") {
        Some(SnapshotFormat::JsonLines)
    } else {
        None
    })
}

/// Reads a snapshot of either form from a stream of unknown length (standard input, a pipe);
/// `path` is only used in messages.
pub fn read_from_reader(
    reader: impl std::io::Read + Send,
    path: &Path,
) -> Result<Inventory, SnapshotError> {
    read_from(BufReader::with_capacity(1 << 20, reader), path, None)
}

/// Reads a snapshot from bytes; `path` is only used in messages.
pub fn read_from_bytes(bytes: &[u8], path: &Path) -> Result<Inventory, SnapshotError> {
    read_from(bytes, path, Some(bytes.len() as u64))
}

/// The shortest node line (`{"id":"","kind":"aws_region","ancestors":[null,null,null],"reported":{}}`)
/// and edge line (`[0,1,"iam"]`) with their newlines, rounded down.
const MIN_NODE_LINE: u64 = 64;
const MIN_EDGE_LINE: u64 = 12;

/// Node lines per unit of work handed to a parser thread.
const CHUNK_LINES: usize = 4096;
/// Parser threads (the machines this runs on have at least two cores).
const WORKERS: usize = 2;

/// A run of consecutive node lines: their text, where each ends, and the first line's number.
struct Chunk {
    text: Vec<u8>,
    ends: Vec<usize>,
    first_line: usize,
}

type ChunkResult = Result<Vec<NodeLine>, (usize, String)>;

fn parse_chunk(chunk: &Chunk) -> ChunkResult {
    let mut out = Vec::with_capacity(chunk.ends.len());
    let mut start = 0;
    for (i, &end) in chunk.ends.iter().enumerate() {
        let line = chunk.text.get(start..end).unwrap_or_default();
        let node: NodeLine = serde_json::from_slice(line)
            .map_err(|e| (chunk.first_line + i, format!("expected a node: {e}")))?;
        out.push(node);
        start = end;
    }
    Ok(out)
}

/// Reads one line without its newline into `buf`; `Ok(false)` at the end of input.
fn next_line(reader: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<bool> {
    buf.clear();
    if reader.read_until(b'\n', buf)? == 0 {
        return Ok(false);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
    }
    Ok(true)
}

fn read_from(
    mut reader: impl BufRead + Send,
    path: &Path,
    size: Option<u64>,
) -> Result<Inventory, SnapshotError> {
    if consume_binary_magic(&mut reader, path)? {
        return crate::binary::read_binary(reader, path, size);
    }
    read_json_lines(reader, path, size)
}

fn read_json_lines(
    mut reader: impl BufRead,
    path: &Path,
    size: Option<u64>,
) -> Result<Inventory, SnapshotError> {
    let io = |source| SnapshotError::Io {
        path: path.to_owned(),
        source,
    };
    let corrupt = |line: usize, message: String| SnapshotError::Corrupt {
        path: path.to_owned(),
        line,
        message,
    };
    let mut buf = Vec::new();
    let has_first = next_line(&mut reader, &mut buf).map_err(io)?;
    let first = if has_first {
        std::str::from_utf8(&buf)
            .map_err(|_| corrupt(1, "the file is not UTF-8 text".to_owned()))?
    } else {
        ""
    };
    let header: Header = match serde_json::from_str::<Header>(first) {
        Ok(h) if h.format == FORMAT_NAME => h,
        Err(e) if first.contains(FORMAT_NAME) => {
            let mut rest = Vec::new();
            let hint = if next_line(&mut reader, &mut rest).map_err(io)? {
                ""
            } else {
                " (the file ends inside the header; it is truncated)"
            };
            return Err(corrupt(1, format!("damaged snapshot header: {e}{hint}")));
        }
        _ => {
            return Err(SnapshotError::NotASnapshot {
                path: path.to_owned(),
            });
        }
    };
    if header.version > FORMAT_VERSION {
        return Err(SnapshotError::NewerVersion {
            path: path.to_owned(),
            found: header.version,
            supported: FORMAT_VERSION,
        });
    }
    if header.version == 0 {
        return Err(corrupt(1, "format version 0 does not exist".to_owned()));
    }
    let meta: SnapshotMeta = serde_json::from_value(header.meta)
        .map_err(|e| corrupt(1, format!("bad metadata in the header: {e}")))?;
    let truncated = |lines_seen: usize| SnapshotError::Truncated {
        path: path.to_owned(),
        expected_nodes: header.nodes,
        expected_edges: header.edges,
        lines: lines_seen,
    };
    let mut inventory = Inventory::new(meta);
    // Counts come from the file; reserve no more than the file's size can hold, so a forged
    // header in a small file cannot make a large allocation.
    let fits = |per_line: u64| -> usize {
        let lines = size.map_or(1 << 16, |bytes| bytes / per_line);
        usize::try_from(lines).unwrap_or(usize::MAX)
    };
    let node_reserve = header.nodes.min(1 << 24).min(fits(MIN_NODE_LINE));
    let edge_reserve = header.edges.min(1 << 25).min(fits(MIN_EDGE_LINE));
    inventory.reserve(node_reserve, edge_reserve);
    let mut ancestors: Vec<[Option<u32>; 3]> = Vec::with_capacity(node_reserve);

    // Node lines: the main thread reads chunks and inserts parsed nodes in file order; two
    // workers parse. Channels are bounded, so at most a few chunks are in memory at once.
    let mut line_no = 1;
    std::thread::scope(|scope| -> Result<(), SnapshotError> {
        let mut inputs = Vec::new();
        let mut outputs = Vec::new();
        for _ in 0..WORKERS {
            let (chunk_tx, chunk_rx) = std::sync::mpsc::sync_channel::<Chunk>(2);
            let (result_tx, result_rx) = std::sync::mpsc::sync_channel::<ChunkResult>(2);
            scope.spawn(move || {
                for chunk in chunk_rx {
                    if result_tx.send(parse_chunk(&chunk)).is_err() {
                        break;
                    }
                }
            });
            inputs.push(chunk_tx);
            outputs.push(result_rx);
        }
        let mut in_flight: std::collections::VecDeque<usize> = std::collections::VecDeque::new();
        let receive = |worker: usize,
                       inventory: &mut Inventory,
                       ancestors: &mut Vec<[Option<u32>; 3]>|
         -> Result<(), SnapshotError> {
            let parsed = outputs
                .get(worker)
                .and_then(|rx| rx.recv().ok())
                .ok_or_else(|| corrupt(0, "a parser thread stopped".to_owned()))?
                .map_err(|(line, message)| corrupt(line, message))?;
            for node in parsed {
                let line = ancestors.len() + 2;
                ancestors.push(node.ancestors);
                inventory
                    .add_node(Node {
                        id: node.id.into(),
                        kind: node.kind,
                        reported: node.reported.into(),
                        ancestors: Ancestors::default(),
                    })
                    .map_err(|e| corrupt(line, e.to_string()))?;
            }
            Ok(())
        };
        let mut remaining = header.nodes;
        let mut next_worker = 0;
        while remaining > 0 {
            let take = remaining.min(CHUNK_LINES);
            let mut chunk = Chunk {
                text: Vec::with_capacity(take * 512),
                ends: Vec::with_capacity(take),
                first_line: line_no + 1,
            };
            for _ in 0..take {
                line_no += 1;
                if !next_line(&mut reader, &mut buf).map_err(io)? {
                    // Insert what was read so far, then report where the file ended.
                    drop(inputs);
                    return Err(truncated(line_no - 1));
                }
                chunk.text.extend_from_slice(&buf);
                chunk.ends.push(chunk.text.len());
            }
            remaining -= take;
            if in_flight.len() >= 2 * WORKERS
                && let Some(worker) = in_flight.pop_front()
            {
                receive(worker, &mut inventory, &mut ancestors)?;
            }
            inputs
                .get(next_worker)
                .and_then(|tx| tx.send(chunk).ok())
                .ok_or_else(|| corrupt(line_no, "a parser thread stopped".to_owned()))?;
            in_flight.push_back(next_worker);
            next_worker = (next_worker + 1) % WORKERS;
        }
        drop(inputs);
        while let Some(worker) = in_flight.pop_front() {
            receive(worker, &mut inventory, &mut ancestors)?;
        }
        Ok(())
    })?;

    let count = header.nodes;
    let index = |n: u32, line: usize| -> Result<NodeId, SnapshotError> {
        if (n as usize) < count {
            Ok(NodeId::new(n as usize))
        } else {
            Err(corrupt(
                line,
                format!("node number {n} is out of range (0..{count})"),
            ))
        }
    };
    for (i, [cloud, account, region]) in ancestors.into_iter().enumerate() {
        let line = i + 2;
        let resolve = |a: Option<u32>| a.map(|n| index(n, line)).transpose();
        let resolved = Ancestors {
            cloud: resolve(cloud)?,
            account: resolve(account)?,
            region: resolve(region)?,
        };
        inventory.set_ancestors(NodeId::new(i), resolved);
    }
    for _ in 0..header.edges {
        line_no += 1;
        if !next_line(&mut reader, &mut buf).map_err(io)? {
            return Err(truncated(line_no - 1));
        }
        let (from, to, edge_type) = parse_edge(&buf)
            .map_err(|e| corrupt(line_no, format!("expected an edge [from, to, type]: {e}")))?;
        let (from, to) = (index(from, line_no)?, index(to, line_no)?);
        inventory.add_edge_unchecked(from, to, edge_type);
    }
    line_no += 1;
    if !next_line(&mut reader, &mut buf).map_err(io)? {
        return Err(truncated(line_no - 1));
    }
    let trailer: Trailer = serde_json::from_slice(&buf)
        .map_err(|e| corrupt(line_no, format!("expected the end marker: {e}")))?;
    if trailer.end != FORMAT_NAME || trailer.nodes != header.nodes || trailer.edges != header.edges
    {
        return Err(corrupt(
            line_no,
            "the end marker does not match the header".to_owned(),
        ));
    }
    if next_line(&mut reader, &mut buf).map_err(io)? {
        return Err(corrupt(
            line_no + 1,
            "unexpected data after the end marker".to_owned(),
        ));
    }
    Ok(inventory)
}

/// Parses `[from,to,"type"]` as the writer prints it, falling back to a JSON parser for any
/// other spelling.
fn parse_edge(line: &[u8]) -> Result<(u32, u32, EdgeType), String> {
    let fast = || -> Option<(u32, u32, EdgeType)> {
        let text = std::str::from_utf8(line).ok()?;
        let inner = text.strip_prefix('[')?.strip_suffix(']')?;
        let mut parts = inner.splitn(3, ',');
        let from = parts.next()?.parse().ok()?;
        let to = parts.next()?.parse().ok()?;
        let edge_type = match parts.next()? {
            "\"default\"" => EdgeType::Default,
            "\"delete\"" => EdgeType::Delete,
            "\"iam\"" => EdgeType::Iam,
            _ => return None,
        };
        Some((from, to, edge_type))
    };
    match fast() {
        Some(edge) => Ok(edge),
        None => serde_json::from_slice(line).map_err(|e| e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn sample() -> Inventory {
        let mut inv = Inventory::new(SnapshotMeta::now("fixture"));
        let props = Object::from_pairs([("trail_is_multi_region_trail", Value::from(true))]);
        let a = inv
            .add_node(Node::new(
                "acct",
                Kind::AwsAccount,
                "prod",
                "111",
                Object::new(),
            ))
            .unwrap();
        let t = inv
            .add_node(Node::new("arn:t", Kind::AwsCloudTrail, "t", "t", props))
            .unwrap();
        inv.add_edge(a, t, EdgeType::Default);
        inv.set_ancestors(
            t,
            Ancestors {
                account: Some(a),
                ..Ancestors::default()
            },
        );
        inv
    }

    fn to_bytes(inv: &Inventory) -> Vec<u8> {
        let mut out = Vec::new();
        write_to(inv, &mut out).unwrap();
        out
    }

    #[test]
    fn round_trip() {
        let inv = sample();
        let back = read_from_bytes(&to_bytes(&inv), Path::new("x")).unwrap();
        assert_eq!(back.node_count(), 2);
        assert_eq!(back.edge_count(), 1);
        let t = back.find("arn:t").unwrap();
        assert_eq!(back.node(t), inv.node(t));
        assert_eq!(back.meta, inv.meta);
    }

    #[test]
    fn truncated_file_is_reported() {
        let bytes = to_bytes(&sample());
        let cut = &bytes[..bytes.len() - 30];
        let text = String::from_utf8_lossy(cut);
        let cut_at_line = text.rfind('\n').map_or(0, |i| i + 1);
        let err = read_from_bytes(&cut[..cut_at_line], Path::new("s")).unwrap_err();
        assert!(matches!(err, SnapshotError::Truncated { .. }), "{err}");
        let err = read_from_bytes(cut, Path::new("s")).unwrap_err();
        assert!(
            matches!(err, SnapshotError::Corrupt { line: 5, .. }),
            "{err}"
        );
    }

    #[test]
    fn newer_version_and_garbage_are_refused() {
        let bytes = to_bytes(&sample());
        let text = String::from_utf8(bytes)
            .unwrap()
            .replacen("\"version\":1", "\"version\":7", 1);
        let err = read_from_bytes(text.as_bytes(), Path::new("s")).unwrap_err();
        assert!(err.to_string().contains("newer"), "{err}");
        let err = read_from_bytes(b"\x00\x01garbage", Path::new("s")).unwrap_err();
        assert!(matches!(err, SnapshotError::NotASnapshot { .. }), "{err}");
        let err = read_from_bytes(b"", Path::new("s")).unwrap_err();
        assert!(matches!(err, SnapshotError::NotASnapshot { .. }), "{err}");
    }

    #[test]
    fn out_of_range_edge_is_corrupt() {
        let text = String::from_utf8(to_bytes(&sample())).unwrap();
        let text = text.replace("[0,1,\"default\"]", "[0,9,\"default\"]");
        let err = read_from_bytes(text.as_bytes(), Path::new("s")).unwrap_err();
        assert!(err.to_string().contains("out of range"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn written_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("inv.tgs");
        write_snapshot(&sample(), &path).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(read_snapshot(&path).unwrap().node_count(), 2);
    }
}
