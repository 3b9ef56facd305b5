//! The kubelet: takes a pod bound to its node through sandbox (IP), image pulls and container
//! start to Running and Ready; on deletion sends the stop signal and removes the pod once its
//! containers have exited, within the grace period.
//!
//! Like the real kubelet it keeps memory of its own (which images a node holds, when a pod's
//! containers will be up, which pods it is already stopping): [`State`], changed only through
//! [`Note`]s in a plan.

use std::collections::{BTreeMap, BTreeSet};

use crate::api::meta::{Condition, Time, condition, set_condition};
use crate::api::pod::{ContainerState, ContainerStatus, IpEntry, StateRunning, StateWaiting};
use crate::api::{Kind, ObjectKey, Pod, Uid};
use crate::controllers::{Ctx, EventDraft, Op, Work, jitter, reference};
use crate::rng::{FNV64_OFFSET, fnv64a};
use crate::time::{SimDuration, SimTime};

const COMPONENT: &str = "kubelet";

/// What the kubelets remember.
#[derive(Clone, Debug, Default)]
pub struct State {
    images: BTreeMap<String, BTreeSet<String>>,
    pods: BTreeMap<Uid, PodWork>,
}

#[derive(Clone, Debug)]
struct PodWork {
    start_at: SimTime,
    pulls: Vec<(String, SimDuration)>,
    killing: bool,
    /// The machine's boot the containers were started in.
    boot: u32,
}

/// A change to [`State`].
#[derive(Clone, Debug)]
pub enum Note {
    /// Containers of `uid` will be up at `start_at`, after pulling `pulls`, in the machine's `boot`.
    Planned { uid: Uid, start_at: SimTime, pulls: Vec<(String, SimDuration)>, boot: u32 },
    /// These images are now on the node.
    ImagesPresent { node: String, images: Vec<String> },
    /// The kubelet has sent the stop signal to this pod's containers.
    Killing(Uid),
    /// The pod is gone; forget it.
    Forget(Uid),
}

impl State {
    pub fn apply(&mut self, note: Note) {
        match note {
            Note::Planned { uid, start_at, pulls, boot } => {
                self.pods.insert(uid, PodWork { start_at, pulls, killing: false, boot });
            }
            Note::ImagesPresent { node, images } => {
                self.images.entry(node).or_default().extend(images);
            }
            Note::Killing(uid) => {
                if let Some(w) = self.pods.get_mut(&uid) {
                    w.killing = true;
                } else {
                    self.pods.insert(uid, PodWork { start_at: SimTime(0), pulls: Vec::new(), killing: true, boot: 0 });
                }
            }
            Note::Forget(uid) => {
                self.pods.remove(&uid);
            }
        }
    }

    pub fn has_image(&self, node: &str, image: &str) -> bool {
        self.images.get(node).is_some_and(|s| s.contains(image))
    }

    /// Forgets a node's images (a node that is replaced comes back with an empty cache).
    pub fn forget_node(&mut self, node: &str) {
        self.images.remove(node);
    }

    /// The boot a pod's containers were started in, if this kubelet started them.
    fn boot_of(&self, uid: &Uid) -> Option<u32> {
        self.pods.get(uid).map(|w| w.boot)
    }
}

