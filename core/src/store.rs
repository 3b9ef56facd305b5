//! The single writer's store: objects by kind and key, with the indexes controllers need so that one
//! object's change costs what it touches, not the size of the cluster.
//!
//! Only the API server module writes here (see `apiserver.rs`); every other module reads.

use std::collections::{BTreeMap, BTreeSet};

use crate::api::discovery::LABEL_SERVICE_NAME;
use crate::api::{
    ClusterRole, ClusterRoleBinding, ConfigMap, ControllerRevision, CronJob, CustomResourceDefinition, DaemonSet,
    Deployment, EndpointSlice, Endpoints, Event, HorizontalPodAutoscaler, Ingress, IngressClass, Job, Kind, LimitRange,
    Namespace, NetworkPolicy, Node, Object, ObjectKey, PersistentVolume, PersistentVolumeClaim, Pod,
    PodDisruptionBudget, PriorityClass, ReplicaSet, Resource, ResourceQuota, Role, RoleBinding, Secret, Service,
    ServiceAccount, StatefulSet, StorageClass, Uid,
};
use crate::labels::Selector;
use crate::object_graph::{ObjRef, ObjectGraph};

type Table<T> = BTreeMap<ObjectKey, T>;

#[derive(Clone, Debug, Default)]
pub struct Store {
    namespaces: Table<Namespace>,
    nodes: Table<Node>,
    pods: Table<Pod>,
    services: Table<Service>,
    endpoints: Table<Endpoints>,
    endpointslices: Table<EndpointSlice>,
    deployments: Table<Deployment>,
    replicasets: Table<ReplicaSet>,
    events: Table<Event>,
    configmaps: Table<ConfigMap>,
    secrets: Table<Secret>,
    persistentvolumes: Table<PersistentVolume>,
    persistentvolumeclaims: Table<PersistentVolumeClaim>,
    storageclasses: Table<StorageClass>,
    statefulsets: Table<StatefulSet>,
    controllerrevisions: Table<ControllerRevision>,
    serviceaccounts: Table<ServiceAccount>,
    ingresses: Table<Ingress>,
    ingressclasses: Table<IngressClass>,
    networkpolicies: Table<NetworkPolicy>,
    poddisruptionbudgets: Table<PodDisruptionBudget>,
    horizontalpodautoscalers: Table<HorizontalPodAutoscaler>,
    daemonsets: Table<DaemonSet>,
    jobs: Table<Job>,
    cronjobs: Table<CronJob>,
    roles: Table<Role>,
    rolebindings: Table<RoleBinding>,
    clusterroles: Table<ClusterRole>,
    clusterrolebindings: Table<ClusterRoleBinding>,
    customresourcedefinitions: Table<CustomResourceDefinition>,
    limitranges: Table<LimitRange>,
    resourcequotas: Table<ResourceQuota>,
    priorityclasses: Table<PriorityClass>,
    resource_version: u64,
    /// Writes per kind: a cheap "has any ConfigMap changed" for readers that keep derived copies.
    writes: BTreeMap<Kind, u64>,
    idx: Indexes,
    graph: ObjectGraph,
    /// Every write while a watch runs (`kubectl get -w`), in the order they happened.
    watch_feed: Option<Vec<WatchEvent>>,
}

/// A write a watch sees: the object as written, or as it was when it was removed.
#[derive(Clone, Debug)]
pub struct WatchEvent {
    pub object: Object,
    pub deleted: bool,
}

/// A bound on the writes a watch holds between two looks.
const WATCH_FEED_LIMIT: usize = 100_000;

