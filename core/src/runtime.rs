//! The container runtime's view of what a container's process does: serve on some ports until it
//! is stopped, or exit after a while with some code. Known images behave as they do for real
//! (nginx serves on 80, agnhost netexec on its --http-port, busybox without a command runs `sh`,
//! which exits at once); a command decides for itself (`sleep 3600`, `exit 1`).

use std::collections::BTreeSet;

use crate::api::pod::Container;
use crate::images::App;
pub use crate::images::apps::OnTerm;
use crate::time::SimDuration;

#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Process {
    /// Runs until stopped, listening on these ports.
    Serve { ports: BTreeSet<i32> },
    /// Exits by itself after `after`, with `code`.
    Exit { after: SimDuration, code: i32 },
}

/// The application a container runs, if it runs its image's own (no command of its own, or one
/// that starts the image's server): what answers requests and where it listens.
pub fn app(c: &Container) -> Option<App> {
    let image = crate::images::lookup(&c.image)?;
    let first = c.command.first().or(c.args.first()).map(|w| w.rsplit('/').next().unwrap_or(w).to_string());
    let own_binary = match image.app {
        App::Nginx => matches!(first.as_deref(), Some("nginx" | "docker-entrypoint.sh")),
        App::Agnhost => c.command.is_empty() || first.as_deref() == Some("agnhost"),
        App::Bootcamp(_) | App::NodeHello => matches!(first.as_deref(), Some("node" | "npm")),
        App::Mysql => matches!(first.as_deref(), Some("mysqld" | "docker-entrypoint.sh")),
        App::Listener(_) => {
            first.as_deref().is_some_and(|f| f.ends_with("-server") || f == "docker-entrypoint.sh" || f == "postgres")
        }
        _ => false,
    };
    (first.is_none() || own_binary).then_some(image.app)
}

/// Ports a container listens on without being told: its application's, for an image in the
/// catalogue; a few well-known servers' otherwise.
fn default_ports(c: &Container) -> Vec<i32> {
    if let Some(a) = app(c) {
        return crate::images::apps::ports(a, &c.args);
    }
    match repo_name(&c.image).as_str() {
        "httpd" => vec![80],
        "mongo" => vec![27017],
        "memcached" => vec![11211],
        "rabbitmq" => vec![5672],
        "zookeeper" => vec![2181],
        "cassandra" => vec![9042],
        "coredns" => vec![53, 8080, 8181, 9153],
        "http-echo" => {
            let flag = |name: &str| {
                c.args.iter().find_map(|a| {
                    a.strip_prefix(name).and_then(|v| v.trim_start_matches(['=', ':']).parse::<i32>().ok())
                })
            };
            vec![flag("-listen").or_else(|| flag("--listen")).unwrap_or(5678)]
        }
        _ => Vec::new(),
    }
}

/// Images whose default process is a shell or a one-shot tool, which exits at once without a
/// command to keep it busy.
const SHELL_IMAGES: &[&str] =
    &["busybox", "alpine", "ubuntu", "debian", "centos", "fedora", "bash", "amazonlinux", "hello-world"];

/// What this container's process will do.
pub fn process_for(c: &Container) -> Process {
    let repo = repo_name(&c.image);
    let words: Vec<String> = c.command.iter().chain(&c.args).cloned().collect();
    let script = words.join(" ");
    let mut ports: BTreeSet<i32> = c.ports.iter().map(|p| p.container_port).collect();
    ports.extend(default_ports(c));
    let own_app = app(c);
    if !words.is_empty() && own_app.is_none() {
        if let Some(p) = command_exit(&script) {
            return p;
        }
        return Process::Serve { ports };
    }
    match own_app {
        // curl's entrypoint with no URL prints its usage and exits 2.
        Some(App::Curl) if words.is_empty() => return Process::Exit { after: SimDuration::millis(50), code: 2 },
        Some(App::Mysql) => {
            // The entrypoint refuses to initialize a database without a root password.
            let has = |k: &str| c.env.iter().any(|e| e.get("name").and_then(|n| n.as_str()) == Some(k));
            if !["MYSQL_ROOT_PASSWORD", "MYSQL_ALLOW_EMPTY_PASSWORD", "MYSQL_RANDOM_ROOT_PASSWORD"]
                .iter()
                .any(|k| has(k))
            {
                return Process::Exit { after: SimDuration::millis(300), code: 1 };
            }
        }
        Some(App::Shell) | None
            if (SHELL_IMAGES.contains(&repo.as_str()) || own_app == Some(App::Shell)) && c.stdin != Some(true) =>
        {
            // A shell with nothing to read exits at once; one attached to a terminal waits for input.
            return Process::Exit { after: SimDuration::millis(50), code: 0 };
        }
        _ => {}
    }
    Process::Serve { ports }
}

