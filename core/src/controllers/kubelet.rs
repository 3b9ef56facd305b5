//! The kubelet: runs the pods bound to its node. It sets up the sandbox (an IP from the node's
//! pod CIDR), pulls images (ErrImagePull and ImagePullBackOff when the registry says no), starts
//! containers, runs their startup, liveness and readiness probes, restarts containers that exit
//! with an exponential back-off (10 s doubling to 5 min: CrashLoopBackOff), and on deletion stops
//! them within the grace period and removes the pod.
//!
//! Like the real kubelet it has a memory of its own ([`State`]: images on each node, each pod's
//! containers as it runs them). A reconcile moves that memory forward to `now`, derives the pod's
//! status from it, and returns the changes as a plan.

mod containers;
pub mod env;
mod status;

use std::collections::{BTreeMap, BTreeSet};

use crate::api::meta::condition;
use crate::api::{Kind, ObjectKey, Pod, Resource, Uid};
use crate::controllers::{Ctx, EventDraft, Op, Work, jitter, reference};
use crate::time::{SimDuration, SimTime};

pub use containers::{CState, ContainerWork, Ended, PodWork};
pub use status::qos_class;

const COMPONENT: &str = "kubelet";

/// What the kubelets remember.
#[derive(Clone, Debug, Default)]
pub struct State {
    images: BTreeMap<String, BTreeSet<String>>,
    pods: BTreeMap<Uid, PodWork>,
}

/// A change to [`State`], carried in a plan.
#[derive(Clone, Debug)]
pub enum Note {
    /// The kubelet's record of a pod, as it stands after a reconcile.
    Set { uid: Uid, work: Box<PodWork> },
    /// These images are now on the node.
    ImagesPresent { node: String, images: Vec<String> },
    /// The pod is gone; forget it.
    Forget(Uid),
}

