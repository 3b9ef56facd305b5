//! The API server's write path: the only code that writes to the store. It validates, fills in
//! server-side defaults, names and numbers objects, allocates ClusterIPs and NodePorts, handles
//! graceful pod deletion, and tells the informers what changed.

use std::fmt;

use crate::api::meta::{Condition, Time, set_condition};
use crate::api::{ConfigMap, Deployment, Kind, Object, ObjectKey, Pod, ReplicaSet, Secret, Service};
use crate::validation::{FieldError, aggregate, validate_object};
use crate::{Cluster, informers};

/// An API error, with the reason kubectl puts in brackets.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ApiError {
    pub reason: Reason,
    pub message: String,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Reason {
    NotFound,
    AlreadyExists,
    Invalid,
    BadRequest,
    Forbidden,
    Conflict,
}

impl ApiError {
    pub fn not_found(kind: Kind, name: &str) -> Self {
        ApiError { reason: Reason::NotFound, message: format!("{} \"{name}\" not found", resource_name(kind)) }
    }

    pub fn already_exists(kind: Kind, name: &str) -> Self {
        ApiError {
            reason: Reason::AlreadyExists,
            message: format!("{} \"{name}\" already exists", resource_name(kind)),
        }
    }

    /// `The Service "1abc" is invalid: metadata.name: Invalid value: …`
    pub fn invalid(kind: Kind, name: &str, errs: &[FieldError]) -> Self {
        ApiError {
            reason: Reason::Invalid,
            message: format!("{} \"{name}\" is invalid: {}", kind.name(), aggregate(errs)),
        }
    }
}

/// How a deletion treats the object's dependents (`DeleteOptions.propagationPolicy`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum Propagation {
    /// The object goes now; the garbage collector deletes its dependents after (kubectl's default).
    #[default]
    Background,
    /// The dependents go first; the object waits for them with the `foregroundDeletion` finalizer.
    Foreground,
    /// The dependents stay, their owner references to the object removed (`orphan` finalizer).
    Orphan,
}

/// What a `DELETE` asks for.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct DeleteOptions {
    pub grace: Option<i64>,
    pub propagation: Propagation,
}

impl DeleteOptions {
    pub fn grace(grace: Option<i64>) -> Self {
        DeleteOptions { grace, ..Default::default() }
    }
}

pub const FINALIZER_ORPHAN: &str = "orphan";
pub const FINALIZER_FOREGROUND: &str = "foregroundDeletion";
pub const FINALIZER_PVC_PROTECTION: &str = "kubernetes.io/pvc-protection";
pub const FINALIZER_PV_PROTECTION: &str = "kubernetes.io/pv-protection";

/// ValidatePodUpdate's refusal: a pod's spec is fixed once created, but for these fields.
const POD_UPDATE_FORBIDDEN: &str = "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

/// Whether an update changes only what ValidatePodUpdate lets change: container images,
/// tolerations added to the existing ones, a negative grace period set to 1.
fn pod_update_allowed(before: &Pod, after: &Pod) -> bool {
    let mut allowed = before.spec.clone();
    if allowed.containers.len() != after.spec.containers.len()
        || allowed.init_containers.len() != after.spec.init_containers.len()
    {
        return false;
    }
    for (c, n) in allowed.containers.iter_mut().zip(&after.spec.containers) {
        c.image = n.image.clone();
    }
    for (c, n) in allowed.init_containers.iter_mut().zip(&after.spec.init_containers) {
        c.image = n.image.clone();
    }
    if before.spec.tolerations.iter().all(|t| after.spec.tolerations.contains(t)) {
        allowed.tolerations = after.spec.tolerations.clone();
    }
    if before.spec.termination_grace_period_seconds.is_some_and(|g| g < 0)
        && after.spec.termination_grace_period_seconds == Some(1)
    {
        allowed.termination_grace_period_seconds = Some(1);
    }
    allowed == after.spec
}

/// How kubectl prints an API error: `Error from server (NotFound): pods "x" not found`; an
/// Invalid error is printed as its message, prefixed `The`.
impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason {
            Reason::Invalid => write!(f, "The {}", self.message),
            r => write!(f, "Error from server ({r:?}): {}", self.message),
        }
    }
}

