//! Simulator verbs: what kubectl cannot do, because it is the world rather than the cluster.

use super::Output;
use super::args::{Args, Flag, boolean, value};
use crate::Cluster;
use crate::api::{Kind, Node, ObjectKey, Pod};
use crate::apiserver::ApiError;
use crate::network::kube_proxy::Mode;
use crate::time::SimDuration;

const POD_FLAGS: &[Flag] = &[value("container", Some('c')), value("selector", Some('l')), boolean("all", None)];

/// `sim crash pod NAME|-l SELECTOR|--all [-c CONTAINER]`, `sim unready|ready pod …`.
fn pod_fault(c: &mut Cluster, words: &[String], out: &mut Output) {
    let verb = words[0].clone();
    let args = match Args::parse(&words[2..], POD_FLAGS) {
        Ok(a) => a,
        Err(e) => return out.fail(format!("error: {e}")),
    };
    let ns = args.get("namespace").map_or_else(|| c.console.namespace.clone(), str::to_string);
    let keys: Vec<ObjectKey> = match (args.positional.as_slice(), args.get("selector"), args.flag("all")) {
        ([name], None, false) => vec![ObjectKey::new(ns.as_str(), name.as_str())],
        ([], Some(sel), false) => match crate::labels::Selector::parse(sel) {
            Ok(s) => c.store.pods_matching(&ns, &s).iter().map(|p| ObjectKey::of(&p.metadata)).collect(),
            Err(e) => return out.fail(format!("error: unable to parse requirement: {e}")),
        },
        ([], None, true) => c.store.list::<Pod>(Some(&ns)).map(|p| ObjectKey::of(&p.metadata)).collect(),
        _ => {
            return out.fail(format!(
                "error: usage: sim {verb} pod NAME|-l SELECTOR|--all{}",
                if verb == "crash" { " [-c CONTAINER]" } else { "" }
            ));
        }
    };
    if keys.is_empty() {
        out.errln(format!("No resources found in {ns} namespace."));
        return;
    }
    for key in keys {
        one_pod_fault(c, &verb, &key, args.get("container"), out);
    }
}

fn one_pod_fault(c: &mut Cluster, verb: &str, key: &ObjectKey, container: Option<&str>, out: &mut Output) {
    let name = key.name.clone();
    let Some(pod) = c.store.get::<Pod>(key) else {
        return out.fail(ApiError::not_found(Kind::Pod, &name).to_string());
    };
    let uid = pod.metadata.uid.clone();
    match verb {
        "crash" => match c.kubelet.crash(&uid, container) {
            Ok(names) => {
                for n in &names {
                    c.pod_event(
                        key,
                        true,
                        "SimulatedCrash",
                        format!("Container {n} crashed (sim crash pod): exit code 1"),
                    );
                }
                out.outln(format!("pod/{name}: container {} crashed (exit code 1)", names.join(", ")));
            }
            Err(e) => return out.fail(format!("error: cannot crash pod/{name}: {e}")),
        },
        _ => {
            let unready = verb == "unready";
            if !c.kubelet.set_unready(&uid, unready) {
                return out.fail(format!("error: pod/{name} has not started yet"));
            }
            if unready {
                c.pod_event(key, true, "SimulatedUnready", "Readiness forced to fail (sim unready pod)".into());
                out.outln(format!("pod/{name}: readiness forced to fail until `sim ready pod {name}`"));
            } else {
                c.pod_event(key, false, "SimulatedReady", "Readiness follows its probes again (sim ready pod)".into());
                out.outln(format!("pod/{name}: readiness follows its probes again"));
            }
        }
    }
    c.queues.push(crate::controllers::Work::Kubelet(key.clone()));
}

/// Traffic Events are recorded on the source: its Deployment, or its pod.
fn traffic_event(c: &mut Cluster, ns: &str, from: &str, reason: &str, message: String) {
    match from.strip_prefix("deploy/") {
        Some(d) => {
            if let Some(dep) = c.store.get::<crate::api::Deployment>(&ObjectKey::new(ns, d)) {
                let r = crate::controllers::reference(Kind::Deployment, &dep.metadata);
                c.record(crate::controllers::EventDraft::normal(r, "podscape", reason, message));
            }
        }
        None => c.pod_event(&ObjectKey::new(ns, from), false, reason, message),
    }
}

fn fail(mut out: Output, msg: String) -> Output {
    out.fail(msg);
    out
}

