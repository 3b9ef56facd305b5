//! `podscape`: the command-line front end. It reads console lines, hands them to core, and prints
//! what core answers. Everything it knows about Kubernetes, it asks core.

use std::cell::RefCell;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::rc::Rc;

mod bench;

use clap::{Parser, Subcommand};
use podscape_core::{Cluster, Config, Files, Output};

/// The shell's line editor asks core what Tab may complete, as the page's prompt does.
struct ShellHelper(Rc<RefCell<Cluster>>);

impl rustyline::completion::Completer for ShellHelper {
    type Candidate = String;

    fn complete(&self, line: &str, pos: usize, _: &rustyline::Context<'_>) -> rustyline::Result<(usize, Vec<String>)> {
        let done = self.0.borrow().complete(&line[..pos]);
        let words = done.candidates.into_iter().map(|c| if c.ends_with('/') { c } else { c + " " }).collect();
        Ok((done.start, words))
    }
}

impl rustyline::hint::Hinter for ShellHelper {
    type Hint = String;
}
impl rustyline::highlight::Highlighter for ShellHelper {}
impl rustyline::validate::Validator for ShellHelper {}
impl rustyline::Helper for ShellHelper {}

#[derive(Parser)]
#[command(name = "podscape", version, about = "A Kubernetes cluster to see and break, on the command line")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run console lines from FILE (or stdin, with `-` or no FILE) against a fresh cluster; exit 1
    /// if any line failed.
    /// Rehearse a lesson: run each step's solution against the scenario's cluster and check that
    /// every step completes; exit 1 (saying which step and check) otherwise.
    Lesson {
        /// A scenario file (YAML).
        file: String,
    },
    Run {
        /// A script of console lines; `-` or nothing reads stdin.
        file: Option<String>,
        /// The seed of the cluster's random choices.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Start with only the nodes and the system services.
        #[arg(long)]
        empty: bool,
        /// Simulated time between one line's end and the next line, as a learner reads and
        /// types (so a pasted tutorial sees kube-proxy and the kubelets catch up); `0s` runs
        /// the lines back to back.
        #[arg(long, default_value = "2s", value_parser = parse_pace)]
        pace: podscape_core::SimDuration,
    },
    /// Measures a cluster of the given size and prints one JSON line: settle_ms (wall time from
    /// applying the workload until every pod is Ready and every endpoint programmed), peak_rss_mb,
    /// pod_delete_us (the median cost of one pod deletion until endpoints and proxy tables are
    /// updated, over 41 deletions; also pod_delete_p90_us and first_pod_delete_us).
    Bench {
        #[arg(long, default_value_t = 3)]
        nodes: usize,
        #[arg(long, default_value_t = 100)]
        pods: usize,
        #[arg(long, default_value_t = 10)]
        services: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// An interactive console: type lines, see answers.
    Shell {
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        empty: bool,
    },
}

/// Reads `kubectl apply -f PATH` files from disk, relative to the script's folder.
struct DiskFiles {
    base: PathBuf,
}

impl Files for DiskFiles {
    fn read(&self, path: &str) -> Result<String, String> {
        let p = Path::new(path);
        let full = if p.is_absolute() { p.to_path_buf() } else { self.base.join(p) };
        std::fs::read_to_string(&full).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => format!("the path \"{path}\" does not exist"),
            _ => format!("error reading {path}: {e}"),
        })
    }
}

fn parse_pace(text: &str) -> Result<podscape_core::SimDuration, String> {
    match podscape_core::SimDuration::parse(text) {
        Ok(d) if d.0 < 0 => Err("the pace cannot be negative".into()),
        Ok(d) if d > podscape_core::SimDuration::seconds(3600) => Err("the pace is at most 1h".into()),
        other => other,
    }
}

