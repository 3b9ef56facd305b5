//! A container's own command, run by the shell: its `command` and `args` (after Kubernetes'
//! `$(VAR)` expansion) start with the container and go on each time simulated time reaches the
//! end of a `sleep`, so what they print is the container's log, what they write lands in its
//! files and volumes (where a second container of the pod reads it), and how they end is how
//! the container ends.
//!
//! Invariant: one process per container instance (pod, container, restart count), stepped only
//! while the kubelet's record shows that instance running; a process whose instance stopped is
//! dropped at its next step. Each step is bounded by the shell's budget, so no command hangs
//! the cluster, and a log keeps its last `MAX_LOG` bytes, as a rotated log does.

use std::collections::BTreeMap;

use crate::Cluster;
use crate::api::{ObjectKey, Pod, Uid};
use crate::controllers::Work;
use crate::controllers::kubelet::CState;
use crate::shell::{self, Env, Status};

/// How much of a container's output its log keeps.
const MAX_LOG: usize = 256 << 10;
/// The instructions one step of a command may run (well inside the shell's bound for a run).
const STEP_BUDGET: u64 = 5_000;
/// When a command that used up its step without sleeping goes on: a spinning loop costs a
/// bounded amount per simulated minute, however long the clock runs.
const BUSY_PAUSE: crate::time::SimDuration = crate::time::SimDuration::seconds(5);

/// One run of a container: which pod, which container, which restart.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub struct Instance {
    pub pod: Uid,
    pub container: String,
    pub restarts: i32,
}

/// The commands running in containers, and what each instance printed.
#[derive(Clone, Debug, Default)]
pub struct Entrypoints {
    running: BTreeMap<Instance, shell::Process>,
    logs: BTreeMap<Instance, String>,
}

impl Entrypoints {
    /// What an instance printed, if its command ran here.
    pub fn log(&self, instance: &Instance) -> Option<&str> {
        self.logs.get(instance).map(String::as_str)
    }

    /// Forgets a pod's processes and logs (the pod is gone).
    pub fn forget(&mut self, pod: &Uid) {
        self.running.retain(|i, _| &i.pod != pod);
        self.logs.retain(|i, _| &i.pod != pod);
    }

    fn append(&mut self, instance: &Instance, text: &str) {
        if text.is_empty() {
            return;
        }
        let log = self.logs.entry(instance.clone()).or_default();
        log.push_str(text);
        if log.len() > MAX_LOG {
            let mut cut = log.len() - MAX_LOG;
            while !log.is_char_boundary(cut) {
                cut += 1;
            }
            log.drain(..cut);
        }
    }
}

/// Kubernetes' expansion of `$(VAR)` in `command` and `args` (third_party/forked/golang/expansion):
/// a variable of the container's environment is replaced, an unknown one stays as written, and
/// `$$` is a literal `$`.
pub fn expand(text: &str, env: &[(String, String)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(inner) = after.strip_prefix('(')
            && let Some(end) = inner.find(')')
        {
            let name = &inner[..end];
            match env.iter().rev().find(|(k, _)| k == name) {
                Some((_, v)) => out.push_str(v),
                None => {
                    out.push_str("$(");
                    out.push_str(name);
                    out.push(')');
                }
            }
            rest = &inner[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

impl Cluster {
    /// Starts the container's command, as the runtime does once the kubelet started the
    /// container, and runs it up to its first `sleep` or its end.
    pub(crate) fn start_entrypoint(&mut self, key: &ObjectKey, container: &str) {
        let Some(pod) = self.store.get::<Pod>(key) else { return };
        let Some(spec) = pod.spec.containers.iter().find(|c| c.name == container) else { return };
        let Some(instance) = self.running_instance(pod, container) else { return };
        let ctx = crate::exec::Context { pod: key.clone(), container: container.to_string() };
        let vars = self.container_env(&ctx);
        let words: Vec<String> = spec.command.iter().chain(&spec.args).map(|w| expand(w, &vars)).collect();
        let Some((text, args)) = crate::runtime::script(&words) else { return };
        let mut env = Env::exported(vars);
        env.cwd = if spec.working_dir.is_empty() { "/".into() } else { spec.working_dir.clone() };
        let process = match shell::parse(&text) {
            Ok(script) => {
                let mut p = shell::Process::new(&script, env);
                p.args = args;
                p
            }
            Err(e) => {
                self.entrypoints.append(&instance, &format!("{}\n", e.message(shell::Dialect::Busybox)));
                self.entrypoint_exited(key, &instance, 2);
                return;
            }
        };
        // A restart's log replaces the one before the previous instance (`--previous` reads one).
        self.entrypoints.logs.retain(|i, _| {
            !(i.pod == instance.pod && i.container == instance.container && i.restarts < instance.restarts - 1)
        });
        self.entrypoints.logs.remove(&instance);
        self.entrypoints.running.insert(instance.clone(), process);
        self.step_entrypoint(key, container);
    }

    /// Runs a container's command on from where it slept, until its next `sleep` or its end.
    pub(crate) fn step_entrypoint(&mut self, key: &ObjectKey, container: &str) {
        let Some(pod) = self.store.get::<Pod>(key) else { return };
        let uid = pod.metadata.uid.clone();
        let current = self.running_instance(pod, container);
        // A process whose instance stopped (killed, crashed, its pod deleted) is gone.
        self.entrypoints
            .running
            .retain(|i, _| !(i.pod == uid && i.container == container && Some(i) != current.as_ref()));
        let Some(instance) = current else { return };
        let Some(mut process) = self.entrypoints.running.remove(&instance) else { return };
        let ctx = crate::exec::Context { pod: key.clone(), container: container.to_string() };
        process.reset_budget();
        let status = {
            let mut host = self.container_host(&ctx);
            process.step(&mut host, STEP_BUDGET, false)
        };
        let printed = format!("{}{}", std::mem::take(&mut process.stdout), std::mem::take(&mut process.stderr));
        self.entrypoints.append(&instance, &printed);
        match status {
            Status::Sleeping(d) => {
                self.entrypoints.running.insert(instance, process);
                self.timers.schedule(self.now + d, Work::Entrypoint(key.clone(), container.to_string()));
            }
            Status::Busy => {
                // A loop that never sleeps keeps its CPU busy: it goes on a little later, so it
                // runs for as long as it likes without holding up the instant.
                self.entrypoints.running.insert(instance, process);
                self.timers.schedule(self.now + BUSY_PAUSE, Work::Entrypoint(key.clone(), container.to_string()));
            }
            Status::Exited(code) => self.entrypoint_exited(key, &instance, code),
        }
    }

    /// The instance of a container the kubelet runs now, if it runs.
    fn running_instance(&self, pod: &Pod, container: &str) -> Option<Instance> {
        let w = self.kubelet.pod(&pod.metadata.uid)?.containers.iter().find(|c| c.name == container)?;
        matches!(w.state, CState::Running { .. }).then(|| Instance {
            pod: pod.metadata.uid.clone(),
            container: container.to_string(),
            restarts: w.restarts,
        })
    }

    /// The command ended: the container ends with its code, and the kubelet sees it at once.
    fn entrypoint_exited(&mut self, key: &ObjectKey, instance: &Instance, code: i32) {
        self.kubelet.process_exited(&instance.pod, &instance.container, self.now, code);
        self.queues.push(Work::Kubelet(key.clone()));
    }
}