/// `sim request FROM URL`: one request from a pod, a node or outside the cluster, with its trace.
fn request(c: &mut Cluster, from: &str, url: &str, out: &mut Output) {
    use crate::network::traffic::{Outcome, Source};
    let ns = c.console.namespace.clone();
    let source = if from == "outside" {
        Source::Outside
    } else if let Some(n) = from.strip_prefix("node/") {
        if c.store.get::<Node>(&ObjectKey::cluster(n)).is_none() {
            return out.fail(ApiError::not_found(Kind::Node, n).to_string());
        }
        Source::Node(n.to_string())
    } else if let Some(p) = c.store.pod_by_ip(from) {
        Source::Pod(ObjectKey::of(&p.metadata))
    } else if c.store.get::<Pod>(&ObjectKey::new(ns.as_str(), from)).is_some() {
        Source::Pod(ObjectKey::new(ns.as_str(), from))
    } else {
        return out.fail(format!("error: {from} is not a pod, a pod IP, node/NAME or outside"));
    };
    let t = c.request(&source, url, None);
    out.outln(format!("request from {} to {url}:", t.from));
    for s in &t.steps {
        out.outln(format!("* {s}"));
    }
    match (t.outcome, &t.backend_pod, &t.backend_node) {
        (Outcome::Answered, Some(p), Some(n)) => out.outln(format!("answered by {p} on {n}")),
        (o, _, _) => out.fail(format!("request failed: {}", o.name())),
    }
}

const TRAFFIC_FLAGS: &[Flag] = &[value("rate", None)];

/// `sim traffic FROM URL [--rate N/s]`, `sim traffic status`, `sim traffic stop [ID]`.
fn traffic(c: &mut Cluster, words: &[String], out: &mut Output) {
    match words.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["status"] => {
            let mut rows = vec![
                ["ID", "FROM", "URL", "RATE", "SENT", "ANSWERED", "REFUSED", "TIMED OUT", "OTHER", "BACKENDS"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>(),
            ];
            for g in c.traffic_generators() {
                let n = |k: &str| g.outcomes.get(k).copied().unwrap_or(0);
                let other = g.sent - n("answered") - n("refused") - n("timed out");
                let backends: Vec<String> = g.backends.iter().map(|(b, n)| format!("{b}:{n}")).collect();
                rows.push(vec![
                    g.id.to_string(),
                    g.from.clone(),
                    g.url.clone(),
                    format!("{}/s", g.per_second),
                    g.sent.to_string(),
                    n("answered").to_string(),
                    n("refused").to_string(),
                    n("timed out").to_string(),
                    other.to_string(),
                    if backends.is_empty() { "<none>".into() } else { backends.join(" ") },
                ]);
            }
            if rows.len() == 1 {
                out.outln("no traffic is running (sim traffic FROM URL [--rate N/s] starts some)");
            } else {
                out.out(super::output::table(&rows));
            }
        }
        ["stop"] => {
            let stopped: Vec<crate::network::traffic::Generator> = c.traffic.generators.values().cloned().collect();
            let ids: Vec<u32> = stopped.iter().map(|g| g.id).collect();
            c.traffic.generators.clear();
            for g in stopped {
                traffic_event(
                    c,
                    &g.namespace,
                    &g.from,
                    "TrafficStopped",
                    format!("Traffic {} stopped after {} requests (sim traffic stop)", g.id, g.sent),
                );
            }
            out.outln(format!("stopped {} traffic generator{}", ids.len(), if ids.len() == 1 { "" } else { "s" }));
        }
        ["stop", id] => match id.parse::<u32>().ok().and_then(|i| c.traffic.generators.remove(&i)) {
            Some(g) => {
                traffic_event(
                    c,
                    &g.namespace,
                    &g.from,
                    "TrafficStopped",
                    format!("Traffic {} stopped after {} requests (sim traffic stop)", g.id, g.sent),
                );
                out.outln(format!("traffic {} stopped after {} requests", g.id, g.sent))
            }
            None => out.fail(format!("error: no traffic generator {id}")),
        },
        _ => {
            let args = match Args::parse(words, TRAFFIC_FLAGS) {
                Ok(a) => a,
                Err(e) => return out.fail(format!("error: {e}")),
            };
            let [from, url] = args.positional.as_slice() else {
                return out.fail("error: usage: sim traffic FROM_POD|deploy/NAME URL [--rate N/s] | sim traffic status | sim traffic stop [ID]");
            };
            let rate = match args.get("rate").map(|r| r.trim_end_matches("/s").parse::<u32>()) {
                None => 2,
                Some(Ok(r)) if (1..=crate::network::traffic::MAX_RATE).contains(&r) => r,
                _ => {
                    return out.fail(format!(
                        "error: --rate must be between 1/s and {}/s",
                        crate::network::traffic::MAX_RATE
                    ));
                }
            };
            if let Err(e) = crate::network::traffic::parse_url(url) {
                return out.fail(format!("error: {e}"));
            }
            if c.traffic.generators.len() >= crate::network::traffic::MAX_GENERATORS {
                return out.fail("error: too many traffic generators are running; stop one first");
            }
            let ns = args.get("namespace").map_or_else(|| c.console.namespace.clone(), str::to_string);
            let exists = match from.strip_prefix("deploy/").or_else(|| from.strip_prefix("deployment/")) {
                Some(d) => c.store.get::<crate::api::Deployment>(&ObjectKey::new(ns.as_str(), d)).is_some(),
                None => c.store.get::<Pod>(&ObjectKey::new(ns.as_str(), from.as_str())).is_some(),
            };
            if !exists {
                return out.fail(format!("error: no pod or deployment named {from} in namespace {ns}"));
            }
            let from = from.replacen("deployment/", "deploy/", 1);
            let id = c.traffic.add(from.clone(), ns.clone(), url.clone(), rate);
            traffic_event(
                c,
                &ns,
                &from,
                "TrafficStarted",
                format!("Traffic {id} started: {from} → {url} at {rate}/s (sim traffic)"),
            );
            c.timers.schedule(c.now, crate::controllers::Work::Traffic(id));
            out.outln(format!("traffic {id}: {from} → {url} at {rate}/s"));
        }
    }
}

