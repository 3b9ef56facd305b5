//! The attach/detach controller: attaches a network disk to the nodes whose pods use it, and
//! detaches it when they no longer do. A ReadWriteOnce disk is attached to one node at a time, so a
//! pod elsewhere waits with a Multi-Attach error. When the node holding it is lost, the disk stays
//! attached until Kubernetes gives up waiting for the kubelet to unmount it: 6 minutes after the
//! pod was deleted (`maxWaitForUnmountDuration`), or at once if the node is tainted
//! `node.kubernetes.io/out-of-service` (non-graceful node shutdown).

use std::collections::BTreeMap;

use crate::api::node::TAINT_OUT_OF_SERVICE;
use crate::api::{Kind, Node, ObjectKey, PersistentVolume, PersistentVolumeClaim, Pod};
use crate::controllers::{Ctx, EventDraft, Op, Work, jitter, reference};
use crate::time::{SimDuration, SimTime};

const COMPONENT: &str = "attachdetach-controller";
/// `maxWaitForUnmountDuration`.
pub const MAX_WAIT_FOR_UNMOUNT: SimDuration = SimDuration::seconds(360);

/// Which disks are attached where.
#[derive(Clone, Debug, Default)]
pub struct State {
    /// volume name → node → the attachment.
    attached: BTreeMap<String, BTreeMap<String, Attachment>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attachment {
    /// Attached (true) or still attaching, done at `at`.
    pub done: bool,
    pub at: SimTime,
}

#[derive(Clone, Debug)]
pub enum Note {
    Attaching { volume: String, node: String, done_at: SimTime },
    Attached { volume: String, node: String },
    Detached { volume: String, node: String },
}

impl State {
    pub fn apply(&mut self, note: Note) {
        match note {
            Note::Attaching { volume, node, done_at } => {
                self.attached.entry(volume).or_default().insert(node, Attachment { done: false, at: done_at });
            }
            Note::Attached { volume, node } => {
                if let Some(a) = self.attached.entry(volume).or_default().get_mut(&node) {
                    a.done = true;
                }
            }
            Note::Detached { volume, node } => {
                if let Some(m) = self.attached.get_mut(&volume) {
                    m.remove(&node);
                    if m.is_empty() {
                        self.attached.remove(&volume);
                    }
                }
            }
        }
    }

    /// Whether `volume` is attached (not just attaching) to `node`.
    pub fn is_attached(&self, volume: &str, node: &str) -> bool {
        self.attached.get(volume).and_then(|m| m.get(node)).is_some_and(|a| a.done)
    }

    /// The nodes a volume is attached or attaching to.
    pub fn nodes(&self, volume: &str) -> Vec<String> {
        self.attached.get(volume).map(|m| m.keys().cloned().collect()).unwrap_or_default()
    }

