//! Lessons: a scenario file (a cluster to start from, setup lines, then steps with text for the
//! learner and checks that core evaluates) and the state of a learner going through it.
//!
//! A step's checks are ordered and latch: each must come true at or after the moment the one
//! before it did, and a check can name something that must happen (`a pod of app=backend was
//! deleted`), so a step is never passed by doing nothing. Checks read the cluster; the ones that
//! run a console line run it on a copy, so checking changes nothing and logs nothing.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::api::{Pod, Uid};
use crate::labels::Selector;
use crate::{Cluster, Config, NoFiles};

/// The name the scenario's `manifests` are applied under.
pub const MANIFESTS_FILE: &str = "manifests.yaml";

/// The lessons that come with Podscape, by name (`?scenario=NAME` on the page).
pub const BUILT_IN: &[(&str, &str)] = &[
    ("stable-address", include_str!("../../lessons/stable-address.yaml")),
    ("service-types", include_str!("../../lessons/service-types.yaml")),
    ("what-survives", include_str!("../../lessons/what-survives.yaml")),
    ("node-fails", include_str!("../../lessons/node-fails.yaml")),
    ("statefulset-basics", include_str!("../../lessons/statefulset-basics.yaml")),
];

/// A scenario, as its file describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub title: String,
    pub config: Config,
    /// `iptables` or `ipvs`, if the file sets it.
    pub proxy_mode: Option<String>,
    /// Manifests (YAML, one or more documents) applied before the setup lines, as
    /// `kubectl apply -f manifests.yaml`, and the file's line where they begin.
    pub manifests: Option<(String, usize)>,
    /// Console lines run before the first step.
    pub setup: Vec<String>,
    /// The file's line for each setup line, for the error when one fails.
    pub setup_lines: Vec<usize>,
    pub steps: Vec<Step>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// Markdown for the learner (the page renders it without raw HTML).
    pub text: String,
    pub hint: Option<String>,
    pub checks: Vec<Check>,
    /// Console lines that complete the step.
    pub solution: Vec<String>,
}

/// What a check asks of the cluster. Names and selectors refer to the `default` namespace.
#[derive(Clone, Debug, PartialEq)]
pub enum Check {
    /// `service NAME has N ready endpoints`
    ReadyEndpoints { service: String, count: usize },
    /// `pod count SELECTOR is N`: running or starting pods (not terminating) the selector matches.
    PodCount { selector: String, count: usize },
    /// `file PATH in pod POD contains "TEXT"`
    FileContains { path: String, pod: String, text: String },
    /// `service NAME has an external IP`: a LoadBalancer the cloud has provisioned.
    ExternalIp { service: String },
    /// `last request from DEPLOYMENT was answered by a pod on NODE`
    LastAnsweredOn { from: String, node: String },
    /// `a pod of SELECTOR was deleted`: one that existed when the check became current.
    PodDeleted { selector: String },
    /// A console line whose output (trimmed) must equal `expect`.
    Line { line: String, expect: String },
    /// `an event REASON was recorded` or `an event REASON about KIND/NAME` (a trailing `*` matches
    /// any name with that beginning): an Event recorded after the check became current.
    EventRecorded { reason: String, object: Option<String> },
}

/// A scenario that cannot be used: where in its file, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 { f.write_str(&self.message) } else { write!(f, "line {}: {}", self.line, self.message) }
    }
}

