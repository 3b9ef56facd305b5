//! The Deployment controller: keeps one ReplicaSet per pod template (named by the template's hash)
//! at the desired size, scales the old ones down, and reports status.

use crate::api::meta::{Condition, IntOrString, OwnerReference, Time, condition, set_condition};
use crate::api::workload::{DeploymentStatus, ReplicaSetSpec};
use crate::api::{Deployment, Kind, ObjectKey, ObjectMeta, ReplicaSet, Resource};
use crate::controllers::{Ctx, EventDraft, Op, reference};
use crate::rng::{fnv32a, safe_encode};

pub const POD_TEMPLATE_HASH: &str = "pod-template-hash";
pub const REVISION: &str = "deployment.kubernetes.io/revision";
const DESIRED_REPLICAS: &str = "deployment.kubernetes.io/desired-replicas";
const MAX_REPLICAS: &str = "deployment.kubernetes.io/max-replicas";
const COMPONENT: &str = "deployment-controller";

pub fn reconcile(ctx: &Ctx, key: &ObjectKey) -> Vec<Op> {
    let Some(d) = ctx.store.get::<Deployment>(key) else { return Vec::new() };
    if d.metadata.is_terminating() {
        return Vec::new();
    }
    let desired = d.spec.replicas.unwrap_or(1).max(0);
    let hash = template_hash(d);
    let owned = owned_replicasets(ctx, d);
    let dref = reference(Kind::Deployment, &d.metadata);
    let paused = d.spec.paused == Some(true);
    let mut plan = Plan::new(&owned);
    let mut ops = Vec::new();
    let mut bump_revision = None;

    let existing_new = owned.iter().copied().find(|rs| rs.metadata.labels.get(POD_TEMPLATE_HASH) == Some(&hash));
    let max_revision = owned.iter().filter_map(|rs| revision(rs)).max().unwrap_or(0);
    let new_name = match existing_new {
        Some(rs) => {
            // A rollback makes an old ReplicaSet the new one again: it takes the next revision.
            if revision(rs).unwrap_or(0) < max_revision && !paused {
                bump_revision = Some(max_revision + 1);
            }
            Some(rs.metadata.name.clone())
        }
        None if paused => None,
        None => {
            // NewRSNewReplicas for a ReplicaSet that does not exist yet.
            let start = match strategy(d) {
                Strategy::Recreate => 0,
                Strategy::Rolling { surge, .. } => {
                    let total = plan.total();
                    (desired + surge - total).clamp(0, desired)
                }
            };
            let rs = new_replicaset(d, &hash, start, max_revision + 1);
            let name = rs.metadata.name.clone();
            plan.created(&name, start);
            ops.push(Op::Create(rs.into_object()));
            if start > 0 {
                ops.push(scaling_event(&dref, &name, 0, start));
            }
            Some(name)
        }
    };

    if !paused && let Some(new_name) = &new_name {
        let olds: Vec<&ReplicaSet> = owned.iter().copied().filter(|rs| &rs.metadata.name != new_name).collect();
        match strategy(d) {
            Strategy::Recreate => {
                for rs in &olds {
                    plan.set(&rs.metadata.name, 0);
                }
                // Only once every old pod is gone (terminating ones too: `oldPodsRunning`) does the
                // new ReplicaSet scale up.
                let old_pods = olds.iter().any(|rs| {
                    ctx.store
                        .dependents(&rs.metadata.uid)
                        .iter()
                        .filter(|r| r.kind == Kind::Pod)
                        .any(|r| ctx.store.get::<crate::api::Pod>(&r.key).is_some_and(|p| !p.is_terminal()))
                });
                if !old_pods {
                    plan.set(new_name, desired);
                }
            }
            Strategy::Rolling { surge, unavailable } => {
                rolling(&mut plan, new_name, &olds, existing_new, desired, surge, unavailable);
            }
        }
    } else if paused {
        // A paused Deployment still scales: the newest ReplicaSet follows spec.replicas.
        if let Some(rs) = existing_new.or_else(|| owned.last().copied()) {
            plan.set(&rs.metadata.name, desired);
        }
    }

    for rs in &owned {
        let (from, to) = (rs.spec.replicas.unwrap_or(1), plan.get(&rs.metadata.name));
        let bump = bump_revision.filter(|_| Some(&rs.metadata.name) == new_name.as_ref());
        if from == to && bump.is_none() {
            continue;
        }
        let mut rs2 = (*rs).clone();
        if let Some(r) = bump {
            rs2.metadata.annotations.insert(REVISION.into(), r.to_string());
        }
        if from != to {
            rs2.spec.replicas = Some(to);
            rs2.metadata.annotations.insert(DESIRED_REPLICAS.into(), desired.to_string());
            rs2.metadata.annotations.insert(MAX_REPLICAS.into(), (desired + max_surge(d, desired)).to_string());
            ops.push(scaling_event(&dref, &rs.metadata.name, from, to));
        }
        ops.push(Op::Update(rs2.into_object()));
    }

    // revisionHistoryLimit: the oldest scaled-down ReplicaSets beyond the limit go.
    let limit = d.spec.revision_history_limit.unwrap_or(10).max(0) as usize;
    let spent: Vec<&&ReplicaSet> = owned
        .iter()
        .filter(|rs| Some(&rs.metadata.name) != new_name.as_ref())
        .filter(|rs| plan.get(&rs.metadata.name) == 0 && rs.status.replicas == 0)
        .collect();
    if spent.len() > limit {
        let mut by_revision = spent.clone();
        by_revision.sort_by_key(|rs| revision(rs).unwrap_or(0));
        for rs in &by_revision[..spent.len() - limit] {
            ops.push(Op::Delete { kind: Kind::ReplicaSet, key: rs.key() });
        }
    }

    let new_rs = new_name.as_ref().and_then(|n| owned.iter().copied().find(|rs| &rs.metadata.name == n));
    let (status, wake) =
        compute_status(ctx, d, &owned, new_name.as_deref(), new_rs, desired, existing_new.is_none() && !paused);
    let new_revision = new_rs
        .and_then(revision)
        .map(|r| if r < max_revision { max_revision + 1 } else { r })
        .or(if existing_new.is_none() && !paused { Some(max_revision + 1) } else { None });
    let revision_changed = new_revision.is_some_and(|r| d.metadata.annotations.get(REVISION) != Some(&r.to_string()));
    if status != d.status || revision_changed {
        let mut d2 = d.clone();
        d2.status = status;
        if let Some(r) = new_revision {
            d2.metadata.annotations.insert(REVISION.into(), r.to_string());
        }
        ops.push(Op::Update(d2.into_object()));
    }
    if let Some(at) = wake {
        ops.push(Op::WakeAt(at, crate::controllers::Work::Deployment(key.clone())));
    }
    ops
}

