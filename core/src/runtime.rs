//! The container runtime's view of what a container's process does: serve on some ports until it
//! is stopped, exit after a while with some code, or run its command in the shell. Known images
//! behave as they do for real (nginx serves on 80, agnhost netexec on its --http-port, busybox
//! without a command runs `sh`, which exits at once); a command the shell runs (`sh -c …`,
//! `sleep 3600`, `echo hi`) decides for itself, step by step ([`crate::entrypoint`]).

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
    /// Its own command, run by the shell ([`crate::entrypoint`]): it ends when the command
    /// does, listening only on the ports it declares.
    Script { ports: BTreeSet<i32> },
}

/// Programs the shell runs itself, so a command that starts with one is a script.
const SHELL_PROGRAMS: &[&str] =
    &["sleep", "echo", "printf", "printenv", "env", "cat", "touch", "true", "false", "date", "ls", "mkdir", "exit"];

/// The script a container's command is, and its `$0`, `$1` …: `sh -c SCRIPT [NAME ARGS…]`, or
/// a program the shell runs itself (`sleep 3600`, `echo hi`) as a one-line script. None for
/// another program, which the runtime takes for a server.
pub fn script(words: &[String]) -> Option<(String, Vec<String>)> {
    let (first, rest) = words.split_first()?;
    let name = first.rsplit('/').next().unwrap_or(first);
    if matches!(name, "sh" | "bash" | "ash" | "dash") {
        // `sh -c`, `sh -ec`, `bash -xc` …: the word after the flags is the script.
        let flags = rest.iter().take_while(|w| w.starts_with('-')).count();
        if !rest[..flags].iter().any(|f| f.contains('c')) {
            return None;
        }
        let script = rest.get(flags)?.clone();
        let args = rest.get(flags + 1..).map(<[String]>::to_vec).unwrap_or_default();
        return Some((script, if args.is_empty() { vec![name.to_string()] } else { args }));
    }
    SHELL_PROGRAMS
        .contains(&name)
        .then(|| (words.iter().map(|w| crate::shell::quote(w)).collect::<Vec<_>>().join(" "), vec!["sh".to_string()]))
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
    let mut ports: BTreeSet<i32> = c.ports.iter().map(|p| p.container_port).collect();
    ports.extend(default_ports(c));
    let own_app = app(c);
    if !words.is_empty() && own_app.is_none() {
        if script(&words).is_some() {
            return Process::Script { ports: c.ports.iter().map(|p| p.container_port).collect() };
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
    fn commands_the_shell_runs_are_scripts() {
        // A shell with nothing to read exits at once.
        assert!(matches!(process_for(&container("busybox", &[], &[])), Process::Exit { code: 0, .. }));
        for (command, args) in [
            (&["sh", "-c", "echo hi; sleep 30"][..], &[][..]),
            (&["sleep", "infinity"], &[]),
            (&[], &["/bin/sh", "-c", "exit 3"]),
            (&["/bin/echo"], &["$(MESSAGE)"]),
        ] {
            assert!(
                matches!(process_for(&container("busybox", command, args)), Process::Script { .. }),
                "{command:?} {args:?}"
            );
        }
        // A program the shell does not run is taken for a server.
        assert!(matches!(process_for(&container("python:3.12", &["python", "app.py"], &[])), Process::Serve { .. }));
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            script(&words(&["sh", "-c", "echo $0 $1", "a", "b"])),
            Some(("echo $0 $1".to_string(), words(&["a", "b"])))
        );
        assert_eq!(script(&words(&["/bin/bash", "-ec", "x"])), Some(("x".to_string(), words(&["bash"]))));
        assert_eq!(script(&words(&["sh", "run.sh"])), None);
        assert_eq!(script(&words(&["echo", "a b"])), Some(("echo 'a b'".to_string(), words(&["sh"]))));
    }
}
