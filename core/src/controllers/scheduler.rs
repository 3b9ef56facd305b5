//! The scheduler: binds each unscheduled pod to a feasible node, spreading a workload's replicas
//! (fewest siblings first, then the least loaded node), as the default scheduler's
//! PodTopologySpread and resource-balancing scores do.

use std::collections::BTreeMap;

use crate::api::meta::{Condition, condition};
use crate::api::node::{TAINT_UNSCHEDULABLE, Taint};
use crate::api::{Kind, ObjectKey, PersistentVolumeClaim, Pod, Resource, StorageClass};
use crate::controllers::persistent_volume::SELECTED_NODE;
use crate::controllers::{Ctx, EventDraft, Op, jitter, reference};
use crate::store::NodeSlot;

const COMPONENT: &str = "default-scheduler";

pub fn reconcile(ctx: &Ctx, key: &ObjectKey) -> Vec<Op> {
    let Some(pod) = ctx.store.get::<Pod>(key) else { return Vec::new() };
    if !pod.spec.node_name.is_empty() || pod.metadata.is_terminating() || pod.is_terminal() {
        return Vec::new();
    }
    let slots = ctx.store.node_slots();
    let pref = reference(Kind::Pod, &pod.metadata);
    // VolumeBinding: every claim must exist, and be bound unless its class waits for a consumer.
    let mut selected = Vec::new();
    for v in &pod.spec.volumes {
        let Some(c) = &v.persistent_volume_claim else { continue };
        let ck = ObjectKey::new(pod.metadata.namespace.as_str(), c.claim_name.as_str());
        let Some(claim) = ctx.store.get::<PersistentVolumeClaim>(&ck) else {
            return unschedulable(
                ctx,
                pod,
                pref,
                slots.len(),
                format!("persistentvolumeclaim \"{}\" not found", c.claim_name),
            );
        };
        if claim.spec.access_modes.iter().any(|m| m == "ReadWriteOncePod") {
            let taken = ctx.store.list::<Pod>(Some(&pod.metadata.namespace)).any(|p| {
                p.metadata.uid != pod.metadata.uid
                    && p.is_active()
                    && p.spec
                        .volumes
                        .iter()
                        .any(|v| v.persistent_volume_claim.as_ref().is_some_and(|x| x.claim_name == c.claim_name))
            });
            if taken {
                return unschedulable(
                    ctx,
                    pod,
                    pref,
                    slots.len(),
                    format!(
                        "{} node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode",
                        slots.len()
                    ),
                );
            }
        }
        if claim.spec.volume_name.is_empty() {
            let class = claim.spec.storage_class_name.as_deref().unwrap_or("");
            let waits = ctx
                .store
                .get::<StorageClass>(&ObjectKey::cluster(class))
                .is_some_and(|sc| sc.volume_binding_mode == "WaitForFirstConsumer");
            if !waits {
                return unschedulable(
                    ctx,
                    pod,
                    pref,
                    slots.len(),
                    "pod has unbound immediate PersistentVolumeClaims".into(),
                );
            }
            if !claim.metadata.annotations.contains_key(SELECTED_NODE) {
                selected.push(claim.clone());
            }
        }
    }
    let wants = Wants { cpu: pod.request_milli("cpu"), memory: pod.request_milli("memory") };
    let mut rejections: BTreeMap<String, usize> = BTreeMap::new();
    // Like the real scheduler, start at a varying node and stop once enough feasible nodes are
    // found, so a large cluster does not cost a full scan per pod.
    let want = feasible_nodes_to_find(slots.len());
    let start = if slots.is_empty() { 0 } else { jitter(&pod.metadata.uid, "start", slots.len() as u32) as usize };
    let mut feasible: Vec<&NodeSlot> = Vec::new();
    for i in 0..slots.len() {
        if feasible.len() >= want {
            break;
        }
        let n = &slots[(start + i) % slots.len()];
        let reasons = why_not(pod, &wants, n);
        if reasons.is_empty() {
            feasible.push(n);
        }
        for r in reasons {
            *rejections.entry(r).or_default() += 1;
        }
    }

    let Some(node) = pick(ctx, pod, &feasible) else {
        let total = slots.len();
        let mut message = format!("0/{total} nodes are available");
        if !rejections.is_empty() {
            let parts: Vec<String> = rejections.iter().map(|(r, n)| format!("{n} {r}")).collect();
            message.push_str(": ");
            message.push_str(&parts.join(", "));
        }
        message.push_str(&format!(
            ". preemption: 0/{total} nodes are available: {total} Preemption is not helpful for scheduling."
        ));
        let already = condition(&pod.status.conditions, "PodScheduled")
            .is_some_and(|c| c.status == "False" && c.message == message);
        if already {
            return Vec::new();
        }
        let mut p2 = pod.clone();
        p2.status.phase = "Pending".into();
        let mut c = Condition::new("PodScheduled", false, ctx.now);
        c.reason = "Unschedulable".into();
        c.message = message.clone();
        crate::api::meta::set_condition(&mut p2.status.conditions, c);
        return vec![
            Op::Update(p2.into_object()),
            Op::Event(EventDraft::warning(pref, COMPONENT, "FailedScheduling", message)),
        ];
    };
    // A claim that waited for its first consumer learns where that consumer runs, and the volume
    // controller provisions for it.
    let mut ops: Vec<Op> = selected
        .into_iter()
        .map(|mut c| {
            c.metadata.annotations.insert(SELECTED_NODE.into(), node.to_string());
            Op::Update(c.into_object())
        })
        .collect();
    ops.extend([
        Op::Bind { pod: key.clone(), node: node.to_string() },
        Op::Event(EventDraft::normal(
            pref,
            COMPONENT,
            "Scheduled",
            format!("Successfully assigned {}/{} to {node}", pod.metadata.namespace, pod.metadata.name),
        )),
    ]);
    ops
}

