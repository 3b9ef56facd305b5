//! The scheduler: binds each unscheduled pod to a feasible node, spreading a workload's replicas
//! (fewest siblings first, then the least loaded node), as the default scheduler's
//! PodTopologySpread and resource-balancing scores do.

use std::collections::BTreeMap;

use crate::api::meta::{Condition, condition};
use crate::api::{Kind, Node, ObjectKey, Pod, Resource};
use crate::controllers::{Ctx, EventDraft, Op, jitter, reference};

const COMPONENT: &str = "default-scheduler";

pub fn reconcile(ctx: &Ctx, key: &ObjectKey) -> Vec<Op> {
    let Some(pod) = ctx.store.get::<Pod>(key) else { return Vec::new() };
    if !pod.spec.node_name.is_empty() || pod.metadata.is_terminating() || pod.is_terminal() {
        return Vec::new();
    }
    let nodes: Vec<&Node> = ctx.store.list::<Node>(None).collect();
    let mut rejections: BTreeMap<String, usize> = BTreeMap::new();
    let feasible: Vec<&Node> = nodes
        .iter()
        .copied()
        .filter(|n| match why_not(pod, n) {
            None => true,
            Some(reason) => {
                *rejections.entry(reason).or_default() += 1;
                false
            }
        })
        .collect();
    let pref = reference(Kind::Pod, &pod.metadata);

    let Some(node) = pick(ctx, pod, &feasible) else {
        let mut message = format!("0/{} nodes are available", nodes.len());
        if !rejections.is_empty() {
            let parts: Vec<String> = rejections.iter().map(|(r, n)| format!("{n} {r}")).collect();
            message.push_str(": ");
            message.push_str(&parts.join(", "));
        }
        message.push_str(&format!(
            ". preemption: 0/{n} nodes are available: {n} Preemption is not helpful for scheduling.",
            n = nodes.len()
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
    vec![
        Op::Bind { pod: key.clone(), node: node.metadata.name.clone() },
        Op::Event(EventDraft::normal(
            pref,
            COMPONENT,
            "Scheduled",
            format!("Successfully assigned {}/{} to {}", pod.metadata.namespace, pod.metadata.name, node.metadata.name),
        )),
    ]
}

/// Why `node` cannot take `pod`, in the scheduler's words, or None when it can.
fn why_not(pod: &Pod, node: &Node) -> Option<String> {
    if !node.is_ready() {
        return Some("node(s) had untolerated taint {node.kubernetes.io/not-ready: }".into());
    }
    if node.is_unschedulable() {
        return Some("node(s) were unschedulable".into());
    }
    let selector_ok = pod.spec.node_selector.iter().all(|(k, v)| node.metadata.labels.get(k) == Some(v));
    if !selector_ok {
        return Some("node(s) didn't match Pod's node affinity/selector".into());
    }
    None
}

/// The best feasible node: fewest pods of the same owner (spreading replicas), then fewest pods,
/// then a per-pod tie-break so equal nodes are not always taken in name order.
fn pick<'a>(ctx: &Ctx, pod: &Pod, feasible: &[&'a Node]) -> Option<&'a Node> {
    let mut siblings: BTreeMap<String, usize> = BTreeMap::new();
    if let Some(owner) = pod.metadata.controller() {
        let deps = ctx.store.dependents(&owner.uid);
        for d in deps.iter().filter(|d| d.kind == Kind::Pod) {
            if let Some(p) = ctx.store.get::<Pod>(&d.key)
                && p.is_active()
                && !p.spec.node_name.is_empty()
            {
                *siblings.entry(p.spec.node_name.clone()).or_default() += 1;
            }
        }
    }
    feasible.iter().copied().min_by_key(|n| {
        let name = n.metadata.name.as_str();
        (
            siblings.get(name).copied().unwrap_or(0),
            ctx.store.pod_count_on_node(name),
            jitter(&pod.metadata.uid, name, 1 << 16),
        )
    })
}
