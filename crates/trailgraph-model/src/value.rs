//! A compact JSON value for node properties.
//!
//! An inventory of a large organisation holds about a million nodes, each with a dozen or more
//! properties. `serde_json::Value` spends a `String` and a B-tree node per key; this type interns
//! object keys (one shared `Arc<str>` per distinct key in the whole process) and keeps objects as
//! a boxed slice of pairs in insertion order, which roughly halves the memory of a node and keeps
//! `dump` output in the order the properties were reported.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, LazyLock, Mutex};

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// An interned object key: a thin pointer to a name that lives as long as the process. Equal
/// names are one key, so keys compare by address; copying or dropping one touches no counter
/// (a million decoded nodes hold about fifteen million keys, and reference counts shared by the
/// threads that decode, check and free them cost more than the decoding itself).
#[derive(Clone, Copy)]
pub struct Key(&'static String);

impl Key {
    /// The name.
    pub fn as_str(self) -> &'static str {
        self.0.as_str()
    }

    fn address(self) -> usize {
        std::ptr::from_ref::<String>(self.0) as usize
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

impl Eq for Key {}

impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Key) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Key) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::ops::Deref for Key {
    type Target = str;

    fn deref(&self) -> &str {
        self.0
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

// Every key ever interned, by name. Keys are never freed: there is one per distinct property
// name the process has read, as there was when this set held shared strings.
static KEYS: LazyLock<Mutex<HashMap<&'static str, Key>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

thread_local! {
    // Most lookups hit this per-thread cache, so parallel snapshot readers do not contend on
    // the global lock.
    static LOCAL_KEYS: RefCell<HashMap<&'static str, Key>> = RefCell::new(HashMap::new());
}

/// Returns the key for `name`, creating it on first use.
pub fn intern(name: &str) -> Key {
    if let Some(key) = LOCAL_KEYS.with(|local| local.borrow().get(name).copied()) {
        return key;
    }
    let key = {
        // A poisoned lock only means another thread panicked while inserting; the map is valid.
        let mut keys = KEYS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match keys.get(name) {
            Some(key) => *key,
            None => {
                let key = Key(Box::leak(Box::new(name.to_owned())));
                keys.insert(key.as_str(), key);
                key
            }
        }
    };
    LOCAL_KEYS.with(|local| local.borrow_mut().insert(key.as_str(), key));
    key
}

/// A key interned once (for example when a query is lowered) and then looked up by pointer
/// with [`Object::get_interned`]: every object key is interned, so a key of the same name is
/// the same allocation and no characters need comparing.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InternedKey(Key);

impl InternedKey {
    /// The shared key for `name`.
    pub fn new(name: &str) -> Self {
        InternedKey(intern(name))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key itself.
    pub(crate) fn key(&self) -> Key {
        self.0
    }
}

impl std::ops::Deref for InternedKey {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for InternedKey {
    fn from(name: &str) -> Self {
        InternedKey::new(name)
    }
}

impl From<String> for InternedKey {
    fn from(name: String) -> Self {
        InternedKey::new(&name)
    }
}

impl From<Box<str>> for InternedKey {
    fn from(name: Box<str>) -> Self {
        InternedKey::new(&name)
    }
}

impl fmt::Debug for InternedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for InternedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A JSON number, kept as an integer when it is one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// A whole number that fits in `i64`.
    Int(i64),
    /// Any other number.
    Float(f64),
}

impl Number {
    /// The number as `f64` (integers beyond 2^53 lose precision).
    pub fn as_f64(self) -> f64 {
        match self {
            // Precision loss above 2^53 is accepted for comparisons.
            #[allow(clippy::cast_precision_loss)]
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 => {
                write!(f, "{x:.1}")
            }
            Number::Float(x) => write!(f, "{x}"),
        }
    }
}

/// A string value: either text that lives as long as the process (a value that many nodes
/// share, such as a region, a state or a filter pattern, interned once by the snapshot reader:
/// copying or dropping it touches no counter) or text shared by reference count. Reads as a
/// `str` either way; equality, order and hashing are the text's.
#[derive(Clone)]
pub struct Text(TextRepr);

#[derive(Clone)]
enum TextRepr {
    Lasting(&'static str),
    Shared(Arc<str>),
}

impl Text {
    /// The text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            TextRepr::Lasting(s) => s,
            TextRepr::Shared(s) => s,
        }
    }

    /// Text that lives as long as the process.
    pub(crate) fn lasting(s: &'static str) -> Text {
        Text(TextRepr::Lasting(s))
    }

    /// The text as a shared string (lasting text is copied into one).
    pub(crate) fn into_arc(self) -> Arc<str> {
        match self.0 {
            TextRepr::Lasting(s) => Arc::from(s),
            TextRepr::Shared(s) => s,
        }
    }
}

impl std::ops::Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Text) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Text) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::hash::Hash for Text {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Arc<str>> for Text {
    fn from(s: Arc<str>) -> Self {
        Text(TextRepr::Shared(s))
    }
}

impl From<&Arc<str>> for Text {
    fn from(s: &Arc<str>) -> Self {
        Text(TextRepr::Shared(Arc::clone(s)))
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text(TextRepr::Shared(Arc::from(s)))
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text(TextRepr::Shared(Arc::from(s)))
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Self {
        Text::from(s.as_str())
    }
}

impl From<Box<str>> for Text {
    fn from(s: Box<str>) -> Self {
        Text(TextRepr::Shared(Arc::from(s)))
    }
}

impl From<std::borrow::Cow<'_, str>> for Text {
    fn from(s: std::borrow::Cow<'_, str>) -> Self {
        Text::from(&*s)
    }
}

/// The most text the snapshot reader keeps for the life of the process ([`lasting_text`]), in
/// bytes and in strings: repeated values beyond it are shared by reference count, as before.
const LASTING_BYTES: usize = 16 << 20;
const LASTING_STRINGS: usize = 1 << 18;

/// Lasting text interned so far, and its size in bytes.
static LASTING: LazyLock<Mutex<(std::collections::HashSet<&'static str>, usize)>> =
    LazyLock::new(|| Mutex::new((std::collections::HashSet::new(), 0)));

thread_local! {
    static LOCAL_LASTING: RefCell<std::collections::HashSet<&'static str>> =
        RefCell::new(std::collections::HashSet::new());
}

/// `s` as text that lives as long as the process, interned once (for the values that repeat
/// across nodes and parts: the snapshot reader asks for each repeated string of a part), while
/// the process has kept less than [`LASTING_BYTES`] of such text; beyond that, `None`.
pub(crate) fn lasting_text(s: &str) -> Option<Text> {
    if let Some(hit) = LOCAL_LASTING.with(|local| local.borrow().get(s).copied()) {
        return Some(Text::lasting(hit));
    }
    let kept = {
        // A poisoned lock only means another thread panicked while inserting; the set is valid.
        let mut lasting = LASTING
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (set, bytes) = &mut *lasting;
        match set.get(s) {
            Some(&hit) => hit,
            None => {
                if *bytes + s.len() > LASTING_BYTES || set.len() >= LASTING_STRINGS {
                    return None;
                }
                let leaked: &'static str = Box::leak(Box::<str>::from(s));
                set.insert(leaked);
                *bytes += s.len();
                leaked
            }
        }
    };
    LOCAL_LASTING.with(|local| local.borrow_mut().insert(kept));
    Some(Text::lasting(kept))
}

/// A JSON value with interned object keys.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// `null`, also what an absent property reads as.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string.
    String(Text),
    /// An array.
    Array(Box<[Value]>),
    /// An object.
    Object(Object),
}

/// A JSON object: key/value pairs in insertion order, keys unique.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Object(Box<[(Key, Value)]>);

impl Object {
    /// An empty object.
    pub fn new() -> Self {
        Object(Box::new([]))
    }