/// A pod no node can take for a reason of its own (not of any node's): every node is rejected
/// with the same message.
fn unschedulable(ctx: &Ctx, pod: &Pod, pref: crate::api::meta::ObjectReference, total: usize, why: String) -> Vec<Op> {
    let message = format!(
        "0/{total} nodes are available: {why}. preemption: 0/{total} nodes are available: {total} Preemption is not helpful for scheduling."
    );
    if condition(&pod.status.conditions, "PodScheduled").is_some_and(|c| c.status == "False" && c.message == message) {
        return Vec::new();
    }
    let mut p2 = pod.clone();
    p2.status.phase = "Pending".into();
    let mut c = Condition::new("PodScheduled", false, ctx.now);
    c.reason = "Unschedulable".into();
    c.message = message.clone();
    crate::api::meta::set_condition(&mut p2.status.conditions, c);
    vec![Op::Update(p2.into_object()), Op::Event(EventDraft::warning(pref, COMPONENT, "FailedScheduling", message))]
}

/// What the pod requests, computed once per scheduling attempt.
struct Wants {
    cpu: i128,
    memory: i128,
}

/// Why the node cannot take `pod`, in the scheduler's words (one reason per failing check), or
/// nothing when it can. The checks run in the default profile's filter order: NodeUnschedulable,
/// TaintToleration, NodeAffinity (nodeSelector), NodeResourcesFit.
fn why_not(pod: &Pod, wants: &Wants, node: &NodeSlot) -> Vec<String> {
    if node.unschedulable
        && !pod.spec.tolerations.iter().any(|t| t.tolerates(&Taint::new(TAINT_UNSCHEDULABLE, "NoSchedule")))
    {
        return vec!["node(s) were unschedulable".into()];
    }
    let untolerated = node
        .taints
        .iter()
        .filter(|t| t.effect == "NoSchedule" || t.effect == "NoExecute")
        .find(|t| !pod.spec.tolerations.iter().any(|tol| tol.tolerates(t)));
    if let Some(t) = untolerated {
        return vec![format!("node(s) had untolerated taint {}", t.describe())];
    }
    if !pod.spec.node_selector.iter().all(|(k, v)| node.labels.get(k) == Some(v)) {
        return vec!["node(s) didn't match Pod's node affinity/selector".into()];
    }
    let (used, alloc) = (node.requested, node.allocatable);
    let mut reasons = Vec::new();
    if used.pods + 1 > alloc.pods {
        reasons.push("Too many pods".to_string());
    }
    if wants.cpu > 0 && used.cpu_milli + wants.cpu > alloc.cpu_milli {
        reasons.push("Insufficient cpu".to_string());
    }
    if wants.memory > 0 && used.memory_milli + wants.memory > alloc.memory_milli {
        reasons.push("Insufficient memory".to_string());
    }
    reasons
}

/// How many feasible nodes the scheduler looks for before it stops filtering
/// (`numFeasibleNodesToFind`): all of them in a small cluster, an adaptive share of a large one
/// (50% minus 1% per 125 nodes, at least 5%, at least 100 nodes).
pub fn feasible_nodes_to_find(total: usize) -> usize {
    if total < 100 {
        return total;
    }
    let pct = (50 - total as i64 / 125).max(5) as usize;
    (total * pct / 100).max(100)
}

/// The best feasible node: fewest pods of the same owner (spreading replicas), then fewest pods,
/// then a per-pod tie-break so equal nodes are not always taken in name order.
fn pick<'a>(ctx: &Ctx, pod: &Pod, feasible: &[&'a NodeSlot]) -> Option<&'a str> {
    let siblings = pod.metadata.controller().and_then(|owner| ctx.store.siblings_by_node(&owner.uid));
    let seed = crate::rng::fnv32a(pod.metadata.uid.as_str().as_bytes());
    feasible
        .iter()
        .min_by_key(|n| {
            (
                siblings.and_then(|s| s.get(n.name.as_str())).copied().unwrap_or(0),
                n.requested.pods,
                crate::rng::fnv32a_more(seed, n.name.as_bytes()) & 0xffff,
            )
        })
        .map(|n| n.name.as_str())
}
