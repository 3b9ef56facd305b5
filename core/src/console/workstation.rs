//! The learner's machine, where console lines run: a shell (`crate::shell`) whose programs are
//! `kubectl`, `sim`, `minikube`, `curl`/`wget` (from outside the cluster, as a laptop reaches a
//! minikube node), `openssl` (self-signed certificates for the Services tutorial) and file
//! tools over a small home directory. Its state (files, variables, a running `kubectl proxy`) is
//! part of the cluster's, so a history replays to the same machine.

use std::collections::BTreeMap;

use super::{Files, Output};
use crate::Cluster;
use crate::network::traffic::{Source, parse_url};
use crate::shell::{self, CmdOutput, Dialect, Env, Host};
use crate::time::SimDuration;

/// What the machine keeps between lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workstation {
    pub files: BTreeMap<String, String>,
    pub env: Env,
    /// The port `kubectl proxy` serves the API on, while it runs.
    pub proxy: Option<u16>,
}

/// The learner's home, where relative paths start.
pub const HOME: &str = "/home/learner";
/// Bounds on the machine's files.
const MAX_FILES: usize = 2000;
const MAX_FILE_BYTES: usize = 1 << 20;

impl Default for Workstation {
    fn default() -> Self {
        let mut env = Env::exported([
            ("HOME".to_string(), HOME.to_string()),
            ("PATH".to_string(), "/usr/local/bin:/usr/bin:/bin".to_string()),
            ("USER".to_string(), "learner".to_string()),
        ]);
        env.cwd = HOME.into();
        Workstation { files: BTreeMap::new(), env, proxy: None }
    }
}

/// The shell's host on the learner's machine.
pub(crate) struct ConsoleHost<'a> {
    pub c: &'a mut Cluster,
    pub files: &'a dyn Files,
}

/// What kubectl reads for `-f PATH`: standard input for `-`, the machine's own files, then the
/// front end's (the CLI's disk, the page's uploads) and the docs' examples.
struct LineFiles<'a> {
    stdin: &'a str,
    own: &'a BTreeMap<String, String>,
    cwd: &'a str,
    outer: &'a dyn Files,
}

impl Files for LineFiles<'_> {
    fn read(&self, path: &str) -> Result<String, String> {
        if path == "-" || path == "/dev/stdin" {
            return Ok(self.stdin.to_string());
        }
        if !path.contains("://")
            && let Some(t) = self.own.get(&crate::fs::normalize(self.cwd, path))
        {
            return Ok(t.clone());
        }
        self.outer.read(path)
    }
}

impl Host for ConsoleHost<'_> {
    fn run(&mut self, argv: &[String], env: &Env, stdin: &str) -> Option<CmdOutput> {
        let name = argv[0].rsplit('/').next().unwrap_or(&argv[0]).to_string();
        let args = &argv[1..];
        Some(match name.as_str() {
            "kubectl" | "k" => {
                let own = self.c.console.workstation.files.clone();
                let cwd = env.cwd.clone();
                let files = LineFiles { stdin, own: &own, cwd: &cwd, outer: self.files };
                let out = super::kubectl::run(self.c, args, &files);
                // Controllers react within milliseconds of each request, before the next command
                // of the line runs: `kubectl scale … --replicas=0; kubectl scale … --replicas=2`
                // replaces the pods, as the Services tutorial shows.
                self.c.settle();
                to_cmd(out)
            }
            "sim" => {
                let out = super::sim::run(self.c, args);
                self.c.settle();
                to_cmd(out)
            }
            "help" => CmdOutput::ok(super::HELP),
            "minikube" => minikube(self.c, args),
            "curl" | "wget" => self.request(&name, args),
            "openssl" => self.openssl(args),
            "make" => CmdOutput::err(
                format!("make: *** No rule to make target '{}'.  Stop.\n", args.first().map_or("all", String::as_str)),
                2,
            ),
            "cat" => self.cat(args, &env.cwd),
            "ls" => self.ls(args, &env.cwd),
            "rm" => self.rm(args, &env.cwd),
            "mkdir" | "touch" => {
                if name == "touch" {
                    for a in args.iter().filter(|a| !a.starts_with('-')) {
                        let p = crate::fs::normalize(&env.cwd, a);
                        self.c.console.workstation.files.entry(p).or_default();
                    }
                }
                CmdOutput::default()
            }
            "date" => CmdOutput::ok(format!("{}\n", self.c.now().unix_date())),
            "hostname" => CmdOutput::ok("workstation\n"),
            "whoami" => CmdOutput::ok("learner\n"),
            "clear" | "reset" => CmdOutput::default(),
            "printenv" | "env" if args.is_empty() => {
                CmdOutput::ok(env.environ().iter().map(|(k, v)| format!("{k}={v}\n")).collect::<String>())
            }
            "printenv" => match env.get(&args[0]) {
                Some(v) if env.exported.contains(&args[0]) => CmdOutput::ok(format!("{v}\n")),
                _ => CmdOutput::err("", 1),
            },
            "bash" | "sh" | "zsh" => match args.iter().position(|a| a == "-c") {
                Some(i) if i + 1 < args.len() => {
                    let mut e = env.clone();
                    shell::run_text(&args[i + 1], &mut e, self)
                }
                _ => CmdOutput::err(
                    format!("{name}: interactive shells are not simulated here: type the lines in the console\n"),
                    1,
                ),
            },
            _ => return None,
        })
    }

    fn read(&mut self, path: &str) -> Result<String, String> {
        let p = crate::fs::normalize(&self.c.console.workstation.env.cwd, path);
        self.c.console.workstation.files.get(&p).cloned().ok_or_else(|| "No such file or directory".into())
    }

    fn write(&mut self, path: &str, text: &str, append: bool) -> Result<(), String> {
        let p = crate::fs::normalize(&self.c.console.workstation.env.cwd, path);
        let files = &mut self.c.console.workstation.files;
        if !files.contains_key(&p) && files.len() >= MAX_FILES {
            return Err(format!("bash: {path}: No space left on device"));
        }
        let f = files.entry(p).or_default();
        if !append {
            f.clear();
        }
        if f.len() + text.len() > MAX_FILE_BYTES {
            return Err(format!("bash: {path}: File too large"));
        }
        f.push_str(text);
        Ok(())
    }

    fn sleep(&mut self, d: SimDuration) {
        // A console line moves time at most a day, as `sim advance` does.
        self.c.advance(d.min(super::sim::MAX_ADVANCE));
    }

    fn dialect(&self) -> Dialect {
        Dialect::Busybox
    }

    fn not_found(&self, name: &str) -> CmdOutput {
        CmdOutput::err(
            format!(
                "{name}: command not found (this console runs kubectl, sim, minikube, curl and a shell's own tools; try help)\n"
            ),
            127,
        )
    }
}