fn print(out: &Output) {
    let mut so = std::io::stdout().lock();
    let _ = so.write_all(out.stdout.as_bytes());
    let _ = so.flush();
    let mut se = std::io::stderr().lock();
    let _ = se.write_all(out.stderr.as_bytes());
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run { file, seed, empty, pace } => {
            let (text, base) = match file.as_deref() {
                None | Some("-") => {
                    let mut s = String::new();
                    if let Err(e) = std::io::stdin().read_to_string(&mut s) {
                        eprintln!("podscape: reading stdin: {e}");
                        return ExitCode::from(2);
                    }
                    (s, std::env::current_dir().unwrap_or_default())
                }
                Some(path) => match std::fs::read_to_string(path) {
                    Ok(s) => {
                        let base = Path::new(path).parent().map(Path::to_path_buf).unwrap_or_default();
                        (s, base)
                    }
                    Err(e) => {
                        eprintln!("podscape: {path}: {e}");
                        return ExitCode::from(2);
                    }
                },
            };
            let files = DiskFiles { base };
            let mut cluster = Cluster::new(Config { seed, empty, ..Config::default() });
            let mut failed = false;
            // A here-document or a loop that spans lines runs as one command, as in the console.
            for (i, (_, line)) in podscape_core::shell::commands(&text).into_iter().enumerate() {
                if i > 0 {
                    cluster.advance(pace);
                }
                let out = cluster.run(&line, &files);
                failed |= !out.ok();
                print(&out);
            }
            if failed { ExitCode::from(1) } else { ExitCode::SUCCESS }
        }
        Command::Bench { nodes, pods, services, seed } => {
            match bench::run(&bench::Size { nodes, pods, services, seed }) {
                Ok(f) => {
                    println!(
                        "{}",
                        serde_json::json!({
                            "nodes": nodes, "pods": pods, "services": services,
                            "settle_ms": f.settle_ms, "boot_ms": f.boot_ms,
                            "peak_rss_mb": (f.peak_rss_mb * 10.0).round() / 10.0,
                            "pod_delete_us": f.pod_delete_us, "pod_delete_p90_us": f.pod_delete_p90_us, "first_pod_delete_us": f.first_pod_delete_us, "sim_seconds": f.sim_seconds, "ready_pods": f.ready_pods, "view_us": f.view_us,
                        })
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("podscape bench: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Lesson { file } => {
            let text = match std::fs::read_to_string(&file) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("podscape lesson: {file}: {e}");
                    return ExitCode::from(2);
                }
            };
            let scenario = match podscape_core::lesson::Scenario::parse(&text) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("podscape lesson: {file}:{}: {}", e.line, e.message);
                    return ExitCode::from(1);
                }
            };
            println!("{}", scenario.title);
            match podscape_core::lesson::rehearse(&scenario) {
                Ok(report) => {
                    for line in report {
                        println!("{line}");
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("podscape lesson: {file}: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Shell { seed, empty } => {
            let files = DiskFiles { base: std::env::current_dir().unwrap_or_default() };
            let cluster = Rc::new(RefCell::new(Cluster::new(Config { seed, empty, ..Config::default() })));
            let mut editor = match rustyline::Editor::<ShellHelper, rustyline::history::DefaultHistory>::with_config(
                rustyline::Config::builder().completion_type(rustyline::CompletionType::List).build(),
            ) {
                Ok(e) => e,
                Err(e) => {
                    eprintln!("podscape shell: {e}");
                    return ExitCode::from(1);
                }
            };
            editor.set_helper(Some(ShellHelper(cluster.clone())));
            loop {
                let prompt = format!("{} $ ", cluster.borrow().now().rfc3339());
                let line = match editor.readline(&prompt) {
                    Ok(l) => l,
                    Err(rustyline::error::ReadlineError::Interrupted) => continue,
                    Err(_) => break,
                };
                if matches!(line.trim(), "exit" | "quit") {
                    break;
                }
                if !line.trim().is_empty() {
                    let _ = editor.add_history_entry(line.as_str());
                }
                let out = cluster.borrow_mut().run(&line, &files);
                print(&out);
                if !out.stdout.is_empty() && !out.stdout.ends_with('\n') {
                    println!();
                }
            }
            ExitCode::SUCCESS
        }
    }
}
