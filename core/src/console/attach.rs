//! Interactive sessions: `kubectl exec -it POD -- sh` and `kubectl run -it … --rm` open a shell in
//! a container, and the console's next lines run there until `exit`, as a terminal attached to
//! the container would run them. The session is console state, so a history replays into it.

use super::Output;
use crate::Cluster;
use crate::api::{Kind, ObjectKey, Pod};
use crate::shell::Env;

/// A shell the console is attached to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    pub pod: ObjectKey,
    pub container: String,
    /// The shell's variables and working directory, kept between lines.
    pub env: Env,
    /// `kubectl run --rm`: the pod is deleted when the session ends.
    pub remove_on_exit: bool,
    /// The prompt the container's shell shows.
    pub prompt: String,
}

impl Cluster {
    /// Opens a session in a container's shell.
    pub(crate) fn attach(&mut self, pod: &ObjectKey, container: &str, shell_name: &str, remove_on_exit: bool) {
        let ctx = crate::exec::Context { pod: pod.clone(), container: container.to_string() };
        let mut env = Env::exported(self.container_env(&ctx));
        env.cwd = "/".into();
        let prompt = self.shell_prompt(&ctx, shell_name);
        self.console.attached =
            Some(Attachment { pod: pod.clone(), container: container.into(), env, remove_on_exit, prompt });
    }

    /// The prompt a front end shows: the attached shell's, or none (its own).
    pub fn prompt(&self) -> Option<&str> {
        self.console.attached.as_ref().map(|a| a.prompt.as_str())
    }

    /// The prompt before the console's next line: the attached shell's (`/ # `,
    /// `root@POD:/# `), or the learner's machine's.
    pub fn console_prompt(&self) -> &str {
        self.prompt().unwrap_or(crate::console::WORKSTATION_PROMPT)
    }

    /// Runs a line in the attached shell; `exit` (or the container going) ends the session.
    pub(crate) fn run_attached(&mut self, line: &str) -> Output {
        let Some(mut a) = self.console.attached.take() else { return Output::default() };
        let mut out = Output::default();
        let alive = self.store.get::<Pod>(&a.pod).is_some_and(|p| !p.is_terminal())
            && self.container_running(&a.pod, &a.container);
        if !alive {
            out.fail(format!("error: unable to upgrade connection: container not found (\"{}\")", a.container));
            self.end_session(&a, &mut out);
            return out;
        }
        let ctx = crate::exec::Context { pod: a.pod.clone(), container: a.container.clone() };
        let (r, exited) = self.exec_in_session(&ctx, line, &mut a.env);
        out.out(&r.stdout);
        out.stderr.push_str(&r.stderr);
        if exited {
            if r.code != 0 {
                out.fail(format!("command terminated with exit code {}", r.code));
            }
            self.end_session(&a, &mut out);
        } else {
            self.console.attached = Some(a);
        }
        out
    }

    /// What ending a session prints, and the `--rm` deletion.
    fn end_session(&mut self, a: &Attachment, out: &mut Output) {
        if !a.remove_on_exit {
            return;
        }
        let uid = self.store.get::<Pod>(&a.pod).map(|p| p.metadata.uid.clone());
        if let Some(uid) = uid
            && self.api_delete(Kind::Pod, &a.pod, crate::DeleteOptions::default()).is_ok()
        {
            out.outln(format!("pod \"{}\" deleted from {} namespace", a.pod.name, a.pod.namespace));
            self.run_until(crate::SimDuration::seconds(90), |c| {
                c.store.get::<Pod>(&a.pod).is_none_or(|p| p.metadata.uid != uid)
            });
        }
    }

    pub(crate) fn container_running(&self, pod: &ObjectKey, container: &str) -> bool {
        let Some(p) = self.store.get::<Pod>(pod) else { return false };
        self.kubelet.pod(&p.metadata.uid).is_some_and(|w| {
            w.containers.iter().any(|cw| {
                cw.name == container && matches!(cw.state, crate::controllers::kubelet::CState::Running { .. })
            })
        })
    }
}

/// Whether `argv` starts an interactive shell (no script: `sh`, `/bin/bash`, `ash -i`).
pub(crate) fn is_interactive_shell(argv: &[String]) -> bool {
    match argv {
        [one] => matches!(one.rsplit('/').next().unwrap_or(""), "sh" | "bash" | "ash" | "dash" | "zsh"),
        [one, flag] => is_interactive_shell(std::slice::from_ref(one)) && (flag == "-i" || flag == "-l"),
        _ => false,
    }
}
