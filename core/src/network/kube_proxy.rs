//! kube-proxy: turns Services and their EndpointSlices into each node's forwarding rules, and
//! picks a backend for a connection the way its mode does: iptables at random, IPVS round robin,
//! with ClientIP session affinity and the fallback to serving-terminating endpoints when none is
//! ready (KEP-1669).
//!
//! Every node runs its own kube-proxy, which programs a change after a short sync delay, so for a
//! moment a node can still send traffic to a pod that is gone. Copying every table per node would
//! cost nodes × endpoints per change; instead each Service keeps a short history of versions, and
//! a node sees the newest version it has had time to program. A node cut off from the API server
//! keeps the rules it had.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use crate::api::discovery::LABEL_SERVICE_NAME;
use crate::api::{EndpointSlice, ObjectKey, Service};
use crate::rng::fnv32a;
use crate::store::Store;
use crate::time::{SimDuration, SimTime};

/// How long kube-proxy takes to program a change, at most (sync plus iptables-restore).
pub const MAX_SYNC_DELAY: SimDuration = SimDuration::millis(1500);
const MIN_SYNC_DELAY: i64 = 200;
/// Versions kept per Service for nodes that are behind (or cut off).
const MAX_VERSIONS: usize = 64;

#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum Mode {
    #[default]
    Iptables,
    Ipvs,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Iptables => "iptables",
            Mode::Ipvs => "ipvs",
        }
    }
}

/// One Service as kube-proxy programs it.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct ServiceTable {
    pub service: ObjectKey,
    pub cluster_ip: String,
    pub type_: String,
    pub ports: Vec<PortRule>,
    /// Shared with the versions before it, so that a change to one endpoint of a large Service
    /// copies pointers, not every endpoint, and an unchanged endpoint compares by address.
    pub backends: Vec<Arc<Backend>>,
    /// ClientIP session affinity and its timeout, if set.
    pub affinity_timeout: Option<SimDuration>,
    pub external_traffic_local: bool,
    pub load_balancer_ips: Vec<String>,
}

#[derive(Clone, PartialEq, Debug)]
pub struct PortRule {
    pub name: String,
    pub port: i32,
    pub protocol: String,
    pub node_port: Option<i32>,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Backend {
    pub ip: String,
    /// Service port name → the endpoint's port for it (shared by a slice's endpoints).
    pub ports: Arc<BTreeMap<String, i32>>,
    pub ready: bool,
    pub serving: bool,
    pub terminating: bool,
    pub node: String,
    pub pod: String,
}

#[derive(Clone, Debug)]
struct Version {
    at: SimTime,
    table: Option<Arc<ServiceTable>>,
}

/// Which of a Service's ports a connection is for: its port, or its node port.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct PortRef {
    pub port: i32,
    pub node_port: bool,
}

/// Why kube-proxy chose a backend, for the request trace.
#[derive(Clone, PartialEq, Debug)]
pub struct Choice {
    pub backend: Backend,
    pub port: i32,
    pub why: String,
}

#[derive(Clone, Debug, Default)]
pub struct KubeProxy {
    pub mode: Mode,
    versions: BTreeMap<ObjectKey, VecDeque<Version>>,
    /// Each Service's backends as last read, per EndpointSlice and its resource version: a
    /// slice that has not changed is not read again.
    slices: BTreeMap<ObjectKey, Vec<SliceBackends>>,
    round_robin: BTreeMap<(String, ObjectKey, i32), usize>,
    affinity: BTreeMap<(ObjectKey, String), (String, SimTime)>,
}

impl KubeProxy {
    /// Records the Service's current state (from the store) as a new version, when it differs.
    pub fn service_changed(&mut self, store: &Store, key: &ObjectKey, now: SimTime) {
        let cache = self.slices.remove(key).unwrap_or_default();
        let table = store.get::<Service>(key).and_then(|s| table_for(store, s, cache, &mut self.slices)).map(Arc::new);
        let history = self.versions.entry(key.clone()).or_default();
        if history.back().map(|v| &v.table) == Some(&table) {
            return;
        }
        // Two changes at one instant are programmed together: only the later one is kept.
        if history.back().is_some_and(|v| v.at == now) {
            history.pop_back();
        }
        history.push_back(Version { at: now, table });
        // Older versions matter only to nodes still catching up, or cut off before them.
        while history.len() > MAX_VERSIONS {
            history.pop_front();
        }
    }

