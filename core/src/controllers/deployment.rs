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
    let mut ops = Vec::new();
    let desired = d.spec.replicas.unwrap_or(1);
    let hash = template_hash(d);
    let owned = owned_replicasets(ctx, d);
    let new_rs = owned.iter().copied().find(|rs| rs.metadata.labels.get(POD_TEMPLATE_HASH) == Some(&hash));
    let dref = reference(Kind::Deployment, &d.metadata);

    let new_rs_name = match new_rs {
        None => {
            let rs = new_replicaset(d, &hash, desired, next_revision(&owned));
            let name = rs.metadata.name.clone();
            ops.push(Op::Create(rs.into_object()));
            if desired > 0 {
                ops.push(Op::Event(EventDraft::normal(
                    dref.clone(),
                    COMPONENT,
                    "ScalingReplicaSet",
                    format!("Scaled up replica set {name} from 0 to {desired}"),
                )));
            }
            name
        }
        Some(rs) => {
            let current = rs.spec.replicas.unwrap_or(1);
            if current != desired {
                let mut rs2 = rs.clone();
                rs2.spec.replicas = Some(desired);
                rs2.metadata.annotations.insert(DESIRED_REPLICAS.into(), desired.to_string());
                rs2.metadata.annotations.insert(MAX_REPLICAS.into(), (desired + max_surge(d, desired)).to_string());
                ops.push(Op::Update(rs2.into_object()));
                let dir = if desired > current { "up" } else { "down" };
                ops.push(Op::Event(EventDraft::normal(
                    dref.clone(),
                    COMPONENT,
                    "ScalingReplicaSet",
                    format!("Scaled {dir} replica set {} from {current} to {desired}", rs.metadata.name),
                )));
            }
            rs.metadata.name.clone()
        }
    };

    for rs in owned.iter().filter(|rs| rs.metadata.name != new_rs_name) {
        let current = rs.spec.replicas.unwrap_or(1);
        if current > 0 {
            let mut rs2 = (*rs).clone();
            rs2.spec.replicas = Some(0);
            ops.push(Op::Update(rs2.into_object()));
            ops.push(Op::Event(EventDraft::normal(
                dref.clone(),
                COMPONENT,
                "ScalingReplicaSet",
                format!("Scaled down replica set {} from {current} to 0", rs.metadata.name),
            )));
        }
    }

    let status = compute_status(ctx, d, &owned, &new_rs_name, desired);
    if status != d.status {
        let mut d2 = d.clone();
        d2.status = status;
        ops.push(Op::Update(d2.into_object()));
    }
    ops
}

/// `controller.ComputeHash`: FNV-32a over the pod template, printed in decimal and mapped onto
/// the safe alphabet. The template is hashed as JSON with sorted keys, so equal templates give
/// equal hashes on every platform.
pub fn template_hash(d: &Deployment) -> String {
    let json = serde_json::to_vec(&d.spec.template).unwrap_or_default();
    safe_encode(&fnv32a(&json).to_string())
}

fn owned_replicasets<'a>(ctx: &Ctx<'a>, d: &Deployment) -> Vec<&'a ReplicaSet> {
    ctx.store
        .dependents(&d.metadata.uid)
        .into_iter()
        .filter(|r| r.kind == Kind::ReplicaSet)
        .filter_map(|r| ctx.store.get::<ReplicaSet>(&r.key))
        .filter(|rs| rs.metadata.controller().is_some_and(|c| c.uid == d.metadata.uid))
        .collect()
}

fn next_revision(owned: &[&ReplicaSet]) -> i64 {
    owned.iter().filter_map(|rs| rs.metadata.annotations.get(REVISION)?.parse::<i64>().ok()).max().unwrap_or(0) + 1
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

fn compute_status(ctx: &Ctx, d: &Deployment, owned: &[&ReplicaSet], new_name: &str, desired: i32) -> DeploymentStatus {
    let sum = |f: fn(&ReplicaSet) -> i32| owned.iter().map(|rs| f(rs)).sum::<i32>();
    let replicas = sum(|rs| rs.status.replicas);
    let ready = sum(|rs| rs.status.ready_replicas);
    let available = sum(|rs| rs.status.available_replicas);
    let updated = owned.iter().find(|rs| rs.metadata.name == new_name).map_or(0, |rs| rs.status.replicas);
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
    let complete = updated == desired && replicas == desired && available == desired;
    let mut progressing = Condition::new("Progressing", true, ctx.now);
    if complete {
        progressing.reason = "NewReplicaSetAvailable".into();
        progressing.message = format!("ReplicaSet \"{new_name}\" has successfully progressed.");
    } else {
        progressing.reason = "ReplicaSetUpdated".into();
        progressing.message = format!("ReplicaSet \"{new_name}\" is progressing.");
    }
    progressing.last_update_time = Some(now);
    upsert(&mut conditions, progressing);
    // Kubernetes lists Available before Progressing.
    conditions.sort_by_key(|c| if c.type_ == "Available" { 0 } else { 1 });
    DeploymentStatus {
        observed_generation: d.metadata.generation,
        replicas,
        updated_replicas: updated,
        ready_replicas: ready,
        available_replicas: available,
        unavailable_replicas: (desired - available).max(0),
        conditions,
    }
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