/// What the container's process does when the kubelet stops it: its application's habit for an
/// image in the catalogue, a shell's or `sleep`'s (as PID 1 they ignore SIGTERM) for a command,
/// and a prompt exit for any other server.
pub fn on_term(c: &Container) -> OnTerm {
    if let Some(a) = app(c) {
        return crate::images::apps::on_term(a, &c.args);
    }
    let first = c.command.first().or(c.args.first()).map(|w| w.rsplit('/').next().unwrap_or(w));
    match first {
        Some("sh" | "bash" | "ash" | "dash" | "sleep" | "tail" | "python" | "python3" | "node" | "ruby" | "perl") => {
            OnTerm::Ignore
        }
        Some(_) => OnTerm::Exit { after_ms: 0, code: 0 },
        None if SHELL_IMAGES.contains(&repo_name(&c.image).as_str()) => OnTerm::Ignore,
        None => OnTerm::Exit { after_ms: 0, code: 0 },
    }
}

/// Where a known web server serves files from, so a file written there (by hand or on a
/// volume) is what a request gets back.
pub fn document_root(c: &Container) -> Option<&'static str> {
    match repo_name(&c.image).as_str() {
        "nginx" | "nginx-slim" | "nginx-unprivileged" => Some("/usr/share/nginx/html"),
        "httpd" => Some("/usr/local/apache2/htdocs"),
        _ => None,
    }
}

/// The last path segment of the repository, without tag: `registry.k8s.io/e2e-test-images/agnhost:2.53` → `agnhost`.
pub fn repo_name(image: &str) -> String {
    let last = image.rsplit('/').next().unwrap_or(image);
    last.split([':', '@']).next().unwrap_or(last).to_string()
}

/// Reads a command line for how it ends: a final `sleep N`, `exit N`, `true`, `false`; a loop or
/// `sleep infinity` never ends.
fn command_exit(script: &str) -> Option<Process> {
    let mut s = script.trim();
    for shell in ["/bin/sh -c", "sh -c", "/bin/bash -c", "bash -c", "/bin/ash -c", "ash -c"] {
        if let Some(rest) = s.strip_prefix(shell) {
            s = rest.trim();
            break;
        }
    }
    if s.contains("while true") || s.contains("sleep infinity") || s.contains("tail -f") {
        return None;
    }
    // The last simple command decides, unless an earlier `exit` or a failing `false &&` does.
    let last = s.rsplit([';', '&', '|', '\n']).map(str::trim).find(|p| !p.is_empty()).unwrap_or("");
    let last = last.trim_matches(['"', '\'', ' ']);
    let mut parts = last.split_whitespace();
    match parts.next() {
        Some("sleep") => {
            let n = parts.next().unwrap_or("0");
            let d = SimDuration::parse(n).or_else(|_| SimDuration::parse(&format!("{n}s"))).ok()?;
            Some(Process::Exit { after: d, code: 0 })
        }
        Some("exit") => Some(Process::Exit {
            after: SimDuration::millis(50),
            code: parts.next().and_then(|c| c.parse().ok()).unwrap_or(0),
        }),
        Some("true") => Some(Process::Exit { after: SimDuration::millis(50), code: 0 }),
        Some("false") => Some(Process::Exit { after: SimDuration::millis(50), code: 1 }),
        Some("echo") | Some("date") | Some("env") | Some("printenv") | Some("ls") | Some("cat") => {
            Some(Process::Exit { after: SimDuration::millis(50), code: 0 })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(image: &str, command: &[&str], args: &[&str]) -> Container {
        Container {
            name: "c".into(),
            image: image.into(),
            command: command.iter().map(|s| s.to_string()).collect(),
            args: args.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn servers_serve_on_their_ports() {
        assert_eq!(process_for(&container("nginx:1.27", &[], &[])), Process::Serve { ports: [80].into() });
        assert_eq!(
            process_for(&container(
                "registry.k8s.io/e2e-test-images/agnhost:2.53",
                &[],
                &["netexec", "--http-port=9000"]
            )),
            Process::Serve { ports: [9000].into() }
        );
    }

    #[test]
    fn shells_and_commands_exit_as_they_would() {
        assert!(matches!(process_for(&container("busybox", &[], &[])), Process::Exit { code: 0, .. }));
        assert_eq!(
            process_for(&container("busybox", &["sh", "-c", "echo hi; sleep 30"], &[])),
            Process::Exit { after: SimDuration::seconds(30), code: 0 }
        );
        assert!(matches!(
            process_for(&container("busybox", &["sh", "-c", "exit 3"], &[])),
            Process::Exit { code: 3, .. }
        ));
        assert!(matches!(process_for(&container("busybox", &["sleep", "infinity"], &[])), Process::Serve { .. }));
        assert!(matches!(
            process_for(&container("busybox", &["sh", "-c", "while true; do sleep 1; done"], &[])),
            Process::Serve { .. }
        ));
    }
}
