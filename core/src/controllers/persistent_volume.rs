//! The PersistentVolume controller: binds claims to volumes (capacity at least the request, access
//! modes a superset, the same class and volume mode, the smallest that fits), provisions volumes
//! for classes that have a provisioner (at once for `Immediate`, once a pod using the claim is
//! scheduled for `WaitForFirstConsumer`), and reclaims volumes whose claim is gone (Delete removes
//! them with their data, Retain keeps them Released).

use std::collections::BTreeMap;

use crate::api::meta::ObjectReference;
use crate::api::quantity::Quantity;
use crate::api::storage::{PersistentVolumeSpec, PersistentVolumeStatus};
use crate::api::{Kind, ObjectKey, ObjectMeta, PersistentVolume, PersistentVolumeClaim, Resource, StorageClass};
use crate::apiserver::{FINALIZER_PV_PROTECTION, FINALIZER_PVC_PROTECTION};
use crate::controllers::{Ctx, EventDraft, Op, reference};

const COMPONENT: &str = "persistentvolume-controller";
pub const DEFAULT_CLASS_ANNOTATION: &str = "storageclass.kubernetes.io/is-default-class";
pub const SELECTED_NODE: &str = "volume.kubernetes.io/selected-node";
const BIND_COMPLETED: &str = "pv.kubernetes.io/bind-completed";
const BOUND_BY_CONTROLLER: &str = "pv.kubernetes.io/bound-by-controller";
const PROVISIONED_BY: &str = "pv.kubernetes.io/provisioned-by";

