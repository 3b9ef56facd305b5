//! The root CA publisher: every active namespace has the ConfigMap `kube-root-ca.crt` holding the
//! cluster's CA certificate, so pods can trust the API server; it is made again if deleted.

use std::collections::BTreeMap;

use crate::api::{ConfigMap, Namespace, ObjectKey, ObjectMeta, Resource};
use crate::controllers::{Ctx, Op};

pub const NAME: &str = "kube-root-ca.crt";

/// The simulated cluster's CA certificate (not a real key pair: nothing here checks signatures).
const CA: &str = "-----BEGIN CERTIFICATE-----\nMIIDBTCCAe2gAwIBAgIIPodscapeSimulatedClusterCA0wDQYJKoZIhvcNAQEL\nBQAwFTETMBEGA1UEAxMKa3ViZXJuZXRlczAeFw0yNjAxMDEwMDAwMDBaFw0zNTEy\n-----END CERTIFICATE-----\n";

pub fn reconcile(ctx: &Ctx, namespace: &str) -> Vec<Op> {
    let Some(ns) = ctx.store.get::<Namespace>(&ObjectKey::cluster(namespace)) else { return Vec::new() };
    if ns.metadata.is_terminating() || ctx.store.get::<ConfigMap>(&ObjectKey::new(namespace, NAME)).is_some() {
        return Vec::new();
    }
    let annotations: BTreeMap<String, String> =
        [("kubernetes.io/description".to_string(), "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.".to_string())]
            .into_iter()
            .collect();
    let cm = ConfigMap {
        metadata: ObjectMeta { name: NAME.into(), namespace: namespace.into(), annotations, ..Default::default() },
        data: [("ca.crt".to_string(), CA.to_string())].into_iter().collect(),
        ..Default::default()
    };
    vec![Op::Create(cm.into_object())]
}
