//! The StatefulSet controller, after pkg/controller/statefulset (`updateStatefulSet`): pods with
//! stable names (`web-0`, `web-1`…) and one PersistentVolumeClaim each from the claim templates,
//! kept when the pod goes.
//!
//! - Its pods are the ones it owns plus orphans of its selector whose names are its own
//!   (`web-2` left by `kubectl delete sts web --cascade=orphan` is adopted again).
//! - Each template is a ControllerRevision (`web-<hash>`, numbered); the pods carry the revision
//!   they were made from (`controller-revision-hash`). `status.currentRevision` is the revision
//!   the set last finished rolling out, `updateRevision` the template's.
//! - `OrderedReady` (the default) creates pods in ordinal order, each waiting for the one before
//!   to be Running and Ready, and removes the condemned from the highest ordinal, one at a time;
//!   `Parallel` does both at once. Updates go in order either way.
//! - `RollingUpdate` replaces pods from the highest ordinal down to `partition`, one at a time,
//!   each waiting for the one before to be healthy. A pod below the partition that is deleted
//!   comes back at the current revision; `OnDelete` replaces none, and a deleted pod comes back
//!   at the update revision.
//! - A pod that is Terminating is never replaced until it is gone: two pods must never hold one
//!   identity.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::api::meta::OwnerReference;
use crate::api::pod::PodTemplateSpec;
use crate::api::storage::{PersistentVolumeClaimVolumeSource, Volume};
use crate::api::workload::StatefulSetStatus;
use crate::api::{ControllerRevision, Kind, ObjectKey, ObjectMeta, PersistentVolumeClaim, Pod, Resource, StatefulSet};
use crate::controllers::{Ctx, EventDraft, Op, reference};
use crate::labels::Selector;
use crate::rng::{fnv32a, safe_encode};

const COMPONENT: &str = "statefulset-controller";
pub const REVISION_LABEL: &str = "controller-revision-hash";
pub const POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";
const POD_INDEX_LABEL: &str = "apps.kubernetes.io/pod-index";
/// How many old revisions a set keeps unless `revisionHistoryLimit` says.
const DEFAULT_HISTORY: i32 = 10;

pub fn reconcile(ctx: &Ctx, key: &ObjectKey) -> Vec<Op> {
    let Some(ss) = ctx.store.get::<StatefulSet>(key) else { return Vec::new() };
    if ss.metadata.is_terminating() {
        return Vec::new();
    }
    let mut ops = Vec::new();
    let pods = claim_pods(ctx, ss, &mut ops);
    let revisions = revisions_of(ctx, ss);
    let update = revision_name(ss);
    let next_number = revisions.iter().map(|r| r.revision).max().unwrap_or(0) + 1;
    match revisions.iter().find(|r| r.metadata.name == update) {
        None => ops.push(Op::Create(new_revision(ss, &update, next_number).into_object())),
        // A template that comes back (a rollback, a patch undone) is the newest revision again.
        Some(r) if r.revision != next_number - 1 => {
            let mut r2 = ControllerRevision::clone(r);
            r2.revision = next_number;
            ops.push(Op::Update(r2.into_object()));
        }
        Some(_) => {}
    }
    let current = if revisions.iter().any(|r| r.metadata.name == ss.status.current_revision) {
        ss.status.current_revision.clone()
    } else {
        update.clone()
    };
    let current_template = revisions
        .iter()
        .find(|r| r.metadata.name == current)
        .and_then(template_of)
        .unwrap_or_else(|| ss.spec.template.clone());
    let versions = Versions { current: &current, current_template: &current_template, update: &update };
    let step = step(ctx, ss, &pods, &versions);
    ops.extend(step);
    ops.extend(status_update(ss, &pods, &current, &update));
    ops.extend(trim_history(ss, &revisions, &current, &update));
    ops
}

/// The two templates a set can make pods from.
struct Versions<'a> {
    current: &'a str,
    current_template: &'a PodTemplateSpec,
    update: &'a str,
}

