//! Podscape's core: a Kubernetes cluster as a deterministic state machine.
//!
//! Commands go in (console lines, or time advancing); state and events come out. Nothing here reads
//! a wall clock or an unseeded random source, so one seed and one command log give one cluster,
//! natively and in the browser. See ARCHITECTURE.md for the map.

pub mod api;
mod apiserver;
mod bootstrap;
pub mod console;
pub mod controllers;
mod defaults;
pub mod entrypoint;
pub mod events;
mod exec;
pub mod export;
pub mod fs;
pub mod history;
pub mod images;
mod informers;
pub mod ipam;
pub mod labels;
pub mod lesson;
mod logs;
pub mod machines;
pub mod manifest;
pub mod metrics;
pub mod network;
pub mod object_graph;
pub mod patch;
pub mod registry;
pub mod rng;
pub mod runtime;
pub mod shell;
pub mod store;
pub mod time;
pub mod validation;
pub mod view;

use std::collections::{BTreeMap, BTreeSet};

pub use apiserver::{ApiError, DeleteOptions, Propagation, Reason};
pub use console::{Files, NoFiles, Output};
pub use time::{SimDuration, SimTime};

use controllers::{Ctx, EventDraft, Op, Queues, Work};
use events::Recorder;
use ipam::{PodCidrAllocator, ServiceIpAllocator};
use rng::SimRng;
use store::Store;
use time::Timers;

/// How to start a cluster.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Config {
    pub seed: u64,
    /// Only the nodes and the system services, without the course's example workloads.
    pub empty: bool,
    /// How many worker nodes (`node-1` …).
    pub nodes: usize,
    /// The cluster's pod network; node N gets its N-th /24 (`10.244.N.0/24` by default).
    pub pod_cidr: String,
}

impl Default for Config {
    fn default() -> Self {
        Config { seed: 1, empty: false, nodes: 3, pod_cidr: "10.244.0.0/16".into() }
    }
}

/// A bound on the reconciles one instant may run, per object in the store (plus a floor): a
/// controller that never settles is reported, not allowed to hang the page.
const RECONCILES_PER_OBJECT: usize = 64;
const MIN_RECONCILES_PER_INSTANT: usize = 100_000;
/// How long a controller waits before trying again to create a pod the API server refused.
const CREATE_RETRY: SimDuration = SimDuration::seconds(10);

/// A bound on pending timers.
const MAX_TIMERS: usize = 1_000_000;

/// The simulated cluster.
#[derive(Clone, Debug)]
pub struct Cluster {
    now: SimTime,
    rng: SimRng,
    store: Store,
    timers: Timers<Work>,
    queues: Queues,
    /// The work whose plan is being applied: its own writes do not queue it again where the
    /// controller it models ignores them (see `informers`).
    applying: Option<Work>,
    ipam: Ipam,
    kubelet: controllers::kubelet::State,
    entrypoints: entrypoint::Entrypoints,
    machines: machines::Machines,
    registry: registry::Registry,
    kube_proxy: network::kube_proxy::KubeProxy,
    attachments: controllers::attach_detach::State,
    files: fs::Files,
    traffic: network::traffic::Traffic,
    recorder: Recorder,
    console: console::Session,
    log: Vec<LogLine>,
    config: Config,
}

#[derive(Clone, Debug)]
struct Ipam {
    pods: BTreeMap<String, PodCidrAllocator>,
    /// The cluster's pod network, and the index of the next node's /24 in it.
    pod_network: ipam::Cidr,
    next_node: u32,
    services: ServiceIpAllocator,
    node_ports: BTreeSet<i32>,
    /// The simulated cloud's pool of load-balancer addresses (TEST-NET-3, 203.0.113.0/24).
    load_balancers: ServiceIpAllocator,
}

/// One line of the command log: what ran, when, and the files it read, so it replays anywhere.
#[derive(Clone, PartialEq, Debug, serde::Serialize, serde::Deserialize)]
pub struct LogLine {
    /// Simulated time when the line ran, in milliseconds since the Unix epoch.
    pub at: i64,
    pub line: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub files: BTreeMap<String, String>,
}

