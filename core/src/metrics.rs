//! metrics-server: the resource usage `kubectl top` reads. Nothing in the simulation burns CPU or
//! holds memory, so usage is modelled from what a learner can change and see: each image has a
//! resting footprint, requests a container answered in the last minute cost CPU, and files written
//! to its writable layer (or to a memory-backed emptyDir) hold memory. A small wobble, derived by
//! hashing the pod and the 15-second scrape window (never the simulation's random stream, so that
//! `kubectl top` changes nothing), keeps the numbers looking measured.
//!
//! As with metrics-server, a container has figures only after a scrape has seen it running
//! (15 s), a pod only while it runs, and a node only while its kubelet answers.

use crate::api::{Node, Pod};
use crate::time::{SimDuration, SimTime};
use crate::{Cluster, fs::Backing};

/// metrics-server's default `--metric-resolution`.
pub const RESOLUTION: SimDuration = SimDuration::seconds(15);

/// What one container uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerUsage {
    pub name: String,
    pub cpu_milli: u64,
    pub memory_bytes: u64,
}

/// What the node's own daemons (kubelet, container runtime, system) use besides its pods.
const NODE_SYSTEM_CPU_MILLI: u64 = 45;
const NODE_SYSTEM_MEMORY: u64 = 520 * MI;
const MI: u64 = 1024 * 1024;

impl Cluster {
    /// The pod's containers' usage, or why there is none yet (`kubectl top pod NAME` reports it
    /// with the pod's age, as kubectl does).
    pub fn pod_usage(&self, pod: &Pod) -> Option<Vec<ContainerUsage>> {
        if pod.status.phase != "Running" || pod.metadata.deletion_timestamp.is_some() {
            return None;
        }
        let node = pod.spec.node_name.as_str();
        if !self.machines.get(node).reachable() {
            return None;
        }
        let window = self.now.millis().div_euclid(RESOLUTION.as_millis());
        let served = self.requests_answered_by(&pod.metadata.name, SimTime(self.now.0 - 60_000));
        let mut out = Vec::new();
        for cs in &pod.status.container_statuses {
            let Some(started) = cs.state.running.as_ref().and_then(|r| r.started_at) else { continue };
            if self.now - started.0 < RESOLUTION {
                continue;
            }
            let Some(spec) = pod.spec.containers.iter().find(|c| c.name == cs.name) else { continue };
            let (cpu, mem) = resting_footprint(&spec.image);
            let wobble = u64::from(crate::rng::fnv32a_more(
                crate::rng::fnv32a(pod.metadata.uid.as_str().as_bytes()),
                format!("{}/{window}", cs.name).as_bytes(),
            ));
            // Every ten requests answered in the last minute cost about a millicore.
            let cpu = cpu + wobble % (cpu / 2 + 2) + served / 10;
            let layer = self.layer_mount(pod, &cs.name);
            let written = match &layer.source {
                crate::fs::mounts::Source::Tree { backing, generation, .. } => {
                    self.files.tree(backing, *generation).map_or(0, |t| t.used_bytes() as u64)
                }
                _ => 0,
            };
            let in_memory: u64 = self
                .files
                .trees()
                .filter(|(b, _)| {
                    matches!(b, Backing::EmptyDir { pod: p, volume } if *p == pod.metadata.uid
                    && pod.spec.volumes.iter().any(|v| v.name == *volume
                        && v.empty_dir.as_ref().is_some_and(|e| e.medium == "Memory")))
                })
                .map(|(_, t)| t.used_bytes() as u64)
                .sum();
            let mem = mem + (wobble >> 8) % (mem / 8 + MI) + written + in_memory;
            let limit = |r: &str| {
                spec.resources
                    .as_ref()?
                    .limits
                    .get(r)
                    .and_then(|q| q.milli())
                    .map(|m| u64::try_from(m).unwrap_or(u64::MAX))
            };
            let cpu = limit("cpu").map_or(cpu, |l| cpu.min(l.max(1)));
            let mem = limit("memory").map_or(mem, |l| mem.min(l / 1000));
            out.push(ContainerUsage { name: cs.name.clone(), cpu_milli: cpu, memory_bytes: mem });
        }
        (!out.is_empty()).then_some(out)
    }

    /// The node's usage (its pods plus its own daemons), or None while its kubelet does not answer.
    pub fn node_usage(&self, node: &Node) -> Option<(u64, u64)> {
        let name = node.metadata.name.as_str();
        if !self.machines.get(name).reachable() {
            return None;
        }
        let (mut cpu, mut mem) = (NODE_SYSTEM_CPU_MILLI, NODE_SYSTEM_MEMORY);
        for p in self.store.pods_on_node(name) {
            for c in self.pod_usage(p).unwrap_or_default() {
                cpu += c.cpu_milli;
                mem += c.memory_bytes;
            }
        }
        Some((cpu, mem))
    }

    fn requests_answered_by(&self, pod: &str, since: SimTime) -> u64 {
        self.traffic_traces()
            .filter(|t| {
                t.backend_pod.as_deref() == Some(pod)
                    && t.outcome == crate::network::traffic::Outcome::Answered
                    && SimTime::parse_rfc3339(&t.at).is_some_and(|at| at >= since)
            })
            .count() as u64
    }
}

/// What a container of this image uses at rest: (millicores, bytes), roughly what the real
/// images use idle.
fn resting_footprint(image: &str) -> (u64, u64) {
    match crate::runtime::repo_name(image).as_str() {
        "nginx" | "nginx-slim" | "nginx-unprivileged" => (1, 4 * MI),
        "httpd" => (1, 9 * MI),
        "redis" => (2, 3 * MI),
        "postgres" => (4, 38 * MI),
        "mysql" | "mariadb" => (6, 380 * MI),
        "busybox" | "alpine" | "pause" => (0, MI / 2),
        "agnhost" => (1, 7 * MI),
        _ => (1, 8 * MI),
    }
}
