//! The view: plain data for a front end to draw, with a stable layout, so the page holds no
//! cluster logic. Nodes are columns holding their pods; services sit above with their endpoints.
//!
//! The layout keeps each pod in the slot it first got on its node ([`Layout`]), so a pod that
//! comes or goes does not make the others jump.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::api::discovery::LABEL_SERVICE_NAME;
use crate::api::{
    EndpointSlice, Kind, Node, ObjectKey, PersistentVolume, PersistentVolumeClaim, Pod, ReplicaSet, Service, Uid,
};
use crate::{Cluster, labels};

pub const NODE_WIDTH: f64 = 240.0;
pub const NODE_GAP: f64 = 30.0;
pub const NODE_HEADER: f64 = 58.0;
pub const POD_HEIGHT: f64 = 58.0;
pub const POD_GAP: f64 = 10.0;
pub const SERVICE_WIDTH: f64 = 240.0;
pub const SERVICE_HEIGHT: f64 = 64.0;
pub const SERVICES_Y: f64 = 10.0;
pub const NODES_Y: f64 = SERVICES_Y + SERVICE_HEIGHT + 90.0;
pub const VOLUME_WIDTH: f64 = 180.0;
pub const VOLUME_HEIGHT: f64 = 58.0;
/// Room between the nodes and the row of PersistentVolumes, for the attachment lines.
pub const VOLUMES_GAP: f64 = 50.0;
/// Between the storage rows: room for the next row's label.
pub const STORAGE_ROW_GAP: f64 = 28.0;

/// The tops of the storage rows under the nodes.
#[derive(Clone, Copy, PartialEq, Debug, Default, Serialize)]
pub struct StorageRows {
    pub claims: Option<f64>,
    pub volumes: Option<f64>,
    pub classes: Option<f64>,
}

#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct View {
    /// Simulated time, RFC 3339.
    pub time: String,
    pub nodes: Vec<NodeView>,
    pub services: Vec<ServiceView>,
    pub volumes: Vec<VolumeView>,
    /// Pods no node has taken yet, in a lane of their own beside the nodes (absent when none).
    pub unscheduled: Option<NodeView>,
    /// PersistentVolumeClaims, bound or waiting, and the StorageClasses that provision for them.
    pub claims: Vec<ClaimView>,
    pub storage_classes: Vec<StorageClassView>,
    /// Where the map's storage rows begin (each row is labelled), when drawn.
    pub storage_rows: StorageRows,
    /// The learner's Deployments (not the system's), by name.
    pub deployments: Vec<DeploymentView>,
    /// Requests sent in the last [`TRACES_WINDOW_MS`] of simulated time, oldest first, for the
    /// page to animate: client → Service → backend, coloured by outcome.
    pub traces: Vec<TraceView>,
    /// The most recent Events, oldest first (at most [`EVENTS_SHOWN`]).
    pub events: Vec<EventView>,
    pub width: f64,
    pub height: f64,
}

/// How far back the view's request traces reach, and how many it carries at most.
pub const TRACES_WINDOW_MS: i64 = 1500;
pub const TRACES_SHOWN: usize = 40;

#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct TraceView {
    pub seq: u64,
    /// The client pod's name, when a pod sent it.
    pub from_pod: Option<String>,
    /// The Service it went through, by name.
    pub service: Option<String>,
    /// The pod that answered or was tried.
    pub backend_pod: Option<String>,
    /// `answered`, `refused`, `timed out`, `no route`, `dns failed`.
    pub outcome: String,
}

/// How many Events the view carries.
pub const EVENTS_SHOWN: usize = 60;

#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct DeploymentView {
    pub name: String,
    pub namespace: String,
    pub replicas: i32,
    pub ready: i32,
    pub updated: i32,
    pub available: i32,
    /// The first container's image (what `kubectl set image` changes).
    pub image: String,
    pub container: String,
    /// The pods' labels as a selector (`app=backend`).
    pub selector: String,
    /// A Service selecting its pods exists already.
    pub exposed: bool,
    /// The traffic generators sending from its pods: (id, URL).
    pub traffic: Vec<(u32, String)>,
    /// Its ReplicaSets that still have pods or are current, newest revision first.
    pub replica_sets: Vec<ReplicaSetView>,
}

#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct ReplicaSetView {
    pub name: String,
    pub revision: String,
    pub replicas: i32,
    pub ready: i32,
    /// The one whose template matches the Deployment's (new pods come from it).
    pub current: bool,
    pub image: String,
}

#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct ClaimView {
    pub name: String,
    pub namespace: String,
    /// Pending, Bound or Lost.
    pub phase: String,
    /// What it asked for, and what it got once bound.
    pub request: String,
    pub capacity: String,
    pub access_modes: String,
    pub storage_class: String,
    pub volume: String,
    /// The pods that mount it.
    pub used_by: Vec<String>,
    /// Where the map draws it: in the claims row, above its volume once bound.
    pub x: f64,
    pub y: f64,
}

