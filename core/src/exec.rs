//! The exec shell: what `kubectl exec POD -- CMD` runs inside a container. A small shell with the
//! commands a learner reaches for to look at the network from inside a pod (`curl`, `wget`,
//! `nslookup`, `hostname`, `env`), `sh -c` with `&&`, `||` and `;`, and `kill 1` to crash the
//! container. Commands a container would not have answer as a shell does.

use crate::Cluster;
use crate::api::{ObjectKey, Pod, Service};
use crate::network::curl;
use crate::network::dns::{self, Answer};
use crate::network::traffic::Source;
use crate::shell::{self, CmdOutput, Dialect, Env, Host};
use crate::time::SimDuration;

/// What a command printed and how it exited.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct ExecOutput {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl ExecOutput {
    fn ok(stdout: impl Into<String>) -> Self {
        ExecOutput { stdout: stdout.into(), stderr: String::new(), code: 0 }
    }
    fn err(stderr: impl Into<String>, code: i32) -> Self {
        ExecOutput { stdout: String::new(), stderr: stderr.into(), code }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Userland {
    Busybox,
    Gnu,
}

/// The pod and container a command runs in.
pub struct Context {
    pub pod: ObjectKey,
    pub container: String,
}

impl Cluster {
    /// Runs a command (already split into words) in a container, as the container runtime's exec
    /// does: `sh -c SCRIPT` runs the script in the container's shell; anything else is one
    /// program, looked up in the image (a missing one is the runtime's error, not a shell's).
    pub(crate) fn exec(&mut self, ctx: &Context, argv: &[String]) -> ExecOutput {
        self.exec_with(ctx, argv, true)
    }

    /// [`Cluster::exec`]; `wait` makes the command's `sleep`s move simulated time, as a
    /// `kubectl exec` waits for them (the prober does not).
    fn exec_with(&mut self, ctx: &Context, argv: &[String], wait: bool) -> ExecOutput {
        let mut env = Env::exported(self.container_env(ctx));
        env.cwd = "/".into();
        let dialect = self.dialect(ctx);
        if let [shell_name, flag, script, rest @ ..] = argv
            && matches!(shell_name.rsplit('/').next().unwrap_or(""), "sh" | "bash" | "ash" | "dash")
            && flag == "-c"
        {
            let parsed = match shell::parse(script) {
                Ok(s) => s,
                Err(e) => return ExecOutput::err(format!("{}\n", e.message(dialect)), 2),
            };
            let mut p = shell::Process::new(&parsed, env);
            p.args = if rest.is_empty() { vec![shell_name.clone()] } else { rest.to_vec() };
            let mut host = ContainerHost { c: self, ctx, direct: false, wait };
            let out = p.run_to_end(&mut host);
            return ExecOutput { stdout: out.stdout, stderr: out.stderr, code: out.code };
        }
        // One program: its words as they are (no shell to expand them), run where builtins and
        // the image's tools are found alike.
        let line: Vec<String> = argv.iter().map(|w| shell::quote(w)).collect();
        let mut host = ContainerHost { c: self, ctx, direct: true, wait };
        let out = shell::run_text(&line.join(" "), &mut env, &mut host);
        ExecOutput { stdout: out.stdout, stderr: out.stderr, code: out.code }
    }

    /// The shell host of a container's own command: it does not wait at `sleep`.
    pub(crate) fn container_host<'a>(&'a mut self, ctx: &'a Context) -> ContainerHost<'a> {
        ContainerHost { c: self, ctx, direct: false, wait: false }
    }

    /// Runs the exec probes due for a pod's containers, as the kubelet's prober does before a
    /// sync: success is exit code 0; a failure reports what the command printed.
    pub(crate) fn run_exec_probes(
        &mut self,
        key: &ObjectKey,
    ) -> std::collections::BTreeMap<(String, &'static str), Result<(), String>> {
        let mut results = std::collections::BTreeMap::new();
        let Some(pod) = self.store.get::<Pod>(key) else { return results };
        if !self.machines.get(&pod.spec.node_name).reachable() {
            return results;
        }
        for (container, kind, argv) in self.kubelet.due_exec_probes(pod, self.now) {
            let ctx = Context { pod: key.clone(), container: container.clone() };
            let out = self.exec_with(&ctx, &argv, false);
            let result = if out.code == 0 {
                Ok(())
            } else {
                let said = format!("{}{}", out.stdout, out.stderr);
                let said = said.trim_end();
                Err(if said.is_empty() {
                    format!("command {:?} exited with {}", argv.join(" "), out.code)
                } else {
                    said.to_string()
                })
            };
            results.insert((container, kind), result);
        }
        results
    }

    /// Runs a line typed in an attached shell, keeping its variables and directory; whether the
    /// line ended the session (`exit`).
    pub(crate) fn exec_in_session(&mut self, ctx: &Context, line: &str, env: &mut Env) -> (CmdOutput, bool) {
        let dialect = self.dialect(ctx);
        let parsed = match shell::parse(line) {
            Ok(s) => s,
            Err(e) => return (CmdOutput::err(format!("{}\n", e.message(dialect)), 2), false),
        };
        let mut p = shell::Process::new(&parsed, std::mem::take(env));
        let mut host = ContainerHost { c: self, ctx, direct: false, wait: true };
        let out = p.run_to_end(&mut host);
        *env = std::mem::take(&mut p.env);
        (out, p.called_exit)
    }

    /// The shells an image has: busybox's `sh`/`ash`, or Debian's `sh` (dash) and `bash`.
    pub(crate) fn has_shell(&self, ctx: &Context, shell: &str) -> bool {
        let name = shell.rsplit('/').next().unwrap_or(shell);
        match self.userland(ctx) {
            Userland::Busybox => matches!(name, "sh" | "ash"),
            Userland::Gnu => matches!(name, "sh" | "bash" | "dash"),
        }
    }

    /// The prompt a shell shows a root user in a container: busybox's `/ # `, bash's
    /// `root@POD:/# `, dash's `# `.
    pub(crate) fn shell_prompt(&self, ctx: &Context, shell: &str) -> String {
        match (self.userland(ctx), shell.rsplit('/').next().unwrap_or(shell)) {
            (Userland::Busybox, _) => "/ # ".into(),
            (Userland::Gnu, "bash") => format!("root@{}:/# ", ctx.pod.name),
            (Userland::Gnu, _) => "# ".into(),
        }
    }

    fn dialect(&self, ctx: &Context) -> Dialect {
        match self.userland(ctx) {
            Userland::Busybox => Dialect::Busybox,
            Userland::Gnu => Dialect::Dash,
        }
    }

    /// Runs one of the image's programs; None when the image has no such program.
    fn command(&mut self, ctx: &Context, argv: &[String], stdin: &str) -> Option<ExecOutput> {
        let Some((cmd, args)) = argv.split_first() else { return Some(ExecOutput::default()) };
        let name = cmd.rsplit('/').next().unwrap_or(cmd);
        let userland = self.userland(ctx);
        Some(match name {
            "curl" => self.curl(ctx, args),
            "wget" => self.wget(ctx, args),
            "nslookup" => self.nslookup(ctx, args),
            "hostname" => ExecOutput::ok(format!("{}\n", ctx.pod.name)),
            "env" | "printenv" => {
                let env = self.container_env(ctx);
                if name == "printenv" && !args.is_empty() {
                    // Each variable asked for that is set, one per line; exit 1 if one is not.
                    let mut out = ExecOutput::default();
                    for var in args {
                        match env.iter().rev().find(|(k, _)| k == var) {
                            Some((_, v)) => out.stdout.push_str(&format!("{v}\n")),
                            None => out.code = 1,
                        }
                    }
                    return Some(out);
                }
                ExecOutput::ok(env.iter().map(|(k, v)| format!("{k}={v}\n")).collect::<String>())
            }
            "date" => ExecOutput::ok(format!("{}\n", self.now.unix_date())),
            "cat" if args.iter().all(|a| a == "-") => ExecOutput::ok(stdin),
            "cat" => self.cat(ctx, args),
            "ls" => self.ls(ctx, args),
            "touch" | "mkdir" | "rm" => self.touch_mkdir_rm(ctx, name, args),
            "df" => self.df(ctx, args),
            "mount" => self.mount_table(ctx),
            "kill" if args.iter().any(|a| a == "1") => {
                // Killing PID 1 ends the container: it exits and the kubelet restarts it.
                match self.kubelet.crash(&self.pod_uid(ctx), Some(&ctx.container)) {
                    Ok(_) => {
                        self.pod_event(
                            &ctx.pod,
                            true,
                            "SimulatedCrash",
                            format!("Container {} exited: PID 1 was killed (kubectl exec kill 1)", ctx.container),
                        );
                        self.queues.push(crate::controllers::Work::Kubelet(ctx.pod.clone()));
                        ExecOutput::err("", 137)
                    }
                    Err(e) => ExecOutput::err(format!("kill: {e}\n"), 1),
                }
            }
            "kill" => match args.iter().find(|a| !a.starts_with('-')) {
                Some(pid) => ExecOutput::err(
                    match userland {
                        Userland::Busybox => format!("sh: can't kill pid {pid}: No such process\n"),
                        Userland::Gnu => "sh: 1: kill: No such process\n".to_string(),
                    },
                    1,
                ),
                None => ExecOutput::err("kill: usage: kill [-s sigspec | -signum | -sigspec] [pid | job]... or\n", 2),
            },
            _ => return None,
        })
    }

    /// Which userland answers in this container: busybox applets under ash (busybox, alpine), or
    /// GNU coreutils under dash (Debian-based images such as nginx). Their messages differ.
    fn userland(&self, ctx: &Context) -> Userland {
        let image = self
            .store
            .get::<Pod>(&ctx.pod)
            .and_then(|p| p.spec.containers.iter().find(|c| c.name == ctx.container))
            .map(|c| c.image.clone())
            .unwrap_or_default();
        let repo = image.rsplit('/').next().unwrap_or(&image);
        let repo = repo.split([':', '@']).next().unwrap_or(repo);
        if matches!(repo, "busybox" | "alpine" | "agnhost") { Userland::Busybox } else { Userland::Gnu }
    }

    fn pod_uid(&self, ctx: &Context) -> crate::api::Uid {
        self.store.get::<Pod>(&ctx.pod).map(|p| p.metadata.uid.clone()).unwrap_or_default()
    }

    fn container_fs_of(&self, ctx: &Context) -> Option<crate::fs::mounts::ContainerFs> {
        let pod = self.store.get::<Pod>(&ctx.pod)?;
        Some(self.container_fs(pod, &ctx.container))
    }

    fn cat(&mut self, ctx: &Context, args: &[String]) -> ExecOutput {
        let Some(view) = self.container_fs_of(ctx) else { return ExecOutput::default() };
        let mut out = ExecOutput::default();
        for a in args.iter().filter(|a| !a.starts_with('-')) {
            let path = crate::fs::normalize("/", a);
            match view.read(&self.files, &path) {
                Ok(s) => out.stdout.push_str(&s),
                Err(e) => {
                    out.stderr.push_str(&match self.userland(ctx) {
                        Userland::Busybox => format!("cat: can't open '{a}': {}\n", e.message()),
                        Userland::Gnu => format!("cat: {a}: {}\n", e.message()),
                    });
                    out.code = 1;
                }
            }
        }
        out
    }

    /// `ls [-l] [-a] [PATH...]`, one name per line as when not on a terminal.
    fn ls(&mut self, ctx: &Context, args: &[String]) -> ExecOutput {
        let Some(view) = self.container_fs_of(ctx) else { return ExecOutput::default() };
        let long = args.iter().any(|a| a.starts_with('-') && a.contains('l'));
        let paths: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
        let targets: Vec<String> =
            if paths.is_empty() { vec!["/".into()] } else { paths.iter().map(|p| p.to_string()).collect() };
        let mut out = ExecOutput::default();
        for (n, t) in targets.iter().enumerate() {
            let path = crate::fs::normalize("/", t);
            let line = |name: &str, is_dir: bool, size: usize| {
                if long {
                    let (mode, links) = if is_dir { ("drwxr-xr-x", 2) } else { ("-rw-r--r--", 1) };
                    format!("{mode} {links:>4} root     root     {size:>8} Jan  1 00:00 {name}\n")
                } else {
                    format!("{name}\n")
                }
            };
            match view.list(&self.files, &path) {
                Ok(entries) => {
                    if targets.len() > 1 {
                        if n > 0 {
                            out.stdout.push('\n');
                        }
                        out.stdout.push_str(&format!("{t}:\n"));
                    }
                    if long {
                        out.stdout.push_str(&format!("total {}\n", entries.len() * 4));
                    }
                    for (name, is_dir) in entries {
                        let full = crate::fs::normalize(&path, &name);
                        let size = if is_dir { 4096 } else { view.read(&self.files, &full).map_or(0, |s| s.len()) };
                        out.stdout.push_str(&line(&name, is_dir, size));
                    }
                }
                Err(crate::fs::mounts::Errno::NotDir) => {
                    let size = view.read(&self.files, &path).map_or(0, |s| s.len());
                    out.stdout.push_str(&line(t, false, size));
                }
                Err(e) => match self.userland(ctx) {
                    Userland::Busybox => {
                        out.stderr.push_str(&format!("ls: {t}: {}\n", e.message()));
                        out.code = 1;
                    }
                    Userland::Gnu => {
                        out.stderr.push_str(&format!("ls: cannot access '{t}': {}\n", e.message()));
                        out.code = 2;
                    }
                },
            }
        }
        out
    }

    fn touch_mkdir_rm(&mut self, ctx: &Context, cmd: &str, args: &[String]) -> ExecOutput {
        let Some(view) = self.container_fs_of(ctx) else { return ExecOutput::default() };
        let flags: String = args.iter().filter(|a| a.starts_with('-')).flat_map(|a| a.chars().skip(1)).collect();
        let paths: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
        if paths.is_empty() {
            return ExecOutput::err(format!("{cmd}: missing operand\n"), 1);
        }
        let mut out = ExecOutput::default();
        for p in paths {
            let path = crate::fs::normalize("/", p);
            let r = match cmd {
                "touch" => {
                    if view.exists(&self.files, &path) {
                        Ok(())
                    } else {
                        view.write(&mut self.files, &path, "", false)
                    }
                }
                "mkdir" => view.mkdir(&mut self.files, &path, flags.contains('p')),
                _ => match view.remove(&mut self.files, &path, flags.contains('r') || flags.contains('R')) {
                    Err(crate::fs::mounts::Errno::NotFound) if flags.contains('f') => Ok(()),
                    other => other,
                },
            };
            if let Err(e) = r {
                let busy = e == crate::fs::mounts::Errno::ReadOnly && view.mounts.iter().any(|m| m.path == path);
                let why = if busy { "Device or resource busy" } else { e.message() };
                let msg = match (self.userland(ctx), cmd) {
                    (Userland::Gnu, "touch") => format!("touch: cannot touch '{p}': {why}\n"),
                    (Userland::Gnu, "mkdir") => format!("mkdir: cannot create directory '{p}': {why}\n"),
                    (Userland::Gnu, _) => format!("rm: cannot remove '{p}': {why}\n"),
                    (Userland::Busybox, "touch") => format!("touch: {p}: {why}\n"),
                    (Userland::Busybox, "mkdir") => format!("mkdir: can't create directory '{p}': {why}\n"),
                    (Userland::Busybox, _) if e == crate::fs::mounts::Errno::IsDir => {
                        format!("rm: '{p}' is a directory\n")
                    }
                    (Userland::Busybox, _) => format!("rm: can't remove '{p}': {why}\n"),
                };
                out.stderr.push_str(&msg);
                out.code = 1;
            }
        }
        out
    }

    /// `df [-h]`: each mount's size and use.
    fn df(&mut self, ctx: &Context, args: &[String]) -> ExecOutput {
        let Some(view) = self.container_fs_of(ctx) else { return ExecOutput::default() };
        let human = args.iter().any(|a| a.contains('h'));
        let size = |kib: u64| {
            if !human {
                return kib.to_string();
            }
            let units = ["K", "M", "G", "T"];
            let mut v = kib as f64;
            let mut u = 0;
            while v >= 1024.0 && u < units.len() - 1 {
                v /= 1024.0;
                u += 1;
            }
            if v < 10.0 { format!("{v:.1}{}", units[u]) } else { format!("{:.0}{}", v, units[u]) }
        };
        let mut rows = vec![vec![
            "Filesystem".to_string(),
            if human { "Size" } else { "1K-blocks" }.to_string(),
            "Used".into(),
            "Available".into(),
            "Use%".into(),
            "Mounted on".into(),
        ]];
        for m in &view.mounts {
            let used = view.used_kib(&self.files, m);
            let pct = if m.size_kib == 0 { 0 } else { (used * 100).div_ceil(m.size_kib) };
            rows.push(vec![
                m.device.clone(),
                size(m.size_kib),
                size(used),
                size(m.size_kib.saturating_sub(used)),
                format!("{pct}%"),
                m.path.clone(),
            ]);
        }
        let widths: Vec<usize> = (0..6).map(|i| rows.iter().map(|r| r[i].len()).max().unwrap_or(0)).collect();
        let mut text = String::new();
        for r in rows {
            let line: Vec<String> = r
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if i == 0 || i == 5 { format!("{c:<w$}", w = widths[i]) } else { format!("{c:>w$}", w = widths[i]) }
                })
                .collect();
            text.push_str(line.join(" ").trim_end());
            text.push('\n');
        }
        ExecOutput::ok(text)
    }

    /// `mount`: what is mounted where, and how.
    fn mount_table(&mut self, ctx: &Context) -> ExecOutput {
        let Some(view) = self.container_fs_of(ctx) else { return ExecOutput::default() };
        let mut text = String::new();
        for m in &view.mounts {
            let opts = if m.read_only { "ro,relatime" } else { "rw,relatime" };
            text.push_str(&format!("{} on {} type {} ({opts})\n", m.device, m.path, m.fs_type));
        }
        ExecOutput::ok(text)
    }

    /// The container's environment: its own variables, then the Service variables Kubernetes
    /// injects for Services that existed when the pod started (`enableServiceLinks`), and the
    /// `kubernetes` Service's, which every pod gets.
    pub(crate) fn container_env(&self, ctx: &Context) -> Vec<(String, String)> {
        let Some(pod) = self.store.get::<Pod>(&ctx.pod) else { return Vec::new() };
        let mut env = vec![
            ("PATH".to_string(), "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_string()),
            ("HOSTNAME".to_string(), pod.metadata.name.clone()),
        ];
        if let Some(c) = pod.spec.containers.iter().find(|c| c.name == ctx.container) {
            env.extend(crate::controllers::kubelet::env::resolve(&self.store, pod, c).unwrap_or_default());
        }
        let started = pod.metadata.creation_timestamp;
        let links = pod.spec.enable_service_links != Some(false);
        let mut services: Vec<&Service> = self
            .store
            .list::<Service>(Some(&pod.metadata.namespace))
            .filter(|s| links && s.metadata.creation_timestamp <= started)
            .collect();
        if pod.metadata.namespace != "default"
            && let Some(k) = self.store.get::<Service>(&ObjectKey::new("default", "kubernetes"))
        {
            services.push(k);
        }
        for s in services {
            if s.is_headless() || s.type_or_default() == "ExternalName" || s.spec.cluster_ip.is_empty() {
                continue;
            }
            let prefix = s.metadata.name.to_ascii_uppercase().replace('-', "_");
            let ip = &s.spec.cluster_ip;
            let Some(first) = s.spec.ports.first() else { continue };
            env.push((format!("{prefix}_SERVICE_HOST"), ip.clone()));
            env.push((format!("{prefix}_SERVICE_PORT"), first.port.to_string()));
            for p in &s.spec.ports {
                if !p.name.is_empty() {
                    env.push((
                        format!("{prefix}_SERVICE_PORT_{}", p.name.to_ascii_uppercase().replace('-', "_")),
                        p.port.to_string(),
                    ));
                }
            }
            let proto = |p: &crate::api::service::ServicePort| {
                if p.protocol.is_empty() { "tcp".to_string() } else { p.protocol.to_ascii_lowercase() }
            };
            env.push((format!("{prefix}_PORT"), format!("{}://{ip}:{}", proto(first), first.port)));
            for p in &s.spec.ports {
                let base = format!("{prefix}_PORT_{}_{}", p.port, proto(p).to_ascii_uppercase());
                env.push((base.clone(), format!("{}://{ip}:{}", proto(p), p.port)));
                env.push((format!("{base}_PROTO"), proto(p)));
                env.push((format!("{base}_PORT"), p.port.to_string()));
                env.push((format!("{base}_ADDR"), ip.clone()));
            }
        }
        env
    }

    /// `nslookup NAME`, in the words of the nslookup the image carries: bind's (dnsutils),
    /// busybox's since 1.29, or busybox's before (the tutorials pin busybox:1.28 for it).
    fn nslookup(&mut self, ctx: &Context, args: &[String]) -> ExecOutput {
        use crate::images::Nslookup;
        let Some(name) = args.iter().find(|a| !a.starts_with('-')) else {
            return ExecOutput::err("Usage: nslookup [HOST] [SERVER]\n", 1);
        };
        let image = self
            .store
            .get::<Pod>(&ctx.pod)
            .and_then(|p| p.spec.containers.iter().find(|c| c.name == ctx.container))
            .map(|c| crate::controllers::kubelet::normalize_image(&c.image))
            .unwrap_or_default();
        let flavor = crate::images::lookup(&image).map_or(
            match self.userland(ctx) {
                Userland::Busybox => Nslookup::Busybox,
                Userland::Gnu => Nslookup::Bind,
            },
            |i| i.nslookup_at(crate::images::tag(&image)),
        );
        let ip = dns::DNS_SERVICE_IP;
        let header = match flavor {
            Nslookup::Bind => format!("Server:\t\t{ip}\nAddress:\t{ip}#53\n\n"),
            Nslookup::Busybox => format!("Server:\t\t{ip}\nAddress:\t{ip}:53\n\n"),
            Nslookup::BusyboxOld => {
                format!("Server:    {ip}\nAddress 1: {ip} kube-dns.kube-system.svc.{}\n\n", dns::CLUSTER_DOMAIN)
            }
        };
        let node = self.store.get::<Pod>(&ctx.pod).map(|p| p.spec.node_name.clone()).unwrap_or_default();
        if !self.dns_reachable(&node) {
            // nslookup retries for about 15 s before it gives up.
            self.advance(SimDuration::seconds(15));
            let text = match flavor {
                Nslookup::BusyboxOld => format!("nslookup: can't resolve '{name}'\n"),
                _ => ";; connection timed out; no servers could be reached\n\n".to_string(),
            };
            return ExecOutput { stdout: text, stderr: String::new(), code: 1 };
        }
        for candidate in dns::candidates(name, &ctx.pod.namespace) {
            match dns::lookup(&self.store, &candidate) {
                Some(Answer::A { name: fqdn, ips }) => {
                    let addrs: String = match flavor {
                        Nslookup::BusyboxOld => {
                            let lines: String =
                                ips.iter().enumerate().map(|(i, ip)| format!("Address {}: {ip}\n", i + 1)).collect();
                            format!("Name:      {name}\n{lines}")
                        }
                        _ => ips.iter().map(|ip| format!("Name:\t{fqdn}\nAddress: {ip}\n")).collect(),
                    };
                    let blank = if flavor == Nslookup::BusyboxOld { "" } else { "\n" };
                    return ExecOutput::ok(format!("{header}{addrs}{blank}"));
                }
                Some(Answer::Cname { name: fqdn, target }) => {
                    return ExecOutput::ok(format!("{header}{fqdn}\tcanonical name = {target}.\n\n"));
                }
                None => {}
            }
        }
        let tried = dns::candidates(name, &ctx.pod.namespace).last().cloned().unwrap_or_default();
        let text = match flavor {
            Nslookup::BusyboxOld => format!("{header}nslookup: can't resolve '{name}'\n"),
            _ => format!("{header}** server can't find {tried}: NXDOMAIN\n\n"),
        };
        ExecOutput { stdout: text, stderr: String::new(), code: 1 }
    }

    fn curl(&mut self, ctx: &Context, args: &[String]) -> ExecOutput {
        let req = match curl::parse(args) {
            Ok(r) => r,
            Err(e) => return ExecOutput { stdout: e.stdout, stderr: e.stderr, code: e.code },
        };
        let cacert = req.cacert.as_ref().map(|path| {
            self.container_fs_of(ctx)
                .and_then(|v| v.read(&self.files, &crate::fs::normalize("/", path)).ok())
                .ok_or_else(|| path.clone())
        });
        let ran = curl::run(self, &Source::Pod(ctx.pod.clone()), &req, cacert);
        self.finish_download(ctx, ran)
    }

    fn wget(&mut self, ctx: &Context, args: &[String]) -> ExecOutput {
        let ran = curl::wget(self, &Source::Pod(ctx.pod.clone()), args);
        self.finish_download(ctx, ran)
    }

    /// Writes what `-o`/`-O` downloaded into the container.
    fn finish_download(&mut self, ctx: &Context, ran: curl::Ran) -> ExecOutput {
        let mut out = ExecOutput { stdout: ran.out.stdout, stderr: ran.out.stderr, code: ran.out.code };
        if let Some((path, text)) = ran.file
            && let Some(view) = self.container_fs_of(ctx)
            && let Err(e) = view.write(&mut self.files, &crate::fs::normalize("/", &path), &text, false)
        {
            out.stderr.push_str(&format!(
                "curl: (23) Failure writing output to destination, passed {} returned 0: {}\n",
                text.len(),
                e.message()
            ));
            out.code = 23;
        }
        out
    }
}

