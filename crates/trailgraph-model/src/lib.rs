//! The trailgraph inventory: what was found in an AWS estate, as a graph.
//!
//! Nodes are accounts, regions and resources (trails, log groups, metric filters, alarms, SNS
//! topics and subscriptions), each with a kind, base kinds, a `reported` section of properties
//! and resolved ancestors (cloud, account, region). Edges are directed and typed. An
//! [`Inventory`] indexes nodes by id and by kind, and saves to and loads from a versioned
//! snapshot file. This crate knows nothing about the AWS SDK or the query language; it turns
//! AWS API output (as the AWS CLI prints it) into nodes and links them by exact ARN identity.
//!
//! ```
//! use trailgraph_model::{Inventory, Kind, Node, Object, SnapshotMeta, Value};
//!
//! let mut inventory = Inventory::new(SnapshotMeta::now("fixture"));
//! let props = Object::from_pairs([("trail_is_multi_region_trail", Value::from(true))]);
//! let trail = Node::new("arn:aws:cloudtrail:us-east-1:111122223333:trail/t", Kind::AwsCloudTrail, "t", "t", props);
//! let index = inventory.add_node(trail).unwrap();
//! assert_eq!(inventory.nodes_of_kind(Kind::AwsCloudTrail), &[index]);
//! ```

#![forbid(unsafe_code)]

pub mod binary;
pub mod build;
pub mod demo;
pub mod evidence;
pub mod generate;
pub mod inventory;
pub mod kind;
pub mod meta;
pub mod parts;
pub mod reported;
pub mod snapshot;
pub mod value;
pub mod vocabulary;
pub mod write;

pub use build::build_inventory;
pub use demo::demo_inventory;
pub use evidence::{AccountEvidence, Evidence, RegionEvidence};
pub use inventory::{AncestorKind, Ancestors, EdgeType, Inventory, ModelError, Node, NodeId};
pub use kind::{Kind, UnknownKind};
pub use meta::{CollectionError, SnapshotMeta};
pub use reported::Reported;
pub use snapshot::{
    SnapshotError, SnapshotFormat, read_snapshot, read_snapshot_parts, write_atomically,
    write_snapshot, write_snapshot_as,
};
pub use value::{Number, Object, Text, Value};

/// The number of threads worth running at once here (the cores this process may use), asked
/// of the system once: the answer can take a read of the cgroup files, too slow for the
/// evaluation steps that ask it.
pub fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES
        .get_or_init(|| std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get))
}
