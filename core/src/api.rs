//! The API objects, shaped field for field like Kubernetes' own, so real manifests deserialize into
//! them and what they serialize to applies on a real cluster.
//!
//! Fields that Podscape does not simulate yet are kept as raw JSON values rather than dropped, so
//! they survive an apply and an export.

pub mod account;
pub mod discovery;
pub mod event;
pub mod meta;
pub mod node;
pub mod pod;
pub mod quantity;
pub mod service;
pub mod storage;
pub mod stored;
pub mod workload;

use serde_json::Value;

pub use account::ServiceAccount;
pub use discovery::{EndpointSlice, Endpoints};
pub use event::Event;
pub use meta::{ObjectMeta, Uid};
pub use node::{Namespace, Node};
pub use pod::Pod;
pub use service::Service;
pub use storage::{ConfigMap, PersistentVolume, PersistentVolumeClaim, Secret, StorageClass};
pub use stored::{
    ClusterRole, ClusterRoleBinding, CronJob, CustomResourceDefinition, DaemonSet, HorizontalPodAutoscaler, Ingress,
    IngressClass, Job, LimitRange, NetworkPolicy, PodDisruptionBudget, PriorityClass, ResourceQuota, Role, RoleBinding,
};
pub use workload::{ControllerRevision, Deployment, ReplicaSet, StatefulSet};

/// Where an object lives: its namespace (empty for cluster-scoped kinds) and its name.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct ObjectKey {
    pub namespace: String,
    pub name: String,
}

impl ObjectKey {
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        ObjectKey { namespace: namespace.into(), name: name.into() }
    }

    pub fn cluster(name: impl Into<String>) -> Self {
        ObjectKey { namespace: String::new(), name: name.into() }
    }

    pub fn of(meta: &ObjectMeta) -> Self {
        ObjectKey::new(meta.namespace.clone(), meta.name.clone())
    }
}

impl std::fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.namespace.is_empty() { f.write_str(&self.name) } else { write!(f, "{}/{}", self.namespace, self.name) }
    }
}

/// Implemented by every API type: what kind it is and where its metadata is.
pub trait Resource: Clone + serde::Serialize + serde::de::DeserializeOwned {
    const KIND: Kind;
    fn meta(&self) -> &ObjectMeta;
    fn meta_mut(&mut self) -> &mut ObjectMeta;
    fn into_object(self) -> Object;
    fn from_object(obj: Object) -> Option<Self>;
    fn key(&self) -> ObjectKey {
        ObjectKey::of(self.meta())
    }
}

macro_rules! kinds {
    ($( $variant:ident($ty:ty) {
        group: $group:expr, plural: $plural:expr, short: [$($short:expr),*], namespaced: $ns:expr $(,)?
    } ),* $(,)?) => {
        /// The kinds core stores, with the names kubectl knows them by.
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
        pub enum Kind { $($variant),* }

        /// An object of any kind core stores.
        #[derive(Clone, PartialEq, Debug)]
        pub enum Object { $($variant($ty)),* }

        impl Kind {
            pub const ALL: &'static [Kind] = &[$(Kind::$variant),*];

            /// The `kind` field: `Pod`, `Deployment`.
            pub fn name(self) -> &'static str {
                match self { $(Kind::$variant => stringify!($variant)),* }
            }

            /// The API group; empty for the core group.
            pub fn group(self) -> &'static str {
                match self { $(Kind::$variant => $group),* }
            }

            /// The lower-case plural resource name: `pods`, `endpointslices`.
            pub fn plural(self) -> &'static str {
                match self { $(Kind::$variant => $plural),* }
            }

            /// kubectl's short names: `po`, `svc`, `deploy`.
            pub fn short_names(self) -> &'static [&'static str] {
                match self { $(Kind::$variant => &[$($short),*]),* }
            }

            pub fn namespaced(self) -> bool {
                match self { $(Kind::$variant => $ns),* }
            }
        }

        impl Object {
            pub fn kind(&self) -> Kind {
                match self { $(Object::$variant(_) => Kind::$variant),* }
            }

            pub fn meta(&self) -> &ObjectMeta {
                match self { $(Object::$variant(o) => &o.metadata),* }
            }

            pub fn meta_mut(&mut self) -> &mut ObjectMeta {
                match self { $(Object::$variant(o) => &mut o.metadata),* }
            }

            /// The object as kubectl prints it: its fields plus `apiVersion` and `kind`.
            pub fn to_value(&self) -> Value {
                let mut v = match self {
                    $(Object::$variant(o) => serde_json::to_value(o).unwrap_or(Value::Null)),*
                };
                if let Value::Object(map) = &mut v {
                    let kind = self.kind();
                    // A stored kind keeps the version it was written in.
                    if !map.contains_key("apiVersion") {
                        map.insert("apiVersion".into(), Value::String(kind.api_version()));
                    }
                    map.insert("kind".into(), Value::String(kind.name().into()));
                }
                v
            }

            /// Reads an object of `kind` from JSON (`apiVersion` and `kind` already checked).
            pub fn from_value(kind: Kind, mut value: Value) -> Result<Object, String> {
                if let Value::Object(map) = &mut value {
                    if kind.simulated() {
                        map.remove("apiVersion");
                    }
                    map.remove("kind");
                }
                match kind {
                    $(Kind::$variant => serde_json::from_value::<$ty>(value)
                        .map(Object::$variant)
                        .map_err(|e| e.to_string())),*
                }
            }
        }

        $(
            impl Resource for $ty {
                const KIND: Kind = Kind::$variant;
                fn meta(&self) -> &ObjectMeta { &self.metadata }
                fn meta_mut(&mut self) -> &mut ObjectMeta { &mut self.metadata }
                fn into_object(self) -> Object { Object::$variant(self) }
                fn from_object(obj: Object) -> Option<Self> {
                    match obj { Object::$variant(o) => Some(o), #[allow(unreachable_patterns)] _ => None }
                }
            }
        )*
    };
}