    /// Forgets versions no node can need: older than the sync delay, unless a node was cut off
    /// before them (`frozen_since`).
    pub fn prune(&mut self, now: SimTime, frozen_since: Option<SimTime>) {
        let mut cutoff = SimTime(now.0 - MAX_SYNC_DELAY.0);
        if let Some(f) = frozen_since {
            cutoff = cutoff.min(f);
        }
        self.versions.retain(|_, h| {
            while h.len() > 1 && h[1].at <= cutoff {
                h.pop_front();
            }
            !(h.len() == 1 && h[0].table.is_none() && h[0].at <= cutoff)
        });
    }

    /// The Service as `node` has it programmed at `now`; a node cut off since `frozen` keeps what
    /// it had then.
    pub fn view(
        &self,
        node: &str,
        key: &ObjectKey,
        now: SimTime,
        frozen: Option<SimTime>,
    ) -> Option<Arc<ServiceTable>> {
        let history = self.versions.get(key)?;
        let horizon = frozen.map_or(now, |f| f.min(now));
        history.iter().rev().find(|v| v.at + sync_delay(node, v.at) <= horizon).and_then(|v| v.table.clone())
    }

    /// Picks a backend on `node` for a connection from `client_ip` to the Service's `port`
    /// (matched by port number, or by node port when `node_port` is set). `pick` draws a random
    /// number below its argument (iptables' statistic match).
    pub fn choose(
        &mut self,
        node: &str,
        table: &ServiceTable,
        port: PortRef,
        client_ip: &str,
        now: SimTime,
        pick: &mut dyn FnMut(u32) -> u32,
    ) -> Result<Choice, String> {
        let PortRef { port, node_port } = port;
        let rule = table
            .ports
            .iter()
            .find(|p| if node_port { p.node_port == Some(port) } else { p.port == port })
            .ok_or_else(|| format!("no rule for port {port}"))?;
        let with_port: Vec<&Arc<Backend>> =
            table.backends.iter().filter(|b| b.ports.contains_key(&rule.name)).collect();
        let local_only = node_port && table.external_traffic_local;
        let eligible = |f: fn(&Backend) -> bool| -> Vec<&Arc<Backend>> {
            with_port.iter().copied().filter(|b| f(b) && (!local_only || b.node == node)).collect()
        };
        let mut candidates = eligible(|b| b.ready);
        let mut note = String::new();
        if candidates.is_empty() {
            candidates = eligible(|b| b.serving && b.terminating);
            if !candidates.is_empty() {
                note = " (no ready endpoint: falling back to serving-terminating ones)".into();
            }
        }
        if candidates.is_empty() {
            return Err(if local_only {
                "no local endpoint on this node (externalTrafficPolicy: Local): the packet is dropped".into()
            } else {
                "has no endpoints: kube-proxy rejects the connection".into()
            });
        }
        if let Some(timeout) = table.affinity_timeout {
            let k = (table.service.clone(), client_ip.to_string());
            if let Some((ip, last)) = self.affinity.get(&k).cloned()
                && now < last + timeout
                && let Some(b) = candidates.iter().find(|b| b.ip == ip)
            {
                let port = b.ports[&rule.name];
                self.affinity.insert(k, (ip, now));
                return Ok(Choice {
                    backend: Backend::clone(b),
                    port,
                    why: format!("sessionAffinity ClientIP: {client_ip} stays with this endpoint{note}"),
                });
            }
        }
        let n = candidates.len();
        let (i, why) = match self.mode {
            Mode::Iptables => {
                let i = pick(n as u32) as usize;
                (i, format!("iptables: picked at random, 1 in {n}{note}"))
            }
            Mode::Ipvs => {
                let counter = self.round_robin.entry((node.to_string(), table.service.clone(), rule.port)).or_default();
                let i = *counter % n;
                *counter = counter.wrapping_add(1);
                (i, format!("ipvs: round robin, {} of {n}{note}", i + 1))
            }
        };
        let b = Backend::clone(candidates[i]);
        if table.affinity_timeout.is_some() {
            self.affinity.insert((table.service.clone(), client_ip.to_string()), (b.ip.clone(), now));
        }
        let port = b.ports[&rule.name];
        Ok(Choice { backend: b, port, why })
    }
}