enum Fault {
    PowerOff,
    Partition,
    Recover,
}

/// Powers a node's machine off, cuts it off the network, or brings it back. The cluster learns of
/// it as Kubernetes does: from heartbeats that stop or resume.
/// `sim export [TYPE|TYPE/NAME ...] [-l SELECTOR] [-n NS]`: the learner's objects, or a selection
/// of them, as YAML a real cluster's `kubectl apply -f` accepts.
fn export(c: &Cluster, words: &[&str], out: &mut Output) {
    let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    let args = match Args::parse(&words, &[value("selector", Some('l'))]) {
        Ok(a) => a,
        Err(e) => return out.fail(format!("error: {e}")),
    };
    let mut kinds = Vec::new();
    let mut names: Vec<(Kind, String)> = Vec::new();
    for w in &args.positional {
        let (t, name) = match w.split_once('/') {
            Some((t, n)) => (t, Some(n)),
            None => (w.as_str(), None),
        };
        let Some(kind) = Kind::parse(t) else {
            return out.fail(format!("error: the server doesn't have a resource type \"{t}\""));
        };
        match name {
            Some(n) => names.push((kind, n.to_string())),
            None => kinds.push(kind),
        }
    }
    let Ok(selector) = super::kubectl::selector_flag(&args, out) else { return };
    let ns = args.get("namespace");
    for (kind, n) in &names {
        let scope = if kind.namespaced() { ns.unwrap_or("default") } else { "" };
        if c.store().get_object(*kind, &ObjectKey::new(scope, n.as_str())).is_none() {
            return out.fail(ApiError::not_found(*kind, n).to_string());
        }
    }
    let all_kinds: Vec<Kind> = if names.is_empty() { kinds.clone() } else { Vec::new() };
    let select = |o: &crate::api::Object| {
        let by_name = names.is_empty() && (kinds.is_empty() || kinds.contains(&o.kind()))
            || names.iter().any(|(k, n)| *k == o.kind() && *n == o.meta().name);
        by_name
            && selector.as_ref().is_none_or(|s| s.matches(&o.meta().labels))
            && ns.is_none_or(|ns| !o.kind().namespaced() || o.meta().namespace == ns)
    };
    out.out(crate::export::export_selected(c.store(), &all_kinds, &select));
}

fn node_fault(c: &mut Cluster, name: &str, fault: Fault, out: &mut Output) {
    if c.store.get::<Node>(&ObjectKey::cluster(name)).is_none() {
        return out.fail(ApiError::not_found(Kind::Node, name).to_string());
    }
    let now = c.now;
    let (changed, warning, reason, message, answer) = match fault {
        Fault::PowerOff => (
            c.machines.power_off(name, now),
            true,
            "SimulatedPowerOff",
            format!("Machine {name} lost power (sim fail node): its kubelet and containers stopped"),
            format!("node/{name} failed: powered off"),
        ),
        Fault::Partition => (
            c.machines.partition(name, now),
            true,
            "SimulatedPartition",
            format!("Machine {name} was cut off from the network (sim partition node): it runs, unreachable"),
            format!("node/{name} partitioned: cut off from the network"),
        ),
        Fault::Recover => (
            c.machines.recover(name),
            false,
            "SimulatedRecovery",
            format!("Machine {name} is back: powered and connected (sim recover node)"),
            format!("node/{name} recovered"),
        ),
    };
    if !changed {
        out.outln(match fault {
            Fault::PowerOff => format!("node/{name} is already powered off"),
            Fault::Partition => format!("node/{name} is already partitioned"),
            Fault::Recover => format!("node/{name} is already healthy"),
        });
        return;
    }
    c.sim_event(Kind::Node, name, warning, reason, message);
    c.machine_changed(name);
    out.outln(answer);
}