pub fn reconcile_claim(ctx: &Ctx, key: &ObjectKey) -> Vec<Op> {
    let Some(pvc) = ctx.store.get::<PersistentVolumeClaim>(key) else { return Vec::new() };
    if pvc.metadata.is_terminating() {
        return claim_protection(ctx, pvc);
    }
    let cref = reference(Kind::PersistentVolumeClaim, &pvc.metadata);

    // Already bound: keep the status in step, or notice the volume is gone.
    if !pvc.spec.volume_name.is_empty() {
        let pv = ctx.store.get::<PersistentVolume>(&ObjectKey::cluster(pvc.spec.volume_name.as_str()));
        let mut p2 = pvc.clone();
        match pv {
            Some(pv) if pv.spec.claim_ref.as_ref().is_none_or(|r| r.uid == pvc.metadata.uid) => {
                p2.status.phase = "Bound".into();
                p2.status.access_modes = pv.spec.access_modes.clone();
                p2.status.capacity = pv.spec.capacity.clone();
                let mut ops = Vec::new();
                if pv.spec.claim_ref.is_none() {
                    ops.push(bind_volume(pv, pvc));
                }
                if p2 != *pvc {
                    ops.push(Op::Update(p2.into_object()));
                }
                return ops;
            }
            _ => {
                p2.status.phase = "Lost".into();
                if p2 == *pvc {
                    return Vec::new();
                }
                return vec![
                    Op::Update(p2.into_object()),
                    Op::Event(EventDraft::warning(
                        cref,
                        COMPONENT,
                        "ClaimLost",
                        "Bound claim has lost its PersistentVolume. Data on the volume is lost!".into(),
                    )),
                ];
            }
        }
    }

    let class_name = pvc.spec.storage_class_name.clone().unwrap_or_default();
    let class = (!class_name.is_empty())
        .then(|| ctx.store.get::<StorageClass>(&ObjectKey::cluster(class_name.as_str())))
        .flatten();
    if let Some(pv) = best_match(ctx, pvc, &class_name) {
        let mut p2 = pvc.clone();
        p2.spec.volume_name = pv.metadata.name.clone();
        p2.status.phase = "Bound".into();
        p2.status.access_modes = pv.spec.access_modes.clone();
        p2.status.capacity = pv.spec.capacity.clone();
        p2.metadata.annotations.insert(BIND_COMPLETED.into(), "yes".into());
        p2.metadata.annotations.insert(BOUND_BY_CONTROLLER.into(), "yes".into());
        return vec![bind_volume(pv, pvc), Op::Update(p2.into_object())];
    }

    let mut ops = Vec::new();
    let pending = |reason: &str, msg: String| -> Vec<Op> {
        let mut ops = Vec::new();
        let mut p2 = pvc.clone();
        p2.status.phase = "Pending".into();
        if p2 != *pvc {
            ops.push(Op::Update(p2.into_object()));
        }
        // Said on every sync, as the controller does; the recorder counts repeats.
        ops.push(Op::Event(EventDraft::normal(cref.clone(), COMPONENT, reason, msg)));
        ops
    };
    match class {
        Some(sc) if !sc.provisioner.is_empty() && sc.provisioner != "kubernetes.io/no-provisioner" => {
            let wait = sc.volume_binding_mode == "WaitForFirstConsumer";
            if wait && !pvc.metadata.annotations.contains_key(SELECTED_NODE) {
                return pending(
                    "WaitForFirstConsumer",
                    "waiting for first consumer to be created before binding".into(),
                );
            }
            let pv = provision(pvc, sc);
            let pv_name = pv.metadata.name.clone();
            ops.push(Op::Event(EventDraft::normal(
                cref.clone(),
                COMPONENT,
                "ExternalProvisioning",
                format!("Waiting for a volume to be created either by the external provisioner '{}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.", sc.provisioner),
            )));
            ops.push(Op::Event(EventDraft::normal(
                cref.clone(),
                "podscape-network-disk-provisioner",
                "Provisioning",
                format!(
                    "External provisioner is provisioning volume for claim \"{}/{}\"",
                    pvc.metadata.namespace, pvc.metadata.name
                ),
            )));
            ops.push(Op::Create(pv.into_object()));
            ops.push(Op::Event(EventDraft::normal(
                cref,
                "podscape-network-disk-provisioner",
                "ProvisioningSucceeded",
                format!("Successfully provisioned volume {pv_name}"),
            )));
            ops
        }
        Some(_) => pending(
            "FailedBinding",
            "no persistent volumes available for this claim and no storage class is set".into(),
        ),
        None if class_name.is_empty() => pending(
            "FailedBinding",
            "no persistent volumes available for this claim and no storage class is set".into(),
        ),
        None => pending("ProvisioningFailed", format!("storageclass.storage.k8s.io \"{class_name}\" not found")),
    }
}

/// The pvc-protection controller: a claim being deleted keeps its finalizer while a pod scheduled
/// to a node names it (`podUsesPVC`), so a running pod never loses its volume; then it goes.
fn claim_protection(ctx: &Ctx, pvc: &PersistentVolumeClaim) -> Vec<Op> {
    if !pvc.metadata.finalizers.iter().any(|f| f == FINALIZER_PVC_PROTECTION) {
        return Vec::new();
    }
    let in_use = ctx.store.list::<crate::api::Pod>(Some(&pvc.metadata.namespace)).any(|p| {
        !p.spec.node_name.is_empty()
            && p.spec
                .volumes
                .iter()
                .any(|v| v.persistent_volume_claim.as_ref().is_some_and(|c| c.claim_name == pvc.metadata.name))
    });
    if in_use {
        return Vec::new();
    }
    let mut p2 = pvc.clone();
    p2.metadata.finalizers.retain(|f| f != FINALIZER_PVC_PROTECTION);
    vec![Op::Update(p2.into_object())]
}

/// The pv-protection controller: a volume being deleted keeps its finalizer while it is Bound.
fn volume_protection(pv: &PersistentVolume) -> Vec<Op> {
    if pv.status.phase == "Bound" || !pv.metadata.finalizers.iter().any(|f| f == FINALIZER_PV_PROTECTION) {
        return Vec::new();
    }
    let mut v = pv.clone();
    v.metadata.finalizers.retain(|f| f != FINALIZER_PV_PROTECTION);
    vec![Op::Update(v.into_object())]
}