/// `pods`, `deployments.apps`: the resource as API errors name it.
pub fn resource_name(kind: Kind) -> String {
    match kind.group() {
        "" => kind.plural().to_string(),
        g => format!("{}.{g}", kind.plural()),
    }
}

impl Cluster {
    /// Creates an object: namespace check, name generation, validation, defaults, allocation.
    pub(crate) fn api_create(&mut self, mut obj: Object) -> Result<Object, ApiError> {
        let kind = obj.kind();
        if kind.namespaced() {
            let ns = obj.meta().namespace.clone();
            let ns = if ns.is_empty() { "default".to_string() } else { ns };
            if self.store.get::<crate::api::Namespace>(&ObjectKey::cluster(ns.as_str())).is_none() {
                return Err(ApiError::not_found(Kind::Namespace, &ns));
            }
            obj.meta_mut().namespace = ns;
        } else {
            obj.meta_mut().namespace.clear();
        }
        if obj.meta().name.is_empty() {
            let prefix = obj.meta().generate_name.clone();
            if prefix.is_empty() {
                return Err(ApiError::invalid(
                    kind,
                    "",
                    &[FieldError::required("metadata.name", "name or generateName is required")],
                ));
            }
            // The API server retries a generated name that collides; a few tries are plenty.
            for _ in 0..8 {
                let name = format!("{prefix}{}", self.rng.name_suffix());
                if self.store.get_object(kind, &ObjectKey::new(obj.meta().namespace.as_str(), name.as_str())).is_none()
                {
                    obj.meta_mut().name = name;
                    break;
                }
            }
        }
        let name = obj.meta().name.clone();
        let errs = validate_object(&obj);
        if !errs.is_empty() {
            return Err(ApiError::invalid(kind, &name, &errs));
        }
        if self.store.get_object(kind, &obj.key()).is_some() {
            return Err(ApiError::already_exists(kind, &name));
        }
        crate::defaults::apply(&mut obj);
        self.admit(&mut obj, true)?;
        if let Object::Service(svc) = &mut obj {
            self.allocate_service(svc)?;
        }
        let now = self.now;
        let rv = self.store.next_resource_version();
        let uid = crate::api::Uid(self.rng.uuid());
        let m = obj.meta_mut();
        m.uid = uid;
        m.resource_version = rv;
        m.creation_timestamp = Some(Time(now));
        m.deletion_timestamp = None;
        m.deletion_grace_period_seconds = None;
        if matches!(kind, Kind::Deployment | Kind::ReplicaSet | Kind::StatefulSet) {
            m.generation = 1;
        }
        Ok(self.write(obj))
    }

    /// Replaces an object (controllers writing spec or status, kubectl apply). Identity and
    /// creation fields are kept from the stored object; `generation` moves when the spec does.
    pub(crate) fn api_update(&mut self, mut obj: Object) -> Result<Object, ApiError> {
        let kind = obj.kind();
        let key = obj.key();
        // The stored object is read in place, kind by kind: cloning it whole for these checks
        // would copy a large Endpoints or EndpointSlice at every controller write.
        let Some(om) = self.store.meta_of(kind, &key).cloned() else {
            return Err(ApiError::not_found(kind, &key.name));
        };
        let errs = validate_object(&obj);
        if !errs.is_empty() {
            return Err(ApiError::invalid(kind, &key.name, &errs));
        }
        self.admit(&mut obj, false)?;
        let immutable = match &obj {
            Object::ConfigMap(b) => self
                .store
                .get::<ConfigMap>(&key)
                .is_some_and(|a| a.immutable == Some(true) && (a.data != b.data || a.binary_data != b.binary_data)),
            Object::Secret(b) => {
                self.store.get::<Secret>(&key).is_some_and(|a| a.immutable == Some(true) && a.data != b.data)
            }
            _ => false,
        };
        if immutable {
            return Err(ApiError::invalid(
                kind,
                &key.name,
                &[FieldError::forbidden("data", "field is immutable when `immutable` is set")],
            ));
        }
        if let Object::Pod(after) = &obj
            && let Some(before) = self.store.get::<Pod>(&key)
            && !pod_update_allowed(before, after)
        {
            return Err(ApiError::invalid(kind, &key.name, &[FieldError::forbidden("spec", POD_UPDATE_FORBIDDEN)]));
        }
        if let Object::Service(after) = &mut obj
            && let Some(before) = self.store.get::<Service>(&key).cloned()
        {
            self.reallocate_node_ports(&before, after)?;
        }
        let spec_changed = match &obj {
            Object::Deployment(b) => self.store.get::<Deployment>(&key).is_some_and(|a| a.spec != b.spec),
            Object::ReplicaSet(b) => self.store.get::<ReplicaSet>(&key).is_some_and(|a| a.spec != b.spec),
            Object::StatefulSet(b) => self.store.get::<crate::api::StatefulSet>(&key).is_some_and(|a| a.spec != b.spec),
            _ => false,
        };
        let rv = self.store.next_resource_version();
        let m = obj.meta_mut();
        m.uid = om.uid;
        m.creation_timestamp = om.creation_timestamp;
        m.deletion_timestamp = m.deletion_timestamp.or(om.deletion_timestamp);
        m.deletion_grace_period_seconds = m.deletion_grace_period_seconds.or(om.deletion_grace_period_seconds);
        m.resource_version = rv;
        m.generation = if spec_changed { om.generation + 1 } else { om.generation };
        // The last finalizer of an object being deleted is gone: the deletion completes (pods
        // complete theirs when the kubelet has stopped them).
        if kind != Kind::Pod && m.deletion_timestamp.is_some() && m.finalizers.is_empty() {
            let written = obj.clone();
            self.api_remove(kind, &key);
            return Ok(written);
        }
        Ok(self.write(obj))
    }