enum Strategy {
    Recreate,
    Rolling { surge: i32, unavailable: i32 },
}

fn strategy(d: &Deployment) -> Strategy {
    let desired = d.spec.replicas.unwrap_or(1).max(0);
    if d.spec.strategy.type_ == "Recreate" {
        Strategy::Recreate
    } else {
        let surge = max_surge(d, desired);
        let mut unavailable = max_unavailable(d, desired);
        // Both zero would never make progress; the API refuses it, and ResolveFenceposts makes
        // maxUnavailable 1 should it happen.
        if surge == 0 && unavailable == 0 {
            unavailable = 1;
        }
        Strategy::Rolling { surge, unavailable }
    }
}

/// The replica counts the controller is about to set, starting from the current ones.
struct Plan {
    replicas: std::collections::BTreeMap<String, i32>,
}

impl Plan {
    fn new(owned: &[&ReplicaSet]) -> Plan {
        Plan { replicas: owned.iter().map(|rs| (rs.metadata.name.clone(), rs.spec.replicas.unwrap_or(1))).collect() }
    }
    fn created(&mut self, name: &str, n: i32) {
        self.replicas.insert(name.to_string(), n);
    }
    fn get(&self, name: &str) -> i32 {
        self.replicas.get(name).copied().unwrap_or(0)
    }
    fn set(&mut self, name: &str, n: i32) {
        self.replicas.insert(name.to_string(), n);
    }
    fn total(&self) -> i32 {
        self.replicas.values().sum()
    }
}