/// Writes the claim into the volume (`claimRef`), marking it Bound.
fn bind_volume(pv: &PersistentVolume, pvc: &PersistentVolumeClaim) -> Op {
    let mut v = pv.clone();
    v.spec.claim_ref = Some(ObjectReference {
        api_version: "v1".into(),
        kind: "PersistentVolumeClaim".into(),
        namespace: pvc.metadata.namespace.clone(),
        name: pvc.metadata.name.clone(),
        uid: pvc.metadata.uid.clone(),
        ..Default::default()
    });
    v.status.phase = "Bound".into();
    v.metadata.annotations.insert(BIND_COMPLETED.into(), "yes".into());
    Op::Update(v.into_object())
}

/// The volume binding rules (`findMatchingVolume`): Available (or pre-bound to this claim), same
/// class, same volume mode, access modes a superset of the claim's, capacity at least the request,
/// matching the claim's selector; the smallest such volume.
pub fn best_match<'a>(ctx: &Ctx<'a>, pvc: &PersistentVolumeClaim, class: &str) -> Option<&'a PersistentVolume> {
    let want = pvc.spec.resources.requests.get("storage").and_then(Quantity::value).unwrap_or(0);
    let mode = |m: &str| if m.is_empty() { "Filesystem".to_string() } else { m.to_string() };
    let selector = pvc.spec.selector.as_ref().and_then(|s| crate::labels::Selector::from_label_selector(s).ok());
    ctx.store
        .list::<PersistentVolume>(None)
        .filter(|pv| !pv.metadata.is_terminating())
        .filter(|pv| match &pv.spec.claim_ref {
            None => pv.status.phase == "Available" || pv.status.phase.is_empty(),
            Some(r) => {
                r.name == pvc.metadata.name
                    && r.namespace == pvc.metadata.namespace
                    && (r.uid.is_empty() || r.uid == pvc.metadata.uid)
            }
        })
        .filter(|pv| pvc.spec.volume_name.is_empty() || pv.metadata.name == pvc.spec.volume_name)
        .filter(|pv| pv.spec.storage_class_name == class)
        .filter(|pv| mode(&pv.spec.volume_mode) == mode(&pvc.spec.volume_mode))
        .filter(|pv| pvc.spec.access_modes.iter().all(|m| pv.spec.access_modes.contains(m)))
        .filter(|pv| pv.spec.capacity.get("storage").and_then(Quantity::value).unwrap_or(0) >= want)
        .filter(|pv| selector.as_ref().is_none_or(|s| s.matches(&pv.metadata.labels)))
        .min_by_key(|pv| {
            (pv.spec.capacity.get("storage").and_then(Quantity::value).unwrap_or(0), pv.metadata.name.clone())
        })
}

/// A new network disk for the claim, as a CSI provisioner would make it.
fn provision(pvc: &PersistentVolumeClaim, sc: &StorageClass) -> PersistentVolume {
    let name = format!("pvc-{}", pvc.metadata.uid.as_str());
    let mut capacity = BTreeMap::new();
    capacity.insert(
        "storage".to_string(),
        pvc.spec.resources.requests.get("storage").cloned().unwrap_or(Quantity("1Gi".into())),
    );
    let mut annotations = BTreeMap::new();
    annotations.insert(PROVISIONED_BY.to_string(), sc.provisioner.clone());
    PersistentVolume {
        metadata: ObjectMeta {
            name: name.clone(),
            annotations,
            finalizers: vec![FINALIZER_PV_PROTECTION.into()],
            ..Default::default()
        },
        spec: PersistentVolumeSpec {
            capacity,
            access_modes: if pvc.spec.access_modes.is_empty() {
                vec!["ReadWriteOnce".into()]
            } else {
                pvc.spec.access_modes.clone()
            },
            persistent_volume_reclaim_policy: if sc.reclaim_policy.is_empty() {
                "Delete".into()
            } else {
                sc.reclaim_policy.clone()
            },
            storage_class_name: sc.metadata.name.clone(),
            volume_mode: if pvc.spec.volume_mode.is_empty() {
                "Filesystem".into()
            } else {
                pvc.spec.volume_mode.clone()
            },
            claim_ref: Some(ObjectReference {
                api_version: "v1".into(),
                kind: "PersistentVolumeClaim".into(),
                namespace: pvc.metadata.namespace.clone(),
                name: pvc.metadata.name.clone(),
                uid: pvc.metadata.uid.clone(),
                ..Default::default()
            }),
            csi: Some(serde_json::json!({"driver": sc.provisioner, "volumeHandle": name, "fsType": "ext4"})),
            ..Default::default()
        },
        status: PersistentVolumeStatus { phase: "Bound".into(), ..Default::default() },
    }
}