impl Cluster {
    /// A cluster as a console session starts it: the nodes, the system services, and (unless
    /// `config.empty`) the course's example, settled, at 2026-01-01T00:00:00Z.
    pub fn new(config: Config) -> Cluster {
        let mut c = Cluster {
            now: SimTime(0),
            rng: SimRng::new(config.seed),
            store: Store::default(),
            timers: Timers::new(MAX_TIMERS),
            queues: Queues::default(),
            applying: None,
            ipam: Ipam {
                pods: BTreeMap::new(),
                pod_network: ipam::Cidr::parse(&config.pod_cidr)
                    .filter(|c| c.prefix <= 24)
                    .unwrap_or_else(|| ipam::Cidr::parse("10.244.0.0/16").expect("valid CIDR")),
                next_node: 1,
                services: ServiceIpAllocator::new(ipam::Cidr::parse(bootstrap::SERVICE_CIDR).expect("valid CIDR")),
                node_ports: BTreeSet::new(),
                load_balancers: ServiceIpAllocator::new(ipam::Cidr::parse("203.0.113.0/24").expect("valid CIDR")),
            },
            kubelet: Default::default(),
            entrypoints: Default::default(),
            machines: Default::default(),
            registry: Default::default(),
            kube_proxy: Default::default(),
            attachments: Default::default(),
            files: Default::default(),
            traffic: Default::default(),
            recorder: Recorder::default(),
            console: Default::default(),
            log: Vec::new(),
            config: config.clone(),
        };
        bootstrap::bootstrap(&mut c, config.empty, config.nodes);
        c
    }

    /// The simulated time now.
    pub fn now(&self) -> SimTime {
        self.now
    }

    pub fn seed(&self) -> u64 {
        self.config.seed
    }

    /// How the cluster was started.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Read access to every object.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Moves simulated time forward by `d`, firing due timers in order and letting controllers
    /// settle at each instant.
    pub fn advance(&mut self, d: SimDuration) {
        let target = self.now + SimDuration(d.0.max(0));
        self.settle();
        while let Some(at) = self.timers.next_due().filter(|t| *t <= target) {
            self.now = self.now.max(at);
            while let Some((_, w)) = self.timers.pop_due(self.now) {
                self.queues.push(w);
            }
            self.settle();
        }
        self.now = target;
        let frozen = self.machines.earliest_partition();
        self.kube_proxy.prune(self.now, frozen);
    }

    /// Moves time to the next scheduled event, if one is due within `limit`; returns whether one was.
    pub fn step(&mut self, limit: SimDuration) -> bool {
        self.settle();
        match self.timers.next_due() {
            Some(at) if at <= self.now + limit => {
                let d = at - self.now;
                self.advance(d);
                true
            }
            _ => false,
        }
    }

    /// The time of the next scheduled event.
    pub fn next_event_at(&self) -> Option<SimTime> {
        self.timers.next_due()
    }

    /// The FNV-64a hash of the whole event log so far: two runs with one seed and one command log
    /// must agree on it.
    pub fn event_log_hash(&self) -> u64 {
        self.recorder.hash()
    }

    /// Events recorded after `seq`, for a front end following the log.
    pub fn events_since(&self, seq: u64) -> Vec<events::LogEntry> {
        self.recorder.since(seq).cloned().collect()
    }

    /// The sequence number of the newest Event log entry, to follow the log from here.
    pub fn last_event_seq(&self) -> u64 {
        self.recorder.count()
    }

    /// The command log since the cluster was made.
    pub fn log(&self) -> &[LogLine] {
        &self.log
    }

    /// Runs controllers until no work is left at this instant.
    pub(crate) fn settle(&mut self) {
        let mut budget = MIN_RECONCILES_PER_INSTANT.max(self.store.size() * RECONCILES_PER_OBJECT);
        let limit = budget;
        while let Some(work) = self.queues.pop() {
            if let Work::Traffic(id) = work {
                self.traffic_tick(id);
                continue;
            }
            if let Work::Entrypoint(pod, container) = &work {
                self.step_entrypoint(pod, container);
                continue;
            }
            let exec_probes = match &work {
                Work::Kubelet(key) => self.run_exec_probes(key),
                _ => Default::default(),
            };
            let ops = {
                let ctx = Ctx {
                    store: &self.store,
                    now: self.now,
                    kubelet: &self.kubelet,
                    machines: &self.machines,
                    registry: &self.registry,
                    attach: &self.attachments,
                    exec_probes: &exec_probes,
                };
                controllers::reconcile(&ctx, &work)
            };
            self.applying = Some(work);
            self.apply_ops(ops);
            self.applying = None;
            budget -= 1;
            if budget == 0 {
                self.record(EventDraft::warning(
                    Default::default(),
                    "podscape",
                    "ControllersDidNotSettle",
                    format!("controllers were still busy after {limit} reconciles at one instant; the rest waits"),
                ));
                break;
            }
        }
    }

