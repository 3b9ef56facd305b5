//! Informer routing: after every write, decides which controllers must look at which keys. This
//! is what makes controllers level-triggered yet cheap: a pod's change wakes its ReplicaSet, the
//! services that select it (found through the selector index) and its kubelet, nothing else.

use std::collections::BTreeSet;

use crate::Cluster;
use crate::api::discovery::LABEL_SERVICE_NAME;
use crate::api::{Kind, Object, ObjectKey, ReplicaSet};
use crate::controllers::Work;

/// Whether a pod's update changes what its endpoints show (`podEndpointsChanged` in
/// pkg/controller/util/endpoint, plus the terminal phase that removes it).
fn pod_endpoints_changed(a: &crate::api::Pod, b: &crate::api::Pod) -> bool {
    a.metadata.labels != b.metadata.labels
        || a.status.pod_ip != b.status.pod_ip
        || a.status.pod_ips != b.status.pod_ips
        || a.is_ready() != b.is_ready()
        || a.spec.node_name != b.spec.node_name
        || a.metadata.deletion_timestamp.is_some() != b.metadata.deletion_timestamp.is_some()
        || a.spec.hostname != b.spec.hostname
        || a.spec.subdomain != b.spec.subdomain
        || a.is_terminal() != b.is_terminal()
}

/// What a ReplicaSet counts of a pod: its labels and owner (claiming), whether it is active, and
/// whether and since when it is ready (ready and available replicas).
fn pod_counts_changed(a: &crate::api::Pod, b: &crate::api::Pod) -> bool {
    fn ready_since(p: &crate::api::Pod) -> Option<(&str, Option<crate::api::meta::Time>)> {
        crate::api::meta::condition(&p.status.conditions, "Ready").map(|c| (c.status.as_str(), c.last_transition_time))
    }
    a.metadata.labels != b.metadata.labels
        || a.metadata.owner_references != b.metadata.owner_references
        || a.is_active() != b.is_active()
        || ready_since(a) != ready_since(b)
}

/// True when the write being notified comes from `work` itself (the plan being applied).
fn is_own_write(applying: Option<&Work>, work: &Work) -> bool {
    applying == Some(work)
}

