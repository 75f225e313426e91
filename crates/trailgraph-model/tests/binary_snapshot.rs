//! The binary snapshot form: what is written is read back exactly (property test over random
//! inventories, the demo and generated estates, and through the JSON-lines form), and damaged or
//! forged files — flipped bits, cuts at every point, forged counts and lengths behind valid
//! checksums, deep nesting, newer versions — are errors that say where, never panics, and never
//! allocations by the numbers written in the file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use proptest::prelude::*;
use trailgraph_model::binary::{write_binary, write_binary_in_parts};
use trailgraph_model::snapshot::{SnapshotError, read_from_bytes, read_from_reader, write_to};
use trailgraph_model::{
    Ancestors, EdgeType, Inventory, Kind, Node, NodeId, Number, Object, SnapshotMeta, Value,
};

fn binary(inventory: &Inventory) -> Vec<u8> {
    let mut out = Vec::new();
    write_binary(inventory, &mut out).unwrap();
    out
}

fn jsonl(inventory: &Inventory) -> Vec<u8> {
    let mut out = Vec::new();
    write_to(inventory, &mut out).unwrap();
    out
}

/// Node by node, edge by edge, and the metadata: the two inventories hold the same.
fn assert_same(a: &Inventory, b: &Inventory) {
    assert_eq!(a.node_count(), b.node_count());
    for ((ia, na), (ib, nb)) in a.nodes().zip(b.nodes()) {
        assert_eq!(ia, ib);
        assert_eq!(na, nb, "node {}", na.id);
        assert_eq!(b.find(&na.id), Some(ib));
    }
    let edges = |inv: &Inventory| inv.edges().collect::<Vec<_>>();
    assert_eq!(edges(a), edges(b));
    assert_eq!(a.meta, b.meta);
    for kind in Kind::ALL {
        assert_eq!(a.nodes_of_kind(kind), b.nodes_of_kind(kind));
    }
}

#[test]
fn the_demo_and_a_generated_estate_read_back_exactly() {
    for inventory in [
        trailgraph_model::demo_inventory(),
        trailgraph_model::generate::generate_inventory(12, 3),
    ] {
        let bytes = binary(&inventory);
        let back = read_from_bytes(&bytes, Path::new("b")).unwrap();
        assert_same(&inventory, &back);
        // Written again, the same bytes; and through the JSON-lines form, the same inventory.
        assert_eq!(binary(&back), bytes);
        let via_text = read_from_bytes(&jsonl(&back), Path::new("j")).unwrap();
        assert_same(&inventory, &via_text);
        assert_eq!(binary(&via_text), bytes);
        // A stream of unknown length reads the same.
        let streamed = read_from_reader(bytes.as_slice(), Path::new("-")).unwrap();
        assert_same(&inventory, &streamed);
    }
}

#[test]
fn the_binary_form_is_smaller_than_the_text() {
    let inventory = trailgraph_model::generate::generate_inventory(20, 17);
    let (b, t) = (binary(&inventory).len(), jsonl(&inventory).len());
    assert!(b * 3 < t, "binary {b} bytes, JSON lines {t} bytes");
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|i| Value::Number(Number::Int(i))),
        (-1e300f64..1e300).prop_map(|f| Value::Number(Number::Float(f))),
        "\\PC{0,12}".prop_map(|s| Value::from(s.as_str())),
        prop::sample::select(vec!["us-east-1", "ACTIVE", "", "{ $.eventName = \"X\" }"])
            .prop_map(Value::from),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::vec(("[a-z_]{1,6}", inner), 0..6)
                .prop_map(|pairs| Value::Object(Object::from_pairs(pairs))),
        ]
    })
}

type NodeSpec = (usize, String, Vec<(String, Value)>, [Option<usize>; 3]);

fn inventory() -> impl Strategy<Value = Inventory> {
    let node = (
        0..Kind::ALL.len(),
        "\\PC{0,10}",
        prop::collection::vec(("[a-z_]{1,8}", value()), 0..8),
        [
            prop::option::of(0..40usize),
            prop::option::of(0..40usize),
            prop::option::of(0..40usize),
        ],
    );
    (
        prop::collection::vec(node, 0..40),
        prop::collection::vec((0..40usize, 0..40usize, 0..3usize), 0..80),
        prop::collection::vec("\\PC{0,8}", 0..3),
    )
        .prop_map(|(nodes, edges, accounts)| build(&nodes, &edges, accounts))
}