#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct StorageClassView {
    pub name: String,
    pub provisioner: String,
    pub binding_mode: String,
    pub reclaim_policy: String,
    pub default: bool,
    /// Where the map draws it, in the classes row.
    pub x: f64,
    pub y: f64,
}

#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct EventView {
    /// Stable across updates of the same Event (name and count), for keyed lists.
    pub key: String,
    pub type_: String,
    pub reason: String,
    /// `pod/backend-…`, as `kubectl get events` names the object.
    pub object: String,
    pub message: String,
    pub count: i32,
    pub last_seen: String,
}

#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct NodeView {
    pub name: String,
    pub status: String,
    pub ready: bool,
    pub internal_ip: String,
    pub pod_cidr: String,
    /// Cordoned (`spec.unschedulable`).
    pub unschedulable: bool,
    /// The machine behind the node: `running`, `powered off` or `partitioned` (what `sim fail`,
    /// `sim partition` and `sim recover` change; the control plane only sees missing heartbeats).
    pub machine: String,
    /// Files on the node's own disk (what hostPath volumes wrote): they outlive every pod and
    /// end with the node. The first few, and how many there are.
    pub disk: Vec<FileView>,
    pub disk_files: usize,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    /// Shared with the layout's memory of each pod's last view: a view after one change copies
    /// a pointer per unchanged pod.
    pub pods: Vec<Arc<PodView>>,
}

#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct PodView {
    pub uid: String,
    pub name: String,
    pub namespace: String,
    pub node: String,
    pub ip: String,
    /// kubectl's STATUS column: Running, Pending, ContainerCreating, Terminating, …
    pub status: String,
    pub phase: String,
    pub ready: bool,
    pub terminating: bool,
    pub restarts: i32,
    /// The workload the pod belongs to (its Deployment, else its ReplicaSet), for colouring.
    pub owner: String,
    /// The ReplicaSet it belongs to, if one controls it: during a rollout old and new differ.
    pub replica_set: String,
    /// Why it is not running, in the words of its condition or waiting state (empty when it runs).
    pub reason: String,
    /// A kube-system pod: drawn quieter than the learner's own.
    pub system: bool,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    /// Where the pod's files are: each container's writable layer, then each volume.
    pub storage: Vec<StorageView>,
}

/// A pod view's coordinates are never NaN, so equality is reflexive; being `Eq` lets the
/// comparison of two views skip a pod whose `Arc` they share.
impl Eq for PodView {}

/// One place a pod keeps files, and what is in it now.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct StorageView {
    /// `layer` for a container's writable layer, else the volume type: `emptyDir`, `hostPath`,
    /// `configMap`, `secret`, `persistentVolumeClaim`, or another type's name.
    pub kind: String,
    /// The container (for a layer) or the volume's name.
    pub name: String,
    /// Where the data lives: `node-1:/var/data`, `pvc-… (network disk)`, `memory`.
    pub backing: String,
    /// What ends it: `container` (a restart), `pod`, `node`, `volume`, or `object` (configMap, secret).
    pub lives_with: String,
    /// `container:/path`, with ` (ro)` for a read-only mount.
    pub mounts: Vec<String>,
    pub files: Vec<FileView>,
}

#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct FileView {
    /// The path inside the volume (or the container, for a layer).
    pub path: String,
    pub bytes: usize,
    /// The first line, shortened.
    pub preview: String,
}

/// A PersistentVolume: its claim, phase, where it is attached, and its files.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct VolumeView {
    pub name: String,
    /// `namespace/claim`, empty when unclaimed.
    pub claim: String,
    pub phase: String,
    pub storage_class: String,
    pub capacity: String,
    /// RWO, RWX, ROX, RWOP.
    pub access_modes: String,
    pub reclaim_policy: String,
    /// `network disk`, or `hostPath on node-1` style for a volume that lives on one node.
    pub backing: String,
    /// Nodes the disk is attached (or attaching) to.
    pub attached_to: Vec<String>,
    pub files: Vec<FileView>,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct ServiceView {
    pub name: String,
    pub namespace: String,
    pub type_: String,
    pub cluster_ip: String,
    /// A LoadBalancer's external IP, `<pending>` until the cloud provides it; empty otherwise.
    pub external_ip: String,
    pub ports: String,
    pub selector: String,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub endpoints: Vec<EndpointView>,
}

#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct EndpointView {
    pub ip: String,
    pub pod_uid: String,
    pub pod_name: String,
    pub ready: bool,
    pub serving: bool,
    pub terminating: bool,
}

/// Slot memory for a stable layout: per node, which pod sits in which slot.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    slots: BTreeMap<String, Vec<Option<Uid>>>,
    /// Each pod's last view, with what it was made from: a pod whose object, seat, owner and
    /// storage inputs are unchanged is copied, not rebuilt, so a view after one change costs a
    /// copy per pod rather than a rebuild of each.
    pods: BTreeMap<Uid, (PodInputs, u64, Arc<PodView>)>,
    /// Which view is being built, to forget the pods it did not draw.
    generation: u64,
}