pub fn notify(c: &mut Cluster, kind: Kind, key: &ObjectKey, old: Option<&Object>, new: Option<&Object>) {
    let q = &mut c.queues;
    match kind {
        Kind::Pod => {
            let mut services = BTreeSet::new();
            // The ReplicaSet's sync reads of its pods only what `pod_counts_changed` compares, so
            // an update that changes none of it (the scheduler's binding, the kubelet's container
            // statuses while a pod starts) would sync to the same result: it is not queued.
            let counts_changed = match (old, new) {
                (Some(Object::Pod(a)), Some(Object::Pod(b))) => pod_counts_changed(a, b),
                _ => true,
            };
            for obj in [old, new].into_iter().flatten() {
                let Object::Pod(p) = obj else { continue };
                if let Some(owner) = p.metadata.controller().filter(|o| o.kind == "ReplicaSet") {
                    let rs_key = ObjectKey::new(key.namespace.as_str(), owner.name.as_str());
                    // A Recreate rollout waits for the last old pod to be gone: the Deployment
                    // controller watches pod deletions for that (`deletePod`).
                    if new.is_none()
                        && let Some(d) =
                            c.store.get::<ReplicaSet>(&rs_key).and_then(|rs| rs.metadata.controller().cloned())
                    {
                        q.push(Work::Deployment(ObjectKey::new(key.namespace.as_str(), d.name.as_str())));
                    }
                    if counts_changed {
                        q.push(Work::ReplicaSet(rs_key));
                    }
                }
                services.extend(c.store.services_selecting(&key.namespace, &p.metadata.labels));
            }
            // An update that changes nothing an endpoint shows wakes no endpoint controller: the
            // EndpointSlice and Endpoints controllers' `updatePod` compare the two versions
            // (`podEndpointsChanged`: labels, IPs, readiness, node, deletion, hostname). A pod
            // created or removed without an IP was never an endpoint, so its Service's endpoints
            // stay as they are and are not synced for it.
            let relevant = match (old, new) {
                (Some(Object::Pod(a)), Some(Object::Pod(b))) => pod_endpoints_changed(a, b),
                (Some(Object::Pod(p)), None) | (None, Some(Object::Pod(p))) => !p.status.pod_ip.is_empty(),
                _ => true,
            };
            for s in services.into_iter().filter(|_| relevant) {
                let sk = ObjectKey::new(key.namespace.as_str(), s);
                q.push(Work::EndpointSlice(sk.clone()));
                q.push(Work::Endpoints(sk));
            }
            // An orphan whose labels match a ReplicaSet's selector is that ReplicaSet's to adopt
            // (`getPodReplicaSets` on a pod without a controller).
            if let Some(Object::Pod(p)) = new
                && p.metadata.controller().is_none()
                && !p.metadata.labels.is_empty()
            {
                let matching: Vec<ObjectKey> = c
                    .store
                    .list::<crate::api::ReplicaSet>(Some(&key.namespace))
                    .filter(|rs| {
                        crate::labels::Selector::from_label_selector(&rs.spec.selector)
                            .is_ok_and(|s| !s.is_empty() && s.matches(&p.metadata.labels))
                    })
                    .map(|rs| ObjectKey::of(&rs.metadata))
                    .collect();
                for rs in matching {
                    c.queues.push(Work::ReplicaSet(rs));
                }
                // A StatefulSet adopts an orphan of its selector whose name is its own.
                let sets: Vec<ObjectKey> = c
                    .store
                    .list::<crate::api::StatefulSet>(Some(&key.namespace))
                    .filter(|ss| {
                        crate::controllers::statefulset::ordinal(&ss.metadata.name, &p.metadata.name).is_some()
                    })
                    .map(|ss| ObjectKey::of(&ss.metadata))
                    .collect();
                for ss in sets {
                    c.queues.push(Work::StatefulSet(ss));
                }
            }
            // A StatefulSet waits for its pods (to be ready, or gone before it recreates one).
            for obj in [old, new].into_iter().flatten() {
                if let Some(owner) = obj.meta().controller().filter(|o| o.kind == "StatefulSet") {
                    c.queues.push(Work::StatefulSet(ObjectKey::new(key.namespace.as_str(), owner.name.as_str())));
                }
            }
            // Volumes follow the pods that use them: claims to bind, disks to attach.
            for obj in [old, new].into_iter().flatten() {
                if let Object::Pod(p) = obj {
                    for v in &p.spec.volumes {
                        if let Some(claim) = &v.persistent_volume_claim {
                            c.queues.push(Work::PersistentVolumeClaim(ObjectKey::new(
                                key.namespace.as_str(),
                                claim.claim_name.as_str(),
                            )));
                            c.queues.push(Work::AttachDetach(ObjectKey::new(
                                key.namespace.as_str(),
                                claim.claim_name.as_str(),
                            )));
                        }
                    }
                }
            }
            let q = &mut c.queues;
            if let Some(Object::Pod(p)) = new {
                if p.spec.node_name.is_empty() {
                    q.push(Work::Scheduler(key.clone()));
                } else {
                    q.push(Work::Kubelet(key.clone()));
                    q.push(Work::TaintEviction(key.clone()));
                    q.push(Work::PodGc(key.clone()));
                }
            }
        }
        Kind::ReplicaSet => {
            // The ReplicaSet controller's own status write would only sync it to the same result.
            let work = Work::ReplicaSet(key.clone());
            if !is_own_write(c.applying.as_ref(), &work) {
                q.push(work);
            }
            for obj in [old, new].into_iter().flatten() {
                if let Some(owner) = obj.meta().controller().filter(|o| o.kind == "Deployment") {
                    q.push(Work::Deployment(ObjectKey::new(key.namespace.as_str(), owner.name.as_str())));
                }
            }
        }
        Kind::Deployment => q.push(Work::Deployment(key.clone())),
        Kind::Service => {
            c.kube_proxy.service_changed(&c.store, key, c.now);
            let q = &mut c.queues;
            q.push(Work::EndpointSlice(key.clone()));
            q.push(Work::Endpoints(key.clone()));
            q.push(Work::LoadBalancer(key.clone()));
        }
        Kind::EndpointSlice => {
            let services: BTreeSet<&String> =
                [old, new].into_iter().flatten().filter_map(|o| o.meta().labels.get(LABEL_SERVICE_NAME)).collect();
            for svc in services {
                let sk = ObjectKey::new(key.namespace.as_str(), svc.as_str());
                c.kube_proxy.service_changed(&c.store, &sk, c.now);
                // The controller's endpointSliceTracker knows the slices it wrote itself and does
                // not sync for them; a slice someone else changed is put right.
                let work = Work::EndpointSlice(sk);
                if !is_own_write(c.applying.as_ref(), &work) {
                    c.queues.push(work);
                }
            }
        }
        // The Endpoints controller watches Endpoints objects for deletion only
        // (`onEndpointsDelete`): its own writes do not wake it.
        Kind::Endpoints => {
            let work = Work::Endpoints(key.clone());
            if !is_own_write(c.applying.as_ref(), &work) {
                q.push(work);
            }
        }
        Kind::Node => {
            q.push(Work::NodeLifecycle(key.clone()));
            let pending: Vec<ObjectKey> = c.store.unscheduled_pods().cloned().collect();
            for p in pending {
                q.push(Work::Scheduler(p));
            }
            // The node's pods: their kubelet, taint eviction, and pod GC (a deleted node orphans them).
            let on_node: Vec<ObjectKey> = c.store.pods_on_node(&key.name).map(|p| ObjectKey::of(&p.metadata)).collect();
            // Disks attached there may now be detached (an out-of-service taint, a deleted node).
            let claims: Vec<ObjectKey> = c
                .store
                .pods_on_node(&key.name)
                .flat_map(|p| {
                    p.spec
                        .volumes
                        .iter()
                        .filter_map(|v| v.persistent_volume_claim.as_ref())
                        .map(|claim| ObjectKey::new(p.metadata.namespace.as_str(), claim.claim_name.as_str()))
                })
                .collect();
            for claim in claims {
                q.push(Work::AttachDetach(claim));
            }
            for p in on_node {
                q.push(Work::Kubelet(p.clone()));
                q.push(Work::TaintEviction(p.clone()));
                q.push(Work::PodGc(p));
            }
        }
        Kind::StatefulSet => q.push(Work::StatefulSet(key.clone())),
        Kind::ControllerRevision => {
            for obj in [old, new].into_iter().flatten() {
                if let Some(owner) = obj.meta().controller().filter(|o| o.kind == "StatefulSet") {
                    q.push(Work::StatefulSet(ObjectKey::new(key.namespace.as_str(), owner.name.as_str())));
                }
            }
        }
        Kind::PersistentVolumeClaim => {
            q.push(Work::PersistentVolumeClaim(key.clone()));
            for obj in [old, new].into_iter().flatten() {
                if let Object::PersistentVolumeClaim(pvc) = obj
                    && !pvc.spec.volume_name.is_empty()
                {
                    q.push(Work::PersistentVolume(ObjectKey::cluster(pvc.spec.volume_name.as_str())));
                }
            }
            wake_pods_using(c, &key.namespace, |v| {
                v.persistent_volume_claim.as_ref().is_some_and(|p| p.claim_name == key.name)
            });
        }
        Kind::PersistentVolume => {
            q.push(Work::PersistentVolume(key.clone()));
            for obj in [old, new].into_iter().flatten() {
                if let Object::PersistentVolume(pv) = obj
                    && let Some(r) = &pv.spec.claim_ref
                {
                    q.push(Work::PersistentVolumeClaim(ObjectKey::new(r.namespace.as_str(), r.name.as_str())));
                }
            }
            // A free volume may fit a claim that is waiting (the controller's periodic resync of
            // pending claims finds it; here the change itself wakes them).
            if let Some(Object::PersistentVolume(pv)) = new
                && pv.spec.claim_ref.is_none()
            {
                let class = pv.spec.storage_class_name.clone();
                let pending: Vec<ObjectKey> = c
                    .store
                    .list::<crate::api::PersistentVolumeClaim>(None)
                    .filter(|p| p.spec.volume_name.is_empty())
                    .filter(|p| p.spec.storage_class_name.as_deref().unwrap_or("") == class)
                    .map(|p| ObjectKey::of(&p.metadata))
                    .collect();
                for p in pending {
                    c.queues.push(Work::PersistentVolumeClaim(p));
                }
            }
        }
        Kind::StorageClass => {
            // A new default or a new class can settle claims that were waiting for one.
            let pending: Vec<ObjectKey> = c
                .store
                .list::<crate::api::PersistentVolumeClaim>(None)
                .filter(|p| p.spec.volume_name.is_empty())
                .map(|p| ObjectKey::of(&p.metadata))
                .collect();
            for p in pending {
                c.queues.push(Work::PersistentVolumeClaim(p));
            }
        }
        Kind::ConfigMap | Kind::Secret => {
            if kind == Kind::ConfigMap && key.name == crate::controllers::root_ca_publisher::NAME {
                c.queues.push(Work::RootCa(key.namespace.clone()));
            }
            let is_cm = kind == Kind::ConfigMap;
            wake_pods_using(c, &key.namespace, |v| {
                if is_cm {
                    v.config_map.as_ref().is_some_and(|m| m.name == key.name)
                } else {
                    v.secret.as_ref().is_some_and(|m| m.secret_name == key.name)
                }
            });
        }
        // A new namespace gets its `default` ServiceAccount (the serviceaccounts controller).
        Kind::Namespace => {
            q.push(Work::ServiceAccounts(key.name.clone()));
            q.push(Work::RootCa(key.name.clone()));
        }
        Kind::ServiceAccount => q.push(Work::ServiceAccounts(key.namespace.clone())),
        _ => {}
    }
    // An object that is gone may leave dependents whose owners are now all gone.
    if new.is_none()
        && let Some(o) = old
    {
        for d in c.store.dependents(&o.meta().uid) {
            c.queues.push(Work::GarbageCollect(d.kind, d.key));
        }
    }
    // The garbage collector's own deletions: an owner waiting to orphan its dependents or to see
    // them go first, and (in the foreground) an owner whose dependent just went.
    use crate::apiserver::{FINALIZER_FOREGROUND, FINALIZER_ORPHAN};
    if let Some(o) = new {
        let m = o.meta();
        if m.is_terminating() && m.finalizers.iter().any(|f| f == FINALIZER_ORPHAN || f == FINALIZER_FOREGROUND) {
            c.queues.push(Work::GarbageCollect(kind, key.clone()));
            for d in c.store.dependents(&m.uid) {
                c.queues.push(Work::GarbageCollect(d.kind, d.key));
            }
        }
    }
    if let Some(o) = old.filter(|_| new.is_none()) {
        for r in &o.meta().owner_references {
            if let Some(owner) = c.store.object_by_uid(&r.uid)
                && owner.is_terminating()
                && owner.finalizers.iter().any(|f| f == FINALIZER_FOREGROUND)
                && let Some(k) = Kind::from_type(&r.api_version, &r.kind)
            {
                c.queues.push(Work::GarbageCollect(k, ObjectKey::of(owner)));
            }
        }
    }
}

/// Wakes the kubelet for pods in `namespace` whose volumes `uses` picks: a ConfigMap, Secret or
/// claim they were waiting for has changed.
fn wake_pods_using(c: &mut Cluster, namespace: &str, uses: impl Fn(&crate::api::storage::Volume) -> bool) {
    let waiting: Vec<ObjectKey> = c
        .store
        .list::<crate::api::Pod>(Some(namespace))
        .filter(|p| !p.spec.node_name.is_empty() && p.spec.volumes.iter().any(&uses))
        .map(|p| ObjectKey::of(&p.metadata))
        .collect();
    for p in waiting {
        c.queues.push(Work::Kubelet(p));
    }
    // Pods not yet scheduled may have been waiting for this claim to exist or bind.
    let unscheduled: Vec<ObjectKey> = c
        .store
        .unscheduled_pods()
        .filter(|k| k.namespace == namespace)
        .filter(|k| c.store.get::<crate::api::Pod>(k).is_some_and(|p| p.spec.volumes.iter().any(&uses)))
        .cloned()
        .collect();
    for p in unscheduled {
        c.queues.push(Work::Scheduler(p));
    }
}