impl Scenario {
    /// Reads a scenario file (YAML).
    pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        let value: Value = serde_saphyr::from_str(text).map_err(|e| ScenarioError {
            line: yaml_error_line(&e.to_string()).unwrap_or(1),
            message: e.to_string().lines().next().unwrap_or("invalid YAML").to_string(),
        })?;
        let at = |needle: &str| line_of(text, needle);
        let fail = |needle: &str, message: String| ScenarioError { line: at(needle), message };
        let Some(root) = value.as_object() else {
            return Err(ScenarioError { line: 1, message: "a scenario is a mapping with title and steps".into() });
        };
        for key in root.keys() {
            if !["title", "cluster", "manifests", "setup", "steps"].contains(&key.as_str()) {
                return Err(fail(&format!("{key}:"), format!("unknown field \"{key}\"")));
            }
        }
        let title = root.get("title").and_then(Value::as_str).unwrap_or("").trim().to_string();
        if title.is_empty() {
            return Err(ScenarioError { line: 1, message: "title: required".into() });
        }
        let mut config = Config::default();
        let mut proxy_mode = None;
        if let Some(cluster) = root.get("cluster") {
            let Some(cluster) = cluster.as_object() else {
                return Err(fail("cluster:", "cluster: must be a mapping (nodes, seed, empty, proxyMode)".into()));
            };
            for (k, v) in cluster {
                match (k.as_str(), v) {
                    ("nodes", Value::Number(n)) if n.as_u64().is_some_and(|n| (1..=20).contains(&n)) => {
                        config.nodes = n.as_u64().unwrap_or(3) as usize;
                    }
                    ("seed", Value::Number(n)) if n.as_u64().is_some() => config.seed = n.as_u64().unwrap_or(1),
                    ("empty", Value::Bool(b)) => config.empty = *b,
                    ("proxyMode", Value::String(m)) if m == "iptables" || m == "ipvs" => {
                        proxy_mode = Some(m.clone());
                    }
                    (k, v) => {
                        return Err(fail(
                            &format!("{k}:"),
                            format!(
                                "cluster.{k}: invalid value {v} (nodes 1-20, seed, empty, proxyMode iptables|ipvs)"
                            ),
                        ));
                    }
                }
            }
        }
        let manifests = match root.get("manifests") {
            None => None,
            Some(Value::String(m)) if !m.trim().is_empty() => Some((m.clone(), at("manifests:"))),
            Some(_) => {
                return Err(fail("manifests:", "manifests: YAML text (a block with one or more documents)".into()));
            }
        };
        let setup = lines(root.get("setup"), "setup", &fail)?;
        let Some(steps_v) = root.get("steps").and_then(Value::as_array).filter(|s| !s.is_empty()) else {
            return Err(fail("steps:", "steps: at least one step is required".into()));
        };
        let mut steps = Vec::new();
        for (i, s) in steps_v.iter().enumerate() {
            let Some(s) = s.as_object() else {
                return Err(fail("steps:", format!("steps[{i}]: must be a mapping (text, hint, checks, solution)")));
            };
            for key in s.keys() {
                if !["text", "hint", "checks", "solution"].contains(&key.as_str()) {
                    return Err(fail(&format!("{key}:"), format!("steps[{i}].{key}: unknown field")));
                }
            }
            let text = s.get("text").and_then(Value::as_str).unwrap_or("").to_string();
            if text.trim().is_empty() {
                return Err(fail("steps:", format!("steps[{i}].text: required")));
            }
            let mut checks = Vec::new();
            for (j, c) in s.get("checks").and_then(Value::as_array).into_iter().flatten().enumerate() {
                let check = match c {
                    Value::String(phrase) => {
                        Check::parse(phrase).map_err(|m| fail(phrase, format!("steps[{i}].checks[{j}]: {m}")))?
                    }
                    Value::Object(m) => match (m.get("line").and_then(Value::as_str), m.get("expect")) {
                        (Some(line), Some(expect)) => Check::Line {
                            line: line.to_string(),
                            expect: match expect {
                                Value::String(s) => s.clone(),
                                other => other.to_string(),
                            },
                        },
                        _ => {
                            return Err(fail(
                                "line:",
                                format!("steps[{i}].checks[{j}]: a console check needs `line` and `expect`"),
                            ));
                        }
                    },
                    other => return Err(fail("checks:", format!("steps[{i}].checks[{j}]: unknown check {other}"))),
                };
                checks.push(check);
            }
            if checks.is_empty() {
                return Err(fail("steps:", format!("steps[{i}].checks: at least one check is required")));
            }
            steps.push(Step {
                text,
                hint: s.get("hint").and_then(Value::as_str).map(str::to_string),
                checks,
                solution: lines(s.get("solution"), &format!("steps[{i}].solution"), &fail)?,
            });
        }
        let setup_lines = setup_lines(text, &setup);
        Ok(Scenario { title, config, proxy_mode, manifests, setup, setup_lines, steps })
    }

    /// A cluster as the scenario starts it, with its setup run. A setup line that fails makes
    /// the scenario unusable, with the line's error.
    pub fn start(&self) -> Result<Cluster, ScenarioError> {
        let mut c = Cluster::new(self.config.clone());
        if let Some(mode) = &self.proxy_mode {
            c.run(&format!("sim proxy-mode {mode}"), &NoFiles);
        }
        if let Some((text, line)) = &self.manifests {
            // Applied as a learner would apply a file, so the command log carries the text and a
            // saved history replays without the scenario file.
            let files = std::collections::BTreeMap::from([(MANIFESTS_FILE.to_string(), text.clone())]);
            let out = c.run(&format!("kubectl apply -f {MANIFESTS_FILE}"), &files);
            if !out.ok() {
                return Err(ScenarioError { line: *line, message: format!("manifests: {}", out.stderr.trim()) });
            }
        }
        for (i, line) in self.setup.iter().enumerate() {
            let out = c.run(line, &NoFiles);
            if !out.ok() {
                return Err(ScenarioError {
                    line: self.setup_lines.get(i).copied().unwrap_or(0),
                    message: format!("setup[{i}]: `{line}` failed: {}", out.stderr.trim()),
                });
            }
        }
        Ok(c)
    }
}