/// The pods the set manages: those it owns that its selector still matches, and orphans of its
/// selector whose names are its own, adopted (`ClaimPods` with `isMemberOf`). An owned pod the
/// selector no longer matches is released.
fn claim_pods<'a>(ctx: &Ctx<'a>, ss: &'a StatefulSet, ops: &mut Vec<Op>) -> BTreeMap<usize, &'a Pod> {
    let sel = Selector::from_label_selector(&ss.spec.selector).ok().filter(|s| !s.is_empty());
    let name = &ss.metadata.name;
    let mut pods = BTreeMap::new();
    for r in ctx.store.dependents(&ss.metadata.uid).into_iter().filter(|r| r.kind == Kind::Pod) {
        let Some(p) = ctx.store.get::<Pod>(&r.key) else { continue };
        if p.metadata.controller().is_none_or(|c| c.uid != ss.metadata.uid) {
            continue;
        }
        if sel.as_ref().is_some_and(|s| s.matches(&p.metadata.labels)) {
            if let Some(i) = ordinal(name, &p.metadata.name) {
                pods.insert(i, p);
            }
        } else {
            let mut released = p.clone();
            released.metadata.owner_references.retain(|o| o.uid != ss.metadata.uid);
            ops.push(Op::Update(released.into_object()));
        }
    }
    let Some(sel) = sel else { return pods };
    for p in ctx.store.orphan_pods(&ss.metadata.namespace) {
        let Some(i) = ordinal(name, &p.metadata.name) else { continue };
        if p.metadata.is_terminating() || !sel.matches(&p.metadata.labels) || pods.contains_key(&i) {
            continue;
        }
        let mut adopted = p.clone();
        adopted.metadata.owner_references.push(owner_ref(ss));
        ops.push(Op::Update(adopted.into_object()));
        pods.insert(i, p);
    }
    pods
}

