//! The ReplicaSet controller: counts the active pods it owns and creates or deletes pods until
//! the count matches `spec.replicas`; reports status.

use crate::api::meta::OwnerReference;
use crate::api::meta::condition;
use crate::api::workload::ReplicaSetStatus;
use crate::api::{Kind, ObjectKey, ObjectMeta, Pod, ReplicaSet, Resource};
use crate::controllers::{Ctx, EventDraft, Op, Work, reference};
use crate::labels::Selector;
use crate::time::SimDuration;

const COMPONENT: &str = "replicaset-controller";
/// `controller.SlowStartInitialBatchSize` aside, a bound on pods created in one sync keeps one
/// reconcile's cost bounded; the next sync creates the rest.
const BURST: usize = 500;

pub fn reconcile(ctx: &Ctx, key: &ObjectKey) -> Vec<Op> {
    let Some(rs) = ctx.store.get::<ReplicaSet>(key) else { return Vec::new() };
    if rs.metadata.is_terminating() {
        return Vec::new();
    }
    let rsref = reference(Kind::ReplicaSet, &rs.metadata);
    let mut ops = Vec::new();
    let pods = claim_pods(ctx, rs, &mut ops);
    let active: Vec<&Pod> = pods.iter().copied().filter(|p| p.is_active()).collect();
    let desired = rs.spec.replicas.unwrap_or(1).max(0) as usize;

    if active.len() < desired {
        for _ in 0..(desired - active.len()).min(BURST) {
            ops.push(Op::CreatePod { pod: Box::new(pod_from_template(rs)), by: rsref.clone() });
        }
    } else if active.len() > desired {
        let mut victims = active.clone();
        victims.sort_by_key(|p| deletion_rank(p));
        for p in victims.into_iter().take(active.len() - desired) {
            ops.push(Op::Delete { kind: Kind::Pod, key: p.key() });
            ops.push(Op::Event(EventDraft::normal(
                rsref.clone(),
                COMPONENT,
                "SuccessfulDelete",
                format!("Deleted pod: {}", p.metadata.name),
            )));
        }
    }

    let template_selector = Selector::from_map(&rs.spec.template.metadata.labels);
    let ready: Vec<&&Pod> = active.iter().filter(|p| p.is_ready()).collect();
    // A pod is available once it has been ready for minReadySeconds (`podutil.IsPodAvailable`).
    let min_ready = SimDuration::seconds(i64::from(rs.spec.min_ready_seconds.unwrap_or(0).max(0)));
    let ready_since = |p: &Pod| {
        condition(&p.status.conditions, "Ready").and_then(|c| c.last_transition_time).map_or(ctx.now, |t| t.0)
    };
    let available = ready.iter().filter(|p| ready_since(p) + min_ready <= ctx.now).count() as i32;
    if let Some(next) = ready.iter().map(|p| ready_since(p) + min_ready).filter(|t| *t > ctx.now).min() {
        ops.push(Op::WakeAt(next, Work::ReplicaSet(key.clone())));
    }
    let status = ReplicaSetStatus {
        replicas: active.len() as i32,
        fully_labeled_replicas: active.iter().filter(|p| template_selector.matches(&p.metadata.labels)).count() as i32,
        ready_replicas: ready.len() as i32,
        available_replicas: available,
        observed_generation: rs.metadata.generation,
    };
    if status != rs.status {
        let mut rs2 = rs.clone();
        rs2.status = status;
        ops.push(Op::Update(rs2.into_object()));
    }
    ops
}

/// The pods this ReplicaSet counts, as the controller-ref manager claims them (`ClaimPods`):
/// its own pods that still match its selector; it releases those whose labels no longer match
/// (so they run on, unmanaged, and a replacement is made) and adopts orphans that match.
fn claim_pods<'a>(ctx: &Ctx<'a>, rs: &ReplicaSet, ops: &mut Vec<Op>) -> Vec<&'a Pod> {
    let Ok(selector) = Selector::from_label_selector(&rs.spec.selector) else { return Vec::new() };
    let mut claimed = Vec::new();
    for p in owned_pods(ctx, rs) {
        if selector.matches(&p.metadata.labels) {
            claimed.push(p);
        } else if !p.metadata.is_terminating() {
            let mut released = p.clone();
            released.metadata.owner_references.retain(|o| o.uid != rs.metadata.uid);
            ops.push(Op::Update(released.into_object()));
        }
    }
    let orphans: Vec<ObjectKey> = ctx
        .store
        .orphan_pods(&rs.metadata.namespace)
        .filter(|p| selector.matches(&p.metadata.labels))
        .filter(|p| p.metadata.controller().is_none() && !p.metadata.is_terminating() && p.is_active())
        .map(|p| p.key())
        .collect();
    for p in orphans.iter().filter_map(|k| ctx.store.get::<Pod>(k)) {
        let mut adopted = p.clone();
        adopted.metadata.owner_references.push(owner_ref(rs));
        ops.push(Op::Update(adopted.into_object()));
        claimed.push(p);
    }
    claimed
}

fn owner_ref(rs: &ReplicaSet) -> OwnerReference {
    OwnerReference {
        api_version: "apps/v1".into(),
        kind: "ReplicaSet".into(),
        name: rs.metadata.name.clone(),
        uid: rs.metadata.uid.clone(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

fn owned_pods<'a>(ctx: &Ctx<'a>, rs: &ReplicaSet) -> Vec<&'a Pod> {
    ctx.store
        .dependent_refs(&rs.metadata.uid)
        .into_iter()
        .filter(|r| r.kind == Kind::Pod)
        .filter_map(|r| ctx.store.get::<Pod>(&r.key))
        .collect()
}

/// `controller.ActivePods` ordering, most deletable first: unscheduled before scheduled, pending
/// before running, not ready before ready, then the newest first.
fn deletion_rank(p: &Pod) -> (bool, u8, bool, std::cmp::Reverse<Option<crate::api::meta::Time>>, String) {
    let phase = match p.status.phase.as_str() {
        "Pending" | "" => 0,
        "Unknown" => 1,
        _ => 2,
    };
    (
        !p.spec.node_name.is_empty(),
        phase,
        p.is_ready(),
        std::cmp::Reverse(p.metadata.creation_timestamp),
        p.metadata.name.clone(),
    )
}

fn pod_from_template(rs: &ReplicaSet) -> Pod {
    let t = &rs.spec.template;
    Pod {
        metadata: ObjectMeta {
            generate_name: format!("{}-", rs.metadata.name),
            namespace: rs.metadata.namespace.clone(),
            labels: t.metadata.labels.clone(),
            annotations: t.metadata.annotations.clone(),
            owner_references: vec![owner_ref(rs)],
            ..Default::default()
        },
        spec: t.spec.clone(),
        status: Default::default(),
    }
}
