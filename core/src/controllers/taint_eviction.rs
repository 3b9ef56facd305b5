//! Taint-based eviction (the NoExecuteTaintManager, now `taint-eviction-controller`): a pod on a
//! node with a NoExecute taint it does not tolerate is deleted at once; one it tolerates for
//! `tolerationSeconds` is deleted when that time has passed since the taint was added (the
//! DefaultTolerationSeconds admission plugin gives every pod 300 s for not-ready and unreachable).

use crate::api::{Kind, Node, ObjectKey, Pod, Resource};
use crate::controllers::{Ctx, EventDraft, Op, Work, reference};
use crate::time::{SimDuration, SimTime};

pub fn reconcile(ctx: &Ctx, key: &ObjectKey) -> Vec<Op> {
    let Some(pod) = ctx.store.get::<Pod>(key) else { return Vec::new() };
    if pod.spec.node_name.is_empty() || pod.metadata.is_terminating() || pod.is_terminal() {
        return Vec::new();
    }
    let Some(node) = ctx.store.get::<Node>(&ObjectKey::cluster(pod.spec.node_name.as_str())) else {
        return Vec::new();
    };
    let Some(evict_at) = eviction_time(pod, node, ctx.now) else { return Vec::new() };
    if ctx.now < evict_at {
        return vec![Op::WakeAt(evict_at, Work::TaintEviction(key.clone()))];
    }
    vec![
        Op::Delete { kind: Kind::Pod, key: pod.key() },
        Op::Event(EventDraft::normal(
            reference(Kind::Pod, &pod.metadata),
            "taint-eviction-controller",
            "TaintManagerEviction",
            format!("Marking for deletion Pod {}/{}", pod.metadata.namespace, pod.metadata.name),
        )),
    ]
}

/// When the pod must go, if a NoExecute taint says so: at once for a taint it does not
/// tolerate, otherwise the earliest `timeAdded + tolerationSeconds` (never, without a limit).
fn eviction_time(pod: &Pod, node: &Node, now: SimTime) -> Option<SimTime> {
    let mut earliest: Option<SimTime> = None;
    for taint in node.spec.taints.iter().filter(|t| t.effect == "NoExecute") {
        let tolerations: Vec<_> = pod.spec.tolerations.iter().filter(|t| t.tolerates(taint)).collect();
        let at = if tolerations.is_empty() {
            Some(now)
        } else {
            // The shortest tolerationSeconds among the matching tolerations; none means forever.
            let secs = tolerations.iter().map(|t| t.toleration_seconds).collect::<Option<Vec<i64>>>();
            secs.and_then(|s| s.into_iter().min()).map(|s| {
                let added = taint.time_added.map_or(now, |t| t.0);
                added + SimDuration::seconds(s.max(0))
            })
        };
        if let Some(at) = at {
            earliest = Some(earliest.map_or(at, |e: SimTime| e.min(at)));
        }
    }
    earliest
}