    /// Deletes an object as `DELETE` does. A pod on a node gets a deletion timestamp and its grace
    /// period (the kubelet finishes the job). Anything with finalizers, or deleted with a
    /// propagation policy that needs the garbage collector first (`Orphan`, `Foreground`), gets a
    /// deletion timestamp and waits for them; everything else goes at once, and the garbage
    /// collector follows its dependents (`Background`).
    pub(crate) fn api_delete(&mut self, kind: Kind, key: &ObjectKey, opts: DeleteOptions) -> Result<Object, ApiError> {
        let Some(obj) = self.store.get_object(kind, key) else {
            return Err(ApiError::not_found(kind, &key.name));
        };
        let mut finalizers = obj.meta().finalizers.clone();
        let has_dependents = !self.store.dependents(&obj.meta().uid).is_empty();
        let gc_finalizer = match opts.propagation {
            Propagation::Orphan => Some(FINALIZER_ORPHAN),
            Propagation::Foreground => Some(FINALIZER_FOREGROUND),
            Propagation::Background => None,
        };
        if let Some(f) = gc_finalizer.filter(|_| has_dependents)
            && !finalizers.iter().any(|x| x == f)
        {
            finalizers.push(f.to_string());
        }
        if let Object::Pod(pod) = &obj {
            return Ok(self.delete_pod(pod, opts.grace, finalizers));
        }
        if obj.meta().is_terminating() {
            // Already on its way out: a second delete may add the garbage collector's finalizer.
            if finalizers == obj.meta().finalizers {
                return Ok(obj);
            }
        } else if finalizers.is_empty() {
            self.api_remove(kind, key);
            return Ok(obj);
        }
        let mut o = obj.clone();
        let m = o.meta_mut();
        m.deletion_timestamp = m.deletion_timestamp.or(Some(Time(self.now)));
        m.deletion_grace_period_seconds = Some(0);
        m.finalizers = finalizers;
        m.resource_version = self.store.next_resource_version();
        Ok(self.write(o))
    }