kinds! {
    Namespace(Namespace) { group: "", plural: "namespaces", short: ["ns"], namespaced: false },
    Node(Node) { group: "", plural: "nodes", short: ["no"], namespaced: false },
    Pod(Pod) { group: "", plural: "pods", short: ["po"], namespaced: true },
    Service(Service) { group: "", plural: "services", short: ["svc"], namespaced: true },
    Endpoints(Endpoints) { group: "", plural: "endpoints", short: ["ep"], namespaced: true },
    EndpointSlice(EndpointSlice) {
        group: "discovery.k8s.io", plural: "endpointslices", short: [], namespaced: true
    },
    Deployment(Deployment) { group: "apps", plural: "deployments", short: ["deploy"], namespaced: true },
    ReplicaSet(ReplicaSet) { group: "apps", plural: "replicasets", short: ["rs"], namespaced: true },
    Event(Event) { group: "", plural: "events", short: ["ev"], namespaced: true },
    ConfigMap(ConfigMap) { group: "", plural: "configmaps", short: ["cm"], namespaced: true },
    Secret(Secret) { group: "", plural: "secrets", short: [], namespaced: true },
    PersistentVolume(PersistentVolume) { group: "", plural: "persistentvolumes", short: ["pv"], namespaced: false },
    PersistentVolumeClaim(PersistentVolumeClaim) {
        group: "", plural: "persistentvolumeclaims", short: ["pvc"], namespaced: true
    },
    StorageClass(StorageClass) { group: "storage.k8s.io", plural: "storageclasses", short: ["sc"], namespaced: false },
    StatefulSet(StatefulSet) { group: "apps", plural: "statefulsets", short: ["sts"], namespaced: true },
    ControllerRevision(ControllerRevision) {
        group: "apps", plural: "controllerrevisions", short: [], namespaced: true
    },
    ServiceAccount(ServiceAccount) { group: "", plural: "serviceaccounts", short: ["sa"], namespaced: true },
    Ingress(Ingress) { group: "networking.k8s.io", plural: "ingresses", short: ["ing"], namespaced: true },
    IngressClass(IngressClass) { group: "networking.k8s.io", plural: "ingressclasses", short: [], namespaced: false },
    NetworkPolicy(NetworkPolicy) {
        group: "networking.k8s.io", plural: "networkpolicies", short: ["netpol"], namespaced: true
    },
    PodDisruptionBudget(PodDisruptionBudget) {
        group: "policy", plural: "poddisruptionbudgets", short: ["pdb"], namespaced: true
    },
    HorizontalPodAutoscaler(HorizontalPodAutoscaler) {
        group: "autoscaling", plural: "horizontalpodautoscalers", short: ["hpa"], namespaced: true
    },
    DaemonSet(DaemonSet) { group: "apps", plural: "daemonsets", short: ["ds"], namespaced: true },
    Job(Job) { group: "batch", plural: "jobs", short: [], namespaced: true },
    CronJob(CronJob) { group: "batch", plural: "cronjobs", short: ["cj"], namespaced: true },
    Role(Role) { group: "rbac.authorization.k8s.io", plural: "roles", short: [], namespaced: true },
    RoleBinding(RoleBinding) { group: "rbac.authorization.k8s.io", plural: "rolebindings", short: [], namespaced: true },
    ClusterRole(ClusterRole) { group: "rbac.authorization.k8s.io", plural: "clusterroles", short: [], namespaced: false },
    ClusterRoleBinding(ClusterRoleBinding) {
        group: "rbac.authorization.k8s.io", plural: "clusterrolebindings", short: [], namespaced: false
    },
    CustomResourceDefinition(CustomResourceDefinition) {
        group: "apiextensions.k8s.io", plural: "customresourcedefinitions", short: ["crd", "crds"], namespaced: false
    },
    LimitRange(LimitRange) { group: "", plural: "limitranges", short: ["limits"], namespaced: true },
    ResourceQuota(ResourceQuota) { group: "", plural: "resourcequotas", short: ["quota"], namespaced: true },
    PriorityClass(PriorityClass) { group: "scheduling.k8s.io", plural: "priorityclasses", short: ["pc"], namespaced: false },
}

