//! The pod status the kubelet reports, derived from its record of the containers.

use crate::api::meta::{Condition, Time, set_condition};
use crate::api::pod::{
    ContainerState, ContainerStatus, IpEntry, PodStatus, StateRunning, StateTerminated, StateWaiting,
};
use crate::api::{Pod, pod::ResourceRequirements};
use crate::time::SimTime;

use super::containers::{CState, ContainerWork, Ended, PodWork, SHOW_FAILURE, container_id};
use super::normalize_image;

/// The status the kubelet reports when it admits a pod, before its sandbox exists (and while
/// its volumes are not yet attached or mounted): Pending, every container waiting in
/// ContainerCreating, no IP.
pub fn admitted_status(pod: &Pod, host_ip: &str, now: SimTime) -> PodStatus {
    let mut s = pod.status.clone();
    s.phase = "Pending".into();
    s.host_ip = host_ip.into();
    s.host_ips = vec![IpEntry { ip: host_ip.into() }];
    s.start_time.get_or_insert(Time(now));
    s.qos_class = qos_class(pod);
    set_condition(&mut s.conditions, Condition::new("PodReadyToStartContainers", false, now));
    set_condition(&mut s.conditions, Condition::new("Initialized", true, now));
    let names: Vec<&str> = pod.spec.containers.iter().map(|c| c.name.as_str()).collect();
    for t in ["Ready", "ContainersReady"] {
        let mut c = Condition::new(t, false, now);
        c.reason = "ContainersNotReady".into();
        c.message = format!("containers with unready status: [{}]", names.join(" "));
        set_condition(&mut s.conditions, c);
    }
    if !s.conditions.iter().any(|c| c.type_ == "PodScheduled") {
        set_condition(&mut s.conditions, Condition::new("PodScheduled", true, now));
    }
    s.container_statuses = pod
        .spec
        .containers
        .iter()
        .map(|c| ContainerStatus {
            name: c.name.clone(),
            state: ContainerState {
                waiting: Some(StateWaiting { reason: "ContainerCreating".into(), message: String::new() }),
                ..Default::default()
            },
            image: c.image.clone(),
            started: Some(false),
            ..Default::default()
        })
        .collect();
    order_conditions(&mut s.conditions);
    s
}

/// The status the kubelet reports for a pod from its record: container states, readiness, phase
/// and conditions.
pub fn pod_status(pod: &Pod, w: &PodWork, now: SimTime) -> PodStatus {
    let mut s = pod.status.clone();
    if !w.sandbox_ip.is_empty() {
        s.pod_ip.clone_from(&w.sandbox_ip);
        s.pod_ips = vec![IpEntry { ip: w.sandbox_ip.clone() }];
        s.start_time.get_or_insert(Time(now));
        s.qos_class = qos_class(pod);
        set_condition(&mut s.conditions, Condition::new("PodReadyToStartContainers", true, now));
        set_condition(&mut s.conditions, Condition::new("Initialized", true, now));
    }
    s.container_statuses = w.containers.iter().filter_map(|c| container_status(pod, c, now)).collect();
    // A pod being deleted whose containers have all stopped is terminal too, even one whose
    // containers never ran (`getPhase` with podIsTerminal).
    let stopped = w.killing && !w.any_running();
    let all_done = stopped
        || (!w.containers.is_empty()
            && w.containers.iter().all(|c| matches!(c.state, CState::Exited { restart_at: None, .. })));
    let ever_ran = w
        .containers
        .iter()
        .any(|c| c.restarts > 0 || matches!(c.state, CState::Running { .. } | CState::Exited { .. }));
    s.phase = if all_done {
        let failed = w
            .containers
            .iter()
            .any(|c| c.last.as_ref().is_some_and(|e| e.code != 0) || !matches!(c.state, CState::Exited { .. }));
        if failed { "Failed" } else { "Succeeded" }.into()
    } else if ever_ran
        && w.containers.iter().all(|c| {
            c.restarts > 0
                || !matches!(c.state, CState::Pulling { .. } | CState::PullFailed { .. } | CState::Starting { .. })
        })
    {
        "Running".into()
    } else {
        "Pending".into()
    };
    let unready: Vec<&str> = w.containers.iter().filter(|c| !c.ready).map(|c| c.name.as_str()).collect();
    let ready = unready.is_empty();
    for t in ["Ready", "ContainersReady"] {
        let mut c = Condition::new(t, ready, now);
        if all_done {
            c.status = "False".into();
            c.reason = "PodCompleted".into();
        } else if !ready {
            c.reason = "ContainersNotReady".into();
            c.message = format!("containers with unready status: [{}]", unready.join(" "));
        }
        set_condition(&mut s.conditions, c);
    }
    // The kubelet marks a pod it runs as scheduled, which matters for a pod that named its node
    // itself and never met the scheduler.
    if !s.conditions.iter().any(|c| c.type_ == "PodScheduled") {
        let at = pod.metadata.creation_timestamp.map_or(now, |t| t.0);
        set_condition(&mut s.conditions, Condition::new("PodScheduled", true, at));
    }
    order_conditions(&mut s.conditions);
    s
}