    /// A pod's graceful deletion (the registry's BeforeDelete with the pod strategy's
    /// CheckGracefulDelete): the grace period asked for, else the pod's own; none for a pod on no
    /// node or already terminal. The pod is marked with its deletion time and grace period (a
    /// second delete may only shorten it), and once that period is zero and no finalizer is
    /// left it is removed, the update and the removal each seen by a watch.
    fn delete_pod(&mut self, pod: &crate::api::Pod, grace: Option<i64>, finalizers: Vec<String>) -> Object {
        let key = ObjectKey::of(&pod.metadata);
        let mut period = grace.unwrap_or_else(|| pod.grace_period_seconds());
        if pod.spec.node_name.is_empty() || pod.is_terminal() {
            period = 0;
        }
        if period < 0 {
            period = 1;
        }
        let mut p = pod.clone();
        if let (Some(at), Some(current)) = (pod.metadata.deletion_timestamp, pod.metadata.deletion_grace_period_seconds)
        {
            if current == 0 || period >= current {
                // Already due, or not shortened: only the removal may be left to do.
                if current == 0 && finalizers.is_empty() {
                    self.api_remove(Kind::Pod, &key);
                }
                return Object::Pod(pod.clone());
            }
            p.metadata.deletion_timestamp = Some(Time(at.0 - crate::time::SimDuration::seconds(current - period)));
        } else {
            p.metadata.deletion_timestamp = Some(Time(self.now + crate::time::SimDuration::seconds(period)));
        }
        p.metadata.deletion_grace_period_seconds = Some(period);
        let removed = period == 0 && finalizers.is_empty();
        p.metadata.finalizers = finalizers;
        p.metadata.resource_version = self.store.next_resource_version();
        let written = self.write(Object::Pod(p));
        if removed {
            self.api_remove(Kind::Pod, &key);
        }
        written
    }

    /// Removes an object from the store for good and releases what it held.
    pub(crate) fn api_remove(&mut self, kind: Kind, key: &ObjectKey) -> Option<Object> {
        let old = self.store.remove_object(kind, key)?;
        match &old {
            Object::Pod(p) => {
                // The IP the kubelet's sandbox holds, which the status may not show yet.
                let sandbox_ip = self.kubelet.pod(&p.metadata.uid).map(|w| w.sandbox_ip.clone()).unwrap_or_default();
                if let Some(alloc) = self.ipam.pods.get_mut(&p.spec.node_name) {
                    alloc.release(&p.status.pod_ip);
                    if sandbox_ip != p.status.pod_ip {
                        alloc.release(&sandbox_ip);
                    }
                }
                self.kubelet.apply(crate::controllers::kubelet::Note::Forget(p.metadata.uid.clone()));
                self.entrypoints.forget(&p.metadata.uid);
                // The pod's writable layers and emptyDirs go with it.
                let uid = p.metadata.uid.clone();
                self.files.drop_where(|b| match b {
                    crate::fs::Backing::Layer { pod, .. } | crate::fs::Backing::EmptyDir { pod, .. } => *pod == uid,
                    _ => false,
                });
            }
            Object::PersistentVolume(pv) => {
                self.attachments.forget(&pv.metadata.name);
                let name = pv.metadata.name.clone();
                self.files.drop_where(|b| matches!(b, crate::fs::Backing::NetworkDisk { volume } if *volume == name));
            }
            Object::Node(n) => {
                let name = n.metadata.name.clone();
                self.files.drop_where(|b| matches!(b, crate::fs::Backing::NodeDisk { node } if *node == name));
                self.ipam.pods.remove(&n.metadata.name);
                self.machines.remove(&n.metadata.name);
                self.kubelet.forget_node(&n.metadata.name);
            }
            Object::Service(s) => {
                if !s.is_headless() && !s.spec.cluster_ip.is_empty() {
                    self.ipam.services.release(&s.spec.cluster_ip);
                }
                for p in &s.spec.ports {
                    if let Some(np) = p.node_port {
                        self.ipam.node_ports.remove(&np);
                    }
                }
                for i in &s.status.load_balancer.ingress {
                    self.ipam.load_balancers.release(&i.ip);
                }
            }
            _ => {}
        }
        informers::notify(self, kind, key, Some(&old), None);
        Some(old)
    }

    /// Binds a pod to a node (`pods/binding`): sets `spec.nodeName` and the PodScheduled condition.
    pub(crate) fn api_bind(&mut self, key: &ObjectKey, node: &str) -> Result<(), ApiError> {
        let Some(pod) = self.store.get::<Pod>(key) else {
            return Err(ApiError::not_found(Kind::Pod, &key.name));
        };
        if !pod.spec.node_name.is_empty() {
            return Err(ApiError {
                reason: Reason::Conflict,
                message: format!(
                    "Operation cannot be fulfilled on pods/binding \"{}\": pod {} is already assigned to node \"{}\"",
                    key.name, key.name, pod.spec.node_name
                ),
            });
        }
        let mut p = pod.clone();
        p.spec.node_name = node.to_string();
        set_condition(&mut p.status.conditions, Condition::new("PodScheduled", true, self.now));
        p.metadata.resource_version = self.store.next_resource_version();
        self.write(Object::Pod(p));
        Ok(())
    }