/// What a pod's view is computed from, besides the pod object itself (its resourceVersion).
#[derive(Clone, PartialEq, Debug)]
struct PodInputs {
    resource_version: String,
    seat: (u64, u64),
    owner: String,
    /// Files anywhere, and the objects a pod's volumes show: a change to any of them rebuilds
    /// every pod's storage list once.
    files: u64,
    volume_objects: [u64; 4],
    boot: u32,
}

impl Layout {
    /// This layout's seats without its copies of pod views: what a page opened now would
    /// compute, to check the copies against.
    pub fn without_cached_views(&self) -> Layout {
        Layout { slots: self.slots.clone(), ..Layout::default() }
    }

    /// Frees the slots of pods that left `node`, then seats new pods in the first free slots, in
    /// creation order. Returns each pod's slot, in the order of `pods`.
    fn seat(&mut self, node: &str, pods: &[&Pod]) -> Vec<usize> {
        let slots = self.slots.entry(node.to_string()).or_default();
        let present: std::collections::BTreeSet<&Uid> = pods.iter().map(|p| &p.metadata.uid).collect();
        for s in slots.iter_mut() {
            if s.as_ref().is_some_and(|u| !present.contains(u)) {
                *s = None;
            }
        }
        let mut seated: Vec<Option<usize>> = {
            let at: BTreeMap<&Uid, usize> =
                slots.iter().enumerate().filter_map(|(i, s)| s.as_ref().map(|u| (u, i))).collect();
            pods.iter().map(|p| at.get(&p.metadata.uid).copied()).collect()
        };
        let mut newcomers: Vec<usize> = (0..pods.len()).filter(|&i| seated[i].is_none()).collect();
        newcomers.sort_by_key(|&i| (pods[i].metadata.creation_timestamp, pods[i].metadata.name.as_str()));
        let mut free = 0;
        for i in newcomers {
            while free < slots.len() && slots[free].is_some() {
                free += 1;
            }
            if free == slots.len() {
                slots.push(None);
            }
            slots[free] = Some(pods[i].metadata.uid.clone());
            seated[i] = Some(free);
        }
        while slots.last().is_some_and(Option::is_none) {
            slots.pop();
        }
        seated.into_iter().map(|s| s.unwrap_or(0)).collect()
    }
}

impl Cluster {
    /// One column of pods at `x` (a node, or the unscheduled lane under key ""), each in the slot
    /// `layout` remembers for it; returns the pods top to bottom and the column's height.
    fn column(&self, layout: &mut Layout, key: &str, pods: &[&Pod], x: f64) -> (Vec<Arc<PodView>>, f64) {
        let seats = layout.seat(key, pods);
        let rows = seats.iter().copied().max().map_or(0, |m| m + 1);
        let h = NODE_HEADER + rows as f64 * (POD_HEIGHT + POD_GAP) + POD_GAP;
        let store = self.store();
        let volume_objects = [Kind::ConfigMap, Kind::Secret, Kind::PersistentVolumeClaim, Kind::PersistentVolume]
            .map(|k| store.writes_of(k));
        let mut owners: BTreeMap<(&str, &str), &str> = BTreeMap::new();
        // Drawn in slot order, top to bottom.
        let mut order: Vec<usize> = (0..pods.len()).collect();
        order.sort_by_key(|&i| seats[i]);
        let views: Vec<Arc<PodView>> = order
            .into_iter()
            .map(|i| {
                let (p, slot) = (pods[i], seats[i]);
                let (px, py) = (x + 10.0, NODES_Y + NODE_HEADER + slot as f64 * (POD_HEIGHT + POD_GAP));
                let seat = (px.to_bits(), py.to_bits());
                // Pods of one ReplicaSet share its owner: looked up once per column.
                let owner = match p.metadata.controller() {
                    Some(r) if r.kind == "ReplicaSet" => *owners
                        .entry((p.metadata.namespace.as_str(), r.name.as_str()))
                        .or_insert_with(|| owner_name(self, p)),
                    _ => owner_name(self, p),
                };
                let (files, boot) = (self.files.changes(), self.machines.get(&p.spec.node_name).boot);
                // Compared in place, so that an unchanged pod costs no allocation.
                let same = |was: &PodInputs| {
                    was.resource_version == p.metadata.resource_version
                        && was.seat == seat
                        && was.owner == owner
                        && was.files == files
                        && was.volume_objects == volume_objects
                        && was.boot == boot
                };
                match layout.pods.get_mut(&p.metadata.uid) {
                    Some((was, seen, view)) if same(was) => {
                        *seen = layout.generation;
                        Arc::clone(view)
                    }
                    _ => {
                        let view = Arc::new(pod_view(self, p, px, py));
                        let inputs = PodInputs {
                            resource_version: p.metadata.resource_version.clone(),
                            seat,
                            owner: owner.to_string(),
                            files,
                            volume_objects,
                            boot,
                        };
                        layout.pods.insert(p.metadata.uid.clone(), (inputs, layout.generation, Arc::clone(&view)));
                        view
                    }
                }
            })
            .collect();
        (views, h)
    }