/// A node's delay in programming a change made at `at`: 200 ms to 1.5 s, fixed per (node,
/// instant), so every change of one instant lands on a node together.
fn sync_delay(node: &str, at: SimTime) -> SimDuration {
    let mut bytes = node.as_bytes().to_vec();
    bytes.extend_from_slice(&at.0.to_le_bytes());
    let span = (MAX_SYNC_DELAY.0 - MIN_SYNC_DELAY) as u32;
    SimDuration(MIN_SYNC_DELAY + i64::from(fnv32a(&bytes) % span))
}

/// One EndpointSlice's backends, as read at one resource version of the slice.
#[derive(Clone, Debug)]
struct SliceBackends {
    name: String,
    resource_version: String,
    /// In the slice's order, each sorted by IP.
    backends: Vec<Arc<Backend>>,
}

impl SliceBackends {
    fn read(slice: &EndpointSlice) -> SliceBackends {
        let ports: Arc<BTreeMap<String, i32>> = Arc::new(
            slice.ports.iter().flatten().filter_map(|p| Some((p.name.clone().unwrap_or_default(), p.port?))).collect(),
        );
        let mut backends: Vec<Arc<Backend>> = slice
            .endpoints
            .iter()
            .flatten()
            .filter_map(|e| {
                Some(Arc::new(Backend {
                    ip: e.addresses.first()?.clone(),
                    ports: ports.clone(),
                    ready: e.is_ready(),
                    serving: e.is_serving(),
                    terminating: e.is_terminating(),
                    node: e.node_name.clone().unwrap_or_default(),
                    pod: e.target_ref.as_ref().map(|t| t.name.clone()).unwrap_or_default(),
                }))
            })
            .collect();
        backends.sort_by(|a, b| a.ip.cmp(&b.ip));
        SliceBackends {
            name: slice.metadata.name.clone(),
            resource_version: slice.metadata.resource_version.clone(),
            backends,
        }
    }
}

/// The table kube-proxy builds for a Service from its EndpointSlices; none for a headless or an
/// ExternalName Service, which kube-proxy leaves alone. `read` holds the slices as last read;
/// what is read now is kept in `keep` for the next change.
fn table_for(
    store: &Store,
    svc: &Service,
    mut read: Vec<SliceBackends>,
    keep: &mut BTreeMap<ObjectKey, Vec<SliceBackends>>,
) -> Option<ServiceTable> {
    if svc.is_headless() || svc.type_or_default() == "ExternalName" {
        return None;
    }
    let key = ObjectKey::of(&svc.metadata);
    let mut current: Vec<SliceBackends> = Vec::new();
    for slice in store.slices_for_service(&key) {
        if slice.metadata.labels.get(LABEL_SERVICE_NAME) != Some(&svc.metadata.name) {
            continue;
        }
        let same =
            |r: &SliceBackends| r.name == slice.metadata.name && r.resource_version == slice.metadata.resource_version;
        current.push(match read.iter().position(same) {
            Some(i) => read.swap_remove(i),
            None => SliceBackends::read(slice),
        });
    }
    // The slices' sorted runs, merged by IP (a stable sort of sorted runs is a merge); equal IPs
    // keep the slices' order.
    let mut backends: Vec<Arc<Backend>> = current.iter().flat_map(|s| s.backends.iter().cloned()).collect();
    backends.sort_by(|a, b| a.ip.cmp(&b.ip));
    keep.insert(key.clone(), current);
    let affinity_timeout = (svc.spec.session_affinity == "ClientIP").then(|| {
        let secs = svc
            .spec
            .session_affinity_config
            .as_ref()
            .and_then(|c| c.pointer("/clientIP/timeoutSeconds"))
            .and_then(|v| v.as_i64())
            .unwrap_or(10800);
        SimDuration::seconds(secs)
    });
    Some(ServiceTable {
        service: key,
        cluster_ip: svc.spec.cluster_ip.clone(),
        type_: svc.type_or_default().to_string(),
        ports: svc
            .spec
            .ports
            .iter()
            .map(|p| PortRule {
                name: p.name.clone(),
                port: p.port,
                protocol: if p.protocol.is_empty() { "TCP".into() } else { p.protocol.clone() },
                node_port: p.node_port,
            })
            .collect(),
        backends,
        affinity_timeout,
        external_traffic_local: svc.spec.external_traffic_policy == "Local",
        load_balancer_ips: svc.status.load_balancer.ingress.iter().map(|i| i.ip.clone()).collect(),
    })
}