fn build(nodes: &[NodeSpec], edges: &[(usize, usize, usize)], accounts: Vec<String>) -> Inventory {
    let mut meta = SnapshotMeta::now("fixture");
    meta.accounts = accounts;
    let mut inventory = Inventory::new(meta);
    for (i, (kind, name, properties, _)) in nodes.iter().enumerate() {
        let id = format!("{i}:{name}");
        let properties = Object::from_pairs(properties.iter().cloned());
        let node = Node::new(&id, Kind::ALL[*kind], name, &id, properties);
        inventory.add_node(node).unwrap();
    }
    let n = inventory.node_count();
    if n == 0 {
        return inventory;
    }
    for (i, (_, _, _, [cloud, account, region])) in nodes.iter().enumerate() {
        let pick = |a: &Option<usize>| a.map(|k| NodeId::new(k % n));
        inventory.set_ancestors(
            NodeId::new(i),
            Ancestors {
                cloud: pick(cloud),
                account: pick(account),
                region: pick(region),
            },
        );
    }
    for &(from, to, t) in edges {
        inventory.add_edge(NodeId::new(from % n), NodeId::new(to % n), EdgeType::ALL[t]);
    }
    inventory
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn write_then_read_gives_the_same_inventory(inventory in inventory()) {
        // Written in parts of three nodes, so that random graphs cross parts everywhere; what
        // is read back is the inventory in part order (whole accounts together).
        let mut bytes = Vec::new();
        write_binary_in_parts(&inventory, &mut bytes, 3).unwrap();
        let back = read_from_bytes(&bytes, Path::new("p")).unwrap();
        let ordered = inventory.clone().into_part_order_of(3);
        assert_same(&ordered, &back);
        let mut again = Vec::new();
        write_binary_in_parts(&back, &mut again, 3).unwrap();
        prop_assert_eq!(again, bytes);
    }
}

/// The ids of a node's ancestors.
fn ancestor_ids(inventory: &Inventory, n: NodeId) -> [Option<String>; 3] {
    let a = inventory.node(n).unwrap().ancestors;
    [a.cloud, a.account, a.region].map(|a| a.map(|a| inventory.node(a).unwrap().id.to_string()))
}

/// The ids a node leads to, per edge type, sorted.
fn successor_ids(inventory: &Inventory, n: NodeId) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = EdgeType::ALL
        .iter()
        .enumerate()
        .flat_map(|(t, &edge_type)| {
            inventory
                .neighbors(n, petgraph::Direction::Outgoing, edge_type)
                .map(move |m| (t, inventory.node(m).unwrap().id.to_string()))
        })
        .collect();
    out.sort();
    out
}

