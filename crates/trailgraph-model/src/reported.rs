//! A node's `reported` section, decoded from a binary snapshot when it is first read.
//!
//! A check reads the properties of few nodes: of a million-node estate, the trails, the log
//! groups they deliver to, those groups' metric filters, and the alarms, topics and
//! subscriptions these lead to, and only `kind` (held outside the properties) of the rest. A
//! node read from a binary snapshot therefore keeps its properties encoded, as a range of the
//! node block they were read in (checked in full when the block was read: the decoding that
//! follows cannot fail), and decodes them once, on first use, from any thread.

use std::sync::OnceLock;

use crate::binary::Encoded;
use crate::value::{InternedKey, Object, Value};

/// The `reported` section of a node: an [`Object`], decoded on first use when the node came
/// from a binary snapshot. Reads go through [`std::ops::Deref`], so `node.reported.get(key)`
/// reads as it would on an `Object`.
#[derive(Default)]
pub struct Reported {
    decoded: OnceLock<Object>,
    encoded: Option<Encoded>,
}

impl Reported {
    /// Properties already decoded.
    pub fn new(object: Object) -> Self {
        Reported {
            decoded: OnceLock::from(object),
            encoded: None,
        }
    }

    /// Properties kept encoded until first read.
    pub(crate) fn encoded(encoded: Encoded) -> Self {
        Reported {
            decoded: OnceLock::new(),
            encoded: Some(encoded),
        }
    }

    /// The properties, decoded now if they were not yet.
    pub fn object(&self) -> &Object {
        self.decoded.get_or_init(|| match &self.encoded {
            Some(encoded) => encoded.decode(),
            None => Object::new(),
        })
    }

    /// Calls `f` with the top-level property `key` (`None` when there is none), as
    /// `self.get_interned(key)` would give it. While the properties are still encoded, only
    /// that property is read from the record and nothing is kept: a comparison of one property
    /// over many nodes (`is(aws_cloudwatch_alarm) and namespace == X`) does not decode them.
    pub fn with_property<R>(&self, key: &InternedKey, f: impl FnOnce(Option<&Value>) -> R) -> R {
        if let Some(object) = self.decoded.get() {
            return f(object.get_interned(key));
        }
        match &self.encoded {
            Some(encoded) => f(encoded.property(key.key()).as_ref()),
            None => f(self.object().get_interned(key)),
        }
    }

    /// The properties, owned.
    pub fn into_object(mut self) -> Object {
        match self.decoded.take() {
            Some(object) => object,
            None => self.encoded.map(|e| e.decode()).unwrap_or_default(),
        }
    }

    /// Changes the properties (decoding them first if they were not yet).
    pub fn update(&mut self, change: impl FnOnce(&mut Object)) {
        let mut object = std::mem::take(self).into_object();
        change(&mut object);
        *self = Reported::new(object);
    }

    /// Whether the properties have been decoded (or never were encoded).
    pub fn is_decoded(&self) -> bool {
        self.decoded.get().is_some()
    }

    /// The same properties, decoded, holding nothing of the block they were read in (a node
    /// kept for later parts of a snapshot must not keep an earlier part's block alive).
    pub fn detached(&self) -> Self {
        Reported::new(self.object().clone())
    }

    /// Approximate heap bytes held: the decoded properties, or the encoded form's share of its
    /// block.
    pub fn heap_bytes(&self) -> usize {
        match (self.decoded.get(), &self.encoded) {
            (Some(object), _) => object.heap_bytes(),
            (None, Some(encoded)) => encoded.len(),
            (None, None) => 0,
        }
    }
}

impl std::ops::Deref for Reported {
    type Target = Object;

    fn deref(&self) -> &Object {
        self.object()
    }
}

impl From<Object> for Reported {
    fn from(object: Object) -> Self {
        Reported::new(object)
    }
}

impl Clone for Reported {
    fn clone(&self) -> Self {
        Reported {
            decoded: self.decoded.clone(),
            encoded: self.encoded.clone(),
        }
    }
}

impl PartialEq for Reported {
    fn eq(&self, other: &Self) -> bool {
        self.object() == other.object()
    }
}

impl std::fmt::Debug for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.object().fmt(f)
    }
}

impl serde::Serialize for Reported {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.object().serialize(serializer)
    }
}