fn container_status(pod: &Pod, c: &ContainerWork, now: SimTime) -> Option<ContainerStatus> {
    let spec = pod.spec.containers.iter().find(|s| s.name == c.name)?;
    let image = normalize_image(&spec.image);
    let waiting = |reason: &str, message: String| ContainerState {
        waiting: Some(StateWaiting { reason: reason.into(), message }),
        ..Default::default()
    };
    let terminated = |e: &Ended| ContainerState {
        terminated: Some(StateTerminated {
            exit_code: e.code,
            reason: e.reason.clone(),
            message: String::new(),
            started_at: Some(Time(e.started)),
            finished_at: Some(Time(e.finished)),
            container_id: e.id.clone(),
        }),
        ..Default::default()
    };
    let mut last = c.last.as_ref().map(terminated).unwrap_or_default();
    let state = match &c.state {
        CState::Pulling { .. } if c.pull_error.is_some() => waiting(
            "ImagePullBackOff",
            format!(
                "Back-off pulling image \"{}\": ErrImagePull: {}",
                spec.image,
                c.pull_error.as_deref().unwrap_or("")
            ),
        ),
        CState::Starting { .. } if c.config_error.is_some() => {
            waiting("CreateContainerConfigError", c.config_error.clone().unwrap_or_default())
        }
        CState::Pulling { .. } | CState::Starting { .. } => waiting("ContainerCreating", String::new()),
        CState::PullFailed { at, message, .. } => {
            if now < *at + SHOW_FAILURE {
                waiting("ErrImagePull", message.clone())
            } else {
                waiting(
                    "ImagePullBackOff",
                    format!("Back-off pulling image \"{}\": ErrImagePull: {message}", spec.image),
                )
            }
        }
        CState::Running { since, .. } => {
            ContainerState { running: Some(StateRunning { started_at: Some(Time(*since)) }), ..Default::default() }
        }
        CState::Exited { at, restart_at } => {
            let shown = c.last.as_ref().map(terminated).unwrap_or_default();
            if restart_at.is_none() || now < *at + SHOW_FAILURE {
                // The exit is the current state; lastState is the one before.
                last = c.before_last.as_ref().map(terminated).unwrap_or_default();
                shown
            } else {
                let backoff = restart_at.map_or(0, |r| (r - *at).as_secs());
                waiting(
                    "CrashLoopBackOff",
                    format!(
                        "back-off {}s restarting failed container={} pod={}_{}({})",
                        backoff,
                        c.name,
                        pod.metadata.name,
                        pod.metadata.namespace,
                        pod.metadata.uid.as_str()
                    ),
                )
            }
        }
    };
    let running = matches!(c.state, CState::Running { .. });
    let created = running || matches!(c.state, CState::Exited { .. });
    let digest = crate::rng::fnv64a(crate::rng::FNV64_OFFSET, image.as_bytes());
    Some(ContainerStatus {
        name: c.name.clone(),
        state,
        last_state: last,
        ready: c.ready && running,
        restart_count: c.restarts,
        image: image.clone(),
        image_id: if c.pulled {
            format!("{}@sha256:{digest:016x}{digest:016x}{digest:016x}{digest:016x}", repo(&image))
        } else {
            String::new()
        },
        container_id: if created { container_id(&pod.metadata.uid, &c.name, c.restarts) } else { String::new() },
        started: Some(running && c.started),
    })
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
    let empty = ResourceRequirements::default();
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

fn repo(image: &str) -> &str {
    let last_slash = image.rfind('/').map_or(0, |i| i + 1);
    match image[last_slash..].find([':', '@']) {
        Some(i) => &image[..last_slash + i],
        None => image,
    }
}