    /// The first files on a node's own disk, where hostPath volumes keep theirs, and how many
    /// there are.
    fn node_disk(&self, node: &str) -> (Vec<FileView>, usize) {
        match self.files.tree(&crate::fs::Backing::NodeDisk { node: node.to_string() }, 0) {
            Some(t) => (file_views(t.first_files(FILES_SHOWN)), t.file_count()),
            None => (Vec::new(), 0),
        }
    }

    /// The plain-data view of the cluster, laid out with `layout`'s slot memory.
    pub fn view(&self, layout: &mut Layout) -> View {
        layout.generation += 1;
        let store = self.store();
        let mut nodes = Vec::new();
        let mut tallest: f64 = 0.0;
        // Every bound pod, grouped by node in one walk of the pods (in key order, as the node
        // index keeps them): a lookup per pod through the index costs several times more.
        let mut bound: BTreeMap<&str, Vec<&Pod>> = BTreeMap::new();
        for p in store.list::<Pod>(None).filter(|p| !p.spec.node_name.is_empty()) {
            bound.entry(p.spec.node_name.as_str()).or_default().push(p);
        }
        for (i, n) in store.list::<Node>(None).enumerate() {
            let x = 10.0 + i as f64 * (NODE_WIDTH + NODE_GAP);
            let pods = bound.remove(n.metadata.name.as_str()).unwrap_or_default();
            let (pod_views, h) = self.column(layout, &n.metadata.name, &pods, x);
            tallest = tallest.max(h);
            let (disk, disk_files) = self.node_disk(&n.metadata.name);
            nodes.push(NodeView {
                name: n.metadata.name.clone(),
                status: n.display_status(),
                ready: n.is_ready(),
                internal_ip: n.internal_ip().to_string(),
                pod_cidr: n.spec.pod_cidr.clone(),
                unschedulable: n.spec.unschedulable.unwrap_or(false),
                machine: {
                    let m = self.machines.get(&n.metadata.name);
                    if !m.up() {
                        "powered off"
                    } else if !m.reachable() {
                        "partitioned"
                    } else {
                        "running"
                    }
                    .to_string()
                },
                disk,
                disk_files,
                x,
                y: NODES_Y,
                w: NODE_WIDTH,
                h,
                pods: pod_views,
            });
        }
        let services: Vec<ServiceView> = store
            .list::<Service>(None)
            .filter(|s| s.metadata.namespace != "kube-system" && !s.spec.selector.is_empty())
            .enumerate()
            .map(|(i, s)| service_view(self, s, 10.0 + i as f64 * (SERVICE_WIDTH + NODE_GAP)))
            .collect();
        // Pods the scheduler has not placed get a lane after the nodes, seated the same way.
        let unscheduled = {
            let pods: Vec<&Pod> = store.unscheduled_pods().filter_map(|k| store.get::<Pod>(k)).collect();
            let x = 10.0 + nodes.len() as f64 * (NODE_WIDTH + NODE_GAP);
            // Seated even when empty, so the lane's slot memory forgets pods that were placed.
            let (pod_views, h) = self.column(layout, "", &pods, x);
            (!pods.is_empty()).then(|| {
                tallest = tallest.max(h);
                NodeView {
                    name: String::new(),
                    status: "Unscheduled".into(),
                    ready: true,
                    internal_ip: String::new(),
                    pod_cidr: String::new(),
                    unschedulable: false,
                    machine: String::new(),
                    disk: Vec::new(),
                    disk_files: 0,
                    x,
                    y: NODES_Y,
                    w: NODE_WIDTH,
                    h,
                    pods: pod_views,
                }
            })
        };
        let columns = nodes.len() + usize::from(unscheduled.is_some());
        let width = (columns.max(services.len()) as f64) * (NODE_WIDTH + NODE_GAP) + 10.0;
        // Storage sits in rows under the nodes, outside them: claims, then the PersistentVolumes
        // they bind (a volume is not on any node, only attached), then the StorageClasses. Each
        // row holds as many as the nodes are wide, in name order; a claim stands above its volume.
        let per_row = (((width - 10.0) / (VOLUME_WIDTH + POD_GAP)).floor() as usize).max(1);
        let cell = |i: usize, top: f64| {
            (
                10.0 + (i % per_row) as f64 * (VOLUME_WIDTH + POD_GAP),
                top + (i / per_row) as f64 * (VOLUME_HEIGHT + POD_GAP),
            )
        };
        let rows = |n: usize| n.div_ceil(per_row) as f64 * (VOLUME_HEIGHT + POD_GAP);
        let (mut claims, mut storage_classes) = claim_views(self);
        let pv_names: Vec<String> = store.list::<PersistentVolume>(None).map(|pv| pv.metadata.name.clone()).collect();
        let pv_index: BTreeMap<&str, usize> = pv_names.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
        // The claims row and the volumes row appear together, so the first claim or volume does
        // not push the other down later.
        let has_storage = !claims.is_empty() || !pv_names.is_empty();
        let mut seats: Vec<usize> = Vec::with_capacity(claims.len());
        let mut taken: std::collections::BTreeSet<usize> = std::collections::BTreeSet::new();
        for c in &claims {
            let seat = pv_index.get(c.volume.as_str()).copied();
            if let Some(i) = seat {
                taken.insert(i);
            }
            seats.push(seat.unwrap_or(usize::MAX));
        }
        let mut next_free = 0;
        for seat in seats.iter_mut().filter(|s| **s == usize::MAX) {
            while taken.contains(&next_free) {
                next_free += 1;
            }
            *seat = next_free;
            taken.insert(next_free);
        }
        let claim_slots = taken.last().map_or(0, |m| m + 1).max(usize::from(has_storage));
        let claims_y = NODES_Y + tallest + VOLUMES_GAP;
        for (c, seat) in claims.iter_mut().zip(&seats) {
            (c.x, c.y) = cell(*seat, claims_y);
        }
        let volumes_y = claims_y + if has_storage { rows(claim_slots) + STORAGE_ROW_GAP } else { 0.0 };
        let volumes: Vec<VolumeView> = store
            .list::<PersistentVolume>(None)
            .enumerate()
            .map(|(i, pv)| {
                let (x, y) = cell(i, volumes_y);
                volume_view(self, pv, x, y)
            })
            .collect();
        let classes_y = volumes_y + if has_storage { rows(pv_names.len().max(1)) + STORAGE_ROW_GAP } else { 0.0 };
        for (i, sc) in storage_classes.iter_mut().enumerate() {
            (sc.x, sc.y) = cell(i, classes_y);
        }
        let height = classes_y + rows(storage_classes.len()) + 10.0;
        let storage_rows = StorageRows {
            claims: has_storage.then_some(claims_y),
            volumes: has_storage.then_some(volumes_y),
            classes: (!storage_classes.is_empty()).then_some(classes_y),
        };
        let deployments = deployment_views(self);
        let events = event_views(self);
        let traces = trace_views(self);
        let generation = layout.generation;
        layout.pods.retain(|_, (_, seen, _)| *seen == generation);
        View {
            time: self.now().rfc3339(),
            nodes,
            unscheduled,
            services,
            volumes,
            claims,
            storage_classes,
            storage_rows,
            deployments,
            traces,
            events,
            width,
            height,
        }
    }
}