pub fn reconcile_volume(ctx: &Ctx, key: &ObjectKey) -> Vec<Op> {
    let Some(pv) = ctx.store.get::<PersistentVolume>(key) else { return Vec::new() };
    if pv.metadata.is_terminating() {
        return volume_protection(pv);
    }
    let vref = reference(Kind::PersistentVolume, &pv.metadata);
    let claim_alive = pv.spec.claim_ref.as_ref().is_some_and(|r| {
        ctx.store
            .get::<PersistentVolumeClaim>(&ObjectKey::new(r.namespace.as_str(), r.name.as_str()))
            .is_some_and(|c| r.uid.is_empty() || c.metadata.uid == r.uid)
    });
    let phase = match (&pv.spec.claim_ref, claim_alive) {
        (None, _) => "Available",
        (Some(_), true) => "Bound",
        (Some(_), false) if pv.status.phase == "Failed" => "Failed",
        (Some(_), false) if pv.status.phase == "Bound" || pv.status.phase == "Released" => "Released",
        (Some(_), false) => pv.status.phase.as_str(),
    };
    if pv.status.phase != phase {
        let mut v = pv.clone();
        v.status.phase = phase.to_string();
        v.status.last_phase_transition_time = Some(crate::api::meta::Time(ctx.now));
        return vec![Op::Update(v.into_object())];
    }
    if phase == "Released" && pv.spec.persistent_volume_reclaim_policy == "Delete" {
        // Only a plugin that can delete the storage can honour Delete: the provisioner for its
        // own disks, the hostPath deleter for paths under /tmp (`hostPathDeleter`); anything
        // else fails and keeps its data (`deleteVolumeOperation`).
        let failure = match (&pv.spec.csi, &pv.spec.host_path) {
            (Some(_), _) => None,
            (None, Some(hp)) if hp.path.starts_with("/tmp/") && hp.path.len() > 5 => None,
            (None, Some(hp)) => {
                Some(format!("host_path deleter only supports /tmp/.+ but received provided {}", hp.path))
            }
            (None, None) => Some(format!(
                "error getting deleter volume plugin for volume \"{}\": no deletable volume plugin matched",
                pv.metadata.name
            )),
        };
        if let Some(message) = failure {
            if pv.status.phase == "Failed" {
                return Vec::new();
            }
            let mut v = pv.clone();
            v.status.phase = "Failed".into();
            v.status.message = message.clone();
            v.status.last_phase_transition_time = Some(crate::api::meta::Time(ctx.now));
            return vec![
                Op::Update(v.into_object()),
                Op::Event(EventDraft::warning(vref, COMPONENT, "VolumeFailedDelete", message)),
            ];
        }
        return vec![
            Op::Delete { kind: Kind::PersistentVolume, key: key.clone() },
            Op::Event(EventDraft::normal(
                vref,
                COMPONENT,
                "VolumeDelete",
                format!("Deleted volume {} and its data", pv.metadata.name),
            )),
        ];
    }
    Vec::new()
}