fn to_cmd(o: Output) -> CmdOutput {
    CmdOutput { stdout: o.stdout, stderr: o.stderr, code: o.exit_code }
}

impl ConsoleHost<'_> {
    fn cat(&mut self, args: &[String], cwd: &str) -> CmdOutput {
        let mut out = CmdOutput::default();
        for a in args.iter().filter(|a| !a.starts_with('-')) {
            let p = crate::fs::normalize(cwd, a);
            match self.c.console.workstation.files.get(&p) {
                Some(t) => out.stdout.push_str(t),
                None => {
                    out.stderr.push_str(&format!("cat: {a}: No such file or directory\n"));
                    out.code = 1;
                }
            }
        }
        out
    }

    fn ls(&mut self, args: &[String], cwd: &str) -> CmdOutput {
        let dir = args.iter().find(|a| !a.starts_with('-')).map_or(cwd.to_string(), |a| crate::fs::normalize(cwd, a));
        let prefix = if dir.ends_with('/') { dir.clone() } else { format!("{dir}/") };
        let mut names: Vec<String> = self
            .c
            .console
            .workstation
            .files
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix))
            .map(|rest| rest.split('/').next().unwrap_or(rest).to_string())
            .collect();
        names.dedup();
        if names.is_empty() && self.c.console.workstation.files.contains_key(&dir) {
            return CmdOutput::ok(format!(
                "{}\n",
                args.iter().find(|a| !a.starts_with('-')).cloned().unwrap_or_default()
            ));
        }
        CmdOutput::ok(names.iter().map(|n| format!("{n}\n")).collect::<String>())
    }

    fn rm(&mut self, args: &[String], cwd: &str) -> CmdOutput {
        let force = args.iter().any(|a| a.starts_with('-') && a.contains('f'));
        let mut out = CmdOutput::default();
        for a in args.iter().filter(|a| !a.starts_with('-')) {
            let p = crate::fs::normalize(cwd, a);
            let prefix = format!("{p}/");
            let before = self.c.console.workstation.files.len();
            self.c.console.workstation.files.retain(|k, _| *k != p && !k.starts_with(&prefix));
            if self.c.console.workstation.files.len() == before && !force {
                out.stderr.push_str(&format!("rm: cannot remove '{a}': No such file or directory\n"));
                out.code = 1;
            }
        }
        out
    }

    /// `openssl req -x509 … -keyout KEY -out CERT -subj /CN=…`: a self-signed pair, simulated.
    /// The certificate carries its subject, so a client checking it against a name can tell.
    fn openssl(&mut self, args: &[String]) -> CmdOutput {
        let value = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).cloned();
        match args.first().map(String::as_str) {
            Some("req") => {
                let (Some(key), Some(cert)) = (value("-keyout"), value("-out")) else {
                    return CmdOutput::err("req: -keyout and -out are needed to write a key pair here\n", 1);
                };
                let subject = value("-subj").unwrap_or_else(|| "/CN=localhost".into());
                let days = value("-days").unwrap_or_else(|| "30".into());
                let serial = format!("{:08x}", crate::rng::fnv32a(format!("{subject}{key}{cert}").as_bytes()));
                let (k, c) = crate::network::tls::self_signed(&subject, &days, &serial);
                for (path, text) in [(&key, k), (&cert, c)] {
                    if let Err(e) = self.write(path, &text, false) {
                        return CmdOutput::err(format!("{e}\n"), 1);
                    }
                }
                CmdOutput {
                    stdout: String::new(),
                    stderr: format!(
                        "...+....+.....+++++\n......+..+++++\n-----\nwriting new private key to '{key}'\n-----\n"
                    ),
                    code: 0,
                }
            }
            Some(other) => CmdOutput::err(format!("Invalid command '{other}'; type \"help\" for a list.\n"), 1),
            None => CmdOutput::err("openssl: a command is needed (openssl req -x509 …)\n", 1),
        }
    }

    /// `curl URL` / `wget -qO- URL` from the learner's machine: outside the cluster, reaching
    /// node IPs (NodePorts), load-balancer IPs and `kubectl proxy` on localhost.
    fn request(&mut self, name: &str, args: &[String]) -> CmdOutput {
        if name == "wget" {
            let ran = crate::network::curl::wget(self.c, &Source::Outside, args);
            return self.save_download(ran);
        }
        let req = match crate::network::curl::parse(args) {
            Ok(r) => r,
            Err(e) => return e,
        };
        if let Ok(u) = parse_url(&req.url)
            && matches!(u.host.as_str(), "localhost" | "127.0.0.1")
        {
            return match self.c.console.workstation.proxy {
                Some(p) if i32::from(p) == u.port => CmdOutput::ok(super::api_proxy::get(self.c, &u.path).1),
                _ => CmdOutput::err(
                    format!(
                        "curl: (7) Failed to connect to {} port {} after 0 ms: Couldn't connect to server\n",
                        u.host, u.port
                    ),
                    7,
                ),
            };
        }
        let cacert = req.cacert.as_ref().map(|p| self.read(p).map_err(|_| p.clone()));
        let ran = crate::network::curl::run(self.c, &Source::Outside, &req, cacert);
        self.save_download(ran)
    }

    fn save_download(&mut self, ran: crate::network::curl::Ran) -> CmdOutput {
        let mut out = ran.out;
        if let Some((path, text)) = ran.file
            && let Err(e) = self.write(&path, &text, false)
        {
            out.stderr.push_str(&format!("{e}\n"));
            out.code = 23;
        }
        out
    }
}

