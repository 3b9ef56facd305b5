//! Export: the learner's objects as YAML that `kubectl apply -f` takes on a real cluster. What the
//! cluster made by itself is left out (pods and ReplicaSets its controllers own, EndpointSlices,
//! Events, nodes, the system namespaces, each namespace's `default` ServiceAccount and CA
//! ConfigMap, dynamically provisioned volumes), and so is what the API server would fill in again
//! (uid, resourceVersion, timestamps, status, allocated IPs and ports, bookkeeping annotations).

use serde_json::Value;

use crate::api::{Kind, Object};
use crate::console::output;
use crate::store::Store;

const SYSTEM_NAMESPACES: &[&str] = &["kube-system", "kube-public", "kube-node-lease"];

/// Whether the object is the learner's to export.
fn exported(store: &Store, o: &Object) -> bool {
    let m = o.meta();
    let kind = o.kind();
    if matches!(kind, Kind::Event | Kind::EndpointSlice | Kind::Node) || m.controller().is_some() {
        return false;
    }
    if SYSTEM_NAMESPACES.contains(&m.namespace.as_str()) {
        return false;
    }
    match o {
        Object::Namespace(_) => !SYSTEM_NAMESPACES.contains(&m.name.as_str()) && m.name != "default",
        Object::ServiceAccount(_) => m.name != "default",
        Object::ConfigMap(_) => m.name != crate::controllers::root_ca_publisher::NAME,
        Object::Service(_) => !(m.name == "kubernetes" && m.namespace == "default"),
        // Endpoints are the controller's for a Service with a selector; hand-made otherwise.
        Object::Endpoints(_) => store
            .get::<crate::api::Service>(&o.key())
            .is_some_and(|s| s.spec.selector.is_empty() && m.name != "kubernetes"),
        Object::PersistentVolume(_) => !m.annotations.contains_key("pv.kubernetes.io/provisioned-by"),
        // A StatefulSet makes its claims again from its templates (`<template>-<set>-<ordinal>`).
        Object::PersistentVolumeClaim(_) => !store.list::<crate::api::StatefulSet>(Some(&m.namespace)).any(|ss| {
            ss.spec.volume_claim_templates.iter().any(|t| {
                m.name
                    .strip_prefix(&format!("{}-{}-", t.metadata.name, ss.metadata.name))
                    .is_some_and(|i| !i.is_empty() && i.chars().all(|c| c.is_ascii_digit()))
            })
        }),
        Object::StorageClass(_) => m.name != "standard",
        _ => true,
    }
}

/// The object without what the API server fills in.
fn clean(store: &Store, o: &Object) -> Value {
    let mut v = o.to_value();
    let Value::Object(map) = &mut v else { return v };
    map.remove("status");
    if let Some(Value::Object(meta)) = map.get_mut("metadata") {
        for f in [
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "generation",
            "managedFields",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "ownerReferences",
        ] {
            meta.remove(f);
        }
        if let Some(Value::Object(ann)) = meta.get_mut("annotations") {
            ann.retain(|k, _| {
                !(k == "kubectl.kubernetes.io/last-applied-configuration"
                    || k.starts_with("deployment.kubernetes.io/")
                    || k.starts_with("pv.kubernetes.io/")
                    || k.starts_with("volume.kubernetes.io/")
                    || k.starts_with("volume.beta.kubernetes.io/"))
            });
            if ann.is_empty() {
                meta.remove("annotations");
            }
        }
        if let Some(Value::Array(fins)) = meta.get_mut("finalizers") {
            fins.retain(|f| !f.as_str().is_some_and(|f| f.starts_with("kubernetes.io/") || f == "kubernetes"));
            if fins.is_empty() {
                meta.remove("finalizers");
            }
        }
        if o.kind() == Kind::Namespace {
            map.remove("spec");
        }
    }
    if let Some(Value::Object(spec)) = map.get_mut("spec") {
        match o {
            Object::Service(s) => {
                if !s.is_headless() {
                    spec.remove("clusterIP");
                    spec.remove("clusterIPs");
                }
                if let Some(Value::Array(ports)) = spec.get_mut("ports") {
                    for p in ports.iter_mut().filter_map(Value::as_object_mut) {
                        p.remove("nodePort");
                    }
                }
            }
            Object::Pod(_) => {
                spec.remove("nodeName");
            }
            Object::PersistentVolumeClaim(c) => {
                let provisioned = store
                    .get::<crate::api::PersistentVolume>(&crate::api::ObjectKey::cluster(c.spec.volume_name.as_str()))
                    .is_some_and(|pv| pv.metadata.annotations.contains_key("pv.kubernetes.io/provisioned-by"));
                if provisioned {
                    spec.remove("volumeName");
                }
            }
            Object::PersistentVolume(_) => {
                spec.remove("claimRef");
            }
            Object::StatefulSet(_) => {
                if let Some(Value::Array(templates)) = spec.get_mut("volumeClaimTemplates") {
                    for t in templates.iter_mut().filter_map(Value::as_object_mut) {
                        t.remove("status");
                    }
                }
            }
            _ => {}
        }
    }
    v
}

/// The learner's objects (of `kinds`, or of every kind), as multi-document YAML.
pub fn export(store: &Store, kinds: &[Kind]) -> String {
    export_selected(store, kinds, &|_| true)
}

/// As [`export`], keeping only the objects `select` accepts (a name, a label selector, a namespace).
pub fn export_selected(store: &Store, kinds: &[Kind], select: &dyn Fn(&Object) -> bool) -> String {
    // Namespaces first, then the rest in a dependable order: what others refer to comes first.
    let order = [
        Kind::Namespace,
        Kind::StorageClass,
        Kind::PersistentVolume,
        Kind::ServiceAccount,
        Kind::ConfigMap,
        Kind::Secret,
        Kind::PersistentVolumeClaim,
        Kind::Service,
        Kind::Endpoints,
    ];
    let mut all: Vec<Kind> = order.to_vec();
    all.extend(Kind::ALL.iter().copied().filter(|k| !order.contains(k)));
    let mut docs = Vec::new();
    for kind in all.into_iter().filter(|k| kinds.is_empty() || kinds.contains(k)) {
        for o in store.list_objects(kind, None) {
            if exported(store, &o) && select(&o) {
                docs.push(output::yaml(&clean(store, &o)));
            }
        }
    }
    docs.join("---\n")
}