    /// Forgets a deleted volume.
    pub fn forget(&mut self, volume: &str) {
        self.attached.remove(volume);
    }
}

/// A volume the controller attaches: a network disk (CSI). hostPath and local volumes live on
/// their node and are never attached.
pub fn attachable(pv: &PersistentVolume) -> bool {
    pv.spec.csi.is_some()
}

pub fn reconcile(ctx: &Ctx, claim: &ObjectKey) -> Vec<Op> {
    let Some(pvc) = ctx.store.get::<PersistentVolumeClaim>(claim) else { return Vec::new() };
    if pvc.spec.volume_name.is_empty() {
        return Vec::new();
    }
    let Some(pv) = ctx.store.get::<PersistentVolume>(&ObjectKey::cluster(pvc.spec.volume_name.as_str())) else {
        return Vec::new();
    };
    if !attachable(pv) {
        return Vec::new();
    }
    let volume = pv.metadata.name.clone();
    let exclusive = !pv.spec.access_modes.iter().any(|m| m == "ReadWriteMany" || m == "ReadOnlyMany");
    let users: Vec<&Pod> = ctx
        .store
        .list::<Pod>(Some(&claim.namespace))
        .filter(|p| !p.spec.node_name.is_empty() && !p.is_terminal())
        .filter(|p| {
            p.spec
                .volumes
                .iter()
                .any(|v| v.persistent_volume_claim.as_ref().is_some_and(|c| c.claim_name == claim.name))
        })
        .collect();
    let mut ops = Vec::new();
    let mut attached: Vec<String> = ctx.attach.nodes(&volume);

    // Detach from nodes that no longer need the disk.
    for node in attached.clone() {
        let on_node: Vec<&&Pod> = users.iter().filter(|p| p.spec.node_name == node).collect();
        let reachable =
            ctx.machines.get(&node).reachable() && ctx.store.get::<Node>(&ObjectKey::cluster(node.as_str())).is_some();
        let out_of_service = ctx
            .store
            .get::<Node>(&ObjectKey::cluster(node.as_str()))
            .is_some_and(|n| n.spec.taints.iter().any(|t| t.key == TAINT_OUT_OF_SERVICE));
        let needed = on_node.iter().any(|p| !p.metadata.is_terminating() || reachable);
        if needed && !(out_of_service && on_node.iter().all(|p| p.metadata.is_terminating())) {
            continue;
        }
        // Nothing on a healthy node needs it: the kubelet has unmounted it. On a lost node the
        // controller waits for the unmount that will not come, then forces the detach.
        if !reachable && !out_of_service && !on_node.is_empty() {
            let deleted_at = on_node
                .iter()
                .filter_map(|p| {
                    let t = p.metadata.deletion_timestamp?;
                    let grace = p.metadata.deletion_grace_period_seconds.unwrap_or(0);
                    Some(SimTime(t.0.0 - grace * 1000))
                })
                .max()
                .unwrap_or(ctx.now);
            let force_at = deleted_at + MAX_WAIT_FOR_UNMOUNT;
            if ctx.now < force_at {
                ops.push(Op::WakeAt(force_at, Work::AttachDetach(claim.clone())));
                continue;
            }
            ops.push(Op::Event(EventDraft::warning(
                reference(Kind::PersistentVolume, &pv.metadata),
                COMPONENT,
                "ForceDetach",
                format!(
                    "Volume {volume} was force-detached from {node} after {} of waiting for it to be unmounted",
                    "6m0s"
                ),
            )));
        }
        ops.push(Op::Volumes(Note::Detached { volume: volume.clone(), node: node.clone() }));
        attached.retain(|n| n != &node);
    }

    // Attach to nodes whose pods need it.
    let mut wanted: Vec<&str> =
        users.iter().filter(|p| !p.metadata.is_terminating()).map(|p| p.spec.node_name.as_str()).collect();
    wanted.sort();
    wanted.dedup();
    for node in wanted {
        let pods_here: Vec<&&Pod> = users.iter().filter(|p| p.spec.node_name == node).collect();
        match ctx.attach.attached.get(&volume).and_then(|m| m.get(node)) {
            Some(a) if a.done => {}
            Some(a) => {
                if ctx.now >= a.at {
                    ops.push(Op::Volumes(Note::Attached { volume: volume.clone(), node: node.to_string() }));
                    for p in &pods_here {
                        ops.push(Op::Event(EventDraft::normal(
                            reference(Kind::Pod, &p.metadata),
                            COMPONENT,
                            "SuccessfulAttachVolume",
                            format!("AttachVolume.Attach succeeded for volume \"{volume}\""),
                        )));
                        ops.push(Op::Requeue(Work::Kubelet(ObjectKey::of(&p.metadata))));
                    }
                } else {
                    ops.push(Op::WakeAt(a.at, Work::AttachDetach(claim.clone())));
                }
            }
            None => {
                let elsewhere: Vec<&String> = attached.iter().filter(|n| n.as_str() != node).collect();
                if exclusive && !elsewhere.is_empty() {
                    for p in &pods_here {
                        ops.push(Op::Event(EventDraft::warning(
                            reference(Kind::Pod, &p.metadata),
                            COMPONENT,
                            "FailedAttachVolume",
                            format!(
                                "Multi-Attach error for volume \"{volume}\" Volume is already exclusively attached to one node and can't be attached to another"
                            ),
                        )));
                    }
                    continue;
                }
                let done_at = ctx.now + SimDuration(i64::from(1000 + jitter(&pv.metadata.uid, node, 2000)));
                ops.push(Op::Volumes(Note::Attaching { volume: volume.clone(), node: node.to_string(), done_at }));
                ops.push(Op::WakeAt(done_at, Work::AttachDetach(claim.clone())));
                attached.push(node.to_string());
            }
        }
    }
    ops
}