/// How far `sim step` looks for the next scheduled event.
const STEP_HORIZON: SimDuration = SimDuration::seconds(24 * 3600);

/// The most one `sim advance` (or a timeout) moves time: a day, a few seconds of work even with
/// traffic running.
pub const MAX_ADVANCE: SimDuration = SimDuration::seconds(24 * 3600);

pub fn run(c: &mut Cluster, words: &[String]) -> Output {
    let mut out = Output::default();
    match words.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["advance", d] => match SimDuration::parse(d) {
            // A bound, so one line cannot keep the page busy for years of simulated time.
            Ok(d) if d > MAX_ADVANCE => out.fail(format!("error: sim advance: at most {MAX_ADVANCE} at a time")),
            Ok(d) if d.as_millis() >= 0 => {
                c.advance(d);
                out.outln(format!("time advanced {d} to {}", c.now().rfc3339()));
            }
            Ok(_) => out.fail("error: sim advance: the duration must not be negative"),
            Err(e) => out.fail(format!("error: sim advance: {e}")),
        },
        ["advance"] => out.fail("error: sim advance needs a duration, e.g. sim advance 30s"),
        ["step"] => {
            let before = c.now();
            if c.step(STEP_HORIZON) {
                out.outln(format!("stepped {} to {}", c.now() - before, c.now().rfc3339()));
            } else {
                out.outln(format!("nothing is scheduled; time stays at {}", c.now().rfc3339()));
            }
        }
        ["time"] => out.outln(c.now().rfc3339()),
        ["export", rest @ ..] => export(c, rest, &mut out),
        ["hash"] => out.outln(format!("{:016x}", c.event_log_hash())),
        ["fail", "node", name] => node_fault(c, name, Fault::PowerOff, &mut out),
        ["partition", "node", name] => node_fault(c, name, Fault::Partition, &mut out),
        ["recover", "node", name] => node_fault(c, name, Fault::Recover, &mut out),
        ["add", "node", name] => match c.add_node(name) {
            Ok(()) => {
                c.sim_event(
                    Kind::Node,
                    name,
                    false,
                    "NodeAdded",
                    format!("Machine {name} joined the cluster (sim add node)"),
                );
                out.outln(format!("node/{name} added"));
            }
            Err(e) => out.fail(e.to_string()),
        },
        ["crash" | "unready" | "ready", "pod", ..] => pod_fault(c, words, &mut out),
        ["traffic", ..] => traffic(c, &words[1..], &mut out),
        ["request", from, url] => request(c, from, url, &mut out),
        ["request", ..] => out.fail("error: usage: sim request POD|POD_IP|node/NAME|outside URL"),
        ["proxy-mode", mode] => {
            let m = match *mode {
                "iptables" => Mode::Iptables,
                "ipvs" => Mode::Ipvs,
                other => return fail(out, format!("error: unknown proxy mode \"{other}\" (iptables or ipvs)")),
            };
            c.kube_proxy.mode = m;
            let nodes: Vec<String> = c.store.list::<Node>(None).map(|n| n.metadata.name.clone()).collect();
            for n in nodes {
                c.sim_event(
                    Kind::Node,
                    &n,
                    false,
                    "ProxyModeChanged",
                    format!("kube-proxy now runs in {} mode (sim proxy-mode)", m.name()),
                );
            }
            out.outln(format!("kube-proxy mode: {}", m.name()));
        }
        ["proxy-mode"] => out.outln(format!("kube-proxy mode: {}", c.kube_proxy.mode.name())),
        ["registry", "deny", image] => {
            let key = c.registry.deny(image);
            out.outln(format!("registry: {key} can no longer be pulled"));
        }
        ["registry", "allow", image] => {
            let key = c.registry.allow(image);
            out.outln(format!("registry: {key} can be pulled"));
        }
        ["registry"] | ["registry", "list"] => {
            let denied: Vec<&String> = c.registry.denied().collect();
            let allowed: Vec<&String> = c.registry.allowed().collect();
            out.outln("registry: Docker Hub's official images, user repositories and other registries pull; unknown Docker Hub repositories do not");
            for d in denied {
                out.outln(format!("  denied  {d}"));
            }
            for a in allowed {
                out.outln(format!("  allowed {a}"));
            }
        }
        ["registry", ..] => out.fail("error: usage: sim registry [list] | sim registry deny|allow IMAGE"),
        ["fail" | "partition" | "recover" | "add", ..] => {
            out.fail(format!("error: usage: sim {} node NAME", words[0]));
        }
        [] => out.fail("error: sim needs a verb: advance, step, time"),
        [verb, ..] => out.fail(format!(
            "error: unknown sim verb \"{verb}\" (sim advance|step|time, sim fail|recover|partition|add node NAME)"
        )),
    }
    out
}