fn owner_ref(ss: &StatefulSet) -> OwnerReference {
    OwnerReference {
        api_version: "apps/v1".into(),
        kind: "StatefulSet".into(),
        name: ss.metadata.name.clone(),
        uid: ss.metadata.uid.clone(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// The set's ControllerRevisions, oldest first.
fn revisions_of<'a>(ctx: &Ctx<'a>, ss: &StatefulSet) -> Vec<&'a ControllerRevision> {
    let mut revs: Vec<&ControllerRevision> = ctx
        .store
        .dependents(&ss.metadata.uid)
        .into_iter()
        .filter(|r| r.kind == Kind::ControllerRevision)
        .filter_map(|r| ctx.store.get::<ControllerRevision>(&r.key))
        .collect();
    revs.sort_by_key(|r| (r.revision, r.metadata.name.clone()));
    revs
}

/// The name of the revision of the set's template now: `web-<hash>`.
pub fn revision_name(ss: &StatefulSet) -> String {
    let json = serde_json::to_vec(&ss.spec.template).unwrap_or_default();
    format!("{}-{}", ss.metadata.name, safe_encode(&fnv32a(&json).to_string()))
}

/// A revision records the patch that restores its template, as the controller writes it.
fn new_revision(ss: &StatefulSet, name: &str, number: i64) -> ControllerRevision {
    let mut template = serde_json::to_value(&ss.spec.template).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut template {
        m.insert("$patch".into(), Value::String("replace".into()));
    }
    let mut labels = ss.spec.template.metadata.labels.clone();
    labels.insert(REVISION_LABEL.into(), name.to_string());
    ControllerRevision {
        metadata: ObjectMeta {
            name: name.to_string(),
            namespace: ss.metadata.namespace.clone(),
            labels,
            owner_references: vec![owner_ref(ss)],
            ..Default::default()
        },
        data: serde_json::json!({"spec": {"template": template}}),
        revision: number,
    }
}

/// The template a revision restores.
pub fn template_of(r: &&ControllerRevision) -> Option<PodTemplateSpec> {
    let mut t = r.data.get("spec")?.get("template")?.clone();
    if let Value::Object(m) = &mut t {
        m.remove("$patch");
    }
    serde_json::from_value(t).ok()
}

/// Running and Ready, and not on its way out: what `OrderedReady` waits for.
fn healthy(p: &Pod) -> bool {
    p.status.phase == "Running" && p.is_ready() && !p.metadata.is_terminating()
}

/// One pass of `updateStatefulSet`: create, delete or replace what the set needs next.
fn step(ctx: &Ctx, ss: &StatefulSet, pods: &BTreeMap<usize, &Pod>, v: &Versions) -> Vec<Op> {
    let name = &ss.metadata.name;
    let ns = &ss.metadata.namespace;
    let replicas = ss.spec.replicas.unwrap_or(1).max(0) as usize;
    let monotonic = ss.spec.pod_management_policy != "Parallel";
    let sref = reference(Kind::StatefulSet, &ss.metadata);
    let event = |reason: &str, msg: String| Op::Event(EventDraft::normal(sref.clone(), COMPONENT, reason, msg));
    let mut ops = Vec::new();
    for i in 0..replicas {
        match pods.get(&i) {
            None => {
                ops.extend(missing_claims(ctx, ss, i, &event));
                ops.push(Op::Create(versioned_pod(ss, i, v).into_object()));
                ops.push(event("SuccessfulCreate", format!("create Pod {name}-{i} in StatefulSet {name} successful")));
                if monotonic {
                    return ops;
                }
            }
            // A pod that ended is made again (after it is gone: never two with one identity).
            Some(p) if p.is_terminal() && !p.metadata.is_terminating() => {
                ops.push(Op::Delete { kind: Kind::Pod, key: p.key() });
                ops.push(Op::Event(EventDraft::warning(
                    sref.clone(),
                    COMPONENT,
                    "RecreatingFailedPod",
                    format!("StatefulSet {ns}/{name} is recreating failed Pod {}", p.metadata.name),
                )));
                if monotonic {
                    return ops;
                }
            }
            Some(p) if monotonic && !healthy(p) => return ops,
            Some(_) => {}
        }
    }
    // Scale down: the condemned, highest ordinal first.
    let condemned: Vec<&&Pod> = pods.range(replicas..).map(|(_, p)| p).rev().collect();
    for p in condemned {
        if p.metadata.is_terminating() {
            if monotonic {
                return ops;
            }
            continue;
        }
        ops.push(Op::Delete { kind: Kind::Pod, key: p.key() });
        ops.push(event("SuccessfulDelete", format!("delete Pod {} in StatefulSet {name} successful", p.metadata.name)));
        if monotonic {
            return ops;
        }
    }
    if !ops.is_empty() {
        return ops;
    }
    // Updates, from the highest ordinal down to the partition, one at a time.
    let (rolling, partition) = strategy(ss);
    if !rolling {
        return ops;
    }
    for i in (partition.min(replicas)..replicas).rev() {
        let Some(p) = pods.get(&i) else { return ops };
        if revision(p) != v.update && !p.metadata.is_terminating() {
            ops.push(Op::Delete { kind: Kind::Pod, key: p.key() });
            ops.push(event(
                "SuccessfulDelete",
                format!("delete Pod {} in StatefulSet {name} successful", p.metadata.name),
            ));
            return ops;
        }
        if !healthy(p) {
            return ops;
        }
    }
    ops
}

/// `(RollingUpdate?, partition)` from `spec.updateStrategy`.
pub fn strategy(ss: &StatefulSet) -> (bool, usize) {
    let s = ss.spec.update_strategy.as_ref();
    let kind = s.and_then(|s| s.get("type")).and_then(Value::as_str).unwrap_or("RollingUpdate");
    let partition = s
        .and_then(|s| s.get("rollingUpdate"))
        .and_then(|r| r.get("partition"))
        .and_then(Value::as_i64)
        .unwrap_or(0)
        .max(0) as usize;
    (kind == "RollingUpdate", partition)
}

fn revision(p: &Pod) -> &str {
    p.metadata.labels.get(REVISION_LABEL).map_or("", String::as_str)
}

/// The pod for ordinal `i` (`newVersionedStatefulSetPod`): under `RollingUpdate`, an ordinal
/// below the partition is made from the current revision's template; otherwise from the
/// update revision's.
fn versioned_pod(ss: &StatefulSet, i: usize, v: &Versions) -> Pod {
    let (rolling, partition) = strategy(ss);
    if rolling && i < partition {
        let mut current = ss.clone();
        current.spec.template = v.current_template.clone();
        new_pod(&current, i, v.current)
    } else {
        new_pod(ss, i, v.update)
    }
}

/// The claims pod `i` needs that do not exist yet (a claim outlives its pod, and is reused).
fn missing_claims(ctx: &Ctx, ss: &StatefulSet, i: usize, event: &dyn Fn(&str, String) -> Op) -> Vec<Op> {
    let name = &ss.metadata.name;
    let mut ops = Vec::new();
    for claim in claims_for(ss, i) {
        if ctx.store.get::<PersistentVolumeClaim>(&claim.key()).is_some() {
            continue;
        }
        ops.push(event(
            "SuccessfulCreate",
            format!("create Claim {} Pod {name}-{i} in StatefulSet {name} success", claim.metadata.name),
        ));
        ops.push(Op::Create(claim.into_object()));
    }
    ops
}

fn status_update(ss: &StatefulSet, pods: &BTreeMap<usize, &Pod>, current: &str, update: &str) -> Option<Op> {
    let live: Vec<&&Pod> = pods.values().filter(|p| !p.is_terminal()).collect();
    let count = |f: &dyn Fn(&Pod) -> bool| live.iter().filter(|p| f(p)).count() as i32;
    let mut status = StatefulSetStatus {
        observed_generation: ss.metadata.generation,
        replicas: live.len() as i32,
        ready_replicas: count(&|p| p.is_ready()),
        current_replicas: count(&|p| revision(p) == current),
        updated_replicas: count(&|p| revision(p) == update),
        available_replicas: count(&|p| p.is_ready()),
        current_revision: current.to_string(),
        update_revision: update.to_string(),
    };
    // `completeRollingUpdate`: once every pod runs the update revision and is ready, that
    // revision is the current one.
    let want = ss.spec.replicas.unwrap_or(1);
    if strategy(ss).0
        && status.updated_replicas == status.replicas
        && status.ready_replicas == want
        && status.replicas == want
    {
        status.current_revision = update.to_string();
        status.current_replicas = status.updated_replicas;
    }
    (status != ss.status).then(|| {
        let mut s2 = ss.clone();
        s2.status = status;
        Op::Update(s2.into_object())
    })
}

/// Old revisions beyond `revisionHistoryLimit` go, oldest first, never the current or update one.
fn trim_history(ss: &StatefulSet, revisions: &[&ControllerRevision], current: &str, update: &str) -> Vec<Op> {
    let limit = ss.spec.revision_history_limit.unwrap_or(DEFAULT_HISTORY).max(0) as usize;
    let old: Vec<&&ControllerRevision> =
        revisions.iter().filter(|r| r.metadata.name != current && r.metadata.name != update).collect();
    let excess = old.len().saturating_sub(limit);
    old.into_iter().take(excess).map(|r| Op::Delete { kind: Kind::ControllerRevision, key: r.key() }).collect()
}

/// `web-3` → 3, for pods of StatefulSet `web`.
pub fn ordinal(set: &str, pod: &str) -> Option<usize> {
    let n = pod.strip_prefix(set)?.strip_prefix('-')?;
    if n.is_empty() || (n.len() > 1 && n.starts_with('0')) {
        return None;
    }
    n.parse().ok()
}

/// The claims pod `i` gets from the claim templates: `<template>-<set>-<i>`.
fn claims_for(ss: &StatefulSet, i: usize) -> Vec<PersistentVolumeClaim> {
    ss.spec
        .volume_claim_templates
        .iter()
        .map(|t| {
            let mut c = t.clone();
            let mut labels = t.metadata.labels.clone();
            labels.extend(ss.spec.selector.match_labels.clone());
            c.metadata = ObjectMeta {
                name: format!("{}-{}-{i}", t.metadata.name, ss.metadata.name),
                namespace: ss.metadata.namespace.clone(),
                labels,
                annotations: t.metadata.annotations.clone(),
                ..Default::default()
            };
            c.status = Default::default();
            c
        })
        .collect()
}

/// The pod's volumes: one per claim template (named for it, replacing a template volume of the
/// same name), then the template's others, as `updateStorage` builds them. Without an ordinal
/// the claim names are the templates' own (for validating the template).
pub fn with_claims(ss: &StatefulSet, volumes: &[Volume], ordinal: Option<usize>) -> Vec<Volume> {
    let templates = &ss.spec.volume_claim_templates;
    let mut out: Vec<Volume> = templates
        .iter()
        .map(|claim| Volume {
            name: claim.metadata.name.clone(),
            persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                claim_name: match ordinal {
                    Some(i) => format!("{}-{}-{i}", claim.metadata.name, ss.metadata.name),
                    None => claim.metadata.name.clone(),
                },
                read_only: false,
            }),
            ..Default::default()
        })
        .collect();
    out.extend(volumes.iter().filter(|v| !templates.iter().any(|t| t.metadata.name == v.name)).cloned());
    out
}

fn new_pod(ss: &StatefulSet, i: usize, revision: &str) -> Pod {
    let t = &ss.spec.template;
    let name = format!("{}-{i}", ss.metadata.name);
    let mut labels = t.metadata.labels.clone();
    labels.insert(REVISION_LABEL.into(), revision.to_string());
    labels.insert(POD_NAME_LABEL.into(), name.clone());
    labels.insert(POD_INDEX_LABEL.into(), i.to_string());
    let mut spec = t.spec.clone();
    spec.hostname = name.clone();
    spec.subdomain = ss.spec.service_name.clone();
    spec.volumes = with_claims(ss, &spec.volumes, Some(i));
    Pod {
        metadata: ObjectMeta {
            name,
            namespace: ss.metadata.namespace.clone(),
            labels,
            annotations: t.metadata.annotations.clone(),
            owner_references: vec![owner_ref(ss)],
            ..Default::default()
        },
        spec,
        status: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals_are_the_sets_own() {
        assert_eq!(ordinal("web", "web-3"), Some(3));
        assert_eq!(ordinal("web", "web-03"), None);
        assert_eq!(ordinal("web", "webby-3"), None);
        assert_eq!(ordinal("web", "web-"), None);
    }
}
