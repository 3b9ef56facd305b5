//! Determinism: the same seed and the same command log give the same event log, and time moved in
//! pieces is the same as time moved at once.

use podscape_core::{Cluster, Config, NoFiles, SimDuration};

const SCRIPT: &[&str] = &[
    "kubectl get pods",
    "kubectl expose deployment frontend --port=80 --type=NodePort",
    "sim advance 5s",
    "kubectl delete pod --all --wait=false",
    "sim advance 1m",
    "kubectl delete service frontend",
    "sim advance 30s",
];

fn run(seed: u64) -> (u64, String) {
    let mut c = Cluster::new(Config { seed, ..Config::default() });
    for line in SCRIPT {
        c.run(line, &NoFiles);
    }
    let pods = c.run("kubectl get pods -o wide", &NoFiles).stdout;
    (c.event_log_hash(), pods)
}

#[test]
fn same_seed_same_events() {
    assert_eq!(run(1), run(1));
    assert_eq!(run(42), run(42));
}

#[test]
fn another_seed_another_cluster() {
    assert_ne!(run(1).0, run(2).0);
}

#[test]
fn advancing_a_then_b_equals_advancing_a_plus_b() {
    let mut a = Cluster::new(Config::default());
    let mut b = Cluster::new(Config::default());
    for c in [&mut a, &mut b] {
        c.run("kubectl delete pod --all --wait=false", &NoFiles);
    }
    a.advance(SimDuration::millis(1234));
    a.advance(SimDuration::millis(8766));
    b.advance(SimDuration::seconds(10));
    assert_eq!(a.now(), b.now());
    assert_eq!(a.event_log_hash(), b.event_log_hash());
    assert_eq!(a.run("kubectl get pods -o wide", &NoFiles), b.run("kubectl get pods -o wide", &NoFiles));
}

/// The command log records each line with what it read, so a log replays to the same cluster.
#[test]
fn a_command_log_replays_to_the_same_event_log() {
    let mut files = std::collections::BTreeMap::new();
    files.insert(
        "web.yaml".to_string(),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: nginx}]}\n".to_string(),
    );
    let mut a = Cluster::new(Config::default());
    for line in
        ["kubectl apply -f web.yaml", "sim advance 20s", "kubectl delete pod --all --wait=false", "sim advance 20s"]
    {
        a.run(line, &files);
    }
    let mut b = Cluster::new(Config::default());
    for entry in a.log().to_vec() {
        b.run(&entry.line, &entry.files);
    }
    assert_eq!(a.log()[0].files.get("web.yaml"), files.get("web.yaml"), "the file is inlined in the log");
    assert_eq!(a.event_log_hash(), b.event_log_hash());
}

/// The shared fixture's event log hash: the same natively and in WebAssembly (the page's build
/// runs the same script in web/tests/determinism.rs). If the simulation changes on purpose, the
/// hash file is updated from the value this test prints.
#[test]
fn the_fixture_log_hashes_to_the_recorded_value() {
    let script = include_str!("../../tests/fixtures/determinism.txt");
    let want = include_str!("../../tests/fixtures/determinism.hash").trim();
    let mut c = Cluster::new(Config::default());
    for line in script.lines() {
        c.run(line, &NoFiles);
    }
    let got = format!("{:016x}", c.event_log_hash());
    assert_eq!(
        got, want,
        "the fixture's event log changed; if that is intended, write {got} to tests/fixtures/determinism.hash"
    );
}
