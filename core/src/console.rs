//! The console: one language for the CLI, the page, lessons and tests. A line is split into words
//! as a shell splits them; `#` starts a comment; `kubectl …` lines answer as kubectl does, `sim …`
//! lines drive the simulation itself.

mod api_proxy;
pub mod args;
pub mod attach;
mod complete;
mod describe;
pub mod examples;
mod explain;
pub mod gotemplate;
pub mod jsonpath;
mod kubectl;
pub mod output;
pub mod printers;
pub(crate) mod sim;
pub mod workstation;

use std::collections::BTreeMap;

pub use complete::Completion;

use crate::Cluster;

/// What a line printed, and whether it failed (kubectl's exit code).
#[derive(Clone, PartialEq, Eq, Debug, Default, serde::Serialize)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
    pub exit_code: i32,
}

impl Output {
    pub fn ok(&self) -> bool {
        self.exit_code == 0
    }

    pub(crate) fn out(&mut self, s: impl AsRef<str>) {
        self.stdout.push_str(s.as_ref());
    }

    pub(crate) fn outln(&mut self, s: impl AsRef<str>) {
        self.stdout.push_str(s.as_ref());
        self.stdout.push('\n');
    }

    /// A line on stderr; the line fails.
    pub(crate) fn fail(&mut self, s: impl AsRef<str>) {
        self.errln(s);
        self.exit_code = 1;
    }

    /// A line on stderr that does not fail the line (warnings, "No resources found").
    pub(crate) fn errln(&mut self, s: impl AsRef<str>) {
        self.stderr.push_str(s.as_ref());
        self.stderr.push('\n');
    }
}

/// Where `kubectl apply -f PATH` reads files: the CLI reads the disk (relative to the script), the
/// page a set of uploaded files. Core itself never touches a file system.
pub trait Files {
    fn read(&self, path: &str) -> Result<String, String>;
}

/// No files at all: every read fails as a missing file does.
pub struct NoFiles;

impl Files for NoFiles {
    fn read(&self, path: &str) -> Result<String, String> {
        Err(format!("the path \"{path}\" does not exist"))
    }
}

/// Files held in memory (uploads, a replayed log's inlined files, tests).
impl Files for BTreeMap<String, String> {
    fn read(&self, path: &str) -> Result<String, String> {
        self.get(path).cloned().ok_or_else(|| format!("the path \"{path}\" does not exist"))
    }
}

/// The console's own state: what `kubectl config set-context --current --namespace` changes, and
/// the learner's machine (its files, shell variables, `kubectl proxy`).
#[derive(Clone, Debug)]
pub struct Session {
    pub namespace: String,
    pub workstation: workstation::Workstation,
    /// The container shell the console is attached to (`kubectl exec -it`, `kubectl run -it`).
    pub attached: Option<attach::Attachment>,
}

impl Default for Session {
    fn default() -> Self {
        Session { namespace: "default".into(), workstation: Default::default(), attached: None }
    }
}

/// Records the files a line read, so the command log can inline them.
pub(crate) struct Recording<'a> {
    inner: &'a dyn Files,
    pub read: std::cell::RefCell<BTreeMap<String, String>>,
}

impl Files for Recording<'_> {
    fn read(&self, path: &str) -> Result<String, String> {
        let text = self.inner.read(path)?;
        self.read.borrow_mut().insert(path.to_string(), text.clone());
        Ok(text)
    }
}

/// The prompt of the learner's machine, before a line that runs there.
pub const WORKSTATION_PROMPT: &str = "$ ";

impl Cluster {
    /// Runs one console line: a shell command line on the learner's machine (`kubectl …`,
    /// `sim …`, pipes, `export`, loops; several lines when a here-document or a loop spans them).
    pub fn run(&mut self, line: &str, files: &dyn Files) -> Output {
        let files = examples::WithExamples { inner: files };
        let rec = Recording { inner: &files, read: Default::default() };
        let at = self.now.millis();
        let out = if self.console.attached.is_some() { self.run_attached(line) } else { self.run_here(line, &rec) };
        // Controllers react within milliseconds of a change in a real cluster: let them settle at
        // this instant, so the next line sees (for example) the ReplicaSet's replacement pod.
        self.settle();
        self.log.push(crate::LogLine { at, line: line.trim().to_string(), files: rec.read.into_inner() });
        out
    }

