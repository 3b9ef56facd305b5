//! The kubelet's record of a pod's containers and how it moves them forward in time: image pulls
//! and their back-off, starts, probes, exits and restarts with back-off.

use crate::api::Pod;
use crate::api::meta::IntOrString;
use crate::api::pod::{Container, Probe};
use crate::controllers::jitter;
use crate::registry::Registry;
use crate::runtime::{OnTerm, Process, process_for};
use crate::time::{SimDuration, SimTime};

use super::normalize_image;

/// The kubelet's back-off for restarts and pulls: 10 s, doubling, capped at 5 minutes
/// (`kubecontainer.MaxContainerBackOff`); reset once a container has run for 10 minutes.
pub const BACKOFF_INITIAL: SimDuration = SimDuration::seconds(10);
pub const BACKOFF_MAX: SimDuration = SimDuration::seconds(300);
const BACKOFF_RESET_AFTER: SimDuration = SimDuration::seconds(600);
/// How long a just-failed pull or a just-exited container shows as such before the status moves
/// on to the back-off reason (one kubelet sync later).
pub const SHOW_FAILURE: SimDuration = SimDuration::seconds(1);
/// How soon the kubelet tries again to create a container whose configuration was missing.
pub const CONFIG_RETRY: SimDuration = SimDuration::seconds(10);

/// What a sync learns from the node besides the record: the registry, whether a container's
/// configuration resolves, and the prober's results for exec probes that were due (the
/// kubelet's results cache, filled by running each probe's command in its container).
pub struct Sync<'a> {
    pub registry: &'a Registry,
    pub config: &'a dyn Fn(&Container) -> Result<(), String>,
    pub exec: &'a dyn Fn(&str, &'static str) -> ProbeResult,
}