pub fn reconcile(ctx: &Ctx, key: &ObjectKey) -> Vec<Op> {
    let Some(pod) = ctx.store.get::<Pod>(key) else { return Vec::new() };
    let node = pod.spec.node_name.as_str();
    if node.is_empty() {
        return Vec::new();
    }
    // A kubelet that is powered off or cut off from the API server can do nothing the API sees.
    let machine = ctx.machines.get(node);
    if !machine.reachable() {
        return Vec::new();
    }
    let uid = &pod.metadata.uid;
    // Containers started before the machine's last boot died with it.
    let rebooted = ctx.kubelet.boot_of(uid).is_some_and(|b| b != machine.boot);
    let pref = reference(Kind::Pod, &pod.metadata);
    let event =
        |reason: &str, msg: String| Op::Event(EventDraft::normal(pref.clone(), COMPONENT, reason, msg).on_host(node));
    let work = ctx.kubelet.pods.get(uid);

    if let Some(deleted_at) = pod.metadata.deletion_timestamp {
        let grace_ms = pod.metadata.deletion_grace_period_seconds.unwrap_or(0).max(0) * 1000;
        let requested_at = SimTime(deleted_at.0.0 - grace_ms);
        let running = !rebooted && pod.status.container_statuses.iter().any(|c| c.state.running.is_some());
        if !running {
            return vec![Op::RemovePod { pod: key.clone() }];
        }
        let mut ops = Vec::new();
        if !work.is_some_and(|w| w.killing) {
            ops.push(Op::Kubelet(Note::Killing(uid.clone())));
            for c in &pod.spec.containers {
                ops.push(event("Killing", format!("Stopping container {}", c.name)));
            }
        }
        // The simulated servers exit promptly on SIGTERM; the grace period caps the wait.
        let exit_ms = i64::from(300 + jitter(uid, "exit", 700));
        let stop_at = requested_at + SimDuration(exit_ms.min(grace_ms));
        if ctx.now >= stop_at {
            ops.push(Op::RemovePod { pod: key.clone() });
        } else {
            ops.push(Op::WakeAt(stop_at, Work::Kubelet(key.clone())));
        }
        return ops;
    }
    if pod.is_terminal() {
        return Vec::new();
    }
    if rebooted {
        // The machine came back from a power loss: a new sandbox (so a new IP) and restarted
        // containers, as the kubelet does after a reboot.
        let start_at = ctx.now + SimDuration(i64::from(300 + jitter(uid, "restart", 400)));
        return vec![
            event("SandboxChanged", "Pod sandbox changed, it will be killed and re-created.".into()),
            Op::RecreateSandbox { pod: key.clone() },
            Op::Kubelet(Note::Planned { uid: uid.clone(), start_at, pulls: Vec::new(), boot: machine.boot }),
            Op::WakeAt(start_at, Work::Kubelet(key.clone())),
        ];
    }

    if pod.status.pod_ip.is_empty() {
        let scheduled_at = condition(&pod.status.conditions, "PodScheduled")
            .and_then(|c| c.last_transition_time)
            .map_or(ctx.now, |t| t.0);
        let sandbox_at = scheduled_at + SimDuration(i64::from(200 + jitter(uid, "sandbox", 600)));
        if ctx.now < sandbox_at {
            return vec![Op::WakeAt(sandbox_at, Work::Kubelet(key.clone()))];
        }
        let mut ops = vec![Op::StartSandbox { pod: key.clone() }];
        let mut pulls = Vec::new();
        let mut at = ctx.now;
        for c in &pod.spec.containers {
            let image = normalize_image(&c.image);
            let present = ctx.kubelet.has_image(node, &image) || pulls.iter().any(|(i, _)| i == &image);
            if !present {
                let d = SimDuration(i64::from(1000 + jitter(uid, &image, 2000)));
                ops.push(event("Pulling", format!("Pulling image \"{}\"", c.image)));
                pulls.push((image, d));
                at = at + d;
            }
        }
        let start_at = at + SimDuration(i64::from(300 + jitter(uid, "start", 400)));
        ops.push(Op::Kubelet(Note::Planned { uid: uid.clone(), start_at, pulls, boot: machine.boot }));
        ops.push(Op::WakeAt(start_at, Work::Kubelet(key.clone())));
        return ops;
    }

    let all_running = pod.status.container_statuses.len() == pod.spec.containers.len()
        && pod.status.container_statuses.iter().all(|c| c.state.running.is_some());
    if all_running {
        return Vec::new();
    }
    let start_at = work.map_or(ctx.now, |w| w.start_at);
    if ctx.now < start_at {
        return vec![Op::WakeAt(start_at, Work::Kubelet(key.clone()))];
    }
    let mut ops = Vec::new();
    let mut images = Vec::new();
    for c in &pod.spec.containers {
        let image = normalize_image(&c.image);
        match work.and_then(|w| w.pulls.iter().find(|(i, _)| i == &image)) {
            Some((_, d)) => {
                let size = 20_000_000 + u64::from(crate::rng::fnv32a(image.as_bytes()) % 60_000_000);
                ops.push(event(
                    "Pulled",
                    format!(
                        "Successfully pulled image \"{}\" in {d} ({d} including waiting). Image size: {size} bytes.",
                        c.image
                    ),
                ));
            }
            None => ops.push(event("Pulled", format!("Container image \"{}\" already present on machine", c.image))),
        }
        ops.push(event("Created", format!("Created container: {}", c.name)));
        ops.push(event("Started", format!("Started container {}", c.name)));
        images.push(image);
    }
    let mut p2 = pod.clone();
    p2.status = running_status(pod, ctx.now);
    ops.insert(0, Op::Update(crate::api::Resource::into_object(p2)));
    ops.push(Op::Kubelet(Note::ImagesPresent { node: node.to_string(), images }));
    ops
}