    /// A line on the learner's machine.
    fn run_here(&mut self, line: &str, rec: &Recording) -> Output {
        match crate::shell::parse(line) {
            Err(e) => {
                let mut o = Output::default();
                o.fail(syntax_error(&e));
                o
            }
            Ok(script) => {
                let mut env = std::mem::take(&mut self.console.workstation.env);
                let r = {
                    let mut host = workstation::ConsoleHost { c: self, files: rec };
                    crate::shell::run(&script, &mut env, &mut host)
                };
                self.console.workstation.env = env;
                Output { stdout: r.stdout, stderr: r.stderr, exit_code: r.code }
            }
        }
    }

    /// Runs a script, stopping at none: every command runs, as `podscape run` does. A command
    /// that spans lines (a here-document, a loop) runs as one.
    pub fn run_script(&mut self, text: &str, files: &dyn Files) -> Vec<(String, Output)> {
        crate::shell::commands(text)
            .into_iter()
            .map(|(_, l)| {
                let out = self.run(&l, files);
                (l, out)
            })
            .collect()
    }

    /// Moves time until `done` holds or `limit` has passed, stopping at each scheduled event to
    /// look; returns whether `done` held. This is how verbs that wait in real kubectl wait here.
    pub(crate) fn run_until(&mut self, limit: crate::SimDuration, done: impl Fn(&Cluster) -> bool) -> bool {
        let deadline = self.now + limit;
        self.advance_until(|c| if done(c) { Look::Done } else { Look::WaitUntil(deadline) })
    }

    /// The one loop behind every verb that waits (`wait`, `delete`, `drain`, `rollout status`,
    /// `get -w`): simulated time moves event by event, and `look` runs at the start and after
    /// each step, printing what it must and saying whether to stop, or until when to go on.
    /// However far `look` asks, one line moves time at most as far as `sim advance` may, so no
    /// line keeps the page busy for years of simulated time. Returns whether `look` said done.
    pub(crate) fn advance_until(&mut self, mut look: impl FnMut(&mut Cluster) -> Look) -> bool {
        let cap = self.now + sim::MAX_ADVANCE;
        loop {
            self.settle();
            let until = match look(self) {
                Look::Done => return true,
                Look::WaitUntil(t) => t.min(cap),
            };
            if self.now >= until {
                return false;
            }
            let next = self.next_event_at().filter(|at| *at <= until).unwrap_or(until);
            let d = next - self.now;
            self.advance(d);
        }
    }
}

/// What a waiting verb's look at the cluster decided.
pub(crate) enum Look {
    Done,
    /// Not yet: go on until this instant, unless a later look says otherwise.
    WaitUntil(crate::SimTime),
}

/// A line that is not a shell command line, in bash's words.
fn syntax_error(e: &crate::shell::ParseError) -> String {
    use crate::shell::{Incomplete, ParseError};
    match e {
        ParseError::Incomplete(Incomplete::Quote(q)) => {
            format!("bash: unexpected EOF while looking for matching `{q}'")
        }
        ParseError::Incomplete(Incomplete::HereDoc(d)) => {
            format!("bash: warning: here-document delimited by end-of-file (wanted `{d}')")
        }
        ParseError::Incomplete(_) => "bash: syntax error: unexpected end of file".into(),
        ParseError::Unexpected(t) => format!("bash: syntax error near unexpected token `{t}'"),
        ParseError::TooDeep => "bash: syntax error: nesting too deep".into(),
    }
}

const HELP: &str = "\
Podscape console: kubectl against a simulated cluster, plus sim verbs that drive the simulation.

