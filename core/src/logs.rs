//! `kubectl logs`: what a container printed. Known images print what they print for real at
//! start-up (nginx's entrypoint and notices, agnhost's klog lines), a command's `echo`s print
//! their text, and web servers log each request they answered, taken from the network's recent
//! traces (so the oldest requests fall off, as a log rotates).

use crate::Cluster;
use crate::api::Pod;
use crate::api::pod::Container;
use crate::controllers::kubelet::CState;
use crate::time::SimTime;

impl Cluster {
    /// The log of a container's current instance, or of the one before it (`--previous`), or
    /// why there is none, in the API server's words.
    pub(crate) fn container_logs(&self, pod: &Pod, container: &str, previous: bool) -> Result<String, String> {
        let name = &pod.metadata.name;
        let spec = pod.spec.containers.iter().find(|c| c.name == container);
        let work = self.kubelet.pod(&pod.metadata.uid).and_then(|w| w.containers.iter().find(|c| c.name == container));
        let (Some(spec), Some(work)) = (spec, work) else {
            return Err(format!("container \"{container}\" in pod \"{name}\" is waiting to start: ContainerCreating"));
        };
        // Which instance: the running one, or the one that just ended; `--previous` the one before.
        let window = match (&work.state, previous) {
            (CState::Running { since, .. }, false) => Some((*since, self.now)),
            (CState::Running { .. }, true) => work.last.as_ref().map(|e| (e.started, e.finished)),
            (CState::Exited { .. }, false) => work.last.as_ref().map(|e| (e.started, e.finished)),
            (CState::Exited { .. }, true) => work.before_last.as_ref().map(|e| (e.started, e.finished)),
            (_, true) => work.last.as_ref().map(|e| (e.started, e.finished)),
            (_, false) => None,
        };
        let Some((from, to)) = window else {
            if previous {
                return Err(format!("previous terminated container \"{container}\" in pod \"{name}\" not found"));
            }
            let reason = pod
                .status
                .container_statuses
                .iter()
                .find(|s| s.name == container)
                .and_then(|s| s.state.waiting.as_ref())
                .map_or("ContainerCreating".to_string(), |w| w.reason.clone());
            let why = match reason.as_str() {
                "ErrImagePull" | "ImagePullBackOff" => "trying and failing to pull image".to_string(),
                other => other.to_string(),
            };
            return Err(format!("container \"{container}\" in pod \"{name}\" is waiting to start: {why}"));
        };
        // A command the shell ran logs what it printed.
        let instance = crate::entrypoint::Instance {
            pod: pod.metadata.uid.clone(),
            container: container.to_string(),
            restarts: if previous || matches!(work.state, CState::Starting { .. } | CState::Pulling { .. }) {
                work.restarts - 1
            } else {
                work.restarts
            },
        };
        if let Some(log) = self.entrypoints.log(&instance) {
            return Ok(log.to_string());
        }
        let mut out = startup_lines(spec, name, from);
        let repo = crate::runtime::repo_name(&spec.image);
        let mut served = 0;
        for t in self.traffic_traces() {
            let Some(at) = SimTime::parse_rfc3339(&t.at) else { continue };
            if t.backend_pod.as_deref() != Some(name.as_str())
                || at < from
                || at > to
                || t.outcome != crate::network::traffic::Outcome::Answered
            {
                continue;
            }
            let path = crate::network::traffic::parse_url(&t.url).map(|u| u.path).unwrap_or_default();
            let path = if path.is_empty() { "/".to_string() } else { path };
            match repo.as_str() {
                "nginx" | "nginx-slim" | "nginx-unprivileged" | "httpd" => out.push_str(&format!(
                    "{} - - [{}] \"GET {path} HTTP/1.1\" {} {} \"-\" \"curl/8.11.1\" \"-\"\n",
                    t.client_ip,
                    access_time(at),
                    t.status,
                    t.body.len()
                )),
                "agnhost" => out.push_str(&format!("{} GET {path}\n", klog_prefix(at))),
                // server.js: console.log("Running On:", host, "| Total Requests:", ++requests, …).
                "kubernetes-bootcamp" => {
                    served += 1;
                    let uptime = (at - from).0 as f64 / 1000.0;
                    out.push_str(&format!(
                        "Running On: {name} | Total Requests: {served} | App Uptime: {uptime} seconds | Log Time: {}\n",
                        iso_millis(at)
                    ));
                }
                _ => {}
            }
        }
        Ok(out)
    }
}