/// Why a pod is not running, as a learner should see it on the pod: the scheduler's message while
/// no node fits, else the waiting reason's message (image pulls, volumes, config errors).
fn not_running_reason(p: &Pod) -> String {
    if p.metadata.is_terminating() {
        return String::new();
    }
    if p.spec.node_name.is_empty() {
        return p
            .status
            .conditions
            .iter()
            .find(|c| c.type_ == "PodScheduled" && c.status == "False")
            .map_or_else(|| "waiting for the scheduler".to_string(), |c| c.message.clone());
    }
    p.status
        .container_statuses
        .iter()
        .find_map(|cs| cs.state.waiting.as_ref())
        .map(|w| if w.message.is_empty() { w.reason.clone() } else { format!("{}: {}", w.reason, w.message) })
        .unwrap_or_default()
}

fn pod_view(c: &Cluster, p: &Pod, x: f64, y: f64) -> PodView {
    PodView {
        uid: p.metadata.uid.0.clone(),
        name: p.metadata.name.clone(),
        namespace: p.metadata.namespace.clone(),
        node: p.spec.node_name.clone(),
        ip: p.status.pod_ip.clone(),
        status: p.display_status(),
        phase: p.status.phase.clone(),
        ready: p.is_ready(),
        terminating: p.metadata.is_terminating(),
        restarts: p.restarts(),
        owner: owner_name(c, p).to_string(),
        replica_set: p
            .metadata
            .controller()
            .filter(|r| r.kind == "ReplicaSet")
            .map(|r| r.name.clone())
            .unwrap_or_default(),
        reason: not_running_reason(p),
        system: p.metadata.namespace == "kube-system",
        x,
        y,
        w: NODE_WIDTH - 20.0,
        h: POD_HEIGHT,
        storage: storage_views(c, p),
    }
}

/// At most this many files per volume in the view: enough to see data survive or vanish.
const FILES_SHOWN: usize = 20;

fn file_views(files: Vec<(String, String)>) -> Vec<FileView> {
    files
        .into_iter()
        .take(FILES_SHOWN)
        .map(|(path, contents)| {
            let first = contents.lines().next().unwrap_or("");
            let preview: String = first.chars().take(40).collect();
            FileView { path, bytes: contents.len(), preview }
        })
        .collect()
}