/// One step of a rolling update (`rolloutRolling`): scale the new ReplicaSet up within maxSurge,
/// else scale old ones down within maxUnavailable, unhealthy replicas first.
fn rolling(
    plan: &mut Plan,
    new_name: &str,
    olds: &[&ReplicaSet],
    new_rs: Option<&ReplicaSet>,
    desired: i32,
    surge: i32,
    unavailable: i32,
) {
    // reconcileNewReplicaSet
    let new_replicas = plan.get(new_name);
    if new_replicas > desired {
        plan.set(new_name, desired);
        return;
    }
    let max_total = desired + surge;
    let current_total = plan.total();
    if new_replicas < desired && current_total < max_total {
        let up = (max_total - current_total).min(desired - new_replicas);
        plan.set(new_name, new_replicas + up);
        return;
    }
    // reconcileOldReplicaSets
    let old_total: i32 = olds.iter().map(|rs| plan.get(&rs.metadata.name)).sum();
    if old_total == 0 {
        return;
    }
    let all_total = plan.total();
    let min_available = desired - unavailable;
    let new_available = new_rs.map_or(0, |rs| rs.status.available_replicas);
    let new_unavailable = (plan.get(new_name) - new_available).max(0);
    let mut max_scaled_down = all_total - min_available - new_unavailable;
    if max_scaled_down <= 0 {
        return;
    }
    // cleanupUnhealthyReplicas: old pods that are not available go first, at no cost in
    // availability.
    for rs in olds {
        if max_scaled_down == 0 {
            break;
        }
        let replicas = plan.get(&rs.metadata.name);
        let unhealthy = (replicas - rs.status.available_replicas).max(0);
        let down = unhealthy.min(max_scaled_down);
        if down > 0 {
            plan.set(&rs.metadata.name, replicas - down);
            max_scaled_down -= down;
        }
    }
    // scaleDownOldReplicaSetsForRollingUpdate: available old pods, while enough stay available.
    let available: i32 = olds.iter().map(|rs| rs.status.available_replicas).sum::<i32>() + new_available;
    if available <= min_available {
        return;
    }
    let mut to_scale = (available - min_available).min(max_scaled_down);
    for rs in olds {
        if to_scale <= 0 {
            break;
        }
        let replicas = plan.get(&rs.metadata.name);
        if replicas == 0 {
            continue;
        }
        let down = replicas.min(to_scale);
        plan.set(&rs.metadata.name, replicas - down);
        to_scale -= down;
    }
}

fn scaling_event(dref: &crate::api::meta::ObjectReference, rs: &str, from: i32, to: i32) -> Op {
    let dir = if to > from { "up" } else { "down" };
    Op::Event(EventDraft::normal(
        dref.clone(),
        COMPONENT,
        "ScalingReplicaSet",
        format!("Scaled {dir} replica set {rs} from {from} to {to}"),
    ))
}

fn revision(rs: &ReplicaSet) -> Option<i64> {
    rs.metadata.annotations.get(REVISION)?.parse().ok()
}

/// `controller.ComputeHash`: FNV-32a over the pod template, printed in decimal and mapped onto
/// the safe alphabet. The template is hashed as JSON with sorted keys, so equal templates give
/// equal hashes on every platform.
pub fn template_hash(d: &Deployment) -> String {
    let json = serde_json::to_vec(&d.spec.template).unwrap_or_default();
    safe_encode(&fnv32a(&json).to_string())
}

fn owned_replicasets<'a>(ctx: &Ctx<'a>, d: &Deployment) -> Vec<&'a ReplicaSet> {
    let mut rss: Vec<&ReplicaSet> = ctx
        .store
        .dependents(&d.metadata.uid)
        .into_iter()
        .filter(|r| r.kind == Kind::ReplicaSet)
        .filter_map(|r| ctx.store.get::<ReplicaSet>(&r.key))
        .filter(|rs| rs.metadata.controller().is_some_and(|c| c.uid == d.metadata.uid))
        .collect();
    // Oldest first, as the controller scales old ReplicaSets down in creation order.
    rss.sort_by(|a, b| {
        (a.metadata.creation_timestamp, &a.metadata.name).cmp(&(b.metadata.creation_timestamp, &b.metadata.name))
    });
    rss
}

