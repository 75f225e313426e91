//! `aws sts get-caller-identity`, the account evidence was collected in.

use serde::Deserialize;
use serde_json::Value as Json;

/// `aws sts get-caller-identity`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CallerIdentity {
    /// `Account`: the 12-digit id.
    pub account: String,
    /// `Arn` of the caller.
    pub arn: String,
    /// `UserId`.
    pub user_id: Option<String>,
}

impl CallerIdentity {
    /// Reads and checks the document.
    pub fn from_json(doc: &Json) -> Result<Self, String> {
        super::shape::whole(doc)
    }
}