/// Secondary indexes, kept in step with every write.
#[derive(Clone, Debug, Default)]
struct Indexes {
    /// node name → pods bound to it.
    pods_by_node: BTreeMap<String, BTreeSet<ObjectKey>>,
    /// Pods not yet bound to a node: the scheduler's queue.
    unscheduled: BTreeSet<ObjectKey>,
    /// Pods no controller owns: what a ReplicaSet may adopt. Kept so that a ReplicaSet's sync
    /// looks at the few orphans, not at every pod its selector matches.
    orphan_pods: BTreeSet<ObjectKey>,
    /// A controller's uid → node → how many of its active pods are bound there: what the
    /// scheduler spreads replicas by, kept here so that placing one pod does not walk its siblings.
    siblings_by_node: BTreeMap<Uid, BTreeMap<String, usize>>,
    /// (namespace, label key, label value) → pods.
    pods_by_label: BTreeMap<(String, String, String), BTreeSet<ObjectKey>>,
    /// (namespace, selector key, selector value) → names of services whose selector has that pair.
    services_by_selector: BTreeMap<(String, String, String), BTreeSet<String>>,
    /// service key → names of its EndpointSlices (by the `kubernetes.io/service-name` label).
    slices_by_service: BTreeMap<ObjectKey, BTreeSet<String>>,
    /// One slot per node, sorted by name: what the scheduler reads in its inner loop, kept in
    /// one contiguous vector so a walk over hundreds of nodes stays in cache.
    node_slots: Vec<NodeSlot>,
    /// pod IP → the pod that has it.
    pods_by_ip: BTreeMap<String, ObjectKey>,
    /// ClusterIP → the Service that has it.
    services_by_ip: BTreeMap<String, ObjectKey>,
}

/// What the scheduler needs to know of a node (its NodeInfo): labels and taints for filtering,
/// what it can hold, and what the pods bound to it request.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NodeSlot {
    pub name: String,
    pub labels: crate::api::meta::Labels,
    pub taints: Vec<crate::api::node::Taint>,
    pub unschedulable: bool,
    pub allocatable: Requested,
    pub requested: Requested,
}

/// What the pods on a node request, as the scheduler counts it: every pod bound to the node that
/// has not finished (terminating pods still hold their share until they are gone).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Requested {
    pub pods: usize,
    pub cpu_milli: i128,
    pub memory_milli: i128,
}

/// How the store reaches the table of each kind, and which indexes a kind feeds.
pub trait Stored: Resource {
    fn table(store: &Store) -> &Table<Self>;
    fn table_mut(store: &mut Store) -> &mut Table<Self>;
    fn reindex(_store: &mut Store, _old: Option<&Self>, _new: Option<&Self>) {}
}

macro_rules! stored {
    ($($ty:ty => $field:ident $(, $extra:ident)?);* $(;)?) => {$(
        impl Stored for $ty {
            fn table(store: &Store) -> &Table<Self> { &store.$field }
            fn table_mut(store: &mut Store) -> &mut Table<Self> { &mut store.$field }
            fn reindex(store: &mut Store, old: Option<&Self>, new: Option<&Self>) {
                store.reindex_graph(old, new);
                $(store.$extra(old, new);)?
            }
        }
    )*};
}

stored! {
    Namespace => namespaces;
    Node => nodes, reindex_node;
    Service => services, reindex_service;
    Endpoints => endpoints;
    EndpointSlice => endpointslices, reindex_slice;
    Deployment => deployments;
    ReplicaSet => replicasets;
    Event => events;
    ConfigMap => configmaps;
    Secret => secrets;
    PersistentVolume => persistentvolumes;
    PersistentVolumeClaim => persistentvolumeclaims;
    StorageClass => storageclasses;
    StatefulSet => statefulsets;
    ControllerRevision => controllerrevisions;
    ServiceAccount => serviceaccounts;
    Ingress => ingresses;
    IngressClass => ingressclasses;
    NetworkPolicy => networkpolicies;
    PodDisruptionBudget => poddisruptionbudgets;
    HorizontalPodAutoscaler => horizontalpodautoscalers;
    DaemonSet => daemonsets;
    Job => jobs;
    CronJob => cronjobs;
    Role => roles;
    RoleBinding => rolebindings;
    ClusterRole => clusterroles;
    ClusterRoleBinding => clusterrolebindings;
    CustomResourceDefinition => customresourcedefinitions;
    LimitRange => limitranges;
    ResourceQuota => resourcequotas;
    PriorityClass => priorityclasses;
    Pod => pods, reindex_pod;
}