impl Check {
    /// The check as a learner reads it.
    pub fn describe(&self) -> String {
        match self {
            Check::ReadyEndpoints { service, count } => format!("service {service} has {count} ready endpoints"),
            Check::ExternalIp { service } => format!("service {service} has an external IP"),
            Check::PodCount { selector, count } => format!("{count} pods match {selector}"),
            Check::FileContains { path, pod, text } => format!("{path} in pod {pod} contains \"{text}\""),
            Check::LastAnsweredOn { from, node } => format!("the last request from {from} was answered on {node}"),
            Check::PodDeleted { selector } => format!("a pod of {selector} was deleted"),
            Check::Line { line, expect } => format!("`{line}` prints {expect:?}"),
            Check::EventRecorded { reason, object: None } => format!("an event {reason} was recorded"),
            Check::EventRecorded { reason, object: Some(o) } => format!("an event {reason} about {o}"),
        }
    }

    /// Reads a check written as a phrase.
    pub fn parse(phrase: &str) -> Result<Check, String> {
        let words: Vec<&str> = phrase.split_whitespace().collect();
        let count = |w: &str| w.parse::<usize>().map_err(|_| format!("\"{w}\" is not a count"));
        let selector = |s: &str| Selector::parse(s).map(|_| s.to_string()).map_err(|e| format!("selector {s}: {e}"));
        match words.as_slice() {
            ["service", name, "has", n, "ready", "endpoints" | "endpoint"] => {
                Ok(Check::ReadyEndpoints { service: name.to_string(), count: count(n)? })
            }
            ["service", name, "has", "an", "external", "IP" | "ip"] => {
                Ok(Check::ExternalIp { service: name.to_string() })
            }
            ["pod", "count", sel, "is", n] => Ok(Check::PodCount { selector: selector(sel)?, count: count(n)? }),
            ["a", "pod", "of", sel, "was", "deleted"] => Ok(Check::PodDeleted { selector: selector(sel)? }),
            ["an", "event", reason, "was", "recorded"] => {
                Ok(Check::EventRecorded { reason: reason.to_string(), object: None })
            }
            ["an", "event", reason, "about", object] => {
                let (kind, name) =
                    object.split_once('/').ok_or_else(|| format!("{object}: the object is KIND/NAME"))?;
                if kind.is_empty() || name.is_empty() || name.strip_suffix('*').unwrap_or(name).contains('*') {
                    return Err(format!("{object}: the object is KIND/NAME, with at most a trailing *"));
                }
                Ok(Check::EventRecorded { reason: reason.to_string(), object: Some(object.to_ascii_lowercase()) })
            }
            ["last", "request", "from", from, "was", "answered", "by", "a", "pod", "on", node] => {
                Ok(Check::LastAnsweredOn { from: from.to_string(), node: node.to_string() })
            }
            ["file", path, "in", "pod", pod, "contains", ..] => {
                let rest = phrase.split_once(" contains ").map(|(_, r)| r.trim()).unwrap_or("");
                let text = rest.strip_prefix('"').and_then(|r| r.strip_suffix('"')).ok_or("the text must be quoted")?;
                Ok(Check::FileContains { path: path.to_string(), pod: pod.to_string(), text: text.to_string() })
            }
            _ => Err(format!(
                "unknown check \"{phrase}\" (service NAME has N ready endpoints | service NAME has an external IP | pod count SELECTOR is N | a pod of SELECTOR was deleted | an event REASON was recorded | an event REASON about KIND/NAME | file PATH in pod POD contains \"TEXT\" | last request from DEPLOYMENT was answered by a pod on NODE | {{line, expect}})"
            )),
        }
    }
}