fn storage_views(c: &Cluster, p: &Pod) -> Vec<StorageView> {
    let mut out = Vec::new();
    if p.spec.node_name.is_empty() {
        return out;
    }
    for ct in &p.spec.containers {
        let layer = c.layer_mount(p, &ct.name);
        out.push(StorageView {
            kind: "layer".into(),
            name: ct.name.clone(),
            backing: format!("{}'s writable layer", ct.name),
            lives_with: "container".into(),
            mounts: vec![format!("{}:/", ct.name)],
            files: file_views(layer.source.files(&c.files)),
        });
    }
    for v in &p.spec.volumes {
        let (source, _, _, _, forced_ro) = c.volume_source(p, v, "");
        let node = &p.spec.node_name;
        let (backing, lives_with) = if let Some(ed) = &v.empty_dir {
            (if ed.medium == "Memory" { format!("memory on {node}") } else { format!("{node}'s disk") }, "pod")
        } else if let Some(hp) = &v.host_path {
            (format!("{node}:{}", hp.path), "node")
        } else if v.config_map.is_some() || v.secret.is_some() {
            ("the API server".to_string(), "object")
        } else if let Some(claim) = &v.persistent_volume_claim {
            let pvc = c.store().get::<PersistentVolumeClaim>(&ObjectKey::new(
                p.metadata.namespace.as_str(),
                claim.claim_name.as_str(),
            ));
            let pv = pvc
                .filter(|x| !x.spec.volume_name.is_empty())
                .and_then(|x| c.store().get::<PersistentVolume>(&ObjectKey::cluster(x.spec.volume_name.as_str())));
            match pv {
                Some(pv) => match &pv.spec.host_path {
                    Some(hp) => (format!("{} ({node}:{})", pv.metadata.name, hp.path), "node"),
                    None => (format!("{} (network disk)", pv.metadata.name), "volume"),
                },
                None => (format!("claim {} (not bound)", claim.claim_name), "volume"),
            }
        } else {
            (String::new(), "pod")
        };
        let mounts = p
            .spec
            .containers
            .iter()
            .flat_map(|ct| {
                ct.volume_mounts.iter().filter(|m| m.name == v.name).map(move |m| {
                    let ro = forced_ro || m.read_only == Some(true);
                    format!("{}:{}{}", ct.name, m.mount_path, if ro { " (ro)" } else { "" })
                })
            })
            .collect();
        out.push(StorageView {
            // The field's own name in the pod spec: emptyDir, hostPath, persistentVolumeClaim, ….
            kind: {
                let mut k = v.kind().chars();
                k.next().map(|f| f.to_ascii_lowercase().to_string() + k.as_str()).unwrap_or_default()
            },
            name: v.name.clone(),
            backing,
            lives_with: lives_with.into(),
            mounts,
            files: file_views(source.files(&c.files)),
        });
    }
    out
}

fn volume_view(c: &Cluster, pv: &PersistentVolume, x: f64, y: f64) -> VolumeView {
    let (backing, files) = match &pv.spec.host_path {
        // A hostPath volume is a directory on whichever node its pod runs; show the claimant's.
        Some(hp) => ("hostPath ".to_string() + &hp.path, Vec::new()),
        None => {
            let source = crate::fs::mounts::Source::Tree {
                backing: crate::fs::Backing::NetworkDisk { volume: pv.metadata.name.clone() },
                generation: 0,
                root: "/".into(),
            };
            ("network disk".to_string(), file_views(source.files(&c.files)))
        }
    };
    VolumeView {
        name: pv.metadata.name.clone(),
        claim: pv.spec.claim_ref.as_ref().map(|r| format!("{}/{}", r.namespace, r.name)).unwrap_or_default(),
        phase: pv.status.phase.clone(),
        storage_class: pv.spec.storage_class_name.clone(),
        capacity: pv.spec.capacity.get("storage").map(|q| q.to_string()).unwrap_or_default(),
        access_modes: crate::api::storage::access_modes_short(&pv.spec.access_modes),
        reclaim_policy: pv.spec.persistent_volume_reclaim_policy.clone(),
        backing,
        attached_to: c.attachments.nodes(&pv.metadata.name),
        files,
        x,
        y,
        w: VOLUME_WIDTH,
        h: VOLUME_HEIGHT,
    }
}

/// The Deployment a pod belongs to through its ReplicaSet, else the ReplicaSet, else the pod.
fn owner_name<'a>(c: &'a Cluster, p: &'a Pod) -> &'a str {
    let Some(rs_ref) = p.metadata.controller() else { return &p.metadata.name };
    if rs_ref.kind != "ReplicaSet" {
        return &rs_ref.name;
    }
    let key = ObjectKey::new(p.metadata.namespace.as_str(), rs_ref.name.as_str());
    c.store()
        .get::<ReplicaSet>(&key)
        .and_then(|rs| rs.metadata.controller().map(|d| d.name.as_str()))
        .unwrap_or(&rs_ref.name)
}