/// Calls `$m!` with every stored kind (each kind's variant and type share a name).
macro_rules! each_kind {
    ($m:ident) => {
        $m! { Namespace, Node, Pod, Service, Endpoints, EndpointSlice, Deployment, ReplicaSet, Event, ConfigMap, Secret,
        PersistentVolume, PersistentVolumeClaim, StorageClass, StatefulSet, ControllerRevision, ServiceAccount, Ingress, IngressClass,
        NetworkPolicy, PodDisruptionBudget, HorizontalPodAutoscaler, DaemonSet, Job, CronJob, Role, RoleBinding,
        ClusterRole, ClusterRoleBinding, CustomResourceDefinition, LimitRange, ResourceQuota, PriorityClass }
    };
}

macro_rules! dispatch {
    ($($k:ident),*) => {
        impl Store {
            /// Any object by kind and key, as a generic [`Object`].
            pub fn get_object(&self, kind: Kind, key: &ObjectKey) -> Option<Object> {
                match kind { $(Kind::$k => self.get::<$k>(key).cloned().map(Object::$k),)* }
            }

            /// The metadata of any object by kind and key, borrowed.
            pub fn meta_of(&self, kind: Kind, key: &ObjectKey) -> Option<&crate::api::ObjectMeta> {
                match kind { $(Kind::$k => self.get::<$k>(key).map(Resource::meta),)* }
            }

            /// Any kind's objects, as generic [`Object`]s, in key order (cluster-scoped kinds
            /// ignore the namespace).
            pub fn list_objects(&self, kind: Kind, namespace: Option<&str>) -> Vec<Object> {
                let ns = if kind.namespaced() { namespace } else { None };
                match kind { $(Kind::$k => self.list::<$k>(ns).cloned().map(Object::$k).collect(),)* }
            }

            /// How many objects the store holds, of every kind.
            pub fn size(&self) -> usize {
                0 $(+ <$k as Stored>::table(self).len())*
            }

            /// Writes any object; returns the one it replaced.
            pub(crate) fn put_object(&mut self, obj: Object) -> Option<Object> {
                match obj { $(Object::$k(o) => self.put(o).map(Object::$k),)* }
            }

            /// Removes any object.
            pub(crate) fn remove_object(&mut self, kind: Kind, key: &ObjectKey) -> Option<Object> {
                match kind { $(Kind::$k => self.remove::<$k>(key).map(Object::$k),)* }
            }
        }
    };
}

each_kind!(dispatch);

impl Store {
    pub fn get<T: Stored>(&self, key: &ObjectKey) -> Option<&T> {
        T::table(self).get(key)
    }

