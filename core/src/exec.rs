//! The exec shell: what `kubectl exec POD -- CMD` runs inside a container. A small shell with the
//! commands a learner reaches for to look at the network from inside a pod (`curl`, `wget`,
//! `nslookup`, `hostname`, `env`), `sh -c` with `&&`, `||` and `;`, and `kill 1` to crash the
//! container. Commands a container would not have answer as a shell does.

use crate::Cluster;
use crate::api::{ObjectKey, Pod, Service};
use crate::network::dns::{self, Answer};
use crate::network::traffic::{Outcome, Source, parse_url};
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

/// Linux gives up on a TCP connect after about 130 s of SYN retries; curl waits that long
/// unless told otherwise.
const CONNECT_TIMEOUT: SimDuration = SimDuration::seconds(130);

/// The pod and container a command runs in.
pub struct Context {
    pub pod: ObjectKey,
    pub container: String,
}

impl Cluster {
    /// Runs a command line (already split into words) in a container.
    pub(crate) fn exec(&mut self, ctx: &Context, argv: &[String]) -> ExecOutput {
        // `sh -c 'a && b; c'` runs a little script; anything else is one command.
        if let [shell, flag, script, ..] = argv
            && matches!(shell.as_str(), "sh" | "/bin/sh" | "bash" | "/bin/bash" | "ash")
            && flag == "-c"
        {
            return self.script(ctx, script);
        }
        self.command(ctx, argv)
    }

    fn script(&mut self, ctx: &Context, script: &str) -> ExecOutput {
        let mut out = ExecOutput::default();
        let mut last = 0;
        // Split on ; && || (left to right, as sh runs them), honouring quotes via shlex per part.
        let mut rest = script;
        let mut connector = ";";
        loop {
            let (part, next_conn, remaining) = split_step(rest);
            let run = match connector {
                "&&" => last == 0,
                "||" => last != 0,
                _ => true,
            };
            if run && !part.trim().is_empty() {
                let Some(words) = shlex::split(part) else {
                    return ExecOutput::err("sh: syntax error: unterminated quoted string\n", 2);
                };
                let r = self.command(ctx, &words);
                out.stdout.push_str(&r.stdout);
                out.stderr.push_str(&r.stderr);
                last = r.code;
            }
            match (next_conn, remaining) {
                (Some(c), Some(r)) => {
                    connector = c;
                    rest = r;
                }
                _ => break,
            }
        }
        out.code = last;
        out
    }