impl Kind {
    /// The preferred version: `v1`, `apps/v1`, `autoscaling/v2`.
    pub fn api_version(self) -> String {
        match (self, self.group()) {
            (Kind::HorizontalPodAutoscaler, _) => "autoscaling/v2".into(),
            (_, "") => "v1".into(),
            (_, g) => format!("{g}/v1"),
        }
    }

    /// Whether a manifest may name this kind in `api_version` (the served versions).
    pub fn serves(self, api_version: &str) -> bool {
        api_version == self.api_version() || (self == Kind::HorizontalPodAutoscaler && api_version == "autoscaling/v1")
    }

    /// Whether a controller acts on objects of this kind; the others are stored, not simulated.
    pub fn simulated(self) -> bool {
        !matches!(
            self,
            Kind::Ingress
                | Kind::IngressClass
                | Kind::NetworkPolicy
                | Kind::PodDisruptionBudget
                | Kind::HorizontalPodAutoscaler
                | Kind::DaemonSet
                | Kind::Job
                | Kind::CronJob
                | Kind::Role
                | Kind::RoleBinding
                | Kind::ClusterRole
                | Kind::ClusterRoleBinding
                | Kind::CustomResourceDefinition
                | Kind::LimitRange
                | Kind::ResourceQuota
                | Kind::PriorityClass
        )
    }

    /// The lower-case singular: `pod`, `endpointslice`.
    pub fn singular(self) -> String {
        self.name().to_ascii_lowercase()
    }

    /// How kubectl names the resource in messages: `pod`, `deployment.apps`,
    /// `endpointslice.discovery.k8s.io` (kind, then group when it is not the core group).
    pub fn qualified(self) -> String {
        match self.group() {
            "" => self.singular(),
            g => format!("{}.{g}", self.singular()),
        }
    }

    /// Resolves a resource name as kubectl does: plural, singular, short name, or any of them
    /// followed by the group (`deployments.apps`); case-insensitive.
    pub fn parse(text: &str) -> Option<Kind> {
        let lower = text.to_ascii_lowercase();
        let (name, group) = match lower.split_once('.') {
            Some((n, g)) => (n.to_string(), Some(g.to_string())),
            None => (lower, None),
        };
        Kind::ALL.iter().copied().find(|k| {
            let name_ok = name == k.plural() || name == k.singular() || k.short_names().contains(&name.as_str());
            let group_ok = match &group {
                None => true,
                Some(g) => g == k.group() || (k.group().is_empty() && g == "core"),
            };
            name_ok && group_ok
        })
    }

    /// Kind from an `apiVersion` and `kind` pair, as a manifest names it.
    pub fn from_type(api_version: &str, kind: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.name() == kind && k.serves(api_version))
    }
}

impl Object {
    pub fn key(&self) -> ObjectKey {
        ObjectKey::of(self.meta())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_resource_names_resolve() {
        for (text, kind) in [
            ("pods", Kind::Pod),
            ("po", Kind::Pod),
            ("Pod", Kind::Pod),
            ("svc", Kind::Service),
            ("deployments.apps", Kind::Deployment),
            ("deploy", Kind::Deployment),
            ("endpointslices.discovery.k8s.io", Kind::EndpointSlice),
            ("ep", Kind::Endpoints),
            ("no", Kind::Node),
        ] {
            assert_eq!(Kind::parse(text), Some(kind), "{text}");
        }
        assert_eq!(Kind::parse("deployments.core"), None);
        assert_eq!(Kind::parse("widgets"), None);
    }

    #[test]
    fn objects_carry_api_version_and_kind_when_printed() {
        let obj = Object::Deployment(Deployment::default());
        let v = obj.to_value();
        assert_eq!(v["apiVersion"], "apps/v1");
        assert_eq!(v["kind"], "Deployment");
        assert_eq!(Kind::EndpointSlice.qualified(), "endpointslice.discovery.k8s.io");
        assert_eq!(Kind::from_type("apps/v1", "ReplicaSet"), Some(Kind::ReplicaSet));
        assert_eq!(Kind::from_type("v1", "Deployment"), None);
    }
}
