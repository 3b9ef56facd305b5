//! The node lifecycle controller, with the kubelet's side of node status: a node whose kubelet
//! stops renewing its heartbeat is marked Unknown after `--node-monitor-grace-period` (50 s since
//! Kubernetes 1.32), tainted `node.kubernetes.io/unreachable` (NoSchedule, and NoExecute for
//! taint-based eviction), and its pods are marked not ready, which takes them out of the
//! endpoints. When the kubelet is heard from again the node turns Ready and the taints go.
//! A cordoned node (`spec.unschedulable`) carries the `node.kubernetes.io/unschedulable` taint
//! (TaintNodesByCondition).

use crate::api::meta::{Condition, Time, condition, set_condition};
use crate::api::node::{TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE, Taint};
use crate::api::{Kind, Node, ObjectKey, Pod, Resource};
use crate::controllers::{Ctx, EventDraft, Op, Work, reference};
use crate::time::SimDuration;

/// `--node-monitor-grace-period`, 50 s since Kubernetes 1.32 (kubernetes/kubernetes#126287).
pub const NODE_MONITOR_GRACE: SimDuration = SimDuration::seconds(50);

const CONDITIONS: [&str; 4] = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"];

pub fn reconcile(ctx: &Ctx, key: &ObjectKey) -> Vec<Op> {
    let Some(node) = ctx.store.get::<Node>(key) else { return Vec::new() };
    let machine = ctx.machines.get(&node.metadata.name);
    let nref = reference(Kind::Node, &node.metadata);
    let ready_status = condition(&node.status.conditions, "Ready").map(|c| c.status.clone()).unwrap_or_default();
    let mut n2 = node.clone();
    let mut ops = Vec::new();

    match machine.lost_contact_at() {
        Some(since) => {
            let deadline = since + NODE_MONITOR_GRACE;
            if ctx.now < deadline {
                return vec![Op::WakeAt(deadline, Work::NodeLifecycle(key.clone()))];
            }
            if ready_status != "Unknown" {
                for t in CONDITIONS {
                    let mut c = Condition::new(t, false, ctx.now);
                    c.status = "Unknown".into();
                    c.reason = "NodeStatusUnknown".into();
                    c.message = "Kubelet stopped posting node status.".into();
                    c.last_heartbeat_time = condition(&node.status.conditions, t).and_then(|c| c.last_heartbeat_time);
                    set_condition(&mut n2.status.conditions, c);
                }
                ops.push(Op::Event(EventDraft::normal(
                    nref.clone(),
                    "node-controller",
                    "NodeNotReady",
                    format!("Node {} status is now: NodeNotReady", node.metadata.name),
                )));
                // MarkPodsNotReady: the node cannot vouch for its pods any more.
                for pod in ctx.store.pods_on_node(&node.metadata.name) {
                    if let Some(op) = mark_not_ready(ctx, pod) {
                        ops.push(op);
                        ops.push(Op::Event(EventDraft::warning(
                            reference(Kind::Pod, &pod.metadata),
                            "node-controller",
                            "NodeNotReady",
                            "Node is not ready".into(),
                        )));
                    }
                }
            }
            for effect in ["NoSchedule", "NoExecute"] {
                if !n2.has_taint(TAINT_UNREACHABLE, effect) {
                    n2.spec
                        .taints
                        .push(Taint { time_added: Some(Time(ctx.now)), ..Taint::new(TAINT_UNREACHABLE, effect) });
                }
            }
        }
        None => {
            if ready_status != "True" {
                let mut ready = Condition::new("Ready", true, ctx.now);
                ready.reason = "KubeletReady".into();
                ready.message = "kubelet is posting ready status".into();
                ready.last_heartbeat_time = Some(Time(ctx.now));
                set_condition(&mut n2.status.conditions, ready);
                for (t, reason, message) in [
                    ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                    ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                    ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                ] {
                    let mut c = Condition::new(t, false, ctx.now);
                    c.reason = reason.into();
                    c.message = message.into();
                    c.last_heartbeat_time = Some(Time(ctx.now));
                    set_condition(&mut n2.status.conditions, c);
                }
                ops.push(Op::Event(
                    EventDraft::normal(
                        nref.clone(),
                        "kubelet",
                        "NodeReady",
                        format!("Node {} status is now: NodeReady", node.metadata.name),
                    )
                    .on_host(&node.metadata.name),
                ));
            }
            n2.spec.taints.retain(|t| t.key != TAINT_UNREACHABLE && t.key != TAINT_NOT_READY);
        }
    }

    let has_unschedulable = n2.has_taint(TAINT_UNSCHEDULABLE, "NoSchedule");
    if n2.is_unschedulable() && !has_unschedulable {
        n2.spec.taints.push(Taint { time_added: Some(Time(ctx.now)), ..Taint::new(TAINT_UNSCHEDULABLE, "NoSchedule") });
    } else if !n2.is_unschedulable() && has_unschedulable {
        n2.spec.taints.retain(|t| t.key != TAINT_UNSCHEDULABLE);
    }

    if n2 != *node {
        ops.insert(0, Op::Update(n2.into_object()));
    }
    ops
}

fn mark_not_ready(ctx: &Ctx, pod: &Pod) -> Option<Op> {
    if pod.is_terminal() || !pod.is_ready() {
        return None;
    }
    let mut p = pod.clone();
    set_condition(&mut p.status.conditions, Condition::new("Ready", false, ctx.now));
    Some(Op::Update(p.into_object()))
}