/// `maxSurge` resolved against the replica count (25% by default, rounded up), as
/// `deploymentutil.MaxSurge` does.
fn max_surge(d: &Deployment, desired: i32) -> i32 {
    let v = d.spec.strategy.rolling_update.as_ref().and_then(|r| r.max_surge.clone());
    scaled(v.as_ref(), desired, true, 25)
}

/// `maxUnavailable` (25% by default, rounded down).
fn max_unavailable(d: &Deployment, desired: i32) -> i32 {
    if d.spec.strategy.type_ == "Recreate" {
        return desired;
    }
    let v = d.spec.strategy.rolling_update.as_ref().and_then(|r| r.max_unavailable.clone());
    scaled(v.as_ref(), desired, false, 25)
}

/// `intstr.GetScaledValueFromIntOrPercent`.
pub fn scaled(v: Option<&IntOrString>, total: i32, round_up: bool, default_pct: i32) -> i32 {
    let pct = |p: i32| {
        let x = i64::from(p) * i64::from(total);
        (if round_up { (x + 99) / 100 } else { x / 100 }) as i32
    };
    match v {
        None => pct(default_pct),
        Some(IntOrString::Int(n)) => *n,
        Some(IntOrString::String(s)) => s.strip_suffix('%').and_then(|n| n.parse().ok()).map_or(0, pct),
    }
}

fn new_replicaset(d: &Deployment, hash: &str, replicas: i32, revision: i64) -> ReplicaSet {
    let mut template = d.spec.template.clone();
    template.metadata.labels.insert(POD_TEMPLATE_HASH.into(), hash.into());
    let mut selector = d.spec.selector.clone();
    selector.match_labels.insert(POD_TEMPLATE_HASH.into(), hash.into());
    let mut labels = d.spec.template.metadata.labels.clone();
    labels.insert(POD_TEMPLATE_HASH.into(), hash.into());
    let mut annotations = std::collections::BTreeMap::new();
    annotations.insert(DESIRED_REPLICAS.into(), replicas.to_string());
    annotations.insert(MAX_REPLICAS.into(), (replicas + max_surge(d, replicas)).to_string());
    annotations.insert(REVISION.into(), revision.to_string());
    ReplicaSet {
        metadata: ObjectMeta {
            name: format!("{}-{hash}", d.metadata.name),
            namespace: d.metadata.namespace.clone(),
            labels,
            annotations,
            owner_references: vec![OwnerReference {
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                name: d.metadata.name.clone(),
                uid: d.metadata.uid.clone(),
                controller: Some(true),
                block_owner_deletion: Some(true),
            }],
            ..Default::default()
        },
        spec: ReplicaSetSpec {
            replicas: Some(replicas),
            min_ready_seconds: d.spec.min_ready_seconds,
            selector,
            template,
        },
        status: Default::default(),
    }
}

