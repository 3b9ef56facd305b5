//! Kinds Podscape keeps but does not simulate (Ingress, NetworkPolicy, DaemonSet, Job, RBAC, …):
//! an apply stores them, `kubectl get` lists them, an export gives them back, and no controller
//! acts on them. Their fields stay as they came, including the `apiVersion` they were written in.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::meta::ObjectMeta;

macro_rules! stored_kinds {
    ($($name:ident),* $(,)?) => {$(
        #[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
        pub struct $name {
            #[serde(default)]
            pub metadata: ObjectMeta,
            /// Every other field, `apiVersion` included, as written.
            #[serde(flatten)]
            pub body: BTreeMap<String, Value>,
        }
    )*};
}

stored_kinds!(
    Ingress,
    IngressClass,
    NetworkPolicy,
    PodDisruptionBudget,
    HorizontalPodAutoscaler,
    DaemonSet,
    Job,
    CronJob,
    Role,
    RoleBinding,
    ClusterRole,
    ClusterRoleBinding,
    CustomResourceDefinition,
    LimitRange,
    ResourceQuota,
    PriorityClass,
);