/// The pod's status once its sandbox exists and it has an IP: still Pending, containers
/// creating.
pub fn sandbox_status(pod: &Pod, pod_ip: &str, host_ip: &str, now: SimTime) -> crate::api::pod::PodStatus {
    let mut s = pod.status.clone();
    s.phase = "Pending".into();
    s.host_ip = host_ip.into();
    s.host_ips = vec![IpEntry { ip: host_ip.into() }];
    s.pod_ip = pod_ip.into();
    s.pod_ips = vec![IpEntry { ip: pod_ip.into() }];
    s.start_time = Some(Time(now));
    s.qos_class = qos_class(pod);
    let names: Vec<&str> = pod.spec.containers.iter().map(|c| c.name.as_str()).collect();
    let unready = format!("containers with unready status: [{}]", names.join(" "));
    set_condition(&mut s.conditions, Condition::new("PodReadyToStartContainers", true, now));
    set_condition(&mut s.conditions, Condition::new("Initialized", true, now));
    let mut ready = Condition::new("Ready", false, now);
    ready.reason = "ContainersNotReady".into();
    ready.message = unready.clone();
    set_condition(&mut s.conditions, ready);
    let mut cready = Condition::new("ContainersReady", false, now);
    cready.reason = "ContainersNotReady".into();
    cready.message = unready;
    set_condition(&mut s.conditions, cready);
    order_conditions(&mut s.conditions);
    s.container_statuses = pod
        .spec
        .containers
        .iter()
        .map(|c| {
            // A container that ran before (the sandbox is being re-created) keeps its count, plus
            // one, and shows how it ended.
            let previous = pod.status.container_statuses.iter().find(|p| p.name == c.name && p.state.running.is_some());
            ContainerStatus {
                name: c.name.clone(),
                state: ContainerState {
                    waiting: Some(StateWaiting { reason: "ContainerCreating".into(), message: String::new() }),
                    ..Default::default()
                },
                last_state: previous
                    .map(|p| ContainerState {
                        terminated: Some(crate::api::pod::StateTerminated {
                            exit_code: 255,
                            reason: "Unknown".into(),
                            started_at: p.state.running.as_ref().and_then(|r| r.started_at),
                            finished_at: Some(Time(now)),
                            container_id: p.container_id.clone(),
                            ..Default::default()
                        }),
                        ..Default::default()
                    })
                    .unwrap_or_default(),
                ready: false,
                restart_count: previous.map_or(0, |p| p.restart_count + 1),
                image: c.image.clone(),
                started: Some(false),
                ..Default::default()
            }
        })
        .collect();
    s
}