/// `minikube ip`, `minikube service NAME --url`, and the rest said for what they are.
fn minikube(c: &mut Cluster, args: &[String]) -> CmdOutput {
    let node_ip =
        || c.store.list::<crate::api::Node>(None).next().map(|n| n.internal_ip().to_string()).unwrap_or_default();
    match args.first().map(String::as_str) {
        Some("ip") => CmdOutput::ok(format!("{}\n", node_ip())),
        Some("service") => {
            let Some(name) = args.iter().skip(1).find(|a| !a.starts_with('-')) else {
                return CmdOutput::err("❌  Exiting due to MK_USAGE: You must specify a service name\n", 64);
            };
            let ns = c.console.namespace.clone();
            let Some(svc) = c.store.get::<crate::api::Service>(&crate::api::ObjectKey::new(ns.as_str(), name.as_str()))
            else {
                return CmdOutput::err(
                    format!("❌  Exiting due to SVC_NOT_FOUND: Service '{name}' was not found in '{ns}' namespace.\n"),
                    85,
                );
            };
            let ports: Vec<i32> = svc.spec.ports.iter().filter_map(|p| p.node_port).collect();
            if ports.is_empty() {
                return CmdOutput::err(format!("😿  service {ns}/{name} has no node port\n"), 89);
            }
            let ip = node_ip();
            CmdOutput::ok(ports.iter().map(|p| format!("http://{ip}:{p}\n")).collect::<String>())
        }
        Some("status") => CmdOutput::ok(
            "minikube\ntype: Control Plane\nhost: Running\nkubelet: Running\napiserver: Running\nkubeconfig: Configured\n\n",
        ),
        Some("start") => CmdOutput::ok("🏄  Done! kubectl is now configured to use the simulated cluster\n"),
        Some("kubectl") => {
            let rest: Vec<String> = args.iter().skip(1).skip_while(|a| *a == "--").cloned().collect();
            to_cmd(super::kubectl::run(c, &rest, &super::NoFiles))
        }
        Some(other) => CmdOutput::err(
            format!(
                "minikube {other} is not simulated: Podscape's cluster is already running (try minikube ip or minikube service NAME --url)\n"
            ),
            1,
        ),
        None => CmdOutput::err("minikube provisions and manages local Kubernetes clusters (try minikube ip)\n", 0),
    }
}