    /// Stores an object that passed the write path and tells the informers.
    fn write(&mut self, obj: Object) -> Object {
        let kind = obj.kind();
        let key = obj.key();
        let old = self.store.put_object(obj.clone());
        informers::notify(self, kind, &key, old.as_ref(), Some(&obj));
        obj
    }

    /// A Service changed: node ports it no longer has are released, new ones allocated (a
    /// ClusterIP Service turned NodePort gets its ports; the reverse gives them back).
    fn reallocate_node_ports(&mut self, before: &Service, after: &mut Service) -> Result<(), ApiError> {
        let held: Vec<i32> = before.spec.ports.iter().filter_map(|p| p.node_port).collect();
        let wants = matches!(after.type_or_default(), "NodePort" | "LoadBalancer");
        if !wants {
            for p in &mut after.spec.ports {
                p.node_port = None;
            }
        }
        let keep: Vec<i32> = after.spec.ports.iter().filter_map(|p| p.node_port).collect();
        for np in &held {
            if !keep.contains(np) {
                self.ipam.node_ports.remove(np);
            }
        }
        if !wants {
            return Ok(());
        }
        let name = after.metadata.name.clone();
        for i in 0..after.spec.ports.len() {
            match after.spec.ports[i].node_port {
                Some(np) if held.contains(&np) => {}
                Some(np) => {
                    if !(30000..=32767).contains(&np) || !self.ipam.node_ports.insert(np) {
                        return Err(ApiError::invalid(
                            Kind::Service,
                            &name,
                            &[FieldError::invalid(
                                format!("spec.ports[{i}].nodePort"),
                                np,
                                "provided port is already allocated",
                            )],
                        ));
                    }
                }
                None => {
                    let start = 30000 + self.rng.below(2768) as i32;
                    let free = (0..2768)
                        .map(|k| 30000 + (start - 30000 + k) % 2768)
                        .find(|p| !self.ipam.node_ports.contains(p));
                    let Some(p) = free else {
                        return Err(ApiError {
                            reason: Reason::Invalid,
                            message: format!(
                                "Service \"{name}\" is invalid: spec.ports[{i}].nodePort: Internal error: failed to allocate a nodePort: range is full"
                            ),
                        });
                    };
                    self.ipam.node_ports.insert(p);
                    after.spec.ports[i].node_port = Some(p);
                }
            }
        }
        Ok(())
    }