    /// Carries out a reconciler's plan.
    fn apply_ops(&mut self, ops: Vec<Op>) {
        for op in ops {
            match op {
                Op::Create(obj) => {
                    let _ = self.api_create(obj);
                }
                Op::CreatePod { pod, by } => match self.api_create(api::Object::Pod(*pod)) {
                    Ok(created) => self.record(EventDraft::normal(
                        by,
                        "replicaset-controller",
                        "SuccessfulCreate",
                        format!("Created pod: {}", created.meta().name),
                    )),
                    Err(e) => {
                        // The controller tries again later (its work queue's rate limiter), so a
                        // missing ServiceAccount or namespace quota does not stall it for good.
                        let key = api::ObjectKey::new(by.namespace.as_str(), by.name.as_str());
                        let retry = match by.kind.as_str() {
                            "StatefulSet" => Some(Work::StatefulSet(key)),
                            "ReplicaSet" => Some(Work::ReplicaSet(key)),
                            _ => None,
                        };
                        if let Some(w) = retry {
                            self.timers.schedule(self.now + CREATE_RETRY, w);
                        }
                        self.record(EventDraft::warning(
                            by,
                            "replicaset-controller",
                            "FailedCreate",
                            format!("Error creating: {}", e.message),
                        ))
                    }
                },
                Op::Update(obj) => {
                    let _ = self.api_update(obj);
                }
                Op::Delete { kind, key } => {
                    let _ = self.api_delete(kind, &key, apiserver::DeleteOptions::default());
                }
                Op::DeleteWith { kind, key, opts } => {
                    let _ = self.api_delete(kind, &key, opts);
                }
                Op::Bind { pod, node } => {
                    let _ = self.api_bind(&pod, &node);
                }
                Op::AssignLoadBalancerIp { service } => self.assign_load_balancer(&service),
                Op::StartSandbox { pod } => self.start_sandbox(&pod, false),
                Op::StartEntrypoint { pod, container } => self.start_entrypoint(&pod, &container),
                Op::RecreateSandbox { pod } => self.start_sandbox(&pod, true),
                Op::RemovePod { pod } => {
                    // The kubelet's status manager deletes the stopped pod with no grace left.
                    let _ = self.api_delete(api::Kind::Pod, &pod, apiserver::DeleteOptions::grace(Some(0)));
                }
                Op::Event(d) => self.record(d),
                Op::WakeAt(at, w) => {
                    if !self.timers.schedule(at, w) {
                        self.record(EventDraft::warning(
                            Default::default(),
                            "podscape",
                            "TimerQueueFull",
                            format!("{MAX_TIMERS} timers are pending; a wake-up was dropped"),
                        ));
                    }
                }
                Op::Kubelet(note) => self.kubelet.apply(note),
                Op::Volumes(note) => self.attachments.apply(note),
                Op::Requeue(w) => self.queues.push(w),
            }
        }
    }

    /// The cloud's side of a LoadBalancer: the next address from its pool (the lowest free one,
    /// as clouds hand them out in no order a learner could predict anyway).
    fn assign_load_balancer(&mut self, key: &api::ObjectKey) {
        let Some(svc) = self.store.get::<api::Service>(key) else { return };
        if !svc.status.load_balancer.ingress.is_empty() {
            return;
        }
        let requested = svc.spec.load_balancer_ip.clone();
        let ip = if !requested.is_empty() && self.ipam.load_balancers.allocate_specific(&requested).is_ok() {
            Some(requested)
        } else {
            let first = self.ipam.load_balancers.cidr.nth(1);
            (0..254u32)
                .map(|i| ipam::ip_string(first + i))
                .find(|ip| self.ipam.load_balancers.allocate_specific(ip).is_ok())
        };
        let Some(ip) = ip else {
            let sref = controllers::reference(api::Kind::Service, &svc.metadata);
            self.record(EventDraft::warning(
                sref,
                "service-controller",
                "SyncLoadBalancerFailed",
                "Error syncing load balancer: failed to ensure load balancer: the address pool is exhausted".into(),
            ));
            return;
        };
        let mut s = svc.clone();
        s.status.load_balancer.ingress = vec![controllers::load_balancer::ingress(&ip)];
        let _ = self.api_update(api::Object::Service(s));
    }