/// What the image prints when it starts, stamped with its start.
fn startup_lines(c: &Container, host: &str, at: SimTime) -> String {
    let repo = crate::runtime::repo_name(&c.image);
    let words: Vec<String> = c.command.iter().chain(&c.args).cloned().collect();
    if !c.command.is_empty() || (!c.args.is_empty() && repo != "agnhost") {
        // A command prints what its `echo`s say.
        let script = words.join(" ");
        return script
            .split([';', '&', '|', '\n'])
            .filter_map(|part| {
                let mut p = part.trim();
                for shell in ["/bin/sh -c ", "sh -c ", "/bin/bash -c ", "bash -c ", "/bin/ash -c ", "ash -c "] {
                    p = p.strip_prefix(shell).unwrap_or(p);
                }
                p.trim_start_matches(['"', '\'']).strip_prefix("echo ")
            })
            .map(|text| format!("{}\n", text.trim().trim_matches(['"', '\''])))
            .collect();
    }
    let stamp = error_log_time(at);
    match repo.as_str() {
        "nginx" | "nginx-slim" | "nginx-unprivileged" => {
            let version = c.image.rsplit(':').next().filter(|t| t.chars().next().is_some_and(|c| c.is_ascii_digit()));
            format!(
                "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration\n\
                 /docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/\n\
                 /docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh\n\
                 10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf\n\
                 10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf\n\
                 /docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh\n\
                 /docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh\n\
                 /docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh\n\
                 /docker-entrypoint.sh: Configuration complete; ready for start up\n\
                 {stamp} [notice] 1#1: using the \"epoll\" event method\n\
                 {stamp} [notice] 1#1: nginx/{}\n\
                 {stamp} [notice] 1#1: start worker processes\n",
                version.unwrap_or("1.27.3")
            )
        }
        "agnhost" => {
            let port = c
                .args
                .iter()
                .find_map(|a| a.strip_prefix("--http-port=").or_else(|| a.strip_prefix("--port=")))
                .unwrap_or("8080");
            format!("{} Started HTTP server on port {port}\n", klog_prefix(at))
        }
        // server.js logs its start with console.log, which joins its arguments with spaces.
        "kubernetes-bootcamp" => {
            format!("Kubernetes Bootcamp App Started At: {} | Running On:  {host} \n\n", iso_millis(at))
        }
        "redis" => format!(
            "1:C {} * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo\n1:M {} * Ready to accept connections tcp\n",
            redis_time(at),
            redis_time(at)
        ),
        _ => String::new(),
    }
}

/// A JavaScript Date as console.log prints it: `2026-01-01T00:00:03.120Z`.
fn iso_millis(at: SimTime) -> String {
    let s = at.rfc3339();
    format!("{}.{:03}Z", &s[..19], at.0.rem_euclid(1000))
}

fn parts(at: SimTime) -> (String, String) {
    let s = at.rfc3339();
    (s[..10].to_string(), s[11..19].to_string())
}

/// nginx's error log: `2026/01/01 00:00:02`.
fn error_log_time(at: SimTime) -> String {
    let (d, t) = parts(at);
    format!("{} {t}", d.replace('-', "/"))
}

/// nginx's access log: `01/Jan/2026:00:00:05 +0000`.
fn access_time(at: SimTime) -> String {
    let r = at.rfc1123z();
    // "Thu, 01 Jan 2026 00:00:05 +0000"
    let f: Vec<&str> = r.split(' ').collect();
    format!("{}/{}/{}:{} +0000", f[1], f[2], f[3], f[4])
}

/// klog: `I0101 00:00:02.000000       1 log.go:245]`.
fn klog_prefix(at: SimTime) -> String {
    let (d, t) = parts(at);
    format!("I{}{} {t}.{:06}       1 log.go:245]", &d[5..7], &d[8..10], at.millis().rem_euclid(1000) * 1000)
}

/// redis: `01 Jan 2026 00:00:02.000`.
fn redis_time(at: SimTime) -> String {
    let r = at.rfc1123z();
    let f: Vec<&str> = r.split(' ').collect();
    format!("{} {} {} {}.{:03}", f[1], f[2], f[3], f[4], at.millis().rem_euclid(1000))
}