    /// Builds an object from pairs; a later pair with the same key replaces the earlier value.
    pub fn from_pairs<K: AsRef<str>>(pairs: impl IntoIterator<Item = (K, Value)>) -> Self {
        let mut out = UniquePairs::default();
        for (k, v) in pairs {
            out.push(intern(k.as_ref()), v);
        }
        out.finish()
    }

    /// The value under `key`, if present.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| &**k == key).map(|(_, v)| v)
    }

    /// The value under an interned key, if present, comparing key pointers only.
    pub fn get_interned(&self, key: &InternedKey) -> Option<&Value> {
        self.0.iter().find(|(k, _)| *k == key.0).map(|(_, v)| v)
    }

    /// Sets `key` to `value`, replacing an existing value or appending a new pair.
    pub fn insert(&mut self, key: &str, value: Value) {
        if let Some(slot) = self.0.iter_mut().find(|(k, _)| &**k == key) {
            slot.1 = value;
            return;
        }
        let mut pairs = std::mem::take(&mut self.0).into_vec();
        pairs.push((intern(key), value));
        self.0 = pairs.into_boxed_slice();
    }

    /// Removes `key` and returns its value.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let position = self.0.iter().position(|(k, _)| &**k == key)?;
        let mut pairs = std::mem::take(&mut self.0).into_vec();
        let (_, value) = pairs.remove(position);
        self.0 = pairs.into_boxed_slice();
        Some(value)
    }

    /// The pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (&**k, v))
    }

    /// The number of pairs.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the object has no pairs.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Bytes held on the heap by this object and everything in it (keys are shared and not
    /// counted). Used by the memory figures of the benchmark.
    pub fn heap_bytes(&self) -> usize {
        self.0.len() * std::mem::size_of::<(Key, Value)>()
            + self.0.iter().map(|(_, v)| v.heap_bytes()).sum::<usize>()
    }
}