/// The pod's status once every container runs: Running, and Ready since no readiness probe holds
/// it back.
fn running_status(pod: &Pod, now: SimTime) -> crate::api::pod::PodStatus {
    let mut s = pod.status.clone();
    s.phase = "Running".into();
    for t in ["Ready", "ContainersReady"] {
        set_condition(&mut s.conditions, Condition::new(t, true, now));
    }
    order_conditions(&mut s.conditions);
    s.container_statuses = pod
        .spec
        .containers
        .iter()
        .map(|c| {
            let image = normalize_image(&c.image);
            // The restart count is carried over from the waiting status; every container
            // instance gets its own ID, as containerd gives it.
            let previous = pod.status.container_statuses.iter().find(|p| p.name == c.name);
            let restarts = previous.map_or(0, |p| p.restart_count);
            let mut id = fnv64a(FNV64_OFFSET, pod.metadata.uid.as_str().as_bytes());
            id = fnv64a(id, c.name.as_bytes());
            id = fnv64a(id, &restarts.to_le_bytes());
            let digest = fnv64a(FNV64_OFFSET, image.as_bytes());
            ContainerStatus {
                name: c.name.clone(),
                state: ContainerState {
                    running: Some(StateRunning { started_at: Some(Time(now)) }),
                    ..Default::default()
                },
                last_state: previous.map(|p| p.last_state.clone()).unwrap_or_default(),
                ready: true,
                restart_count: restarts,
                image: image.clone(),
                image_id: format!("{}@sha256:{digest:016x}{digest:016x}{digest:016x}{digest:016x}", repo(&image)),
                container_id: format!("containerd://{id:016x}{id:016x}{id:016x}{id:016x}"),
                started: Some(true),
            }
        })
        .collect();
    s
}

/// Kubernetes prints pod conditions in this order.
fn order_conditions(conds: &mut [Condition]) {
    let rank = |t: &str| match t {
        "PodReadyToStartContainers" => 0,
        "Initialized" => 1,
        "Ready" => 2,
        "ContainersReady" => 3,
        "PodScheduled" => 4,
        _ => 5,
    };
    conds.sort_by_key(|c| rank(&c.type_));
}

/// `GetPodQOS`: Guaranteed when every container limits cpu and memory and requests what it
/// limits; BestEffort with no requests or limits at all; Burstable otherwise.
pub fn qos_class(pod: &Pod) -> String {
    let empty = crate::api::pod::ResourceRequirements::default();
    let rs: Vec<_> = pod.spec.containers.iter().map(|c| c.resources.as_ref().unwrap_or(&empty)).collect();
    if rs.iter().all(|r| r.is_empty()) {
        return "BestEffort".into();
    }
    let guaranteed = rs.iter().all(|r| {
        ["cpu", "memory"].iter().all(|k| match (r.limits.get(*k), r.requests.get(*k)) {
            (Some(l), Some(q)) => l.milli() == q.milli(),
            _ => false,
        })
    });
    if guaranteed { "Guaranteed" } else { "Burstable" }.into()
}

/// The full reference containerd reports: `nginx` → `docker.io/library/nginx:latest`.
pub fn normalize_image(image: &str) -> String {
    let (name, tag_or_digest) = match image.rsplit_once('@') {
        Some((n, d)) => (n.to_string(), format!("@{d}")),
        None => {
            let last = image.rsplit('/').next().unwrap_or(image);
            match last.rsplit_once(':') {
                Some((_, t)) => (image[..image.len() - t.len() - 1].to_string(), format!(":{t}")),
                None => (image.to_string(), ":latest".to_string()),
            }
        }
    };
    let first = name.split('/').next().unwrap_or("");
    let has_domain = name.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    let full = if has_domain {
        name
    } else if name.contains('/') {
        format!("docker.io/{name}")
    } else {
        format!("docker.io/library/{name}")
    };
    format!("{full}{tag_or_digest}")
}

fn repo(image: &str) -> &str {
    let last_slash = image.rfind('/').map_or(0, |i| i + 1);
    match image[last_slash..].find([':', '@']) {
        Some(i) => &image[..last_slash + i],
        None => image,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_normalised_as_containerd_reports_them() {
        for (given, want) in [
            ("nginx", "docker.io/library/nginx:latest"),
            ("nginx:1.27", "docker.io/library/nginx:1.27"),
            ("bitnami/redis:7", "docker.io/bitnami/redis:7"),
            ("registry.k8s.io/e2e-test-images/agnhost:2.53", "registry.k8s.io/e2e-test-images/agnhost:2.53"),
            ("localhost:5000/app", "localhost:5000/app:latest"),
        ] {
            assert_eq!(normalize_image(given), want, "{given}");
        }
        assert_eq!(repo("docker.io/library/nginx:1.27"), "docker.io/library/nginx");
    }
}
