//! Helpers shared by the typed documents: messages that say where in a document what is wrong.

use serde::de::DeserializeOwned;
use serde_json::Value as Json;

/// The name of a JSON value's type, for messages.
pub(crate) fn type_name(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

fn object(doc: &Json) -> Result<&serde_json::Map<String, Json>, String> {
    doc.as_object()
        .ok_or_else(|| format!("expected a JSON object, found {}", type_name(doc)))
}

/// The whole document as one typed value.
pub(crate) fn whole<T: DeserializeOwned>(doc: &Json) -> Result<T, String> {
    object(doc)?;
    T::deserialize(doc).map_err(|e| e.to_string())
}

/// `doc[key]`, a required array, each element typed (the first bad element is named by index).
pub(crate) fn items<T: DeserializeOwned>(doc: &Json, key: &str) -> Result<Vec<T>, String> {
    match object(doc)?.get(key) {
        None => Err(format!("missing `{key}`")),
        Some(list) => typed_list(list, key),
    }
}

/// `doc[key]` when present (a present `null` is as good as absent), each element typed.
pub(crate) fn optional_items<T: DeserializeOwned>(
    doc: &Json,
    key: &str,
) -> Result<Option<Vec<T>>, String> {
    match object(doc)?.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(list) => typed_list(list, key).map(Some),
    }
}

/// `doc[key]` when present, a string.
pub(crate) fn optional_string(doc: &Json, key: &str) -> Result<Option<String>, String> {
    match object(doc)?.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!(
            "`{key}` is {}, expected a string",
            type_name(other)
        )),
    }
}

fn typed_list<T: DeserializeOwned>(list: &Json, key: &str) -> Result<Vec<T>, String> {
    let Some(elements) = list.as_array() else {
        return Err(format!("`{key}` is {}, expected an array", type_name(list)));
    };
    elements
        .iter()
        .enumerate()
        .map(|(i, e)| T::deserialize(e).map_err(|err| format!("`{key}`[{i}]: {err}")))
        .collect()
}

/// The pagination token a truncated page still carries (`nextToken` in CloudWatch Logs,
/// `NextToken` elsewhere), if any.
pub(crate) fn page_token(doc: &Json) -> Option<&'static str> {
    let obj = doc.as_object()?;
    ["nextToken", "NextToken"].into_iter().find(|key| {
        obj.get(*key)
            .is_some_and(|t| !t.is_null() && t.as_str() != Some(""))
    })
}