/// What an exec probe's command answered, if the prober ran it this sync.
pub type ProbeResult = Option<Result<(), String>>;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct PodWork {
    /// The machine's boot these containers run in.
    pub boot: u32,
    /// The stop signal has been sent.
    pub killing: bool,
    /// Readiness forced to fail (`sim unready pod`).
    pub unready: bool,
    /// The sandbox's IP, once the CNI step gave it one; the API sees it with the next status
    /// the kubelet writes.
    pub sandbox_ip: String,
    pub containers: Vec<ContainerWork>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ContainerWork {
    pub name: String,
    pub state: CState,
    pub restarts: i32,
    /// The next back-off delay; zero until the first exit (the first restart is immediate).
    pub backoff: SimDuration,
    /// How the previous instance ended (`lastState`).
    pub last: Option<Ended>,
    /// How the one before that ended: `lastState` while the latest exit is the current state.
    pub before_last: Option<Ended>,
    pub ready: bool,
    /// The startup probe has succeeded (or there is none).
    pub started: bool,
    pub startup: ProbeRun,
    pub liveness: ProbeRun,
    pub readiness: ProbeRun,
    /// A crash was asked for (`sim crash pod`).
    pub crash: bool,
    /// The image has been pulled at least once (so it has an image ID).
    pub pulled: bool,
    /// The image was pulled just before this start (else the start says it was present).
    pub just_pulled: bool,
    /// Why the last pull failed, while retries go on (the status says ImagePullBackOff).
    pub pull_error: Option<String>,
    /// Why the container could not be created from its spec (a missing ConfigMap or Secret
    /// it takes variables from): CreateContainerConfigError until that is fixed.
    pub config_error: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ProbeRun {
    pub next_at: Option<SimTime>,
    pub successes: u32,
    pub failures: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Ended {
    pub code: i32,
    pub reason: String,
    pub started: SimTime,
    pub finished: SimTime,
    pub id: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CState {
    Pulling { since: SimTime, done_at: SimTime },
    PullFailed { at: SimTime, retry_at: SimTime, message: String },
    Starting { at: SimTime },
    Running { since: SimTime, exits: Option<(SimTime, i32)> },
    Exited { at: SimTime, restart_at: Option<SimTime> },
}

/// What a reconcile produced besides the new record: events, and images now on the node.
#[derive(Default)]
pub struct Outcome {
    pub events: Vec<(bool, String, String)>,
    pub pulled: Vec<String>,
    /// Containers just started whose command the shell runs.
    pub entrypoints: Vec<String>,
}

impl Outcome {
    fn normal(&mut self, reason: &str, msg: String) {
        self.events.push((false, reason.into(), msg));
    }
    fn warning(&mut self, reason: &str, msg: String) {
        self.events.push((true, reason.into(), msg));
    }
}

impl PodWork {
    /// The record of a pod whose sandbox starts now: each container pulls its image (one after
    /// the other) unless the node has it, then starts. Returns the images being pulled.
    pub fn start(pod: &Pod, now: SimTime, boot: u32, has_image: impl Fn(&str) -> bool) -> (PodWork, Vec<String>) {
        let uid = &pod.metadata.uid;
        let mut at = now;
        let mut pulling = Vec::new();
        let mut containers = Vec::new();
        for c in &pod.spec.containers {
            let image = normalize_image(&c.image);
            let present = has_image(&image);
            let state = if !present || c.image_pull_policy == "Always" {
                let full = i64::from(1000 + jitter(uid, &image, 2000));
                // With the image present, `Always` only checks the registry for a newer digest.
                let d = if present { 200 + full / 10 } else { full };
                let since = at;
                at = at + SimDuration(d);
                pulling.push(c.image.clone());
                CState::Pulling { since, done_at: at }
            } else {
                CState::Starting { at: at + start_delay(uid, &c.name, 0) }
            };
            containers.push(ContainerWork {
                name: c.name.clone(),
                state,
                restarts: 0,
                backoff: SimDuration::ZERO,
                last: None,
                before_last: None,
                ready: false,
                started: false,
                startup: ProbeRun::default(),
                liveness: ProbeRun::default(),
                readiness: ProbeRun::default(),
                crash: false,
                pulled: present,
                just_pulled: false,
                pull_error: None,
                config_error: None,
            });
        }
        (PodWork { boot, killing: false, unready: false, sandbox_ip: String::new(), containers }, pulling)
    }

    /// Every container is still being created: its image pulling or the container starting, no
    /// error yet. The real kubelet pulls and starts inside one pod sync, so the API sees nothing
    /// of this until a container runs or fails.
    pub fn creating(&self) -> bool {
        self.containers.iter().all(|c| {
            c.restarts == 0
                && c.config_error.is_none()
                && c.pull_error.is_none()
                && matches!(c.state, CState::Pulling { .. } | CState::Starting { .. })
        })
    }

    /// Moves every container forward to `now`.
    pub fn advance(&mut self, pod: &Pod, now: SimTime, sync: &Sync, out: &mut Outcome) {
        let unready = self.unready;
        for c in &mut self.containers {
            let Some(spec) = pod.spec.containers.iter().find(|s| s.name == c.name) else { continue };
            // Each step can lead to another at the same instant (an exit, then an immediate
            // restart); a few rounds always suffice.
            for _ in 0..8 {
                if !c.step(pod, spec, now, sync, unready, out) {
                    break;
                }
            }
        }
    }

    /// Stops the pod's containers for its deletion, asked at `requested_at` with `grace`: each
    /// running process exits when its SIGTERM habit says, or is killed when the grace period
    /// ends; nothing is restarted any more. Returns when the next container will have stopped,
    /// or `None` once none runs.
    pub fn stop(&mut self, pod: &Pod, requested_at: SimTime, grace: SimDuration, now: SimTime) -> Option<SimTime> {
        let uid = &pod.metadata.uid;
        let mut next: Option<SimTime> = None;
        for c in &mut self.containers {
            let Some(spec) = pod.spec.containers.iter().find(|s| s.name == c.name) else { continue };
            match c.state {
                CState::Running { since, .. } => {
                    // The signal reaches the process a moment after the request.
                    let signalled = requested_at + SimDuration(i64::from(100 + jitter(uid, &c.name, 400)));
                    let (at, code) = match crate::runtime::on_term(spec) {
                        OnTerm::Exit { after_ms, code } if signalled + SimDuration(after_ms) < requested_at + grace => {
                            (signalled + SimDuration(after_ms), code)
                        }
                        _ => ((requested_at + grace).max(signalled), 137),
                    };
                    if now >= at {
                        c.ended(uid, since, at, code, if code == 0 { "Completed" } else { "Error" });
                        c.state = CState::Exited { at, restart_at: None };
                    } else {
                        next = Some(next.map_or(at, |n| n.min(at)));
                    }
                }
                CState::Exited { at, restart_at: Some(_) } => c.state = CState::Exited { at, restart_at: None },
                _ => {}
            }
        }
        next
    }

    /// Whether any container's process is running.
    pub fn any_running(&self) -> bool {
        self.containers.iter().any(|c| matches!(c.state, CState::Running { .. }))
    }

    /// When this pod next needs the kubelet.
    pub fn next_wake(&self, now: SimTime, pod: &Pod) -> Option<SimTime> {
        let mut times = Vec::new();
        for c in &self.containers {
            match &c.state {
                CState::Pulling { done_at, .. } => times.push(*done_at),
                CState::PullFailed { at, retry_at, .. } => times.extend([*at + SHOW_FAILURE, *retry_at]),
                CState::Starting { at } => times.push(*at),
                CState::Running { exits, .. } => {
                    if let Some((t, _)) = exits {
                        times.push(*t);
                    }
                    let spec = pod.spec.containers.iter().find(|s| s.name == c.name);
                    for (run, probe) in [
                        (&c.startup, spec.and_then(|s| s.startup_probe.as_ref())),
                        (&c.liveness, spec.and_then(|s| s.liveness_probe.as_ref())),
                        (&c.readiness, spec.and_then(|s| s.readiness_probe.as_ref())),
                    ] {
                        if let (Some(t), Some(_)) = (run.next_at, probe) {
                            times.push(t);
                        }
                    }
                }
                CState::Exited { at, restart_at } => {
                    times.push(*at + SHOW_FAILURE);
                    times.extend(*restart_at);
                }
            }
        }
        times.into_iter().filter(|t| *t > now).min()
    }
}

fn start_delay(uid: &crate::api::Uid, name: &str, restarts: i32) -> SimDuration {
    if restarts > 0 {
        // A restart reuses the sandbox and the image: the container runs at once.
        SimDuration::ZERO
    } else {
        SimDuration(i64::from(300 + jitter(uid, name, 400)))
    }
}

impl ContainerWork {
    /// After the machine rebooted: the container died with it, and starts again at `at`.
    pub fn reboot(&mut self, at: SimTime) {
        if let CState::Running { since, .. } = self.state {
            self.before_last = self.last.take();
            self.last =
                Some(Ended { code: 255, reason: "Unknown".into(), started: since, finished: at, id: String::new() });
        }
        if matches!(self.state, CState::Running { .. } | CState::Exited { .. }) {
            self.restarts += 1;
        }
        self.ready = false;
        self.started = false;
        self.crash = false;
        self.state = CState::Starting { at };
    }

    /// One transition, if one is due; returns whether anything changed.
    #[allow(clippy::too_many_arguments)] // the kubelet's whole view of one container at one instant
    fn step(
        &mut self,
        pod: &Pod,
        spec: &Container,
        now: SimTime,
        sync: &Sync,
        unready: bool,
        out: &mut Outcome,
    ) -> bool {
        let uid = &pod.metadata.uid;
        match self.state.clone() {
            CState::Pulling { since, done_at } if now >= done_at => {
                match sync.registry.pull(&spec.image) {
                    Ok(()) => {
                        let took = done_at - since;
                        let size = 20_000_000
                            + u64::from(crate::rng::fnv32a(normalize_image(&spec.image).as_bytes()) % 60_000_000);
                        out.normal(
                            "Pulled",
                            format!(
                                "Successfully pulled image \"{}\" in {took} ({took} including waiting). Image size: {size} bytes.",
                                spec.image
                            ),
                        );
                        out.pulled.push(normalize_image(&spec.image));
                        self.pulled = true;
                        self.just_pulled = true;
                        self.pull_error = None;
                        self.state = CState::Starting { at: done_at + start_delay(uid, &self.name, self.restarts) };
                    }
                    Err(message) => {
                        out.warning("Failed", format!("Failed to pull image \"{}\": {message}", spec.image));
                        out.warning("Failed", "Error: ErrImagePull".into());
                        let delay = self.next_backoff(None);
                        self.pull_error = Some(message.clone());
                        self.state = CState::PullFailed { at: done_at, retry_at: done_at + delay, message };
                        out.normal("BackOff", format!("Back-off pulling image \"{}\"", spec.image));
                        out.warning("Failed", "Error: ImagePullBackOff".into());
                    }
                }
                true
            }
            CState::PullFailed { retry_at, .. } if now >= retry_at => {
                out.normal("Pulling", format!("Pulling image \"{}\"", spec.image));
                self.state = CState::Pulling {
                    since: retry_at,
                    done_at: retry_at + SimDuration(i64::from(500 + jitter(uid, "retry", 500))),
                };
                true
            }
            CState::Starting { at } if now >= at => {
                // The kubelet builds the container's environment before creating it; a missing
                // reference stops it there, and the next sync tries again.
                if let Err(message) = (sync.config)(spec) {
                    if self.config_error.as_ref() != Some(&message) {
                        out.warning("Failed", format!("Error: {message}"));
                    }
                    self.config_error = Some(message);
                    self.state = CState::Starting { at: now + CONFIG_RETRY };
                    return true;
                }
                self.config_error = None;
                if !self.just_pulled {
                    out.normal("Pulled", format!("Container image \"{}\" already present on machine", spec.image));
                }
                self.just_pulled = false;
                out.normal("Created", format!("Created container: {}", self.name));
                out.normal("Started", format!("Started container {}", self.name));
                let exits = match process_for(spec) {
                    Process::Exit { after, code } => Some((at + after, code)),
                    Process::Serve { .. } => None,
                    // The shell runs the command and says when it ends.
                    Process::Script { .. } => {
                        out.entrypoints.push(self.name.clone());
                        None
                    }
                };
                self.state = CState::Running { since: at, exits };
                self.started = spec.startup_probe.is_none();
                self.pulled = true;
                let first = |p: &Option<Probe>| p.as_ref().map(|p| at + SimDuration::seconds(p.initial_delay()));
                self.startup = ProbeRun { next_at: first(&spec.startup_probe), ..Default::default() };
                self.liveness = ProbeRun {
                    next_at: if self.started { first(&spec.liveness_probe) } else { None },
                    ..Default::default()
                };
                self.readiness = ProbeRun {
                    next_at: if self.started { first(&spec.readiness_probe) } else { None },
                    ..Default::default()
                };
                self.ready = self.started && spec.readiness_probe.is_none() && !unready;
                true
            }
            CState::Running { since, exits } => {
                if self.crash {
                    self.crash = false;
                    self.exit(pod, since, now, 1, "Error", out);
                    return true;
                }
                if let Some((t, code)) = exits
                    && now >= t
                {
                    self.exit(pod, since, t, code, if code == 0 { "Completed" } else { "Error" }, out);
                    return true;
                }
                self.probe(pod, spec, now, unready, sync, out)
            }
            CState::Exited { restart_at: Some(r), .. } if now >= r => {
                self.restarts += 1;
                self.state = CState::Starting { at: r + start_delay(uid, &self.name, self.restarts) };
                true
            }
            _ => false,
        }
    }

    /// The back-off before the next restart or pull, and what follows it. A container that ran
    /// long enough starts over from the first step.
    fn next_backoff(&mut self, ran: Option<SimDuration>) -> SimDuration {
        if ran.is_some_and(|r| r >= BACKOFF_RESET_AFTER) {
            self.backoff = SimDuration::ZERO;
        }
        let delay = if ran.is_some() { self.backoff } else { self.backoff.max(BACKOFF_INITIAL) };
        let next =
            if delay == SimDuration::ZERO { BACKOFF_INITIAL } else { SimDuration((delay.0 * 2).min(BACKOFF_MAX.0)) };
        self.backoff = next;
        delay
    }

    /// Records how the running instance ended (`lastState`, the one before it kept).
    fn ended(&mut self, uid: &crate::api::Uid, since: SimTime, at: SimTime, code: i32, reason: &str) {
        let id = container_id(uid, &self.name, self.restarts);
        self.before_last = self.last.take();
        self.last = Some(Ended { code, reason: reason.into(), started: since, finished: at, id });
        self.ready = false;
    }

    fn exit(&mut self, pod: &Pod, since: SimTime, at: SimTime, code: i32, reason: &str, out: &mut Outcome) {
        self.ended(&pod.metadata.uid, since, at, code, reason);
        let restart = match pod.spec.restart_policy.as_str() {
            "Never" => false,
            "OnFailure" => code != 0,
            _ => true,
        };
        if restart {
            let delay = self.next_backoff(Some(at - since));
            // Without back-off the kubelet restarts the container at its next sync, a moment
            // later; meanwhile the status shows how it ended.
            let delay = if delay == SimDuration::ZERO { SHOW_FAILURE } else { delay };
            if delay > SHOW_FAILURE {
                out.warning(
                    "BackOff",
                    format!(
                        "Back-off restarting failed container {} in pod {}_{}({})",
                        self.name,
                        pod.metadata.name,
                        pod.metadata.namespace,
                        pod.metadata.uid.as_str()
                    ),
                );
            }
            self.state = CState::Exited { at, restart_at: Some(at + delay) };
        } else {
            self.state = CState::Exited { at, restart_at: None };
        }
    }

    /// Runs the probes that are due. Returns whether the container was restarted.
    fn probe(
        &mut self,
        pod: &Pod,
        spec: &Container,
        now: SimTime,
        unready: bool,
        sync: &Sync,
        out: &mut Outcome,
    ) -> bool {
        let CState::Running { since, .. } = self.state else { return false };
        let process = process_for(spec);
        let exec = |kind: &'static str| (sync.exec)(&self.name, kind);
        if let (Some(p), Some(t)) = (&spec.startup_probe, self.startup.next_at)
            && !self.started
            && now >= t
        {
            self.startup.next_at = Some(t + SimDuration::seconds(p.period()));
            match check(p, pod, spec, &process, false, exec("startup")) {
                Ok(()) => {
                    self.started = true;
                    self.startup.next_at = None;
                    let first = |p: &Option<Probe>| p.as_ref().map(|p| now + SimDuration::seconds(p.initial_delay()));
                    self.liveness.next_at = first(&spec.liveness_probe);
                    self.readiness.next_at = first(&spec.readiness_probe);
                    self.ready = spec.readiness_probe.is_none() && !unready;
                }
                Err(msg) => {
                    self.startup.failures += 1;
                    out.warning("Unhealthy", format!("Startup probe failed: {msg}"));
                    if self.startup.failures >= p.failure_threshold() {
                        out.normal(
                            "Killing",
                            format!("Container {} failed startup probe, will be restarted", self.name),
                        );
                        self.exit(pod, since, now, 137, "Error", out);
                        return true;
                    }
                }
            }
        }
        if let (Some(p), Some(t)) = (&spec.liveness_probe, self.liveness.next_at)
            && self.started
            && now >= t
        {
            self.liveness.next_at = Some(t + SimDuration::seconds(p.period()));
            match check(p, pod, spec, &process, false, exec("liveness")) {
                Ok(()) => self.liveness.failures = 0,
                Err(msg) => {
                    self.liveness.failures += 1;
                    out.warning("Unhealthy", format!("Liveness probe failed: {msg}"));
                    if self.liveness.failures >= p.failure_threshold() {
                        out.normal(
                            "Killing",
                            format!("Container {} failed liveness probe, will be restarted", self.name),
                        );
                        self.exit(pod, since, now, 137, "Error", out);
                        return true;
                    }
                }
            }
        }
        if let (Some(p), Some(t)) = (&spec.readiness_probe, self.readiness.next_at)
            && self.started
            && now >= t
        {
            self.readiness.next_at = Some(t + SimDuration::seconds(p.period()));
            match check(p, pod, spec, &process, unready, exec("readiness")) {
                Ok(()) => {
                    self.readiness.failures = 0;
                    self.readiness.successes += 1;
                    if self.readiness.successes >= p.success_threshold() {
                        self.ready = true;
                    }
                }
                Err(msg) => {
                    self.readiness.successes = 0;
                    self.readiness.failures += 1;
                    out.warning("Unhealthy", format!("Readiness probe failed: {msg}"));
                    if self.readiness.failures >= p.failure_threshold() {
                        self.ready = false;
                    }
                }
            }
        } else if spec.readiness_probe.is_none() {
            // Without a readiness probe a started container is ready, unless forced not to be.
            self.ready = self.started && !unready;
        }
        false
    }
}

/// One probe against the simulated process: an HTTP or TCP probe succeeds when the process
/// listens on the port (a process that declares no ports is taken to listen where asked); an
/// exec probe is what its command answered in the container (`exec`, when the prober ran it);
/// gRPC probes succeed while it runs. A forced failure answers 503.
fn check(
    p: &Probe,
    pod: &Pod,
    spec: &Container,
    process: &Process,
    forced: bool,
    exec: Option<Result<(), String>>,
) -> Result<(), String> {
    let ip = &pod.status.pod_ip;
    let listening = |port: &IntOrString| -> Result<i32, String> {
        let n = match port {
            IntOrString::Int(n) => *n,
            IntOrString::String(name) => spec
                .ports
                .iter()
                .find(|p| &p.name == name)
                .map(|p| p.container_port)
                .ok_or_else(|| format!("unable to find port {name:?} in container {}", spec.name))?,
        };
        match process {
            Process::Serve { ports } if ports.is_empty() || ports.contains(&n) => Ok(n),
            Process::Script { ports } if ports.contains(&n) => Ok(n),
            _ => Err(format!("dial tcp {ip}:{n}: connect: connection refused")),
        }
    };
    if let Some(h) = &p.http_get {
        let port = listening(&h.port).map_err(|e| {
            let n = match &h.port {
                IntOrString::Int(n) => n.to_string(),
                IntOrString::String(s) => s.clone(),
            };
            format!("Get \"http://{ip}:{n}{}\": {e}", if h.path.is_empty() { "/" } else { &h.path })
        })?;
        let _ = port;
        return if forced { Err("HTTP probe failed with statuscode: 503".into()) } else { Ok(()) };
    }
    if let Some(t) = &p.tcp_socket {
        listening(&t.port)?;
        return if forced { Err(format!("dial tcp {ip}: i/o timeout")) } else { Ok(()) };
    }
    match process {
        Process::Exit { .. } if p.exec.is_none() => Err("the container is not serving".into()),
        _ if forced => Err("command failed with exit code 1".into()),
        _ => exec.filter(|_| p.exec.is_some()).unwrap_or(Ok(())),
    }
}

/// A container instance's ID, as containerd reports it: one per pod, container and restart.
pub fn container_id(uid: &crate::api::Uid, name: &str, restarts: i32) -> String {
    use crate::rng::{FNV64_OFFSET, fnv64a};
    let mut id = fnv64a(FNV64_OFFSET, uid.as_str().as_bytes());
    id = fnv64a(id, name.as_bytes());
    id = fnv64a(id, &restarts.to_le_bytes());
    format!("containerd://{id:016x}{:016x}{id:016x}{:016x}", id.rotate_left(17), id.rotate_left(41))
}