impl State {
    pub fn apply(&mut self, note: Note) {
        match note {
            Note::Set { uid, work } => {
                self.pods.insert(uid, *work);
            }
            Note::ImagesPresent { node, images } => {
                self.images.entry(node).or_default().extend(images);
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

    /// The kubelet's record of a pod.
    pub fn pod(&self, uid: &Uid) -> Option<&PodWork> {
        self.pods.get(uid)
    }

    /// Records the IP the CNI step gave the pod's sandbox; false when there is no record to
    /// hold it.
    pub fn set_sandbox_ip(&mut self, uid: &Uid, ip: String) -> bool {
        self.pods.get_mut(uid).map(|w| w.sandbox_ip = ip).is_some()
    }

    /// Makes running containers of a pod exit with code 1 at the next reconcile (`sim crash pod`).
    /// Returns the containers that will crash, or why none can.
    pub fn crash(&mut self, uid: &Uid, container: Option<&str>) -> Result<Vec<String>, String> {
        let Some(w) = self.pods.get_mut(uid) else {
            return Err("its containers are not running yet".into());
        };
        let mut hit = Vec::new();
        for c in w.containers.iter_mut().filter(|c| container.is_none_or(|n| n == c.name)) {
            if matches!(c.state, CState::Running { .. }) {
                c.crash = true;
                hit.push(c.name.clone());
            }
        }
        if hit.is_empty() {
            return Err(match container {
                Some(n) if !w.containers.iter().any(|c| c.name == n) => format!("container {n} is not valid for pod"),
                _ => "no running container to crash".into(),
            });
        }
        Ok(hit)
    }

    /// A container's command ended with `code` at `at`: the kubelet sees the container exit.
    pub fn process_exited(&mut self, uid: &Uid, container: &str, at: SimTime, code: i32) {
        let Some(c) = self.pods.get_mut(uid).and_then(|w| w.containers.iter_mut().find(|c| c.name == container)) else {
            return;
        };
        if let CState::Running { since, .. } = c.state {
            c.state = CState::Running { since, exits: Some((at, code)) };
        }
    }

    /// Which probes of a pod's running containers are due now and run a command: the prober
    /// runs those in the container before the kubelet syncs.
    pub fn due_exec_probes(&self, pod: &Pod, now: SimTime) -> Vec<(String, &'static str, Vec<String>)> {
        let Some(w) = self.pods.get(&pod.metadata.uid) else { return Vec::new() };
        let mut due = Vec::new();
        for c in w.containers.iter().filter(|c| matches!(c.state, CState::Running { .. })) {
            let Some(spec) = pod.spec.containers.iter().find(|s| s.name == c.name) else { continue };
            let probes = [
                ("startup", &spec.startup_probe, &c.startup, !c.started),
                ("liveness", &spec.liveness_probe, &c.liveness, c.started),
                ("readiness", &spec.readiness_probe, &c.readiness, c.started),
            ];
            for (kind, probe, run, active) in probes {
                if let (Some(exec), Some(at), true) =
                    (probe.as_ref().and_then(|p| p.exec.as_ref()), run.next_at, active)
                    && at <= now
                {
                    due.push((c.name.clone(), kind, exec.command.clone()));
                }
            }
        }
        due
    }

    /// Forces the pod's readiness to fail (or lifts that), as `sim unready|ready pod` do.
    pub fn set_unready(&mut self, uid: &Uid, unready: bool) -> bool {
        match self.pods.get_mut(uid) {
            Some(w) => {
                w.unready = unready;
                true
            }
            None => false,
        }
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
    let work = ctx.kubelet.pods.get(uid);
    // Containers started before the machine's last boot died with it.
    let rebooted = work.is_some_and(|w| w.boot != machine.boot);
    let pref = reference(Kind::Pod, &pod.metadata);
    let event = |warning: bool, reason: &str, msg: String| {
        let d = if warning {
            EventDraft::warning(pref.clone(), COMPONENT, reason, msg)
        } else {
            EventDraft::normal(pref.clone(), COMPONENT, reason, msg)
        };
        Op::Event(d.on_host(node))
    };

    if let Some(deleted_at) = pod.metadata.deletion_timestamp {
        return terminate(ctx, pod, work.filter(|_| !rebooted), deleted_at, &event);
    }
    if pod.is_terminal() {
        return Vec::new();
    }
    if rebooted {
        // The machine came back from a power loss: a new sandbox (so a new IP) and restarted
        // containers, as the kubelet does after a reboot.
        let start_at = ctx.now + SimDuration(i64::from(300 + jitter(uid, "restart", 400)));
        let mut w = work.cloned().unwrap_or_default();
        w.boot = machine.boot;
        w.killing = false;
        for c in &mut w.containers {
            c.reboot(start_at);
        }
        return vec![
            event(false, "SandboxChanged", "Pod sandbox changed, it will be killed and re-created.".into()),
            Op::Kubelet(Note::Set { uid: uid.clone(), work: Box::new(w) }),
            Op::RecreateSandbox { pod: key.clone() },
            Op::WakeAt(start_at, Work::Kubelet(key.clone())),
        ];
    }

    // A pod with an IP in its status and no record here was imported: its sandbox is taken as
    // made.
    let sandboxed = work.map_or(!pod.status.pod_ip.is_empty(), |w| !w.sandbox_ip.is_empty());
    if !sandboxed {
        return admit(ctx, pod, work, &event);
    }

    // A pod this kubelet did not start (imported with a status) is taken over as if its
    // containers were starting now.
    let mut w = match work {
        Some(w) => w.clone(),
        None => {
            let mut w = PodWork::start(pod, ctx.now, machine.boot, |_| true).0;
            w.sandbox_ip.clone_from(&pod.status.pod_ip);
            w
        }
    };
    let mut out = containers::Outcome::default();
    let config = |c: &crate::api::pod::Container| env::resolve(ctx.store, pod, c).map(|_| ());
    let exec = |container: &str, kind: &'static str| ctx.exec_probes.get(&(container.to_string(), kind)).cloned();
    let sync = containers::Sync { registry: ctx.registry, config: &config, exec: &exec };
    w.advance(pod, ctx.now, &sync, &mut out);
    let mut ops: Vec<Op> = out.events.into_iter().map(|(warning, reason, msg)| event(warning, &reason, msg)).collect();
    // While the containers are still being created the status stays the one written at
    // admission: the kubelet reports again once one runs or fails.
    let status = status::pod_status(pod, &w, ctx.now);
    let reported = !pod.status.container_statuses.is_empty();
    if status != pod.status && !(w.creating() && reported) {
        let mut p = pod.clone();
        p.status = status;
        ops.insert(0, Op::Update(p.into_object()));
    }
    if !out.pulled.is_empty() {
        ops.push(Op::Kubelet(Note::ImagesPresent { node: node.to_string(), images: out.pulled }));
    }
    if let Some(at) = w.next_wake(ctx.now, pod) {
        ops.push(Op::WakeAt(at, Work::Kubelet(key.clone())));
    }
    if work != Some(&w) {
        ops.push(Op::Kubelet(Note::Set { uid: uid.clone(), work: Box::new(w) }));
    }
    // The runtime starts each new container's command once the record says it runs.
    for container in out.entrypoints {
        ops.push(Op::StartEntrypoint { pod: key.clone(), container });
    }
    ops
}

/// The kubelet's first syncs of a pod bound to its node (`SyncPod` before the sandbox exists):
/// it reports the pod admitted (Pending, every container ContainerCreating, no IP yet), waits for
/// its volumes to be attached and mounted, then makes the sandbox (the CNI step gives it an IP)
/// and starts pulling images.
fn admit(ctx: &Ctx, pod: &Pod, work: Option<&PodWork>, event: &dyn Fn(bool, &str, String) -> Op) -> Vec<Op> {
    let key = ObjectKey::of(&pod.metadata);
    let uid = &pod.metadata.uid;
    let node = pod.spec.node_name.as_str();
    let scheduled_at = admitted_at(pod);
    let host_ip = ctx
        .store
        .get::<crate::api::Node>(&ObjectKey::cluster(node))
        .map(|n| n.internal_ip().to_string())
        .unwrap_or_default();
    let status = status::admitted_status(pod, &host_ip, ctx.now);
    let mut ops = Vec::new();
    if status != pod.status {
        let mut p = pod.clone();
        p.status = status;
        ops.push(Op::Update(p.into_object()));
    }
    // Volumes are attached and mounted before the sandbox is made (WaitForAttachAndMount).
    match volumes_ready(ctx, pod) {
        Err(VolumeWait::Missing(msg)) => {
            ops.push(event(true, "FailedMount", msg));
            ops.push(Op::WakeAt(ctx.now + SimDuration::seconds(120), Work::Kubelet(key)));
            return ops;
        }
        Err(VolumeWait::Attaching(names)) => {
            // After two minutes of waiting the kubelet says so, and keeps waiting.
            let report_at = scheduled_at + SimDuration::seconds(120);
            if ctx.now >= report_at {
                ops.push(event(
                    true,
                    "FailedMount",
                    format!(
                        "Unable to attach or mount volumes: unmounted volumes=[{n}], unattached volumes=[{n}]: timed out waiting for the condition",
                        n = names.join(" ")
                    ),
                ));
                ops.push(Op::WakeAt(ctx.now + SimDuration::seconds(120), Work::Kubelet(key)));
            } else {
                ops.push(Op::WakeAt(report_at, Work::Kubelet(key)));
            }
            return ops;
        }
        Ok(()) => {}
    }
    let sandbox_at = scheduled_at + SimDuration(i64::from(200 + jitter(uid, "sandbox", 600)));
    if ctx.now < sandbox_at {
        ops.push(Op::WakeAt(sandbox_at, Work::Kubelet(key)));
        return ops;
    }
    let boot = ctx.machines.get(node).boot;
    let (mut w, pulling) = PodWork::start(pod, ctx.now, boot, |image| ctx.kubelet.has_image(node, image));
    if let Some(old) = work {
        // A sandbox that could not be made keeps what the kubelet already knew of the pod.
        w.unready = old.unready;
    }
    // The record goes in first: the CNI step writes the sandbox's IP into it.
    let wake = w.next_wake(ctx.now, pod);
    ops.push(Op::Kubelet(Note::Set { uid: uid.clone(), work: Box::new(w) }));
    ops.push(Op::StartSandbox { pod: key.clone() });
    for image in pulling {
        ops.push(event(false, "Pulling", format!("Pulling image \"{image}\"")));
    }
    if let Some(at) = wake {
        ops.push(Op::WakeAt(at, Work::Kubelet(key)));
    }
    ops
}

/// The kubelet's part in a pod's deletion (`syncTerminatingPod`): it sends each container the
/// stop signal, reports each exit, and once none runs reports the pod's terminal phase
/// (Succeeded when every container exited 0, else Failed, since Kubernetes 1.27) and deletes
/// the pod for good with a zero grace period, as its status manager does.
fn terminate(
    ctx: &Ctx,
    pod: &Pod,
    work: Option<&PodWork>,
    deleted_at: crate::api::meta::Time,
    event: &dyn Fn(bool, &str, String) -> Op,
) -> Vec<Op> {
    let key = ObjectKey::of(&pod.metadata);
    let Some(w) = work.filter(|w| w.any_running() || w.killing) else {
        // Nothing of it runs here: there is nothing to stop or report.
        return vec![Op::RemovePod { pod: key }];
    };
    let grace = SimDuration::seconds(pod.metadata.deletion_grace_period_seconds.unwrap_or(0).max(0));
    let requested_at = deleted_at.0 - grace;
    let mut w2 = w.clone();
    let mut ops = Vec::new();
    if !w.killing {
        w2.killing = true;
        for c in w.containers.iter().filter(|c| matches!(c.state, CState::Running { .. })) {
            ops.push(event(false, "Killing", format!("Stopping container {}", c.name)));
        }
    }
    let next = w2.stop(pod, requested_at, grace, ctx.now);
    let status = status::pod_status(pod, &w2, ctx.now);
    if status != pod.status {
        let mut p = pod.clone();
        p.status = status;
        ops.insert(0, Op::Update(p.into_object()));
    }
    match next {
        Some(at) => ops.push(Op::WakeAt(at, Work::Kubelet(key.clone()))),
        None => ops.push(Op::RemovePod { pod: key.clone() }),
    }
    if w2 != *w {
        ops.push(Op::Kubelet(Note::Set { uid: pod.metadata.uid.clone(), work: Box::new(w2) }));
    }
    ops
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

/// When the pod reached this kubelet: when it was scheduled, or created for a pod that named its
/// node itself (no scheduler involved).
fn admitted_at(pod: &Pod) -> SimTime {
    condition(&pod.status.conditions, "PodScheduled")
        .and_then(|c| c.last_transition_time)
        .or(pod.metadata.creation_timestamp)
        .map_or(SimTime(0), |t| t.0)
}

enum VolumeWait {
    /// A ConfigMap, Secret or claim is missing: the kubelet's FailedMount message.
    Missing(String),
    /// Network disks not yet attached to this node.
    Attaching(Vec<String>),
}

/// Whether every volume of the pod can be mounted on its node now.
fn volumes_ready(ctx: &Ctx, pod: &Pod) -> Result<(), VolumeWait> {
    use crate::api::{ConfigMap, PersistentVolume, PersistentVolumeClaim, Secret};
    let ns = pod.metadata.namespace.as_str();
    let mut attaching = Vec::new();
    for v in &pod.spec.volumes {
        if let Some(cm) = &v.config_map
            && cm.optional != Some(true)
            && ctx.store.get::<ConfigMap>(&ObjectKey::new(ns, cm.name.as_str())).is_none()
        {
            return Err(VolumeWait::Missing(format!(
                "MountVolume.SetUp failed for volume \"{}\" : configmap \"{}\" not found",
                v.name, cm.name
            )));
        }
        if let Some(sec) = &v.secret
            && sec.optional != Some(true)
            && ctx.store.get::<Secret>(&ObjectKey::new(ns, sec.secret_name.as_str())).is_none()
        {
            return Err(VolumeWait::Missing(format!(
                "MountVolume.SetUp failed for volume \"{}\" : secret \"{}\" not found",
                v.name, sec.secret_name
            )));
        }
        if let Some(c) = &v.persistent_volume_claim {
            let claim = ctx.store.get::<PersistentVolumeClaim>(&ObjectKey::new(ns, c.claim_name.as_str()));
            let pv = claim
                .filter(|c| !c.spec.volume_name.is_empty())
                .and_then(|c| ctx.store.get::<PersistentVolume>(&ObjectKey::cluster(c.spec.volume_name.as_str())));
            match pv {
                None => attaching.push(v.name.clone()),
                Some(pv) => {
                    if super::attach_detach::attachable(pv)
                        && !ctx.attach.is_attached(&pv.metadata.name, &pod.spec.node_name)
                    {
                        attaching.push(v.name.clone());
                    }
                }
            }
        }
    }
    if attaching.is_empty() { Ok(()) } else { Err(VolumeWait::Attaching(attaching)) }
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
    }
}