kubectl verbs:
  kubectl get TYPE[,TYPE...] [NAME...] [-o wide|json|yaml|name|jsonpath=TEMPLATE] [-l SELECTOR] [-n NS|-A]
      [--field-selector FIELD=VALUE,...] [--sort-by=.JSON.PATH] [--show-labels]
      [-o custom-columns=HEADER:.JSON.PATH,...] [-w|--watch-only [--request-timeout=5m]]
      -w: simulated time moves and each change prints, until 30s pass with none
      TYPE: pods (po), services (svc), endpoints (ep), endpointslices, deployments (deploy),
            replicasets (rs), statefulsets (sts), nodes (no), namespaces (ns), events (ev),
            configmaps (cm), secrets, persistentvolumeclaims (pvc), persistentvolumes (pv),
            storageclasses (sc), all
  kubectl describe TYPE [NAME|PREFIX...] [-l SELECTOR]   the object, and the Events about it
  kubectl delete TYPE NAME...|-l SELECTOR|--all|-f FILE [--grace-period=N] [--force] [--wait=false]
  kubectl label|annotate TYPE NAME|-l SELECTOR KEY=VALUE... KEY-... [--overwrite]
  kubectl config set-context --current --namespace=NS | current-context | get-contexts | view
  kubectl expose deployment|service|replicaset|pod NAME --port=P [--target-port=T] [--name=N]
      [--type=ClusterIP|NodePort|LoadBalancer] [--protocol=TCP|UDP|SCTP]
  kubectl apply -f FILE
  kubectl create deployment NAME --image=IMAGE [--replicas=N] [--port=P] [-- COMMAND...]
  kubectl create configmap NAME [--from-literal=KEY=VALUE]... [--from-file=[KEY=]FILE]...
  kubectl create secret generic NAME [--from-literal=KEY=VALUE]...
  kubectl create secret tls NAME --cert=CERT.pem --key=KEY.pem
  kubectl create service clusterip|nodeport|loadbalancer NAME --tcp=PORT[:TARGET] [--node-port=N]
      [--clusterip=None];  kubectl create service externalname NAME --external-name=HOST
  kubectl create namespace|serviceaccount NAME
  kubectl run NAME --image=IMAGE [--port=P] [--restart=Always|OnFailure|Never] [-- ARGS...]
  kubectl scale deployment|replicaset|statefulset NAME --replicas=N
  kubectl set image deployment/NAME CONTAINER=IMAGE ...
  kubectl rollout status|history|undo|restart|pause|resume deployment/NAME [--to-revision=N]
  kubectl exec POD|deploy/NAME [-c CONTAINER] -- COMMAND
      in a container: curl [-s] [-v] [-m SECS] URL, wget -qO- URL, nslookup NAME, hostname, env,
      printenv VAR, echo, cat, ls [-l], touch, mkdir [-p], rm [-r] [-f], df, mount, kill 1,
      sh -c 'echo \"$(hostname)\" > /data/f && cat /data/f; ls /data'  (> >> && || ; $VAR $(cmd))
  kubectl wait --for=condition=Ready|delete|jsonpath='{.status.phase}'=Running TYPE/NAME|TYPE -l SEL|--all
      [--timeout=30s]   (simulated time moves until the condition holds)
  kubectl top pod|node [NAME] [-l SELECTOR] [-A] [--containers] [--sort-by=cpu|memory]
  kubectl explain TYPE[.FIELD...] [--recursive]   field documentation
  kubectl logs POD|deploy/NAME [-c CONTAINER] [--previous] [--tail=N]
  kubectl cordon|uncordon NODE
  kubectl drain NODE [--force] [--delete-emptydir-data] [--grace-period=N] [--timeout=D]
  kubectl taint nodes NODE KEY[=VALUE]:EFFECT ... [KEY[:EFFECT]-] [--overwrite]

sim verbs (simulated time moves only when a line moves it):
  sim advance DURATION     move time forward (30s, 2m, 1h30m)
  sim step                 move time to the next scheduled event
  sim time                 print the simulated time
  sim hash                 print the event log's hash (same seed + same lines = same hash)
  sim export [TYPE|TYPE/NAME...] [-l SELECTOR] [-n NS]
                           your objects, or a selection, as YAML for kubectl apply -f on a real cluster
  sim fail node NAME       power a node's machine off: its containers die, its kubelet goes silent
  sim partition node NAME  cut a node off the network: it runs, but nothing reaches it
  sim recover node NAME    power it back on and reconnect it
  sim add node NAME        add a worker node
  sim crash pod NAME|-l SEL|--all [-c C]  make a container exit with code 1 (it restarts with back-off)
  sim unready pod NAME     force the pod's readiness to fail; sim ready pod NAME undoes it
  sim registry [list] | sim registry deny|allow IMAGE   what the image registry can serve
  sim traffic FROM_POD|deploy/NAME URL [--rate N/s]    steady requests (sim traffic status|stop [ID])
  sim proxy-mode iptables|ipvs   how kube-proxy picks a backend (random, or round robin)
  sim request POD|POD_IP|node/NAME|outside URL   one request, with its trace (NodePort, LB IP from outside)

Lines are split as a shell splits words; # starts a comment.
";