    /// The CNI step of starting a pod: an IP from the node's pod CIDR, kept in the kubelet's
    /// record until its next status write. Re-creating a sandbox releases the old IP first, and
    /// a status that still shows the old IP shows the new one at once, so no two pods ever show
    /// the same IP.
    fn start_sandbox(&mut self, key: &api::ObjectKey, recreate: bool) {
        let Some(pod) = self.store.get::<api::Pod>(key) else { return };
        let node = pod.spec.node_name.clone();
        let uid = pod.metadata.uid.clone();
        let current = self.kubelet.pod(&uid).map(|w| w.sandbox_ip.clone()).unwrap_or_default();
        if !recreate && !current.is_empty() {
            return;
        }
        let ip = self.ipam.pods.get_mut(&node).and_then(|alloc| {
            if recreate {
                alloc.release(&current);
                alloc.release(&pod.status.pod_ip);
            }
            alloc.allocate()
        });
        let Some(ip) = ip else {
            let pref = controllers::reference(api::Kind::Pod, &pod.metadata);
            self.record(
                EventDraft::warning(
                    pref,
                    "kubelet",
                    "FailedCreatePodSandBox",
                    format!("Failed to create pod sandbox: plugin type=\"host-local\" failed (add): failed to allocate for range 0: no IP addresses available in range set on node {node}"),
                )
                .on_host(&node),
            );
            return;
        };
        if !self.kubelet.set_sandbox_ip(&uid, ip.clone()) {
            // No record to hold it (the plan writes the record first); give it back.
            if let Some(alloc) = self.ipam.pods.get_mut(&node) {
                alloc.release(&ip);
            }
            return;
        }
        if recreate && !pod.status.pod_ip.is_empty() {
            let mut p = pod.clone();
            p.status.pod_ip.clone_from(&ip);
            p.status.pod_ips = vec![api::pod::IpEntry { ip }];
            let _ = self.api_update(api::Object::Pod(p));
        }
    }

    /// Tells the controllers that a machine changed: its node's lifecycle and its kubelet's pods.
    pub(crate) fn machine_changed(&mut self, node: &str) {
        self.queues.push(Work::NodeLifecycle(api::ObjectKey::cluster(node)));
        let pods: Vec<api::ObjectKey> =
            self.store.pods_on_node(node).map(|p| api::ObjectKey::of(&p.metadata)).collect();
        for p in pods {
            self.queues.push(Work::Kubelet(p));
        }
    }

    /// An Event the simulator itself records (a machine failing, a container crashing), so the
    /// event log shows what was done to the cluster as well as how it reacted.
    pub(crate) fn sim_event(&mut self, kind: api::Kind, name: &str, warning: bool, reason: &str, message: String) {
        let mut involved = api::meta::ObjectReference {
            api_version: kind.api_version(),
            kind: kind.name().into(),
            name: name.into(),
            ..Default::default()
        };
        if let Some(obj) = self.store.get_object(kind, &api::ObjectKey::cluster(name)) {
            involved.uid = obj.meta().uid.clone();
        }
        let draft = if warning {
            EventDraft::warning(involved, "podscape", reason, message)
        } else {
            EventDraft::normal(involved, "podscape", reason, message)
        };
        self.record(draft);
    }

    /// An Event on a pod, recorded by the simulator.
    pub(crate) fn pod_event(&mut self, key: &api::ObjectKey, warning: bool, reason: &str, message: String) {
        let Some(pod) = self.store.get::<api::Pod>(key) else { return };
        let involved = controllers::reference(api::Kind::Pod, &pod.metadata);
        let draft = if warning {
            EventDraft::warning(involved, "podscape", reason, message)
        } else {
            EventDraft::normal(involved, "podscape", reason, message)
        };
        self.record(draft);
    }

    /// Records an event and writes its Event object.
    pub(crate) fn record(&mut self, draft: EventDraft) {
        let store = &self.store;
        let writes = self.recorder.record(draft, self.now, |k| store.get::<api::Event>(k).cloned());
        for w in writes {
            match w {
                events::Write::Put(ev) => {
                    let mut ev = *ev;
                    if ev.metadata.uid.is_empty() {
                        ev.metadata.uid = api::Uid(self.rng.uuid());
                        ev.metadata.creation_timestamp = Some(api::meta::Time(self.now));
                    }
                    ev.metadata.resource_version = self.store.next_resource_version();
                    self.store.put(ev);
                }
                events::Write::Remove(key) => {
                    self.store.remove::<api::Event>(&key);
                }
            }
        }
    }
}