fn service_view(c: &Cluster, s: &Service, x: f64) -> ServiceView {
    let key = ObjectKey::of(&s.metadata);
    let mut endpoints: Vec<EndpointView> = c
        .store()
        .slices_for_service(&key)
        .into_iter()
        .filter(|sl: &&EndpointSlice| sl.metadata.labels.get(LABEL_SERVICE_NAME) == Some(&s.metadata.name))
        .flat_map(|sl| sl.endpoints.iter().flatten())
        .map(|e| {
            let tr = e.target_ref.as_ref().filter(|t| t.kind == Kind::Pod.name());
            EndpointView {
                ip: e.addresses.first().cloned().unwrap_or_default(),
                pod_uid: tr.map(|t| t.uid.0.clone()).unwrap_or_default(),
                pod_name: tr.map(|t| t.name.clone()).unwrap_or_default(),
                ready: e.is_ready(),
                serving: e.is_serving(),
                terminating: e.is_terminating(),
            }
        })
        .collect();
    endpoints.sort_by(|a, b| a.pod_name.cmp(&b.pod_name));
    ServiceView {
        name: s.metadata.name.clone(),
        namespace: s.metadata.namespace.clone(),
        type_: s.type_or_default().to_string(),
        cluster_ip: s.spec.cluster_ip.clone(),
        external_ip: match s.type_or_default() {
            "LoadBalancer" => {
                s.status.load_balancer.ingress.first().map_or_else(|| "<pending>".to_string(), |i| i.ip.clone())
            }
            _ => String::new(),
        },
        ports: s.ports_column(),
        selector: labels::format_map(&s.spec.selector),
        x,
        y: SERVICES_Y,
        w: SERVICE_WIDTH,
        h: SERVICE_HEIGHT,
        endpoints,
    }
}

impl Cluster {
    /// The object as `kubectl get TYPE NAME -o yaml` prints it, for an inspector (reading it
    /// this way runs no console line).
    pub fn object_yaml(&self, kind: Kind, namespace: &str, name: &str) -> Option<String> {
        let scope = if kind.namespaced() { namespace } else { "" };
        let obj = self.store().get_object(kind, &ObjectKey::new(scope, name))?;
        Some(crate::console::output::yaml(&obj.to_value()))
    }

    /// Every Event about the object, oldest first, as `kubectl describe` ends with them.
    pub fn events_about(&self, kind: Kind, name: &str) -> Vec<EventView> {
        event_views_where(self, usize::MAX, &|e| {
            e.involved_object.kind == kind.name() && e.involved_object.name == name
        })
    }
}

fn deployment_views(c: &Cluster) -> Vec<DeploymentView> {
    let store = c.store();
    store
        .list::<crate::api::Deployment>(None)
        .filter(|d| d.metadata.namespace != "kube-system")
        .map(|d| {
            let template = &d.spec.template;
            let first = template.spec.containers.first();
            let selector = labels::format_map(&template.metadata.labels);
            let exposed = store.list::<Service>(Some(&d.metadata.namespace)).any(|s| {
                !s.spec.selector.is_empty()
                    && s.spec.selector.iter().all(|(k, v)| template.metadata.labels.get(k) == Some(v))
            });
            let traffic = c
                .traffic_generators()
                .filter(|g| g.from == format!("deploy/{}", d.metadata.name))
                .map(|g| (g.id, g.url.clone()))
                .collect();
            // The Deployment's revision names its current ReplicaSet (`deployment.kubernetes.io/revision`).
            let revision_of = |m: &crate::api::meta::ObjectMeta| {
                m.annotations.get("deployment.kubernetes.io/revision").cloned().unwrap_or_default()
            };
            let current_revision = revision_of(&d.metadata);
            let mut replica_sets: Vec<ReplicaSetView> = store
                .list::<ReplicaSet>(Some(&d.metadata.namespace))
                .filter(|rs| rs.metadata.controller().is_some_and(|o| o.uid == d.metadata.uid))
                .map(|rs| ReplicaSetView {
                    name: rs.metadata.name.clone(),
                    revision: revision_of(&rs.metadata),
                    replicas: rs.status.replicas,
                    ready: rs.status.ready_replicas,
                    current: revision_of(&rs.metadata) == current_revision,
                    image: rs.spec.template.spec.containers.first().map(|c| c.image.clone()).unwrap_or_default(),
                })
                .filter(|r| r.current || r.replicas > 0)
                .collect();
            replica_sets.sort_by_key(|r| std::cmp::Reverse(r.revision.parse::<i64>().unwrap_or(0)));
            DeploymentView {
                name: d.metadata.name.clone(),
                namespace: d.metadata.namespace.clone(),
                replicas: d.spec.replicas.unwrap_or(1),
                ready: d.status.ready_replicas,
                updated: d.status.updated_replicas,
                available: d.status.available_replicas,
                image: first.map(|c| c.image.clone()).unwrap_or_default(),
                container: first.map(|c| c.name.clone()).unwrap_or_default(),
                selector,
                exposed,
                traffic,
                replica_sets,
            }
        })
        .collect()
}