/// Pairs being collected into an [`Object`]: a repeated key replaces the earlier value in its
/// place. Small objects find a repeated key by scanning; from [`UniquePairs::SCAN`] pairs on, a
/// hash index of key pointers (keys are interned, so equal names are one allocation) keeps
/// building linear in the number of pairs (a policy document with 100,000 keys is hostile
/// input, not a reason for 10^10 comparisons).
#[derive(Default)]
pub(crate) struct UniquePairs {
    pairs: Vec<(Key, Value)>,
    index: HashMap<usize, usize>,
}

impl UniquePairs {
    /// Up to this many pairs, a scan is cheaper than hashing.
    const SCAN: usize = 16;

    pub(crate) fn with_capacity(capacity: usize) -> Self {
        UniquePairs {
            pairs: Vec::with_capacity(capacity),
            index: HashMap::new(),
        }
    }

    /// Pairs whose keys are known to be distinct (nothing is checked).
    pub(crate) fn of_distinct(pairs: Vec<(Key, Value)>) -> Self {
        UniquePairs {
            pairs,
            index: HashMap::new(),
        }
    }

    pub(crate) fn push(&mut self, key: Key, value: Value) {
        let existing = if self.pairs.len() < Self::SCAN {
            self.pairs.iter().position(|(k, _)| *k == key)
        } else {
            if self.index.is_empty() {
                self.index = self
                    .pairs
                    .iter()
                    .enumerate()
                    .map(|(i, (k, _))| (k.address(), i))
                    .collect();
            }
            self.index.get(&key.address()).copied()
        };
        match existing.and_then(|i| self.pairs.get_mut(i)) {
            Some(slot) => slot.1 = value,
            None => {
                if !self.index.is_empty() {
                    self.index.insert(key.address(), self.pairs.len());
                }
                self.pairs.push((key, value));
            }
        }
    }

    pub(crate) fn finish(self) -> Object {
        Object(self.pairs.into_boxed_slice())
    }
}

impl Value {
    /// A string value.
    pub fn string(s: impl Into<Text>) -> Value {
        Value::String(s.into())
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number, if this is one.
    pub fn as_number(&self) -> Option<Number> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The number as `f64`, if this is one.
    pub fn as_f64(&self) -> Option<f64> {
        self.as_number().map(Number::as_f64)
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The object, if this is one.
    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// The mutable object, if this is one.
    pub fn as_object_mut(&mut self) -> Option<&mut Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// The member `key` of an object; `None` for absent keys and non-objects.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object().and_then(|o| o.get(key))
    }

    /// The member under an interned key (see [`Object::get_interned`]).
    pub fn get_interned(&self, key: &InternedKey) -> Option<&Value> {
        self.as_object().and_then(|o| o.get_interned(key))
    }

    /// Follows object keys one after the other.
    pub fn get_path<'a>(&'a self, path: &[&str]) -> Option<&'a Value> {
        path.iter().try_fold(self, |v, k| v.get(k))
    }

    /// Name of the JSON type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }

    /// Converts to a `serde_json::Value` (for output and for callers that want serde_json).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(Number::Int(i)) => serde_json::Value::from(*i),
            Value::Number(Number::Float(f)) => serde_json::Number::from_f64(*f)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Value::String(s) => serde_json::Value::String(s.to_string()),
            Value::Array(a) => serde_json::Value::Array(a.iter().map(Value::to_json).collect()),
            Value::Object(o) => serde_json::Value::Object(
                o.iter()
                    .map(|(k, v)| (k.to_string(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// Bytes held on the heap by this value (shared keys not counted).
    pub fn heap_bytes(&self) -> usize {
        match self {
            Value::String(s) => s.len(),
            Value::Array(a) => {
                a.len() * std::mem::size_of::<Value>()
                    + a.iter().map(Value::heap_bytes).sum::<usize>()
            }
            Value::Object(o) => o.heap_bytes(),
            _ => 0,
        }
    }
}

impl From<&serde_json::Value> for Value {
    fn from(v: &serde_json::Value) -> Self {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(match n.as_i64() {
                Some(i) => Number::Int(i),
                None => Number::Float(n.as_f64().unwrap_or(f64::NAN)),
            }),
            serde_json::Value::String(s) => Value::String(s.as_str().into()),
            serde_json::Value::Array(a) => Value::Array(a.iter().map(Value::from).collect()),
            serde_json::Value::Object(o) => Value::Object(Object::from_pairs(
                o.iter().map(|(k, v)| (k.as_str(), Value::from(v))),
            )),
        }
    }
}

impl From<serde_json::Value> for Value {
    fn from(v: serde_json::Value) -> Self {
        Value::from(&v)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.into())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s.into())
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Number(Number::Int(i))
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::Number(Number::Float(f))
    }
}