/// The Deployment's status from its ReplicaSets, with the Available and Progressing conditions;
/// and when to look again for the progress deadline (`progressDeadlineSeconds`).
fn compute_status(
    ctx: &Ctx,
    d: &Deployment,
    owned: &[&ReplicaSet],
    new_name: Option<&str>,
    new_rs: Option<&ReplicaSet>,
    desired: i32,
    just_created: bool,
) -> (DeploymentStatus, Option<crate::time::SimTime>) {
    let sum = |f: fn(&ReplicaSet) -> i32| owned.iter().map(|rs| f(rs)).sum::<i32>();
    let replicas = sum(|rs| rs.status.replicas);
    let ready = sum(|rs| rs.status.ready_replicas);
    let available = sum(|rs| rs.status.available_replicas);
    let updated = new_rs.map_or(0, |rs| rs.status.replicas);
    let mut conditions = d.status.conditions.clone();
    let now = Time(ctx.now);
    let min_available = desired - max_unavailable(d, desired);
    let is_available = available >= min_available;
    let mut avail = Condition::new("Available", is_available, ctx.now);
    if is_available {
        avail.reason = "MinimumReplicasAvailable".into();
        avail.message = "Deployment has minimum availability.".into();
    } else {
        avail.reason = "MinimumReplicasUnavailable".into();
        avail.message = "Deployment does not have minimum availability.".into();
    }
    avail.last_update_time = Some(now);
    upsert(&mut conditions, avail);

    let name = new_name.unwrap_or("");
    let deadline = crate::time::SimDuration::seconds(i64::from(d.spec.progress_deadline_seconds.unwrap_or(600).max(0)));
    let complete = new_rs.is_some() && updated == desired && replicas == desired && available == desired;
    let progressed = just_created
        || (replicas, updated, ready, available)
            != (d.status.replicas, d.status.updated_replicas, d.status.ready_replicas, d.status.available_replicas);
    let current = condition(&conditions, "Progressing").cloned();
    let mut wake = None;
    let mut set = |status: &str, reason: &str, message: String, touch: bool| {
        let mut c = Condition::new("Progressing", true, ctx.now);
        c.status = status.into();
        c.reason = reason.into();
        c.message = message;
        c.last_update_time = Some(now);
        match &current {
            Some(old) if !touch && old.status == c.status && old.reason == c.reason && old.message == c.message => {}
            Some(old) if old.status == c.status && old.reason == c.reason && old.message == c.message => {
                let mut kept = old.clone();
                kept.last_update_time = Some(now);
                crate::api::meta::set_condition(&mut conditions, kept);
            }
            _ => crate::api::meta::set_condition(&mut conditions, c),
        }
    };
    if d.spec.paused == Some(true) {
        set("Unknown", "DeploymentPaused", "Deployment is paused".into(), false);
    } else if complete {
        set("True", "NewReplicaSetAvailable", format!("ReplicaSet \"{name}\" has successfully progressed."), false);
    } else if just_created {
        set("True", "NewReplicaSetCreated", format!("Created new replica set \"{name}\""), true);
    } else if progressed {
        set("True", "ReplicaSetUpdated", format!("ReplicaSet \"{name}\" is progressing."), true);
    } else if current.as_ref().is_some_and(|c| c.reason != "ProgressDeadlineExceeded" && c.status == "True") {
        let since = current.as_ref().and_then(|c| c.last_update_time).map_or(ctx.now, |t| t.0);
        if ctx.now >= since + deadline {
            set(
                "False",
                "ProgressDeadlineExceeded",
                format!("ReplicaSet \"{name}\" has timed out progressing."),
                false,
            );
        } else {
            wake = Some(since + deadline);
        }
    }
    if !complete && wake.is_none() && progressed && d.spec.paused != Some(true) {
        wake = Some(ctx.now + deadline);
    }
    // Kubernetes lists Available before Progressing.
    conditions.sort_by_key(|c| if c.type_ == "Available" { 0 } else { 1 });
    let status = DeploymentStatus {
        observed_generation: d.metadata.generation,
        replicas,
        updated_replicas: updated,
        ready_replicas: ready,
        available_replicas: available,
        unavailable_replicas: (desired - available).max(0),
        conditions,
    };
    (status, wake)
}

/// Sets a condition, but leaves it untouched (timestamps included) when status, reason and
/// message are unchanged, so reconciling twice writes nothing the second time.
fn upsert(conds: &mut Vec<Condition>, new: Condition) {
    if let Some(c) = condition(conds, &new.type_)
        && c.status == new.status
        && c.reason == new.reason
        && c.message == new.message
    {
        return;
    }
    set_condition(conds, new);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `intstr.GetScaledValueFromIntOrPercent` with the Deployment defaults: 25% surge rounded
    /// up, 25% unavailable rounded down.
    #[test]
    fn surge_and_unavailable_defaults() {
        assert_eq!(scaled(None, 3, true, 25), 1);
        assert_eq!(scaled(None, 3, false, 25), 0);
        assert_eq!(scaled(None, 10, true, 25), 3);
        assert_eq!(scaled(None, 10, false, 25), 2);
        assert_eq!(scaled(Some(&IntOrString::String("50%".into())), 3, false, 25), 1);
        assert_eq!(scaled(Some(&IntOrString::Int(2)), 3, false, 25), 2);
    }

    #[test]
    fn template_hash_is_a_safe_label_value() {
        let d = Deployment::default();
        let h = template_hash(&d);
        assert!(!h.is_empty() && h.len() <= 10);
        assert!(crate::validation::label_value(&h).is_ok());
        let mut d2 = d.clone();
        d2.spec.template.metadata.labels.insert("app".into(), "x".into());
        assert_ne!(template_hash(&d2), h, "a different template gets a different hash");
    }
}
