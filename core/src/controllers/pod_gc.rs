//! The pod garbage collector (`podgc`): force-deletes pods whose node is gone, and terminating pods
//! on a node tainted `node.kubernetes.io/out-of-service` (the non-graceful node shutdown
//! procedure), which nothing else could ever finish deleting.

use crate::api::node::TAINT_OUT_OF_SERVICE;
use crate::api::{Kind, Node, ObjectKey, Pod, Resource};
use crate::controllers::{Ctx, EventDraft, Op, reference};

pub fn reconcile(ctx: &Ctx, key: &ObjectKey) -> Vec<Op> {
    let Some(pod) = ctx.store.get::<Pod>(key) else { return Vec::new() };
    if pod.spec.node_name.is_empty() {
        return Vec::new();
    }
    let node = ctx.store.get::<Node>(&ObjectKey::cluster(pod.spec.node_name.as_str()));
    let (reason, message) = match node {
        None => (
            "PodGC",
            format!(
                "deleting pod {}/{}: its node {} no longer exists",
                pod.metadata.namespace, pod.metadata.name, pod.spec.node_name
            ),
        ),
        Some(n)
            if pod.metadata.is_terminating()
                && n.spec.taints.iter().any(|t| t.key == TAINT_OUT_OF_SERVICE && t.effect == "NoExecute") =>
        {
            (
                "PodGC",
                format!(
                    "deleting pod {}/{}: its node {} is out of service",
                    pod.metadata.namespace, pod.metadata.name, pod.spec.node_name
                ),
            )
        }
        _ => return Vec::new(),
    };
    vec![
        Op::RemovePod { pod: pod.key() },
        Op::Event(EventDraft::normal(reference(Kind::Pod, &pod.metadata), "pod-garbage-collector", reason, message)),
    ]
}
