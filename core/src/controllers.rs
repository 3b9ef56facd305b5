//! Controllers: level-triggered reconcilers, as in Kubernetes. Each reads the store and returns a
//! plan (a list of [`Op`]s); `Cluster::apply_ops` carries the plan out separately. A reconciler never
//! writes, never draws a random number and never reads a clock other than `Ctx::now`.
//!
//! Work arrives as keys in per-controller queues (sets, so a key queued twice is reconciled once),
//! filled by the informer routing in `informers.rs` and by timers that controllers ask for.

pub mod attach_detach;
pub mod deployment;
pub mod endpoints;
pub mod endpointslice;
pub mod garbage_collector;
pub mod kubelet;
pub mod load_balancer;
pub mod node_lifecycle;
pub mod persistent_volume;
pub mod pod_gc;
pub mod replicaset;
pub mod root_ca_publisher;
pub mod scheduler;
pub mod service_account;
pub mod statefulset;
pub mod taint_eviction;

use std::collections::BTreeSet;

use crate::api::meta::ObjectReference;
use crate::api::{Kind, Object, ObjectKey, Pod};
use crate::store::Store;
use crate::time::SimTime;

/// What a reconciler may read.
pub struct Ctx<'a> {
    pub store: &'a Store,
    pub now: SimTime,
    pub kubelet: &'a kubelet::State,
    pub machines: &'a crate::machines::Machines,
    pub registry: &'a crate::registry::Registry,
    pub attach: &'a attach_detach::State,
    /// What the exec probes due for the pod being synced answered (container, probe kind).
    pub exec_probes: &'a std::collections::BTreeMap<(String, &'static str), Result<(), String>>,
}

/// A unit of controller work: which controller, which object.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Work {
    GarbageCollect(Kind, ObjectKey),
    NodeLifecycle(ObjectKey),
    PodGc(ObjectKey),
    TaintEviction(ObjectKey),
    Deployment(ObjectKey),
    ReplicaSet(ObjectKey),
    Scheduler(ObjectKey),
    Kubelet(ObjectKey),
    EndpointSlice(ObjectKey),
    Endpoints(ObjectKey),
    LoadBalancer(ObjectKey),
    StatefulSet(ObjectKey),
    PersistentVolumeClaim(ObjectKey),
    PersistentVolume(ObjectKey),
    /// Attach or detach the volume a claim is bound to, following the pods that use it.
    AttachDetach(ObjectKey),
    /// A namespace whose `default` ServiceAccount may be missing.
    ServiceAccounts(String),
    /// A namespace whose `kube-root-ca.crt` ConfigMap may be missing.
    RootCa(String),
    /// A traffic generator's next request (handled by the network, not a reconciler).
    Traffic(u32),
    /// A container's command goes on (its `sleep` ended): the runtime's, not a controller's.
    Entrypoint(ObjectKey, String),
}

/// One step of a plan.
#[derive(Clone, Debug)]
pub enum Op {
    /// Create an object (the API server fills in name from generateName, uid, timestamps).
    Create(Object),
    /// A ReplicaSet creates a pod; the event naming the new pod is recorded once its name exists.
    CreatePod { pod: Box<Pod>, by: ObjectReference },
    /// Replace an object, status included (controllers own the status they write).
    Update(Object),
    /// Delete through the API: graceful for a pod on a node, immediate otherwise.
    Delete { kind: Kind, key: ObjectKey },
    /// Delete with options: the garbage collector's foreground deletion of dependents.
    DeleteWith { kind: Kind, key: ObjectKey, opts: crate::apiserver::DeleteOptions },
    /// The scheduler binds a pod to a node (`pods/binding`).
    Bind { pod: ObjectKey, node: String },
    /// The kubelet's CNI call: give the pod an IP from its node's pod CIDR.
    StartSandbox { pod: ObjectKey },
    /// The runtime starts a container's command (the kubelet just started the container).
    StartEntrypoint { pod: ObjectKey, container: String },
    /// The cloud assigns a load balancer's external IP from its pool.
    AssignLoadBalancerIp { service: ObjectKey },
    /// The kubelet re-creates a pod's sandbox (after its machine rebooted): a new IP.
    RecreateSandbox { pod: ObjectKey },
    /// The kubelet removes a pod whose containers have stopped; its IP is released.
    RemovePod { pod: ObjectKey },
    /// Record a Kubernetes Event.
    Event(EventDraft),
    /// Look at this work again at `at` (a level-triggered reconciler's "requeue after").
    WakeAt(SimTime, Work),
    /// A change to the kubelet's own memory (what it has pulled, what it is stopping).
    Kubelet(kubelet::Note),
    /// A disk attached to or detached from a node.
    Volumes(attach_detach::Note),
    /// Queue work now (a change outside the store that another controller must look at).
    Requeue(Work),
}