/// A learner's way through a scenario: the current step, how many of its checks have latched,
/// and what the event checks remember.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Progress {
    pub step: usize,
    /// Checks of the current step that have come true, in order.
    pub passed: usize,
    /// For the current event check: the pods that existed when it became current.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    watched: Option<BTreeSet<Uid>>,
    /// For the current Event check: the Event log's newest entry when it became current.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    events_after: Option<u64>,
}

/// What an evaluation changed, for a front end to announce.
#[derive(Clone, Debug, PartialEq, Eq, Default, serde::Serialize)]
pub struct Advance {
    /// (step, check) pairs that came true, in order.
    pub checks_passed: Vec<(usize, usize)>,
    pub steps_completed: Vec<usize>,
}

impl Progress {
    /// Back to the start of the current step: no check latched, nothing remembered.
    pub fn restart_step(&mut self) {
        self.passed = 0;
        self.watched = None;
        self.events_after = None;
    }

    pub fn finished(&self, s: &Scenario) -> bool {
        self.step >= s.steps.len()
    }

    /// Looks at the cluster and latches every check that now holds, in order.
    pub fn evaluate(&mut self, s: &Scenario, c: &Cluster) -> Advance {
        let mut out = Advance::default();
        while let Some(step) = s.steps.get(self.step) {
            let Some(check) = step.checks.get(self.passed) else {
                out.steps_completed.push(self.step);
                self.step += 1;
                self.passed = 0;
                self.watched = None;
                self.events_after = None;
                continue;
            };
            if !self.holds(check, c) {
                break;
            }
            out.checks_passed.push((self.step, self.passed));
            self.passed += 1;
            self.watched = None;
            self.events_after = None;
        }
        out
    }

    fn holds(&mut self, check: &Check, c: &Cluster) -> bool {
        let store = c.store();
        match check {
            Check::ReadyEndpoints { service, count } => {
                let key = crate::api::ObjectKey::new("default", service.as_str());
                let ready: usize = store
                    .slices_for_service(&key)
                    .iter()
                    .flat_map(|sl| sl.endpoints.iter().flatten())
                    .filter(|e| e.conditions.ready == Some(true))
                    .count();
                ready == *count
            }
            Check::ExternalIp { service } => store
                .get::<crate::api::Service>(&crate::api::ObjectKey::new("default", service.as_str()))
                .is_some_and(|s| s.status.load_balancer.ingress.iter().any(|i| !i.ip.is_empty())),
            Check::PodCount { selector, count } => {
                let Ok(sel) = Selector::parse(selector) else { return false };
                store
                    .list::<Pod>(Some("default"))
                    .filter(|p| sel.matches(&p.metadata.labels) && !p.metadata.is_terminating() && !p.is_terminal())
                    .count()
                    == *count
            }
            Check::PodDeleted { selector } => {
                let Ok(sel) = Selector::parse(selector) else { return false };
                let live: BTreeSet<Uid> = store
                    .list::<Pod>(Some("default"))
                    .filter(|p| sel.matches(&p.metadata.labels) && !p.metadata.is_terminating())
                    .map(|p| p.metadata.uid.clone())
                    .collect();
                match &self.watched {
                    // The first look only remembers: a deletion must come after the check is current.
                    None => {
                        self.watched = Some(live);
                        false
                    }
                    Some(before) => before.iter().any(|u| !live.contains(u)),
                }
            }
            Check::EventRecorded { reason, object } => {
                let Some(after) = self.events_after else {
                    // The first look only remembers where the log was: the Event must come later.
                    self.events_after = Some(c.last_event_seq());
                    return false;
                };
                c.events_since(after).iter().any(|e| {
                    &e.reason == reason
                        && object.as_ref().is_none_or(|o| match o.strip_suffix('*') {
                            Some(prefix) => e.object.starts_with(prefix),
                            None => &e.object == o,
                        })
                })
            }
            Check::FileContains { path, pod, text } => {
                let mut copy = c.clone();
                let out = copy.run(&format!("kubectl exec {pod} -- cat {path}"), &NoFiles);
                out.ok() && out.stdout.contains(text.as_str())
            }
            Check::LastAnsweredOn { from, node } => c
                .traffic_traces_newest_first()
                .find(|t| t.from.strip_prefix("pod/").is_some_and(|p| p == from || p.starts_with(&format!("{from}-"))))
                .is_some_and(|t| {
                    t.outcome == crate::network::traffic::Outcome::Answered && t.backend_node.as_deref() == Some(node)
                }),
            Check::Line { line, expect } => {
                let mut copy = c.clone();
                let out = copy.run(line, &NoFiles);
                out.ok() && out.stdout.trim() == expect.trim()
            }
        }
    }
}

