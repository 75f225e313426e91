//! A fast hasher for node indexes and pattern texts, and the node sets and maps built on it.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use trailgraph_model::NodeId;

/// A fast hasher (the "Fx" multiply-rotate scheme) for node indexes and pattern texts, where
/// SipHash costs more than the lookup it serves. The keys come from the inventory and the
/// query, not from an adversary probing a server.
#[derive(Default, Clone, Copy)]
pub struct NodeHasher(u64);

impl Hasher for NodeHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn write_u64(&mut self, n: u64) {
        let h = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = h ^ (h >> 29);
    }
}

/// The builder of [`NodeHasher`]s.
pub type FastHash = BuildHasherDefault<NodeHasher>;
/// A set of node indexes with [`NodeHasher`].
pub(crate) type NodeSet = HashSet<NodeId, BuildHasherDefault<NodeHasher>>;
/// A map from node indexes with [`NodeHasher`].
pub(crate) type NodeMap<V> = HashMap<NodeId, V, BuildHasherDefault<NodeHasher>>;