fn claim_views(c: &Cluster) -> (Vec<ClaimView>, Vec<StorageClassView>) {
    let store = c.store();
    // One pass over the pods, not one per claim: (namespace, claim) → the pods that mount it.
    let mut users: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
    for p in store.list::<Pod>(None) {
        for claim in p.spec.volumes.iter().filter_map(|v| v.persistent_volume_claim.as_ref()) {
            users.entry((&p.metadata.namespace, &claim.claim_name)).or_default().push(p.metadata.name.clone());
        }
    }
    let claims = store
        .list::<PersistentVolumeClaim>(None)
        .map(|pvc| {
            let used_by =
                users.get(&(pvc.metadata.namespace.as_str(), pvc.metadata.name.as_str())).cloned().unwrap_or_default();
            ClaimView {
                name: pvc.metadata.name.clone(),
                namespace: pvc.metadata.namespace.clone(),
                phase: pvc.status.phase.clone(),
                request: pvc.spec.resources.requests.get("storage").map(|q| q.0.clone()).unwrap_or_default(),
                capacity: pvc.status.capacity.get("storage").map(|q| q.0.clone()).unwrap_or_default(),
                access_modes: crate::api::storage::access_modes_short(&pvc.spec.access_modes),
                storage_class: pvc.spec.storage_class_name.clone().unwrap_or_default(),
                volume: pvc.spec.volume_name.clone(),
                used_by,
                x: 0.0,
                y: 0.0,
            }
        })
        .collect();
    let classes = store
        .list::<crate::api::StorageClass>(None)
        .map(|sc| StorageClassView {
            name: sc.metadata.name.clone(),
            provisioner: sc.provisioner.clone(),
            binding_mode: if sc.volume_binding_mode.is_empty() {
                "Immediate".into()
            } else {
                sc.volume_binding_mode.clone()
            },
            reclaim_policy: if sc.reclaim_policy.is_empty() { "Delete".into() } else { sc.reclaim_policy.clone() },
            default: sc
                .metadata
                .annotations
                .get("storageclass.kubernetes.io/is-default-class")
                .is_some_and(|v| v == "true"),
            x: 0.0,
            y: 0.0,
        })
        .collect();
    (claims, classes)
}

fn trace_views(c: &Cluster) -> Vec<TraceView> {
    let since = crate::SimTime(c.now().0 - TRACES_WINDOW_MS);
    let mut out: Vec<TraceView> = c
        .traffic_traces_newest_first()
        .take_while(|t| crate::SimTime::parse_rfc3339(&t.at).is_some_and(|at| at >= since))
        .take(TRACES_SHOWN)
        .map(|t| TraceView {
            seq: t.seq,
            from_pod: t.from.strip_prefix("pod/").map(str::to_string),
            service: t.service.clone(),
            backend_pod: t.backend_pod.clone(),
            outcome: t.outcome.name().to_string(),
        })
        .collect();
    out.reverse();
    out
}

fn event_views(c: &Cluster) -> Vec<EventView> {
    event_views_where(c, EVENTS_SHOWN, &|_| true)
}

fn event_views_where(c: &Cluster, keep: usize, wanted: &dyn Fn(&crate::api::Event) -> bool) -> Vec<EventView> {
    let mut events: Vec<&crate::api::Event> = c.store().list::<crate::api::Event>(None).filter(|e| wanted(e)).collect();
    // Oldest first; names are unique, so the order is total. Only the newest `keep` are sorted.
    let order = |a: &&crate::api::Event, b: &&crate::api::Event| {
        let at = |e: &crate::api::Event| e.last_timestamp.or(e.first_timestamp).map(|t| t.0);
        (at(a), &a.metadata.name).cmp(&(at(b), &b.metadata.name))
    };
    let skip = events.len().saturating_sub(keep);
    if skip > 0 {
        events.select_nth_unstable_by(skip, order);
    }
    events[skip..].sort_by(order);
    events
        .into_iter()
        .skip(skip)
        .map(|e| {
            let kind = Kind::from_type(&e.involved_object.api_version, &e.involved_object.kind)
                .map_or_else(|| e.involved_object.kind.to_lowercase(), |k| k.singular().to_string());
            EventView {
                key: format!("{}#{}", e.metadata.name, e.count),
                type_: e.type_.clone(),
                reason: e.reason.clone(),
                object: format!("{kind}/{}", e.involved_object.name),
                message: e.message.clone(),
                count: e.count,
                last_seen: e.last_timestamp.or(e.first_timestamp).map(|t| t.0.rfc3339()).unwrap_or_default(),
            }
        })
        .collect()
}