impl From<Object> for Value {
    fn from(o: Object) -> Self {
        Value::Object(o)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(o: Option<T>) -> Self {
        o.map_or(Value::Null, Into::into)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Self {
        Value::Array(v.into_iter().map(Into::into).collect())
    }
}

impl fmt::Display for Value {
    /// Compact JSON.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match serde_json::to_string(self) {
            Ok(s) => f.write_str(&s),
            Err(_) => Err(fmt::Error),
        }
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Number(Number::Int(i)) => serializer.serialize_i64(*i),
            Value::Number(Number::Float(x)) => serializer.serialize_f64(*x),
            Value::String(s) => serializer.serialize_str(s),
            Value::Array(a) => {
                let mut seq = serializer.serialize_seq(Some(a.len()))?;
                for v in a.iter() {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
            Value::Object(o) => o.serialize(serializer),
        }
    }
}

impl Serialize for Object {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0.iter() {
            map.serialize_entry(&**k, v)?;
        }
        map.end()
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, i: i64) -> Result<Value, E> {
        Ok(Value::Number(Number::Int(i)))
    }

    fn visit_u64<E>(self, u: u64) -> Result<Value, E> {
        Ok(Value::Number(match i64::try_from(u) {
            Ok(i) => Number::Int(i),
            // Above i64::MAX only a float can hold it.
            #[allow(clippy::cast_precision_loss)]
            Err(_) => Number::Float(u as f64),
        }))
    }