/// An Event before the recorder names and counts it.
#[derive(Clone, Debug)]
pub struct EventDraft {
    pub involved: ObjectReference,
    pub warning: bool,
    pub reason: String,
    pub message: String,
    pub component: &'static str,
    pub host: String,
}

impl EventDraft {
    pub fn normal(involved: ObjectReference, component: &'static str, reason: &str, message: String) -> Self {
        EventDraft { involved, warning: false, reason: reason.into(), message, component, host: String::new() }
    }

    pub fn warning(involved: ObjectReference, component: &'static str, reason: &str, message: String) -> Self {
        EventDraft { warning: true, ..EventDraft::normal(involved, component, reason, message) }
    }

    pub fn on_host(mut self, host: &str) -> Self {
        self.host = host.into();
        self
    }
}

/// A reference to an object for an Event or an EndpointSlice's targetRef.
pub fn reference(kind: Kind, meta: &crate::api::ObjectMeta) -> ObjectReference {
    ObjectReference {
        api_version: kind.api_version(),
        kind: kind.name().into(),
        namespace: meta.namespace.clone(),
        name: meta.name.clone(),
        uid: meta.uid.clone(),
        ..Default::default()
    }
}

/// True when `r` is exactly the targetRef an endpoint controller writes for `pod` (a
/// [`reference`] without apiVersion), compared in place so that an unchanged endpoint costs no
/// allocation.
pub fn is_pod_target(r: &ObjectReference, pod: &Pod) -> bool {
    r.api_version.is_empty()
        && r.kind == Kind::Pod.name()
        && r.namespace == pod.metadata.namespace
        && r.name == pod.metadata.name
        && r.uid == pod.metadata.uid
        && r.resource_version.is_empty()
        && r.field_path.is_empty()
}

/// The controllers' queues. Popping takes the controllers in a fixed order, and keys in key order,
/// so the same work always runs in the same order.
#[derive(Clone, Debug, Default)]
pub struct Queues {
    items: BTreeSet<Work>,
}

impl Queues {
    pub fn push(&mut self, w: Work) {
        self.items.insert(w);
    }

    pub fn pop(&mut self) -> Option<Work> {
        self.items.pop_first()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// Runs the reconciler for one unit of work.
pub fn reconcile(ctx: &Ctx, work: &Work) -> Vec<Op> {
    match work {
        Work::GarbageCollect(kind, key) => garbage_collector::reconcile(ctx, *kind, key),
        Work::NodeLifecycle(key) => node_lifecycle::reconcile(ctx, key),
        Work::PodGc(key) => pod_gc::reconcile(ctx, key),
        Work::TaintEviction(key) => taint_eviction::reconcile(ctx, key),
        Work::Deployment(key) => deployment::reconcile(ctx, key),
        Work::ReplicaSet(key) => replicaset::reconcile(ctx, key),
        Work::Scheduler(key) => scheduler::reconcile(ctx, key),
        Work::Kubelet(key) => kubelet::reconcile(ctx, key),
        Work::EndpointSlice(key) => endpointslice::reconcile(ctx, key),
        Work::Endpoints(key) => endpoints::reconcile(ctx, key),
        Work::LoadBalancer(key) => load_balancer::reconcile(ctx, key),
        Work::Traffic(_) | Work::Entrypoint(..) => Vec::new(),
        Work::StatefulSet(key) => statefulset::reconcile(ctx, key),
        Work::PersistentVolumeClaim(key) => persistent_volume::reconcile_claim(ctx, key),
        Work::PersistentVolume(key) => persistent_volume::reconcile_volume(ctx, key),
        Work::AttachDetach(key) => attach_detach::reconcile(ctx, key),
        Work::ServiceAccounts(ns) => service_account::reconcile(ctx, ns),
        Work::RootCa(ns) => root_ca_publisher::reconcile(ctx, ns),
    }
}

/// A deterministic per-object number in `0..n`, from the object's uid: how reconcilers vary
/// delays and break ties without drawing from the cluster's random stream.
pub fn jitter(uid: &crate::api::Uid, salt: &str, n: u32) -> u32 {
    crate::rng::fnv32a_more(crate::rng::fnv32a(uid.as_str().as_bytes()), salt.as_bytes()) % n.max(1)
}