    fn command(&mut self, ctx: &Context, argv: &[String]) -> ExecOutput {
        let Some((cmd, args)) = argv.split_first() else { return ExecOutput::default() };
        let name = cmd.rsplit('/').next().unwrap_or(cmd);
        match name {
            "curl" => self.curl(ctx, args),
            "wget" => self.wget(ctx, args),
            "nslookup" => self.nslookup(ctx, args),
            "hostname" => ExecOutput::ok(format!("{}\n", ctx.pod.name)),
            "env" | "printenv" => {
                let env = self.container_env(ctx);
                match args.first() {
                    Some(var) if name == "printenv" => match env.iter().find(|(k, _)| k == var) {
                        Some((_, v)) => ExecOutput::ok(format!("{v}\n")),
                        None => ExecOutput::err("", 1),
                    },
                    _ => ExecOutput::ok(env.iter().map(|(k, v)| format!("{k}={v}\n")).collect::<String>()),
                }
            }
            "echo" => ExecOutput::ok(format!("{}\n", args.join(" "))),
            "true" | "sleep" => ExecOutput::default(),
            "false" => ExecOutput::err("", 1),
            "exit" => ExecOutput::err("", args.first().and_then(|c| c.parse().ok()).unwrap_or(0)),
            "cat" => self.cat(ctx, args),
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
                        ExecOutput::err("command terminated with exit code 137\n", 137)
                    }
                    Err(e) => ExecOutput::err(format!("kill: {e}\n"), 1),
                }
            }
            _ => ExecOutput::err(
                format!(
                    "OCI runtime exec failed: exec failed: unable to start container process: exec: \"{cmd}\": executable file not found in $PATH: unknown\n"
                ),
                126,
            ),
        }
    }

    fn pod_uid(&self, ctx: &Context) -> crate::api::Uid {
        self.store.get::<Pod>(&ctx.pod).map(|p| p.metadata.uid.clone()).unwrap_or_default()
    }

    fn cat(&mut self, ctx: &Context, args: &[String]) -> ExecOutput {
        let mut out = ExecOutput::default();
        for path in args {
            match path.as_str() {
                "/etc/hostname" => out.stdout.push_str(&format!("{}\n", ctx.pod.name)),
                "/etc/resolv.conf" => out.stdout.push_str(&format!(
                    "search {}.svc.{d} svc.{d} {d}\nnameserver {}\noptions ndots:5\n",
                    ctx.pod.namespace,
                    dns::DNS_SERVICE_IP,
                    d = dns::CLUSTER_DOMAIN
                )),
                other => {
                    out.stderr.push_str(&format!("cat: {other}: No such file or directory\n"));
                    out.code = 1;
                }
            }
        }
        out
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
            for e in &c.env {
                if let (Some(k), Some(v)) =
                    (e.get("name").and_then(|v| v.as_str()), e.get("value").and_then(|v| v.as_str()))
                {
                    env.push((k.to_string(), v.to_string()));
                }
            }
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

    fn nslookup(&mut self, ctx: &Context, args: &[String]) -> ExecOutput {
        let Some(name) = args.iter().find(|a| !a.starts_with('-')) else {
            return ExecOutput::err("Usage: nslookup [HOST] [SERVER]\n", 1);
        };
        let node = self.store.get::<Pod>(&ctx.pod).map(|p| p.spec.node_name.clone()).unwrap_or_default();
        let header = format!("Server:\t\t{ip}\nAddress:\t{ip}#53\n\n", ip = dns::DNS_SERVICE_IP);
        if !self.dns_reachable(&node) {
            // nslookup retries for about 15 s before it gives up.
            self.advance(SimDuration::seconds(15));
            return ExecOutput {
                stdout: ";; connection timed out; no servers could be reached\n\n".into(),
                stderr: String::new(),
                code: 1,
            };
        }
        for candidate in dns::candidates(name, &ctx.pod.namespace) {
            match dns::lookup(&self.store, &candidate) {
                Some(Answer::A { name, ips }) => {
                    let addrs: String = ips.iter().map(|ip| format!("Name:\t{name}\nAddress: {ip}\n")).collect();
                    return ExecOutput::ok(format!("{header}{addrs}\n"));
                }
                Some(Answer::Cname { name, target }) => {
                    return ExecOutput::ok(format!("{header}{name}\tcanonical name = {target}.\n\n"));
                }
                None => {}
            }
        }
        let tried = dns::candidates(name, &ctx.pod.namespace).last().cloned().unwrap_or_default();
        ExecOutput {
            stdout: format!("{header}** server can't find {tried}: NXDOMAIN\n\n"),
            stderr: String::new(),
            code: 1,
        }
    }

    fn curl(&mut self, ctx: &Context, args: &[String]) -> ExecOutput {
        let mut verbose = false;
        let mut silent = false;
        let mut show_error = false;
        let mut include = false;
        let mut head = false;
        let mut max_time: Option<SimDuration> = None;
        let mut url = None;
        let mut i = 0;
        while i < args.len() {
            let a = args[i].as_str();
            let value = |i: &mut usize| -> Option<String> {
                *i += 1;
                args.get(*i).cloned()
            };
            match a {
                "-v" | "--verbose" => verbose = true,
                "-s" | "--silent" => silent = true,
                "-S" | "--show-error" => show_error = true,
                "-sS" | "-Ss" => {
                    silent = true;
                    show_error = true;
                }
                "-i" | "--include" => include = true,
                "-I" | "--head" => head = true,
                "-L" | "-k" | "-f" | "--fail" | "--location" | "--insecure" | "-sL" | "-fsSL" | "-sv" => {
                    if a.contains('s') {
                        silent = true;
                    }
                    if a.contains('v') {
                        verbose = true;
                    }
                }
                "-m" | "--max-time" | "--connect-timeout" => {
                    max_time =
                        value(&mut i).and_then(|v| v.parse::<f64>().ok()).map(|s| SimDuration((s * 1000.0) as i64));
                }
                "-H" | "-X" | "-o" | "-d" | "-w" | "--header" | "--request" | "--output" | "--data" => {
                    value(&mut i);
                }
                _ if a.starts_with('-') => {
                    return ExecOutput::err(
                        format!("curl: option {a}: is unknown\ncurl: try 'curl --help' for more information\n"),
                        2,
                    );
                }
                _ => url = Some(a.to_string()),
            }
            i += 1;
        }
        let Some(url) = url else {
            return ExecOutput::err("curl: no URL specified\ncurl: try 'curl --help' for more information\n", 2);
        };
        let u = match parse_url(&url) {
            Ok(u) => u,
            Err(e) => return ExecOutput::err(format!("curl: (3) URL rejected: {e}\n"), 3),
        };
        let trace = self.request(&Source::Pod(ctx.pod.clone()), &url, None);
        let mut err = String::new();
        if verbose {
            for s in &trace.steps {
                err.push_str(&format!("* {s}\n"));
            }
        }
        let quiet_errors = silent && !show_error;
        let mut out = String::new();
        let took_ms = match trace.outcome {
            Outcome::Answered => {
                let body = if head { String::new() } else { trace.body.clone() };
                let headers = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n\r\n",
                    trace.body.len()
                );
                if verbose {
                    err.push_str(&format!(
                        "> {} {} HTTP/1.1\n> Host: {}\n> User-Agent: curl/8.11.1\n> Accept: */*\n>\n",
                        if head { "HEAD" } else { "GET" },
                        u.path,
                        u.host
                    ));
                    for l in headers.trim_end().lines() {
                        err.push_str(&format!("< {}\n", l.trim_end()));
                    }
                    err.push_str("<\n");
                }
                if include || head {
                    out.push_str(&headers.replace("\r\n", "\n"));
                }
                out.push_str(&body);
                2
            }
            o => {
                let timeout = max_time.unwrap_or(CONNECT_TIMEOUT);
                let (msg, ms) = match o {
                    Outcome::DnsFailed => (format!("curl: (6) Could not resolve host: {}", u.host), 5),
                    Outcome::TimedOut if max_time.is_some() => (
                        format!("curl: (28) Connection timed out after {} milliseconds", timeout.as_millis()),
                        timeout.as_millis(),
                    ),
                    Outcome::TimedOut => (
                        format!(
                            "curl: (28) Failed to connect to {} port {} after {} ms: Couldn't connect to server",
                            u.host,
                            u.port,
                            timeout.as_millis()
                        ),
                        timeout.as_millis(),
                    ),
                    _ => (
                        format!(
                            "curl: (7) Failed to connect to {} port {} after 2 ms: Couldn't connect to server",
                            u.host, u.port
                        ),
                        2,
                    ),
                };
                if !quiet_errors {
                    err.push_str(&msg);
                    err.push('\n');
                }
                ms
            }
        };
        // A command that waits makes kubectl exec wait: simulated time moves with it.
        if took_ms > 100 {
            self.advance(SimDuration(took_ms));
        }
        ExecOutput { stdout: out, stderr: err, code: trace.outcome.curl_exit_code() }
    }

    fn wget(&mut self, ctx: &Context, args: &[String]) -> ExecOutput {
        let Some(url) = args.iter().rev().find(|a| !a.starts_with('-')) else {
            return ExecOutput::err("BusyBox wget: usage: wget [-qO-] URL\n", 1);
        };
        let trace = self.request(&Source::Pod(ctx.pod.clone()), url, None);
        let host = parse_url(url).map(|u| u.host).unwrap_or_default();
        match trace.outcome {
            Outcome::Answered => ExecOutput::ok(trace.body),
            Outcome::DnsFailed => ExecOutput::err(format!("wget: bad address '{host}'\n"), 1),
            Outcome::TimedOut => {
                self.advance(SimDuration::seconds(900).min(CONNECT_TIMEOUT));
                ExecOutput::err("wget: download timed out\n", 1)
            }
            _ => ExecOutput::err("wget: can't connect to remote host: Connection refused\n", 1),
        }
    }
}

/// The next command of a script and the connector after it (`;`, `&&`, `||`), outside quotes.
fn split_step(s: &str) -> (&str, Option<&'static str>, Option<&str>) {
    let bytes = s.as_bytes();
    let (mut single, mut double) = (false, false);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' if !double => single = !single,
            b'"' if !single => double = !double,
            b';' if !single && !double => return (&s[..i], Some(";"), Some(&s[i + 1..])),
            b'&' if !single && !double && bytes.get(i + 1) == Some(&b'&') => {
                return (&s[..i], Some("&&"), Some(&s[i + 2..]));
            }
            b'|' if !single && !double && bytes.get(i + 1) == Some(&b'|') => {
                return (&s[..i], Some("||"), Some(&s[i + 2..]));
            }
            _ => {}
        }
        i += 1;
    }
    (s, None, None)
}