    /// Admission: what the API server changes or refuses after validation. A Secret's stringData
    /// is merged into data (base64), and data must be base64; a claim without a class gets the
    /// default class (the DefaultStorageClass admission plugin).
    fn admit(&mut self, obj: &mut Object, creating: bool) -> Result<(), ApiError> {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        match obj {
            Object::Secret(sec) => {
                for (k, v) in std::mem::take(&mut sec.string_data) {
                    sec.data.insert(k, b64.encode(v.as_bytes()));
                }
                for v in sec.data.values() {
                    if let Err(e) = b64.decode(v.trim()) {
                        let at = match e {
                            base64::DecodeError::InvalidByte(i, _) | base64::DecodeError::InvalidLastSymbol(i, _) => i,
                            _ => v.len(),
                        };
                        return Err(ApiError {
                            reason: Reason::BadRequest,
                            message: format!(
                                "Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input byte {at}"
                            ),
                        });
                    }
                }
            }
            // The ServiceAccount admission plugin: a pod runs as an account that exists.
            Object::Pod(p) if creating => {
                let account =
                    if p.spec.service_account_name.is_empty() { "default" } else { &p.spec.service_account_name };
                let key = ObjectKey::new(p.metadata.namespace.as_str(), account);
                if self.store.get::<crate::api::ServiceAccount>(&key).is_none() {
                    return Err(ApiError {
                        reason: Reason::Forbidden,
                        message: format!(
                            "pods \"{}\" is forbidden: error looking up service account {}/{account}: serviceaccount \"{account}\" not found",
                            p.metadata.name, p.metadata.namespace
                        ),
                    });
                }
            }
            // The StorageObjectInUseProtection admission plugin: a claim or volume in use is not
            // removed until nothing uses it (the pvc- and pv-protection controllers decide).
            Object::PersistentVolumeClaim(pvc)
                if creating && !pvc.metadata.finalizers.iter().any(|f| f == FINALIZER_PVC_PROTECTION) =>
            {
                pvc.metadata.finalizers.push(FINALIZER_PVC_PROTECTION.into());
                return self.admit(obj, false);
            }
            Object::PersistentVolume(pv)
                if creating && !pv.metadata.finalizers.iter().any(|f| f == FINALIZER_PV_PROTECTION) =>
            {
                pv.metadata.finalizers.push(FINALIZER_PV_PROTECTION.into());
            }
            Object::PersistentVolumeClaim(pvc) if pvc.spec.storage_class_name.is_none() => {
                let default = self.store.list::<crate::api::StorageClass>(None).find(|sc| {
                    sc.metadata
                        .annotations
                        .get(crate::controllers::persistent_volume::DEFAULT_CLASS_ANNOTATION)
                        .is_some_and(|v| v == "true")
                });
                if let Some(sc) = default {
                    pvc.spec.storage_class_name = Some(sc.metadata.name.clone());
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// ClusterIP and NodePort allocation for a new Service.
    fn allocate_service(&mut self, svc: &mut Service) -> Result<(), ApiError> {
        let name = svc.metadata.name.clone();
        let t = svc.type_or_default().to_string();
        let mut taken_ip = None;
        if t != "ExternalName" && !svc.is_headless() {
            if svc.spec.cluster_ip.is_empty() {
                let ip = self.ipam.services.allocate_dynamic(&mut self.rng).ok_or_else(|| ApiError {
                    reason: Reason::Invalid,
                    message: format!("Service \"{name}\" is invalid: spec.clusterIPs: Internal error: failed to allocate a serviceIP: range is full"),
                })?;
                svc.spec.cluster_ip = ip;
            } else {
                let ip = svc.spec.cluster_ip.clone();
                self.ipam.services.allocate_specific(&ip).map_err(|e| {
                    ApiError::invalid(
                        Kind::Service,
                        &name,
                        &[FieldError::invalid("spec.clusterIPs", format!("[]string{{{ip:?}}}"), e)],
                    )
                })?;
            }
            svc.spec.cluster_ips = vec![svc.spec.cluster_ip.clone()];
            taken_ip = Some(svc.spec.cluster_ip.clone());
        }
        if t == "NodePort" || t == "LoadBalancer" {
            let mut taken = Vec::new();
            for i in 0..svc.spec.ports.len() {
                let requested = svc.spec.ports[i].node_port.filter(|n| *n != 0);
                let port = match requested {
                    Some(np) => {
                        if !(30000..=32767).contains(&np) || self.ipam.node_ports.contains(&np) {
                            let why = if (30000..=32767).contains(&np) {
                                "provided port is already allocated".to_string()
                            } else {
                                "provided port is not in the valid range. The range of valid ports is 30000-32767"
                                    .to_string()
                            };
                            for p in taken {
                                self.ipam.node_ports.remove(&p);
                            }
                            if let Some(ip) = &taken_ip {
                                self.ipam.services.release(ip);
                            }
                            return Err(ApiError::invalid(
                                Kind::Service,
                                &name,
                                &[FieldError::invalid(format!("spec.ports[{i}].nodePort"), np, why)],
                            ));
                        }
                        np
                    }
                    None => {
                        let start = 30000 + self.rng.below(2768) as i32;
                        let Some(p) = (0..2768)
                            .map(|k| 30000 + (start - 30000 + k) % 2768)
                            .find(|p| !self.ipam.node_ports.contains(p))
                        else {
                            return Err(ApiError {
                                reason: Reason::Invalid,
                                message: format!(
                                    "Service \"{name}\" is invalid: spec.ports[{i}].nodePort: Internal error: failed to allocate a nodePort: range is full"
                                ),
                            });
                        };
                        p
                    }
                };
                self.ipam.node_ports.insert(port);
                taken.push(port);
                svc.spec.ports[i].node_port = Some(port);
            }
        }
        Ok(())
    }
}