    fn visit_f64<E>(self, x: f64) -> Result<Value, E> {
        Ok(Value::Number(Number::Float(x)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.into()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s.into()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(v) = seq.next_element::<Value>()? {
            out.push(v);
        }
        Ok(Value::Array(out.into_boxed_slice()))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        ObjectVisitor.visit_map(map).map(Value::Object)
    }
}

struct ObjectVisitor;

impl<'de> Visitor<'de> for ObjectVisitor {
    type Value = Object;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Object, A::Error> {
        let mut out = UniquePairs::with_capacity(map.size_hint().unwrap_or(0).min(256));
        while let Some(KeyRef(key)) = map.next_key::<KeyRef>()? {
            let value = map.next_value::<Value>()?;
            out.push(key, value);
        }
        Ok(out.finish())
    }
}

/// An object key read from input and interned on the spot, without an intermediate `String`.
struct KeyRef(Key);

impl<'de> Deserialize<'de> for KeyRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = KeyRef;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<KeyRef, E> {
                Ok(KeyRef(intern(s)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

impl<'de> Deserialize<'de> for Object {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ObjectVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interned_lookups_find_what_text_lookups_find() {
        let json: serde_json::Value =
            serde_json::json!({"alpha": 1, "beta": {"gamma": true}, "delta": null});
        let value = Value::from(&json);
        for name in ["alpha", "beta", "delta", "missing", "gamma"] {
            let key = InternedKey::new(name);
            assert_eq!(value.get_interned(&key), value.get(name), "{name}");
        }
        let built = Object::from_pairs([("x", Value::from(1)), ("y", Value::from(2))]);
        assert_eq!(built.get_interned(&"y".into()), Some(&Value::from(2)));
        assert_eq!(built.get_interned(&"z".into()), None);
    }

    #[test]
    fn keys_are_shared() {
        let a = intern("trail_is_multi_region_trail");
        let b = intern("trail_is_multi_region_trail");
        assert_eq!(a, b);
        assert!(std::ptr::eq(a.as_str(), b.as_str()));
        assert_ne!(a, intern("trail_is_multi_region"));
    }

    #[test]
    fn json_round_trip_keeps_order_and_types() {
        let text = r#"{"kind":"aws_cloud_trail","b":1,"a":[true,null,2.5,"x"],"o":{"z":-3}}"#;
        let v: Value = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), text);
        assert_eq!(
            v.get_path(&["o", "z"]).and_then(Value::as_number),
            Some(Number::Int(-3))
        );
        assert_eq!(v.get("missing"), None);
    }

    #[test]
    fn duplicate_keys_keep_the_last_value() {
        let v: Value = serde_json::from_str(r#"{"a":1,"a":2}"#).unwrap();
        assert_eq!(v.as_object().map(Object::len), Some(1));
        assert_eq!(v.get("a"), Some(&Value::from(2i64)));
    }

    #[test]
    fn many_keys_keep_order_and_the_last_duplicate() {
        let pairs: Vec<(String, Value)> = (0..1000i64)
            .map(|i| (format!("k{}", i % 600), Value::from(i)))
            .collect();
        let o = Object::from_pairs(pairs);
        assert_eq!(o.len(), 600);
        assert_eq!(o.get("k5"), Some(&Value::from(605i64)));
        assert_eq!(o.get("k599"), Some(&Value::from(599i64)));
        assert_eq!(o.iter().nth(20).map(|(k, _)| k), Some("k20"));
        let mut big: String = (0..100).map(|i| format!("\"x{i}\":{i},")).collect();
        big.push_str("\"x3\":-1");
        let v: Value = serde_json::from_str(&format!("{{{big}}}")).unwrap();
        assert_eq!(v.as_object().map(Object::len), Some(100));
        assert_eq!(v.get("x3"), Some(&Value::from(-1i64)));
        assert_eq!(
            v.as_object().and_then(|o| o.iter().nth(3)).map(|(k, _)| k),
            Some("x3")
        );
    }

    #[test]
    fn insert_and_remove() {
        let mut o = Object::new();
        o.insert("a", Value::from(1i64));
        o.insert("b", Value::from("x"));
        o.insert("a", Value::from(3i64));
        assert_eq!(o.iter().map(|(k, _)| k).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(o.remove("a"), Some(Value::from(3i64)));
        assert_eq!(o.len(), 1);
    }

    #[test]
    fn converts_from_serde_json() {
        let j = serde_json::json!({"n": 18446744073709551615u64, "f": 1.5, "s": "t"});
        let v = Value::from(&j);
        assert_eq!(v.get("f").and_then(Value::as_f64), Some(1.5));
        assert!(matches!(v.get("n"), Some(Value::Number(Number::Float(_)))));
        assert_eq!(v.to_json()["s"], "t");
    }

    #[test]
    fn lasting_and_shared_text_are_the_same_value() {
        let lasting = lasting_text("us-east-1").unwrap();
        let again = lasting_text("us-east-1").unwrap();
        assert!(std::ptr::eq(lasting.as_str(), again.as_str()));
        let shared = Text::from("us-east-1");
        assert_eq!(lasting, shared);
        assert_eq!(Value::String(lasting.clone()), Value::from("us-east-1"));
        assert_eq!(
            lasting.cmp(&Text::from("us-west-2")),
            std::cmp::Ordering::Less
        );
        let hash = |t: &Text| {
            use std::hash::{BuildHasher, BuildHasherDefault};
            BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().hash_one(t)
        };
        assert_eq!(hash(&lasting), hash(&shared));
        assert_eq!(format!("{lasting:?} {lasting}"), "\"us-east-1\" us-east-1");
    }

    #[test]
    fn lasting_text_stops_at_its_budget() {
        // Run on its own thread, so that its cache is its own; the budget is the process's.
        std::thread::spawn(|| {
            let kept = lasting_text("kept before the budget ran out").unwrap();
            let chunk = "x".repeat(1 << 16);
            let mut refused = None;
            for i in 0..=(LASTING_BYTES >> 16) + 1 {
                let text = format!("{i:08}{chunk}");
                if lasting_text(&text).is_none() {
                    refused = Some(text);
                    break;
                }
            }
            let refused = refused.expect("the budget ends");
            assert!(lasting_text(&refused).is_none());
            // What was kept stays, also for a thread that has not met it.
            let again = std::thread::spawn(|| lasting_text("kept before the budget ran out"))
                .join()
                .unwrap()
                .unwrap();
            assert!(std::ptr::eq(kept.as_str(), again.as_str()));
        })
        .join()
        .unwrap();
    }
}
