//! The kubelet's container lifecycle, against the rules Kubernetes documents: restart back-off
//! (10 s doubling, capped at 5 minutes; "Container restart policy" in the Pod lifecycle page),
//! restart policies, image pull errors and back-off, probes, and a pod keeping its IP across
//! container restarts.

use std::collections::BTreeMap;

use podscape_core::api::{Event, ObjectKey, Pod};
use podscape_core::labels::Selector;
use podscape_core::{Cluster, Config, NoFiles, SimDuration};

fn run(c: &mut Cluster, line: &str) -> String {
    let out = c.run(line, &NoFiles);
    assert!(out.ok(), "{line}: {out:?}");
    out.stdout
}

fn apply(c: &mut Cluster, yaml: &str) {
    let mut files = BTreeMap::new();
    files.insert("m.yaml".to_string(), yaml.to_string());
    let out = c.run("kubectl apply -f m.yaml", &files);
    assert!(out.ok(), "{out:?}");
}

fn pod(c: &Cluster, name: &str) -> Pod {
    c.store().get::<Pod>(&ObjectKey::new("default", name)).unwrap().clone()
}

fn events_for(c: &Cluster, name: &str, reason: &str) -> Vec<Event> {
    c.store().list::<Event>(None).filter(|e| e.involved_object.name == name && e.reason == reason).cloned().collect()
}

fn secs(s: i64) -> SimDuration {
    SimDuration::seconds(s)
}

fn waiting_reason(p: &Pod) -> String {
    p.status.container_statuses[0].state.waiting.as_ref().map(|w| w.reason.clone()).unwrap_or_default()
}

/// A container that keeps exiting is restarted at once the first time, then after 10 s, 20 s,
/// 40 s … up to 300 s, showing CrashLoopBackOff while it waits.
#[test]
fn crash_loop_back_off_doubles_from_10s_to_a_5_minute_cap() {
    let mut c = Cluster::new(Config::default());
    run(&mut c, "kubectl run crash --image=busybox -- sh -c 'exit 2'");
    let mut messages = Vec::new();
    let mut last_restarts = -1;
    for _ in 0..(30 * 60) {
        c.advance(secs(1));
        let p = pod(&c, "crash");
        let cs = &p.status.container_statuses[0];
        if cs.restart_count != last_restarts {
            last_restarts = cs.restart_count;
        }
        if let Some(w) = &cs.state.waiting
            && w.reason == "CrashLoopBackOff"
            && messages.last() != Some(&w.message)
        {
            messages.push(w.message.clone());
        }
    }
    let delays: Vec<String> = messages.iter().map(|m| m.split_whitespace().nth(1).unwrap().to_string()).collect();
    assert_eq!(delays[..6], ["10s", "20s", "40s", "80s", "160s", "300s"]);
    assert!(delays.iter().skip(5).all(|d| d == "300s"), "capped at 5 minutes: {delays:?}");
    let p = pod(&c, "crash");
    assert_eq!(p.status.phase, "Running", "a crash-looping pod is still Running");
    let last = p.status.container_statuses[0].last_state.terminated.as_ref().unwrap();
    assert_eq!((last.exit_code, last.reason.as_str()), (2, "Error"));
    assert!(!events_for(&c, "crash", "BackOff").is_empty());
}

/// restartPolicy Never: the pod ends Succeeded or Failed by its exit code; OnFailure restarts only
/// a failed container.
#[test]
fn restart_policies_decide_what_an_exit_means() {
    let mut c = Cluster::new(Config::default());
    run(&mut c, "kubectl run ok --image=busybox --restart=Never -- sleep 5");
    run(&mut c, "kubectl run bad --image=busybox --restart=Never -- sh -c 'exit 1'");
    run(&mut c, "kubectl run retry --image=busybox --restart=OnFailure -- sh -c 'exit 1'");
    run(&mut c, "kubectl run done --image=busybox --restart=OnFailure -- sh -c 'exit 0'");
    c.advance(secs(60));
    assert_eq!(pod(&c, "ok").status.phase, "Succeeded");
    assert_eq!(pod(&c, "ok").display_status(), "Completed");
    assert_eq!(pod(&c, "bad").status.phase, "Failed");
    assert_eq!(pod(&c, "bad").display_status(), "Error");
    assert!(pod(&c, "retry").restarts() >= 2);
    assert_eq!(pod(&c, "done").status.phase, "Succeeded");
    assert_eq!(pod(&c, "done").restarts(), 0);
    // A finished pod leaves the endpoints and is not counted by its ReplicaSet (it has none here).
    let listed = run(&mut c, "kubectl get pods ok bad");
    assert!(listed.contains("Completed") && listed.contains("Error"), "{listed}");
}

