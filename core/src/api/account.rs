//! ServiceAccount: the identity a pod runs as. Every namespace gets a `default` one, and a pod
//! may only name an account that exists (the ServiceAccount admission plugin).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::meta::ObjectMeta;

#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccount {
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_pull_secrets: Vec<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automount_service_account_token: Option<bool>,
}