/// The shell's host inside a container: the image's programs, the container's files.
pub(crate) struct ContainerHost<'a> {
    c: &'a mut Cluster,
    ctx: &'a Context,
    /// A program exec'd without a shell: a missing one is the runtime's error.
    direct: bool,
    /// `kubectl exec` waits for its command's `sleep`s; a container's own command and the
    /// prober do not (the command sleeps between steps, a probe's nested sleep is skipped).
    wait: bool,
}

impl Host for ContainerHost<'_> {
    fn run(&mut self, argv: &[String], _env: &Env, stdin: &str) -> Option<CmdOutput> {
        self.c.command(self.ctx, argv, stdin).map(|o| CmdOutput { stdout: o.stdout, stderr: o.stderr, code: o.code })
    }

    fn read(&mut self, path: &str) -> Result<String, String> {
        let view = self.c.container_fs_of(self.ctx).ok_or("No such file or directory")?;
        view.read(&self.c.files, &crate::fs::normalize("/", path)).map_err(|e| e.message().to_string())
    }

    fn write(&mut self, path: &str, text: &str, append: bool) -> Result<(), String> {
        let userland = self.c.userland(self.ctx);
        let Some(view) = self.c.container_fs_of(self.ctx) else { return Ok(()) };
        view.write(&mut self.c.files, &crate::fs::normalize("/", path), text, append).map_err(|e| match (userland, e) {
            (Userland::Busybox, crate::fs::mounts::Errno::NotFound) => {
                format!("sh: can't create {path}: nonexistent directory")
            }
            (Userland::Busybox, e) => format!("sh: can't create {path}: {}", e.message()),
            (Userland::Gnu, crate::fs::mounts::Errno::NotFound) => {
                format!("sh: 1: cannot create {path}: Directory nonexistent")
            }
            (Userland::Gnu, e) => format!("sh: 1: cannot create {path}: {}", e.message()),
        })
    }

    fn sleep(&mut self, d: SimDuration) {
        // `kubectl exec` waits for the command: simulated time moves with it, a day at most.
        if self.wait {
            self.c.advance(d.min(crate::console::sim::MAX_ADVANCE));
        }
    }

    fn dialect(&self) -> Dialect {
        self.c.dialect(self.ctx)
    }

    fn not_found(&self, name: &str) -> CmdOutput {
        if self.direct {
            return CmdOutput::err(
                format!(
                    "OCI runtime exec failed: exec failed: unable to start container process: exec: \"{name}\": executable file not found in $PATH: unknown\n"
                ),
                126,
            );
        }
        shell::CmdOutput::err(
            match self.dialect() {
                Dialect::Busybox => format!("sh: {name}: not found\n"),
                Dialect::Dash => format!("sh: 1: {name}: not found\n"),
            },
            127,
        )
    }
}
