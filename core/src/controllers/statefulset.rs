//! The StatefulSet controller: pods with stable names (`web-0`, `web-1`…), created in order, each
//! waiting for the one before to be Running and Ready (`OrderedReady`, the default), removed from
//! the highest ordinal down; one PersistentVolumeClaim per pod and claim template, kept when the
//! pod goes. A pod that is Terminating is never replaced until it is gone: two pods must never
//! hold one identity, so a pod on a lost node keeps its name until that node returns, is deleted,
//! or is tainted out-of-service.

use std::collections::BTreeMap;

use crate::api::meta::OwnerReference;
use crate::api::storage::{PersistentVolumeClaimVolumeSource, Volume};
use crate::api::workload::StatefulSetStatus;
use crate::api::{Kind, ObjectKey, ObjectMeta, PersistentVolumeClaim, Pod, Resource, StatefulSet};
use crate::controllers::{Ctx, EventDraft, Op, reference};
use crate::rng::{fnv32a, safe_encode};

const COMPONENT: &str = "statefulset-controller";
pub const REVISION_LABEL: &str = "controller-revision-hash";
pub const POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";
const POD_INDEX_LABEL: &str = "apps.kubernetes.io/pod-index";

pub fn reconcile(ctx: &Ctx, key: &ObjectKey) -> Vec<Op> {
    let Some(ss) = ctx.store.get::<StatefulSet>(key) else { return Vec::new() };
    if ss.metadata.is_terminating() {
        return Vec::new();
    }
    let name = &ss.metadata.name;
    let ns = &ss.metadata.namespace;
    let replicas = ss.spec.replicas.unwrap_or(1).max(0) as usize;
    let revision = revision(ss);
    let parallel = ss.spec.pod_management_policy == "Parallel";
    let sref = reference(Kind::StatefulSet, &ss.metadata);
    let owned: BTreeMap<usize, &Pod> = ctx
        .store
        .dependents(&ss.metadata.uid)
        .into_iter()
        .filter(|r| r.kind == Kind::Pod)
        .filter_map(|r| ctx.store.get::<Pod>(&r.key))
        .filter_map(|p| ordinal(name, &p.metadata.name).map(|i| (i, p)))
        .collect();
    let ready = |p: &Pod| p.status.phase == "Running" && p.is_ready() && !p.metadata.is_terminating();
    let mut ops = Vec::new();

    'create: for i in 0..replicas {
        match owned.get(&i) {
            None => {
                for claim in claims_for(ss, i) {
                    let ck = ObjectKey::new(ns.as_str(), claim.metadata.name.as_str());
                    if ctx.store.get::<PersistentVolumeClaim>(&ck).is_none() {
                        ops.push(Op::Event(EventDraft::normal(
                            sref.clone(),
                            COMPONENT,
                            "SuccessfulCreate",
                            format!(
                                "create Claim {} Pod {name}-{i} in StatefulSet {name} success",
                                claim.metadata.name
                            ),
                        )));
                        ops.push(Op::Create(claim.into_object()));
                    }
                }
                ops.push(Op::Create(new_pod(ss, i, &revision).into_object()));
                ops.push(Op::Event(EventDraft::normal(
                    sref.clone(),
                    COMPONENT,
                    "SuccessfulCreate",
                    format!("create Pod {name}-{i} in StatefulSet {name} successful"),
                )));
                if !parallel {
                    break 'create;
                }
            }
            // Never two pods with one identity: wait until the old one is gone.
            Some(p) if p.metadata.is_terminating() => {
                if !parallel {
                    break 'create;
                }
            }
            Some(p) if p.status.phase == "Failed" => {
                ops.push(Op::Delete { kind: Kind::Pod, key: p.key() });
                ops.push(Op::Event(EventDraft::normal(
                    sref.clone(),
                    COMPONENT,
                    "RecreatingFailedPod",
                    format!("StatefulSet {ns}/{name} is recreating failed Pod {}", p.metadata.name),
                )));
                if !parallel {
                    break 'create;
                }
            }
            Some(p) if !ready(p) && !parallel => break 'create,
            Some(_) => {}
        }
    }

    let all_ready = (0..replicas).all(|i| owned.get(&i).is_some_and(|p| ready(p)));
    if ops.is_empty() && (all_ready || parallel) {
        // Scale down from the highest ordinal, one at a time.
        let condemned: Vec<&&Pod> =
            owned.range(replicas..).map(|(_, p)| p).filter(|p| !p.metadata.is_terminating()).collect();
        let waiting = owned.range(replicas..).any(|(_, p)| p.metadata.is_terminating());
        if let Some(p) = condemned.last().filter(|_| parallel || !waiting) {
            ops.push(Op::Delete { kind: Kind::Pod, key: p.key() });
            ops.push(Op::Event(EventDraft::normal(
                sref.clone(),
                COMPONENT,
                "SuccessfulDelete",
                format!("delete Pod {} in StatefulSet {name} successful", p.metadata.name),
            )));
        } else if condemned.is_empty() && !waiting {
            // A rolling update, from the highest ordinal down: one pod at a time is replaced.
            if let Some(p) = (0..replicas)
                .rev()
                .filter_map(|i| owned.get(&i))
                .find(|p| p.metadata.labels.get(REVISION_LABEL) != Some(&revision))
            {
                ops.push(Op::Delete { kind: Kind::Pod, key: p.key() });
                ops.push(Op::Event(EventDraft::normal(
                    sref.clone(),
                    COMPONENT,
                    "SuccessfulDelete",
                    format!("delete Pod {} in StatefulSet {name} successful", p.metadata.name),
                )));
            }
        }
    }

    let live: Vec<&&Pod> = owned.values().filter(|p| !p.is_terminal()).collect();
    let count = |f: &dyn Fn(&Pod) -> bool| live.iter().filter(|p| f(p)).count() as i32;
    let updated = count(&|p| p.metadata.labels.get(REVISION_LABEL) == Some(&revision));
    let status = StatefulSetStatus {
        observed_generation: ss.metadata.generation,
        replicas: live.len() as i32,
        ready_replicas: count(&|p| p.is_ready()),
        current_replicas: updated,
        updated_replicas: updated,
        available_replicas: count(&|p| p.is_ready()),
        current_revision: revision.clone(),
        update_revision: revision,
    };
    if status != ss.status {
        let mut s2 = ss.clone();
        s2.status = status;
        ops.push(Op::Update(s2.into_object()));
    }
    ops
}

/// `web-3` → 3, for pods of StatefulSet `web`.
pub fn ordinal(set: &str, pod: &str) -> Option<usize> {
    pod.strip_prefix(set)?.strip_prefix('-')?.parse().ok()
}

/// The ControllerRevision name the pods of this template carry.
fn revision(ss: &StatefulSet) -> String {
    let json = serde_json::to_vec(&ss.spec.template).unwrap_or_default();
    format!("{}-{}", ss.metadata.name, safe_encode(&fnv32a(&json).to_string()))
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
            owner_references: vec![OwnerReference {
                api_version: "apps/v1".into(),
                kind: "StatefulSet".into(),
                name: ss.metadata.name.clone(),
                uid: ss.metadata.uid.clone(),
                controller: Some(true),
                block_owner_deletion: Some(true),
            }],
            ..Default::default()
        },
        spec,
        status: Default::default(),
    }
}