/// Runs every step's solution and checks that each step completes, moving time (up to five
/// simulated minutes per step) while it waits: what `podscape lesson FILE` does for an author.
pub fn rehearse(s: &Scenario) -> Result<Vec<String>, String> {
    let mut c = s.start().map_err(|e| e.to_string())?;
    let mut progress = Progress::default();
    let mut report = Vec::new();
    progress.evaluate(s, &c);
    for (i, step) in s.steps.iter().enumerate() {
        if progress.step > i {
            return Err(format!("step {}: completed before its solution ran (a step must need the learner)", i + 1));
        }
        // A solution line may fail on purpose (`kubectl exec POD -- kill 1` ends with exit code
        // 137); only a step that does not complete fails the lesson, with the failures as clues.
        let mut failures = Vec::new();
        for line in &step.solution {
            let out = c.run(line, &NoFiles);
            if !out.ok() {
                failures.push(format!("`{line}` failed: {}", out.stderr.trim()));
            }
            progress.evaluate(s, &c);
        }
        let mut waited = 0;
        while progress.step == i && waited < 300 {
            c.advance(crate::SimDuration::seconds(1));
            waited += 1;
            progress.evaluate(s, &c);
        }
        if progress.step == i {
            let check = &step.checks[progress.passed];
            let clues =
                if failures.is_empty() { String::new() } else { format!(" (solution: {})", failures.join("; ")) };
            return Err(format!("step {}: check {} never held: {check:?}{clues}", i + 1, progress.passed + 1));
        }
        report.push(format!("step {}: done ({} checks)", i + 1, step.checks.len()));
    }
    Ok(report)
}

fn lines(
    v: Option<&Value>,
    field: &str,
    fail: &dyn Fn(&str, String) -> ScenarioError,
) -> Result<Vec<String>, ScenarioError> {
    match v {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str().map(str::to_string).ok_or_else(|| fail(field, format!("{field}: console lines are strings")))
            })
            .collect(),
        Some(_) => Err(fail(field, format!("{field}: a list of console lines"))),
    }
}

/// The file's line for each setup line: each searched for after the one before it, within the
/// `setup:` block.
fn setup_lines(text: &str, setup: &[String]) -> Vec<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let mut from = lines.iter().position(|l| l.starts_with("setup:")).unwrap_or(0);
    setup
        .iter()
        .map(|s| match lines.iter().skip(from).position(|l| l.contains(s.trim())) {
            Some(i) => {
                from += i + 1;
                from
            }
            None => 0,
        })
        .collect()
}

/// The 1-based line where `needle` first appears, for errors about a value the YAML parser
/// accepted but the scenario cannot use.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle.trim())).map_or(1, |i| i + 1)
}

fn yaml_error_line(message: &str) -> Option<usize> {
    let after = message.split("line ").nth(1)?;
    after.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_checks_are_refused_with_their_line() {
        let text = "title: t\nsteps:\n  - text: do it\n    checks:\n      - pods are happy\n";
        let e = Scenario::parse(text).unwrap_err();
        assert_eq!(e.line, 5);
        assert!(e.message.starts_with("steps[0].checks[0]: unknown check \"pods are happy\""), "{}", e.message);
    }

    #[test]
    fn bad_yaml_is_refused_with_its_line() {
        let e = Scenario::parse("title: t\nsteps: [\n  - oops: {\n").unwrap_err();
        assert!(e.line >= 2, "{e}");
    }
}