/// An image the registry does not have: ErrImagePull, then ImagePullBackOff with retries backing
/// off; once the registry has it, the next retry pulls and the pod runs.
#[test]
fn a_missing_image_backs_off_and_recovers_when_it_appears() {
    let mut c = Cluster::new(Config::default());
    run(&mut c, "kubectl run typo --image=ngnix");
    // The pull takes a seeded, jittered time: step until it has failed.
    let mut waited = 0;
    while events_for(&c, "typo", "Failed").is_empty() {
        c.advance(SimDuration::millis(100));
        waited += 100;
        assert!(waited < 10_000, "the pull never failed");
    }
    let p = pod(&c, "typo");
    assert_eq!(waiting_reason(&p), "ErrImagePull");
    assert!(
        p.status.container_statuses[0].state.waiting.as_ref().unwrap().message.contains("repository does not exist")
    );
    c.advance(secs(5));
    assert_eq!(waiting_reason(&pod(&c, "typo")), "ImagePullBackOff");
    assert_eq!(pod(&c, "typo").display_status(), "ImagePullBackOff");
    let failed = events_for(&c, "typo", "Failed");
    assert!(failed.iter().any(|e| e.message.starts_with("Failed to pull image \"ngnix\"")));
    assert!(failed.iter().any(|e| e.message == "Error: ErrImagePull"));
    assert_eq!(run(&mut c, "sim registry allow ngnix"), "registry: docker.io/library/ngnix can be pulled\n");
    c.advance(secs(120));
    let p = pod(&c, "typo");
    assert_eq!(p.status.phase, "Running");
    assert!(p.is_ready());
}

/// A crashed container restarts in the same sandbox: same pod, same IP, one more restart, and its
/// last state says how it ended.
#[test]
fn a_crashed_container_restarts_and_the_pod_keeps_its_ip() {
    let mut c = Cluster::new(Config::default());
    let sel = Selector::parse("app=backend").unwrap();
    let victim = c.store().pods_matching("default", &sel)[0].clone();
    let name = victim.metadata.name.clone();
    assert_eq!(
        run(&mut c, &format!("sim crash pod {name}")),
        format!("pod/{name}: container backend crashed (exit code 1)\n")
    );
    assert_eq!(pod(&c, &name).display_status(), "Error");
    c.advance(secs(2));
    let p = pod(&c, &name);
    assert_eq!(p.metadata.uid, victim.metadata.uid);
    assert_eq!(p.status.pod_ip, victim.status.pod_ip);
    assert_eq!(p.restarts(), 1);
    assert!(p.is_ready());
    let last = p.status.container_statuses[0].last_state.terminated.as_ref().unwrap();
    assert_eq!((last.exit_code, last.reason.as_str()), (1, "Error"));
    let out = c.run("sim crash pod nope", &NoFiles);
    assert_eq!(out.stderr, "Error from server (NotFound): pods \"nope\" not found\n");
}

const PROBED: &str = "apiVersion: v1
kind: Pod
metadata: {name: probed, labels: {app: backend}}
spec:
  containers:
  - name: web
    image: registry.k8s.io/e2e-test-images/agnhost:2.53
    args: [netexec, --http-port=8080]
    ports: [{containerPort: 8080}]
    readinessProbe:
      httpGet: {path: /, port: 8080}
      initialDelaySeconds: 5
      periodSeconds: 10
";