    /// Objects of a kind, in key order; only one namespace's when `namespace` is given.
    pub fn list<'a, T: Stored>(&'a self, namespace: Option<&'a str>) -> Box<dyn Iterator<Item = &'a T> + 'a> {
        let table = T::table(self);
        match namespace {
            None => Box::new(table.values()),
            Some(ns) => Box::new(
                table.range(ObjectKey::new(ns, "")..).take_while(move |(k, _)| k.namespace == ns).map(|(_, v)| v),
            ),
        }
    }

    /// Starts recording every write, for a watch.
    pub(crate) fn watch_start(&mut self) {
        self.watch_feed = Some(Vec::new());
    }

    /// The writes since the watch started or was last read.
    pub(crate) fn watch_take(&mut self) -> Vec<WatchEvent> {
        self.watch_feed.as_mut().map(std::mem::take).unwrap_or_default()
    }

    pub(crate) fn watch_stop(&mut self) {
        self.watch_feed = None;
    }

    pub fn count<T: Stored>(&self) -> usize {
        T::table(self).len()
    }

    /// The scheduler's view of every node, sorted by name.
    pub fn node_slots(&self) -> &[NodeSlot] {
        &self.idx.node_slots
    }

    fn slot_mut(&mut self, node: &str) -> Option<&mut NodeSlot> {
        let i = self.idx.node_slots.binary_search_by(|s| s.name.as_str().cmp(node)).ok()?;
        self.idx.node_slots.get_mut(i)
    }

    /// Pods bound to `node`.
    pub fn pods_on_node<'a>(&'a self, node: &str) -> impl Iterator<Item = &'a Pod> + 'a {
        self.idx.pods_by_node.get(node).into_iter().flatten().filter_map(move |k| self.pods.get(k))
    }

    /// The pod that has `ip`, if any live pod has it.
    pub fn pod_by_ip(&self, ip: &str) -> Option<&Pod> {
        self.idx.pods_by_ip.get(ip).and_then(|k| self.pods.get(k))
    }

    /// The Service whose ClusterIP is `ip`.
    pub fn service_by_cluster_ip(&self, ip: &str) -> Option<&Service> {
        self.idx.services_by_ip.get(ip).and_then(|k| self.services.get(k))
    }

    pub fn pod_count_on_node(&self, node: &str) -> usize {
        self.idx.pods_by_node.get(node).map_or(0, BTreeSet::len)
    }

    /// Pods waiting for a node.
    pub fn unscheduled_pods(&self) -> impl Iterator<Item = &ObjectKey> {
        self.idx.unscheduled.iter()
    }

    /// Pods in `namespace` that `selector` matches. The label index narrows the candidates to the
    /// pods carrying the selector's rarest required pair; only those are matched in full.
    pub fn pods_matching<'a>(&'a self, namespace: &'a str, selector: &Selector) -> Vec<&'a Pod> {
        let mut narrowest: Option<&BTreeSet<ObjectKey>> = None;
        let mut pairs = 0;
        for (k, v) in selector.required_pairs() {
            pairs += 1;
            let set = self.idx.pods_by_label.get(&(namespace.to_string(), k.to_string(), v.to_string()));
            match set {
                None => return Vec::new(),
                Some(s) if narrowest.is_none_or(|n| s.len() < n.len()) => narrowest = Some(s),
                Some(_) => {}
            }
        }
        match narrowest {
            // A selector of one pair is the index entry itself: nothing left to check.
            Some(keys) if pairs == 1 && selector.len() == 1 => keys.iter().filter_map(|k| self.pods.get(k)).collect(),
            Some(keys) => {
                keys.iter().filter_map(|k| self.pods.get(k)).filter(|p| selector.matches(&p.metadata.labels)).collect()
            }
            None => self.list::<Pod>(Some(namespace)).filter(|p| selector.matches(&p.metadata.labels)).collect(),
        }
    }

    /// How many writes (creates, updates, removals) objects of `kind` have had.
    pub fn writes_of(&self, kind: Kind) -> u64 {
        self.writes.get(&kind).copied().unwrap_or(0)
    }

    /// How many active pods of the controller `uid` are bound to each node.
    pub fn siblings_by_node(&self, uid: &Uid) -> Option<&BTreeMap<String, usize>> {
        self.idx.siblings_by_node.get(uid)
    }

    /// Pods in `namespace` that no controller owns (candidates for adoption).
    pub fn orphan_pods<'a>(&'a self, namespace: &'a str) -> impl Iterator<Item = &'a Pod> + 'a {
        self.idx
            .orphan_pods
            .range(ObjectKey::new(namespace, "")..)
            .take_while(move |k| k.namespace == namespace)
            .filter_map(move |k| self.pods.get(k))
    }

    /// Services in `namespace` whose selector matches `labels`, found through the selector-pair
    /// index: a pod's change looks only at the services that could select it.
    pub fn services_selecting(&self, namespace: &str, labels: &crate::api::meta::Labels) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for (k, v) in labels {
            if let Some(names) = self.idx.services_by_selector.get(&(namespace.to_string(), k.clone(), v.clone())) {
                for name in names {
                    let Some(svc) = self.services.get(&ObjectKey::new(namespace, name.as_str())) else {
                        continue;
                    };
                    if svc.spec.selector.iter().all(|(sk, sv)| labels.get(sk) == Some(sv)) {
                        out.insert(name.clone());
                    }
                }
            }
        }
        out
    }

    /// The metadata of the object with this uid (an owner reference's target), if it exists.
    pub fn object_by_uid(&self, uid: &Uid) -> Option<&crate::api::ObjectMeta> {
        let r = self.graph.get(uid)?;
        self.meta_of(r.kind, &r.key).filter(|m| &m.uid == uid)
    }

    /// The EndpointSlices labelled for the service `key`.
    pub fn slices_for_service<'a>(&'a self, key: &ObjectKey) -> Vec<&'a EndpointSlice> {
        self.idx
            .slices_by_service
            .get(key)
            .into_iter()
            .flatten()
            .filter_map(|n| self.endpointslices.get(&ObjectKey::new(key.namespace.as_str(), n.as_str())))
            .collect()
    }

    /// What `uid` owns, from the object graph.
    pub fn dependents(&self, uid: &Uid) -> Vec<ObjRef> {
        self.graph.dependents(uid)
    }

    /// As [`Store::dependents`], borrowed: for controllers that walk many dependents per sync.
    pub fn dependent_refs(&self, uid: &Uid) -> Vec<&ObjRef> {
        self.graph.dependent_refs(uid)
    }

    pub fn owners_gone(&self, uid: &Uid) -> bool {
        self.graph.all_owners_gone(uid)
    }

    /// The next `metadata.resourceVersion`.
    /// The newest resource version written, what a List reports.
    pub fn resource_version(&self) -> u64 {
        self.resource_version
    }

    pub(crate) fn next_resource_version(&mut self) -> String {
        self.resource_version += 1;
        self.resource_version.to_string()
    }

    /// Writes an object (insert or replace), keeping every index in step. Returns the old one.
    pub(crate) fn put<T: Stored>(&mut self, obj: T) -> Option<T> {
        *self.writes.entry(T::KIND).or_default() += 1;
        if let Some(feed) = self.watch_feed.as_mut().filter(|f| f.len() < WATCH_FEED_LIMIT) {
            feed.push(WatchEvent { object: obj.clone().into_object(), deleted: false });
        }
        let key = obj.key();
        let old = T::table_mut(self).remove(&key);
        T::reindex(self, old.as_ref(), Some(&obj));
        T::table_mut(self).insert(key, obj);
        old
    }

    /// Removes an object, keeping every index in step.
    pub(crate) fn remove<T: Stored>(&mut self, key: &ObjectKey) -> Option<T> {
        let old = T::table_mut(self).remove(key)?;
        *self.writes.entry(T::KIND).or_default() += 1;
        if let Some(feed) = self.watch_feed.as_mut().filter(|f| f.len() < WATCH_FEED_LIMIT) {
            feed.push(WatchEvent { object: old.clone().into_object(), deleted: true });
        }
        T::reindex(self, Some(&old), None);
        Some(old)
    }

    /// The object graph, which every kind feeds through its owner references.
    fn reindex_graph<T: Stored>(&mut self, old: Option<&T>, new: Option<&T>) {
        match (old, new) {
            (Some(o), None) => self.graph.remove(&o.meta().uid),
            (_, Some(n)) => {
                let m = n.meta();
                if m.uid.is_empty() {
                    return;
                }
                let owners: Vec<_> = m
                    .owner_references
                    .iter()
                    .filter_map(|r| {
                        let kind = Kind::from_type(&r.api_version, &r.kind)?;
                        let ns = if kind.namespaced() { m.namespace.clone() } else { String::new() };
                        Some((kind, ObjectKey::new(ns, r.name.clone()), r.uid.clone()))
                    })
                    .collect();
                self.graph.upsert(ObjRef { kind: T::KIND, key: n.key(), uid: m.uid.clone() }, &owners);
            }
            (None, None) => {}
        }
    }

    fn reindex_pod(&mut self, old: Option<&Pod>, new: Option<&Pod>) {
        if let Some(p) = old {
            let m = &p.metadata;
            let key = ObjectKey::of(m);
            for (k, v) in &m.labels {
                remove_from(&mut self.idx.pods_by_label, &(m.namespace.clone(), k.clone(), v.clone()), &key);
            }
            remove_from(&mut self.idx.pods_by_node, &p.spec.node_name, &key);
            self.idx.unscheduled.remove(&key);
            self.idx.orphan_pods.remove(&key);
            if !p.status.pod_ip.is_empty() && self.idx.pods_by_ip.get(&p.status.pod_ip) == Some(&key) {
                self.idx.pods_by_ip.remove(&p.status.pod_ip);
            }
            if let Some(owner) = counted_sibling(p)
                && let Some(nodes) = self.idx.siblings_by_node.get_mut(&owner.uid)
            {
                if let Some(n) = nodes.get_mut(&p.spec.node_name) {
                    *n -= 1;
                    if *n == 0 {
                        nodes.remove(&p.spec.node_name);
                    }
                }
                if nodes.is_empty() {
                    self.idx.siblings_by_node.remove(&owner.uid);
                }
            }
            if !p.spec.node_name.is_empty() && !p.is_terminal() {
                let (cpu, memory) = (p.request_milli("cpu"), p.request_milli("memory"));
                if let Some(slot) = self.slot_mut(&p.spec.node_name) {
                    slot.requested.pods = slot.requested.pods.saturating_sub(1);
                    slot.requested.cpu_milli -= cpu;
                    slot.requested.memory_milli -= memory;
                }
            }
        }
        if let Some(p) = new {
            let m = &p.metadata;
            let key = ObjectKey::of(m);
            for (k, v) in &m.labels {
                self.idx
                    .pods_by_label
                    .entry((m.namespace.clone(), k.clone(), v.clone()))
                    .or_default()
                    .insert(key.clone());
            }
            if !p.status.pod_ip.is_empty() {
                self.idx.pods_by_ip.insert(p.status.pod_ip.clone(), key.clone());
            }
            if m.controller().is_none() {
                self.idx.orphan_pods.insert(key.clone());
            }
            if let Some(owner) = counted_sibling(p) {
                let nodes = self.idx.siblings_by_node.entry(owner.uid.clone()).or_default();
                *nodes.entry(p.spec.node_name.clone()).or_default() += 1;
            }
            if p.spec.node_name.is_empty() {
                self.idx.unscheduled.insert(key);
            } else {
                self.idx.pods_by_node.entry(p.spec.node_name.clone()).or_default().insert(key);
                if !p.is_terminal() {
                    let (cpu, memory) = (p.request_milli("cpu"), p.request_milli("memory"));
                    if let Some(slot) = self.slot_mut(&p.spec.node_name) {
                        slot.requested.pods += 1;
                        slot.requested.cpu_milli += cpu;
                        slot.requested.memory_milli += memory;
                    }
                }
            }
        }
    }

    fn reindex_node(&mut self, old: Option<&Node>, new: Option<&Node>) {
        match new {
            None => {
                if let Some(o) = old {
                    self.idx.node_slots.retain(|s| s.name != o.metadata.name);
                }
            }
            Some(n) => {
                let q = |r: &str| n.status.allocatable.get(r).and_then(|v| crate::api::quantity::parse_milli(v));
                let allocatable = Requested {
                    pods: q("pods").map_or(usize::MAX, |m| (m / 1000) as usize),
                    cpu_milli: q("cpu").unwrap_or(i128::MAX),
                    memory_milli: q("memory").unwrap_or(i128::MAX),
                };
                let name = n.metadata.name.clone();
                match self.idx.node_slots.binary_search_by(|s| s.name.cmp(&name)) {
                    Ok(i) => {
                        let slot = &mut self.idx.node_slots[i];
                        slot.labels = n.metadata.labels.clone();
                        slot.taints = n.spec.taints.clone();
                        slot.unschedulable = n.is_unschedulable();
                        slot.allocatable = allocatable;
                    }
                    Err(i) => {
                        // A node added after pods were bound to its name starts from what they request.
                        let mut requested = Requested::default();
                        for p in self.pods_on_node(&name).filter(|p| !p.is_terminal()) {
                            requested.pods += 1;
                            requested.cpu_milli += p.request_milli("cpu");
                            requested.memory_milli += p.request_milli("memory");
                        }
                        self.idx.node_slots.insert(
                            i,
                            NodeSlot {
                                name,
                                labels: n.metadata.labels.clone(),
                                taints: n.spec.taints.clone(),
                                unschedulable: n.is_unschedulable(),
                                allocatable,
                                requested,
                            },
                        );
                    }
                }
            }
        }
    }

    fn reindex_service(&mut self, old: Option<&Service>, new: Option<&Service>) {
        if let Some(s) = old
            && !s.spec.cluster_ip.is_empty()
        {
            self.idx.services_by_ip.remove(&s.spec.cluster_ip);
        }
        if let Some(s) = new
            && !s.spec.cluster_ip.is_empty()
            && s.spec.cluster_ip != "None"
        {
            self.idx.services_by_ip.insert(s.spec.cluster_ip.clone(), ObjectKey::of(&s.metadata));
        }
        if let Some(s) = old {
            for (k, v) in &s.spec.selector {
                let ik = (s.metadata.namespace.clone(), k.clone(), v.clone());
                remove_from(&mut self.idx.services_by_selector, &ik, &s.metadata.name);
            }
        }
        if let Some(s) = new {
            for (k, v) in &s.spec.selector {
                self.idx
                    .services_by_selector
                    .entry((s.metadata.namespace.clone(), k.clone(), v.clone()))
                    .or_default()
                    .insert(s.metadata.name.clone());
            }
        }
    }

    fn reindex_slice(&mut self, old: Option<&EndpointSlice>, new: Option<&EndpointSlice>) {
        if let Some(m) = old.map(|s| &s.metadata)
            && let Some(svc) = m.labels.get(LABEL_SERVICE_NAME)
        {
            let sk = ObjectKey::new(m.namespace.as_str(), svc.as_str());
            remove_from(&mut self.idx.slices_by_service, &sk, &m.name);
        }
        if let Some(m) = new.map(|s| &s.metadata)
            && let Some(svc) = m.labels.get(LABEL_SERVICE_NAME)
        {
            self.idx
                .slices_by_service
                .entry(ObjectKey::new(m.namespace.as_str(), svc.as_str()))
                .or_default()
                .insert(m.name.clone());
        }
    }
}

/// Removes `item` from the set at `key`, dropping the set when it empties (so an index never
/// keeps keys for objects that are gone).
fn remove_from<K: Ord + Clone, V: Ord>(map: &mut BTreeMap<K, BTreeSet<V>>, key: &K, item: &V) {
    if let Some(set) = map.get_mut(key) {
        set.remove(item);
        if set.is_empty() {
            map.remove(key);
        }
    }
}

/// The controller a pod counts for in [`Store::siblings_by_node`], if it is active and bound.
fn counted_sibling(p: &Pod) -> Option<&crate::api::meta::OwnerReference> {
    p.metadata.controller().filter(|_| p.is_active() && !p.spec.node_name.is_empty())
}