/// Reads a snapshot part by part and checks what the streaming checker relies on: every node
/// is one part's own exactly once; every node a part holds has its ancestors there, the same as
/// in the whole; an own node leads to the same nodes as in the whole, a borrowed one to some of
/// them; and every edge is in exactly one part with an own end.
fn assert_parts_cover(whole: &Inventory, bytes: &[u8]) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parts.tgs");
    std::fs::write(&path, bytes).unwrap();
    let mut own: Vec<String> = Vec::new();
    let mut edges: Vec<(String, String, usize)> = Vec::new();
    let mut parts = 0;
    let meta = trailgraph_model::read_snapshot_parts(&path, |part| {
        parts += 1;
        let inv = &part.inventory;
        for (n, node) in inv.nodes() {
            let w = whole.find(&node.id).expect("a node of the whole");
            let theirs = whole.node(w).unwrap();
            assert_eq!((theirs.kind, &theirs.reported), (node.kind, &node.reported));
            assert_eq!(
                ancestor_ids(inv, n),
                ancestor_ids(whole, w),
                "ancestors of {}",
                node.id
            );
            let (mine, theirs) = (successor_ids(inv, n), successor_ids(whole, w));
            // A node without an account (the cloud) is the first part's own, and the edges to
            // the accounts it leads to are in their parts.
            let loose = parts == 1
                && node.kind != trailgraph_model::Kind::AwsAccount
                && node.ancestors.account.is_none();
            if part.owns(n) {
                own.push(node.id.to_string());
            }
            if part.owns(n) && !loose {
                assert_eq!(mine, theirs, "successors of own node {}", node.id);
            } else {
                assert!(
                    mine.iter().all(|m| theirs.contains(m)),
                    "successors of borrowed node {}: {mine:?} not in {theirs:?}",
                    node.id
                );
            }
        }
        for (from, to, edge_type) in inv.edges() {
            if part.owns(from) || part.owns(to) {
                let t = EdgeType::ALL.iter().position(|&e| e == edge_type).unwrap();
                let id = |n: NodeId| inv.node(n).unwrap().id.to_string();
                edges.push((id(from), id(to), t));
            }
        }
        std::ops::ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(meta, whole.meta);
    let mut all: Vec<String> = whole.nodes().map(|(_, n)| n.id.to_string()).collect();
    all.sort();
    own.sort();
    assert_eq!(own, all, "own nodes");
    let mut expected: Vec<(String, String, usize)> = whole
        .edges()
        .map(|(f, t, e)| {
            let id = |n: NodeId| whole.node(n).unwrap().id.to_string();
            (
                id(f),
                id(t),
                EdgeType::ALL.iter().position(|&x| x == e).unwrap(),
            )
        })
        .collect();
    expected.sort();
    edges.sort();
    assert_eq!(edges, expected, "edges");
    parts
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn parts_read_one_by_one_cover_the_inventory(inventory in inventory()) {
        for part_nodes in [1, 3, 1 << 17] {
            let mut bytes = Vec::new();
            write_binary_in_parts(&inventory, &mut bytes, part_nodes).unwrap();
            assert_parts_cover(&inventory, &bytes);
        }
    }
}

#[test]
fn the_demo_and_generated_estates_read_by_parts_cover_them() {
    let demo = trailgraph_model::demo_inventory();
    let mut bytes = Vec::new();
    write_binary_in_parts(&demo, &mut bytes, 1).unwrap();
    assert!(assert_parts_cover(&demo, &bytes) >= 3);
    let generated = trailgraph_model::generate::generate_inventory(30, 2);
    let mut bytes = Vec::new();
    write_binary_in_parts(&generated, &mut bytes, 500).unwrap();
    assert!(assert_parts_cover(&generated, &bytes) >= 5);
}

#[test]
fn properties_are_decoded_when_first_read_and_borrowed_nodes_hold_them_decoded() {
    let demo = trailgraph_model::demo_inventory();
    let read = read_from_bytes(&binary(&demo), Path::new("demo")).unwrap();
    assert!(read.nodes().all(|(_, n)| !n.reported.is_decoded()));
    let (index, node) = read.nodes().nth(3).unwrap();
    let name = node.name().to_owned();
    assert!(node.reported.is_decoded());
    assert_eq!(demo.node(index).unwrap().name(), name);
    assert_eq!(
        read.nodes()
            .filter(|(_, n)| n.reported.is_decoded())
            .count(),
        1
    );
    // What is decoded is what was written, node for node.
    assert_same(&demo, &read);

    // A node borrowed from an earlier part must not hold that part's block: it is decoded.
    let generated = trailgraph_model::generate::generate_inventory(6, 2);
    let mut bytes = Vec::new();
    write_binary_in_parts(&generated, &mut bytes, 1).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parts.tgs");
    std::fs::write(&path, &bytes).unwrap();
    let mut parts = 0;
    trailgraph_model::read_snapshot_parts(&path, |part| {
        parts += 1;
        // (An own node that later parts borrow was decoded to be kept: only the cloud here.)
        for (index, node) in part.inventory.nodes() {
            let kept = node.kind == Kind::Cloud;
            assert_eq!(
                node.reported.is_decoded(),
                !part.owns(index) || kept,
                "{}",
                node.id
            );
        }
        std::ops::ControlFlow::Continue(())
    })
    .unwrap();
    assert!(parts > 1);
}

#[test]
fn a_part_holds_its_own_accounts_and_little_else() {
    // The cloud leads to every account; it is held beside every part, but what it leads to is
    // not. A generated account refers to no other, so a part borrows only the cloud.
    let generated = trailgraph_model::generate::generate_inventory(40, 2);
    let mut bytes = Vec::new();
    write_binary_in_parts(&generated, &mut bytes, 1).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parts.tgs");
    std::fs::write(&path, &bytes).unwrap();
    let mut borrowed = Vec::new();
    trailgraph_model::read_snapshot_parts(&path, |part| {
        borrowed.push(part.borrowed);
        std::ops::ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(borrowed.len(), 41, "the cloud's part and one per account");
    assert!(borrowed[1..].iter().all(|&b| b == 1), "{borrowed:?}");
    // In the demo the member account borrows the organisation trail's chain and the rest of
    // the management account it belongs to (a fix may reuse another of its chains), never
    // anything of the third account.
    let demo = trailgraph_model::demo_inventory();
    let trail = demo
        .find("arn:aws:cloudtrail:us-east-1:111111111111:trail/org-trail")
        .unwrap();
    let mgmt = demo.find("111111111111").unwrap();
    let mut chain = vec![trail];
    let mut i = 0;
    while let Some(&n) = chain.get(i) {
        for m in demo.neighbors(n, petgraph::Direction::Outgoing, EdgeType::Default) {
            if !chain.contains(&m) {
                chain.push(m);
            }
        }
        i += 1;
    }
    let of_mgmt = demo
        .nodes()
        .filter(|(n, node)| *n == mgmt || node.ancestors.account == Some(mgmt))
        .count();
    let mut bytes = Vec::new();
    write_binary_in_parts(&demo, &mut bytes, 1).unwrap();
    std::fs::write(&path, &bytes).unwrap();
    let mut most = 0;
    trailgraph_model::read_snapshot_parts(&path, |part| {
        let inv = &part.inventory;
        most = most.max(part.borrowed);
        for (n, node) in inv.nodes().take(part.borrowed) {
            let account = node
                .ancestors
                .account
                .map(|a| inv.node(a).unwrap().id.to_string());
            assert!(
                node.kind == Kind::Cloud || account.as_deref() == Some("111111111111"),
                "{} borrowed by a part",
                node.id
            );
            assert!(!part.owns(n));
        }
        std::ops::ControlFlow::Continue(())
    })
    .unwrap();
    assert!(chain.len() < of_mgmt, "{} {of_mgmt}", chain.len());
    assert_eq!(most, of_mgmt + 1, "the management account and the cloud");
}

// ---------------------------------------------------------------------------------------------
// Damage

/// The sections of a binary snapshot: (tag, payload).
fn sections(bytes: &[u8]) -> Vec<([u8; 4], Vec<u8>)> {
    let mut out = Vec::new();
    let mut at = 12;
    while at < bytes.len() {
        let tag: [u8; 4] = bytes[at..at + 4].try_into().unwrap();
        let len = u64::from_le_bytes(bytes[at + 4..at + 12].try_into().unwrap()) as usize;
        out.push((tag, bytes[at + 12..at + 12 + len].to_vec()));
        at += 12 + len + 4;
    }
    out
}

/// Writes sections back with correct lengths and checksums: damage behind a valid checksum
/// reaches the decoder.
fn seal(version: u32, sections: &[([u8; 4], Vec<u8>)]) -> Vec<u8> {
    let mut out = trailgraph_model::binary::MAGIC.to_vec();
    out.extend_from_slice(&version.to_le_bytes());
    for (tag, payload) in sections {
        let len = (payload.len() as u64).to_le_bytes();
        let mut crc = crc32fast::Hasher::new();
        crc.update(tag);
        crc.update(&len);
        crc.update(payload);
        out.extend_from_slice(tag);
        out.extend_from_slice(&len);
        out.extend_from_slice(payload);
        out.extend_from_slice(&crc.finalize().to_le_bytes());
    }
    out
}

fn varint(bytes: &[u8], at: &mut usize) -> u64 {
    let mut value = 0u64;
    let mut shift = 0;
    loop {
        let b = bytes[*at];
        *at += 1;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return value;
        }
        shift += 7;
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// One account of `big` regions and `small` accounts of one node each (no cloud, no edges).
fn one_big_account_and_many_small(big: usize, small: usize) -> Inventory {
    let mut inventory = Inventory::new(SnapshotMeta::now("fixture"));
    let node = |id: String, kind| Node::new(&id, kind, &id, &id, Object::new());
    let a = inventory
        .add_node(node("big".to_owned(), Kind::AwsAccount))
        .unwrap();
    inventory.set_ancestors(
        a,
        Ancestors {
            cloud: None,
            account: Some(a),
            region: None,
        },
    );
    for i in 0..big {
        let r = inventory
            .add_node(node(format!("big/{i}"), Kind::AwsRegion))
            .unwrap();
        inventory.set_ancestors(
            r,
            Ancestors {
                cloud: None,
                account: Some(a),
                region: Some(r),
            },
        );
    }
    for i in 0..small {
        let s = inventory
            .add_node(node(format!("small/{i}"), Kind::AwsAccount))
            .unwrap();
        inventory.set_ancestors(
            s,
            Ancestors {
                cloud: None,
                account: Some(s),
                region: None,
            },
        );
    }
    inventory
}

#[test]
fn a_damaged_file_read_part_by_part_is_an_error_never_a_panic() {
    // Parts may already have been handed out when the damage is found: the read still ends in
    // the error (a checker then reports nothing).
    let mut bytes = Vec::new();
    write_binary_in_parts(&trailgraph_model::demo_inventory(), &mut bytes, 1).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.tgs");
    let read = |damaged: &[u8]| {
        std::fs::write(&path, damaged).unwrap();
        let mut parts = 0;
        let result = trailgraph_model::read_snapshot_parts(&path, |_| {
            parts += 1;
            std::ops::ControlFlow::Continue(())
        });
        (result.map(|_| ()).map_err(|e| e.to_string()), parts)
    };
    assert_eq!(read(&bytes), (Ok(()), 4));
    let mut late = 0;
    for cut in (8..bytes.len()).step_by(61) {
        let (result, parts) = read(&bytes[..cut]);
        let err = result.expect_err("a cut file is refused");
        assert!(err.contains("cut.tgs"), "{err}");
        late = late.max(parts);
    }
    assert!(late >= 3, "some cuts are found after parts were read");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..300 {
        let mut flipped = bytes.clone();
        let at = 8 + rng.below(flipped.len() - 8);
        flipped[at] ^= 1 << rng.below(8);
        let (result, _) = read(&flipped);
        assert!(result.is_err(), "a flipped bit at {at} was not found");
    }
}

#[test]
fn a_file_that_keeps_everything_for_every_part_is_refused_part_by_part() {
    // Forged: the big account's part marks all its nodes kept, so that each of the 2,000 parts
    // after it would copy 20,001 nodes (40 million copies from a file of a few hundred kB).
    let inventory = one_big_account_and_many_small(20_000, 2_000);
    let mut bytes = Vec::new();
    write_binary_in_parts(&inventory, &mut bytes, 1).unwrap();
    let mut forged = sections(&bytes);
    let big = forged
        .iter_mut()
        .find(|(tag, payload)| {
            let mut at = 0;
            tag == b"PART" && varint(payload, &mut at) > 1
        })
        .expect("the big account's part");
    let mut at = 0;
    let nodes = varint(&big.1, &mut at);
    let edges = varint(&big.1, &mut at);
    let mut payload = Vec::new();
    put_varint(&mut payload, nodes);
    put_varint(&mut payload, edges);
    put_varint(&mut payload, nodes);
    put_varint(&mut payload, 0);
    for _ in 1..nodes {
        put_varint(&mut payload, 1);
    }
    big.1 = payload;
    let forged = seal(3, &forged);
    // Read whole it is an ordinary file; read part by part it is refused, early.
    read_from_bytes(&forged, Path::new("forged.tgs")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("forged.tgs");
    std::fs::write(&path, &forged).unwrap();
    let mut parts = 0;
    let err = trailgraph_model::read_snapshot_parts(&path, |_| {
        parts += 1;
        std::ops::ControlFlow::Continue(())
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("copies of kept nodes"), "{err}");
    assert!(err.contains("forged.tgs"), "{err}");
    assert!(parts < 200, "{parts} parts read before the refusal");
}

#[test]
fn a_writer_never_writes_parts_that_a_reader_would_refuse() {
    // Accounts that all refer to one big account that leads to all its 20,000 regions: each
    // later part would borrow them all, so the writer writes one part instead, which reads back
    // by parts as it was.
    let mut inventory = one_big_account_and_many_small(20_000, 2_000);
    let big = inventory.find("big").unwrap();
    for i in 0..20_000 {
        let r = inventory.find(&format!("big/{i}")).unwrap();
        inventory.add_edge(big, r, EdgeType::Default);
    }
    for i in 0..2_000 {
        let s = inventory.find(&format!("small/{i}")).unwrap();
        inventory.add_edge(s, big, EdgeType::Default);
    }
    let mut bytes = Vec::new();
    write_binary_in_parts(&inventory, &mut bytes, 1).unwrap();
    assert_eq!(
        sections(&bytes)
            .iter()
            .filter(|(t, _)| t == b"PART")
            .count(),
        1
    );
    assert_eq!(assert_parts_cover(&inventory, &bytes), 1);
    // With few enough referring accounts, the parts stay.
    let mut inventory = one_big_account_and_many_small(200, 50);
    let big = inventory.find("big/0").unwrap();
    for i in 0..50 {
        let s = inventory.find(&format!("small/{i}")).unwrap();
        inventory.add_edge(s, big, EdgeType::Default);
    }
    let mut bytes = Vec::new();
    write_binary_in_parts(&inventory, &mut bytes, 1).unwrap();
    assert_eq!(assert_parts_cover(&inventory, &bytes), 51);
}

fn demo() -> Vec<u8> {
    binary(&trailgraph_model::demo_inventory())
}

fn read(bytes: &[u8]) -> Result<usize, String> {
    let result = std::panic::catch_unwind(|| {
        read_from_bytes(bytes, Path::new("damaged")).inspect(touch_every_node)
    });
    match result {
        Ok(Ok(inventory)) => Ok(inventory.node_count()),
        Ok(Err(e)) => {
            let text = e.to_string();
            assert!(text.starts_with("damaged: "), "{text}");
            Err(text)
        }
        Err(_) => panic!("the reader panicked"),
    }
}

/// Reads every node's properties: those of a file that was read are decoded when first used, and
/// what the reader accepted decodes without a panic.
fn touch_every_node(inventory: &Inventory) {
    for (_, node) in inventory.nodes() {
        // A twin that stays encoded: every property read from the record alone is the one the
        // decoded object holds, and a property it does not have reads as absent.
        let twin = node.reported.clone();
        let was_decoded = twin.is_decoded();
        let _ = serde_json::to_string(&node.reported);
        assert!(node.reported.is_decoded());
        for (key, value) in node.reported.iter() {
            let key = trailgraph_model::value::InternedKey::new(key);
            twin.with_property(&key, |read| assert_eq!(read, Some(value), "{}", &*key));
        }
        let absent = trailgraph_model::value::InternedKey::new("no such property");
        twin.with_property(&absent, |read| assert_eq!(read, None));
        assert_eq!(
            twin.is_decoded(),
            was_decoded,
            "reading one property decodes nothing"
        );
    }
}

/// Reads a binary snapshot part by part; a panic fails the test.
fn read_parts(bytes: &[u8]) -> Result<usize, String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged");
    std::fs::write(&path, bytes).unwrap();
    let result = std::panic::catch_unwind(|| {
        let mut own = 0;
        trailgraph_model::read_snapshot_parts(&path, |part| {
            touch_every_node(&part.inventory);
            own += part.own_nodes();
            std::ops::ControlFlow::Continue(())
        })
        .map(|_| own)
    });
    match result {
        Ok(Ok(n)) => Ok(n),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => panic!("the reader panicked"),
    }
}

/// xorshift64: the same cases on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn every_cut_is_reported_as_truncation() {
    let bytes = demo();
    let step = (bytes.len() / 300).max(1);
    for cut in (0..bytes.len()).step_by(step) {
        let err = read(&bytes[..cut]).unwrap_err();
        if cut < 8 {
            assert!(
                err.contains("not a trailgraph snapshot"),
                "cut {cut}: {err}"
            );
        } else {
            assert!(err.contains("truncated"), "cut {cut}: {err}");
        }
    }
    let cut = bytes.len() - 1;
    let err = read(&bytes[..cut]).unwrap_err();
    assert!(err.contains("truncated"), "{err}");
}

#[test]
fn a_flipped_bit_anywhere_after_the_magic_is_found() {
    let bytes = demo();
    let mut rng = Rng(0x00b1_7f11_9bad_c0de);
    for case in 0..400 {
        let mut damaged = bytes.clone();
        let at = 8 + rng.below(bytes.len() - 8);
        damaged[at] ^= 1 << rng.below(8);
        let err = read(&damaged).unwrap_err();
        assert!(
            err.contains("checksum")
                || err.contains("truncated")
                || err.contains("version")
                || err.contains("expected the")
                || err.contains("after the end marker")
                || err.contains("claims"),
            "case {case} (byte {at}): {err}"
        );
    }
    let mut damaged = bytes.clone();
    damaged[1000] ^= 4;
    let err = read(&damaged).unwrap_err();
    assert!(
        err.contains("damaged (its checksum does not match)"),
        "{err}"
    );
}

#[test]
fn damage_behind_valid_checksums_of_parts_is_an_error_never_a_panic() {
    // The demo in parts of one account: damage to PART sections (counts, kept positions) and
    // to the nodes and edges that refer across parts, read whole and part by part. Reading by
    // parts checks more (kept nodes), so whatever the whole read refuses, it refuses too.
    let mut bytes = Vec::new();
    write_binary_in_parts(&trailgraph_model::demo_inventory(), &mut bytes, 1).unwrap();
    let original = sections(&bytes);
    let mut rng = Rng(0x005e_ed0f_da7a_0003);
    let mut errors = 0;
    for _ in 0..400 {
        let mut damaged = original.clone();
        let s = 1 + rng.below(damaged.len() - 1);
        let payload = &mut damaged[s].1;
        match rng.below(3) {
            0 => {
                if !payload.is_empty() {
                    let at = rng.below(payload.len());
                    payload[at] = (rng.next() & 0xff) as u8;
                }
            }
            1 => payload.truncate(rng.below(payload.len().max(1))),
            _ => {
                let at = rng.below(payload.len().max(1));
                payload.splice(at..at, [0x80 | (rng.next() as u8), 0x01]);
            }
        }
        let sealed = seal(3, &damaged);
        let by_parts = read_parts(&sealed);
        if read(&sealed).is_err() {
            assert!(by_parts.is_err(), "refused whole but read by parts");
        }
        if by_parts.is_err() {
            errors += 1;
        }
    }
    assert!(errors > 300, "most damage is detected ({errors} of 400)");
}

#[test]
fn damage_behind_valid_checksums_is_an_error_never_a_panic() {
    let original = sections(&demo());
    let mut rng = Rng(0x005e_ed0f_da7a_0002);
    let mut errors = 0;
    for _ in 0..600 {
        let mut damaged = original.clone();
        let s = 1 + rng.below(damaged.len() - 1);
        let payload = &mut damaged[s].1;
        match rng.below(4) {
            0 => {
                for _ in 0..1 + rng.below(4) {
                    if !payload.is_empty() {
                        let at = rng.below(payload.len());
                        payload[at] = (rng.next() & 0xff) as u8;
                    }
                }
            }
            1 => payload.truncate(rng.below(payload.len().max(1))),
            2 => {
                // A forged count or index: ten bytes of a large varint at a random place.
                let at = rng.below(payload.len().max(1));
                let forged = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
                payload.splice(at..at, forged);
            }
            _ => {
                let extra: Vec<u8> = (0..rng.below(16)).map(|_| rng.next() as u8).collect();
                payload.extend(extra);
            }
        }
        if read(&seal(3, &damaged)).is_err() {
            errors += 1;
        }
    }
    assert!(errors > 500, "most damage is detected ({errors} of 600)");
}

#[test]
fn forged_counts_and_lengths_do_not_allocate_for_them() {
    let original = sections(&demo());
    // A node block announcing 2^60 nodes.
    let mut damaged = original.clone();
    let node = damaged.iter().position(|(t, _)| t == b"NODE").unwrap();
    let mut payload = vec![0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10];
    payload.extend_from_slice(&damaged[node].1[2..]);
    damaged[node].1 = payload;
    let err = read(&seal(3, &damaged)).unwrap_err();
    assert!(err.contains("more than the rest of the section"), "{err}");

    // A header announcing 10^12 nodes.
    let mut damaged = original.clone();
    let head = String::from_utf8(damaged[0].1.clone()).unwrap();
    damaged[0].1 = head
        .replacen("\"nodes\":", "\"nodes\":1000000000000,\"x\":", 1)
        .into_bytes();
    assert!(read(&seal(3, &damaged)).is_err());
    let mut damaged = original.clone();
    let count = head.split("\"nodes\":").nth(1).unwrap();
    let count: String = count.chars().take_while(char::is_ascii_digit).collect();
    damaged[0].1 = head
        .replacen(&format!("\"nodes\":{count}"), "\"nodes\":1000000000000", 1)
        .into_bytes();
    let err = read(&seal(3, &damaged)).unwrap_err();
    assert!(err.contains("more than a snapshot can number"), "{err}");

    // A section length of 2^62 in a file and in a stream of unknown length.
    let mut bytes = demo();
    bytes[16..24].copy_from_slice(&(1u64 << 62).to_le_bytes());
    let err = read(&bytes).unwrap_err();
    assert!(err.contains("truncated"), "{err}");
    let err = read_from_reader(bytes.as_slice(), Path::new("-")).unwrap_err();
    assert!(err.to_string().contains("header section claims"), "{err}");
    let mut bytes = demo();
    let strs = 12 + 12 + original[0].1.len() + 4 + 12 + original[1].1.len() + 4;
    assert_eq!(&original[2].0, b"STRS");
    bytes[strs + 4..strs + 12].copy_from_slice(&(1u64 << 62).to_le_bytes());
    assert!(read(&bytes).unwrap_err().contains("truncated"));
    let err = read_from_reader(bytes.as_slice(), Path::new("-")).unwrap_err();
    assert!(err.to_string().contains("truncated"), "{err}");
}

fn nested(depth: usize) -> Value {
    let mut value = Value::from(0i64);
    for _ in 0..depth {
        value = Value::from(vec![value]);
    }
    value
}

fn one_node_with(value: Value) -> Inventory {
    let mut inventory = Inventory::new(SnapshotMeta::now("fixture"));
    let properties = Object::from_pairs([("deep", value)]);
    inventory
        .add_node(Node::new("x", Kind::AwsAccount, "x", "x", properties))
        .unwrap();
    inventory
}

#[test]
fn deep_nesting_is_refused_when_read_and_never_written() {
    // 100 levels are fine both ways.
    let bytes = binary(&one_node_with(nested(100)));
    assert_eq!(read(&bytes), Ok(1));
    // A file whose node nests arrays 100,000 deep (behind valid checksums) is refused.
    let mut parts = sections(&bytes);
    let node = parts.iter().position(|(t, _)| t == b"NODE").unwrap();
    let payload = &mut parts[node].1;
    let run = payload
        .windows(6)
        .position(|w| w == [6, 1, 6, 1, 6, 1])
        .unwrap();
    payload.splice(run..run, std::iter::repeat_n([6u8, 1u8], 100_000).flatten());
    let err = read(&seal(3, &parts)).unwrap_err();
    assert!(err.contains("nest deeper than 128"), "{err}");
    // The writer refuses what the reader would refuse, so no file is written that cannot be
    // read back.
    let mut out = Vec::new();
    let err = write_binary(&one_node_with(nested(200)), &mut out).unwrap_err();
    assert!(err.to_string().contains("nests deeper than 128"), "{err}");
}

#[test]
fn versions_are_checked() {
    let parts = sections(&demo());
    let err = read_from_bytes(&seal(4, &parts), Path::new("s")).unwrap_err();
    assert!(
        matches!(
            err,
            SnapshotError::NewerVersion {
                found: 4,
                supported: 3,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("upgrade trailgraph"), "{err}");
    let err = read(&seal(1, &parts)).unwrap_err();
    assert!(err.contains("binary snapshots start at version 2"), "{err}");
    // Anything after the end marker.
    let mut bytes = demo();
    bytes.push(0);
    let err = read(&bytes).unwrap_err();
    assert!(err.contains("after the end marker"), "{err}");
    // Sections out of order.
    let mut swapped = parts.clone();
    swapped.swap(0, 1);
    let err = read(&seal(3, &swapped)).unwrap_err();
    assert!(
        err.contains("expected the HEAD section, found PART"),
        "{err}"
    );
}

#[test]
fn a_version_2_file_is_read_as_one_part() {
    // Version 2 had no PART sections: the demo (one part) without it is a version 2 file.
    let inventory = trailgraph_model::demo_inventory();
    let parts = sections(&binary(&inventory));
    assert_eq!(parts.iter().filter(|(t, _)| t == b"PART").count(), 1);
    let v2: Vec<_> = parts
        .iter()
        .filter(|(t, _)| t != b"PART")
        .cloned()
        .collect();
    let back = read_from_bytes(&seal(2, &v2), Path::new("v2")).unwrap();
    assert_same(&inventory, &back);
    // And a version 3 file needs its PART sections.
    let err = read(&seal(3, &v2)).unwrap_err();
    assert!(
        err.contains("expected a PART or the END. section, found STRS"),
        "{err}"
    );
    // A version 2 file with two string tables is damaged.
    let mut twice = v2.clone();
    twice.insert(twice.len() - 1, v2[1].clone());
    let err = read(&seal(2, &twice)).unwrap_err();
    assert!(
        err.contains("expected the END. section, found STRS"),
        "{err}"
    );
}

/// The same node id twice in a file is refused with the id, as building an inventory refuses
/// it: here every node block of the demo appears twice, with the header and the end marker
/// announcing twice the nodes.
#[test]
fn the_same_id_twice_is_refused() {
    let inventory = trailgraph_model::demo_inventory();
    let n = inventory.node_count() as u64;
    let parts: Vec<_> = sections(&binary(&inventory))
        .into_iter()
        .filter(|(t, _)| t != b"PART")
        .collect();
    let mut forged = Vec::new();
    for (tag, payload) in &parts {
        match tag {
            b"HEAD" => {
                let mut head: serde_json::Value = serde_json::from_slice(payload).unwrap();
                head["nodes"] = serde_json::json!(2 * n);
                forged.push((*tag, serde_json::to_vec(&head).unwrap()));
            }
            b"NODE" => {
                forged.push((*tag, payload.clone()));
                forged.push((*tag, payload.clone()));
            }
            b"END." => {
                let mut end = payload.clone();
                end[..8].copy_from_slice(&(2 * n).to_le_bytes());
                forged.push((*tag, end));
            }
            _ => forged.push((*tag, payload.clone())),
        }
    }
    let err = read(&seal(2, &forged)).unwrap_err();
    let first = inventory
        .node(inventory.node_ids().next().unwrap())
        .unwrap();
    assert!(
        err.contains(&format!("duplicate node id `{}`", first.id)),
        "{err}"
    );
}

/// Every property of every node of a generated estate, read from its record without decoding
/// the node, is the decoded one (see `touch_every_node`), whole and part by part.
#[test]
fn one_property_read_from_the_record_is_the_decoded_one() {
    let inventory = trailgraph_model::generate::generate_inventory(3, 2);
    let bytes = binary(&inventory);
    let back = read_from_bytes(&bytes, Path::new("generated")).unwrap();
    assert!(back.nodes().all(|(_, n)| !n.reported.is_decoded()));
    touch_every_node(&back);
    assert_eq!(read_parts(&bytes).unwrap(), inventory.node_count());
}