/// Readiness follows the probe: ready after the first success (after initialDelaySeconds); a
/// forced failure takes failureThreshold (3) failed probes, so 20 to 30 s, to make it unready, and
/// the Service's endpoints follow.
#[test]
fn readiness_probes_gate_the_endpoints() {
    let mut c = Cluster::new(Config::default());
    apply(&mut c, PROBED);
    c.advance(secs(4));
    assert!(!pod(&c, "probed").is_ready(), "not before initialDelaySeconds");
    c.advance(secs(6));
    assert!(pod(&c, "probed").is_ready());
    let ip = pod(&c, "probed").status.pod_ip.clone();
    // The table shows three addresses and "+ N more...": ask for them all.
    let addresses = "kubectl get endpoints backend -o jsonpath={.subsets[*].addresses[*].ip}";
    assert!(run(&mut c, addresses).split(' ').any(|a| a == ip));
    run(&mut c, "sim unready pod probed");
    c.advance(secs(15));
    assert!(pod(&c, "probed").is_ready(), "two failures are not yet three");
    c.advance(secs(15));
    assert!(!pod(&c, "probed").is_ready());
    assert!(!run(&mut c, addresses).split(' ').any(|a| a == ip));
    let unhealthy = events_for(&c, "probed", "Unhealthy");
    assert_eq!(unhealthy[0].message, "Readiness probe failed: HTTP probe failed with statuscode: 503");
    assert!(unhealthy[0].count >= 3);
    run(&mut c, "sim ready pod probed");
    c.advance(secs(10));
    assert!(pod(&c, "probed").is_ready());
}

/// A liveness probe aimed at a port nothing listens on fails; after failureThreshold failures the
/// kubelet kills and restarts the container.
#[test]
fn a_failing_liveness_probe_restarts_the_container() {
    let mut c = Cluster::new(Config::default());
    apply(
        &mut c,
        "apiVersion: v1
kind: Pod
metadata: {name: wrongport}
spec:
  containers:
  - name: web
    image: nginx:1.27
    ports: [{containerPort: 80}]
    livenessProbe:
      tcpSocket: {port: 8081}
      periodSeconds: 5
",
    );
    c.advance(secs(30));
    let p = pod(&c, "wrongport");
    assert!(p.restarts() >= 1, "{:?}", p.status.container_statuses);
    let unhealthy = events_for(&c, "wrongport", "Unhealthy");
    assert!(
        unhealthy[0].message.starts_with("Liveness probe failed: dial tcp ")
            && unhealthy[0].message.ends_with(":8081: connect: connection refused")
    );
    let killing = events_for(&c, "wrongport", "Killing");
    assert_eq!(killing[0].message, "Container web failed liveness probe, will be restarted");
}

/// A container whose command loops without sleeping keeps running (its CPU busy), neither
/// holding up the cluster nor ending; one that sleeps in its loop prints on each turn.
#[test]
fn a_busy_loop_keeps_its_container_running() {
    let mut c = Cluster::new(Config { empty: true, ..Config::default() });
    run(&mut c, "kubectl run spin --image=busybox -- sh -c 'i=0; while true; do i=$((i+1)); done'");
    run(&mut c, "kubectl run tick --image=busybox -- sh -c 'while true; do echo tick; sleep 10; done'");
    c.advance(secs(65));
    let spin = pod(&c, "spin");
    assert_eq!(spin.status.phase, "Running");
    assert_eq!(spin.status.container_statuses[0].restart_count, 0);
    assert_eq!(run(&mut c, "kubectl logs tick").lines().count(), 7, "ticks at 0, 10, … 60 s");
}

/// An exec probe's command runs in the container as `kubectl exec` would run it, `sh -c`
/// included: the pod is Ready once the file its readiness probe tests exists.
#[test]
fn an_exec_readiness_probe_reads_the_containers_files() {
    let mut c = Cluster::new(Config { empty: true, ..Config::default() });
    apply(
        &mut c,
        "apiVersion: v1
kind: Pod
metadata:
  name: gate
spec:
  containers:
  - name: app
    image: busybox
    command: [sleep, '3600']
    readinessProbe:
      exec:
        command: [sh, -c, 'test -e /tmp/ready']
      periodSeconds: 2
",
    );
    c.advance(secs(20));
    assert!(!pod(&c, "gate").is_ready(), "no /tmp/ready yet");
    run(&mut c, "kubectl exec gate -- touch /tmp/ready");
    c.advance(secs(5));
    assert!(pod(&c, "gate").is_ready());
}
