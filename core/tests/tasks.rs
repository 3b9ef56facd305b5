//! The Kubernetes documentation's tasks whose pods run their own commands: the shell runs each
//! container's `command` and `args`, so its log is what it printed, its files are what it wrote,
//! and its exec probes read them (kubernetes/website, content/en/docs/tasks/…).

use podscape_core::{Cluster, Config, NoFiles, SimDuration};

fn empty() -> Cluster {
    Cluster::new(Config { empty: true, ..Config::default() })
}

fn run(c: &mut Cluster, line: &str) -> String {
    let out = c.run(line, &NoFiles);
    assert!(out.ok(), "{line}: {out:?}");
    out.stdout
}

fn pause(c: &mut Cluster, secs: i64) {
    c.advance(SimDuration::seconds(secs));
}

/// tasks/configure-pod-container/configure-liveness-readiness-startup-probes.md, "Define a
/// liveness command": the probe passes while /tmp/healthy exists, fails once the script removed
/// it after 30 s, and the kubelet restarts the container after three failures.
#[test]
fn a_liveness_command_restarts_the_container_once_its_file_is_gone() {
    let mut c = empty();
    assert_eq!(
        run(&mut c, "kubectl apply -f https://k8s.io/examples/pods/probe/exec-liveness.yaml"),
        "pod/liveness-exec created\n"
    );
    pause(&mut c, 25);
    let early = run(&mut c, "kubectl describe pod liveness-exec");
    assert!(!early.contains("Unhealthy"), "within 30 s the probe passes: {early}");
    pause(&mut c, 15);
    let failing = run(&mut c, "kubectl describe pod liveness-exec");
    assert!(
        failing.contains("Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory"),
        "{failing}"
    );
    pause(&mut c, 30);
    let pods = run(&mut c, "kubectl get pod liveness-exec");
    let restarts = pods.lines().nth(1).unwrap().split_whitespace().nth(3).unwrap();
    assert_eq!(restarts, "1", "{pods}");
    let killed = run(&mut c, "kubectl describe pod liveness-exec");
    assert!(killed.contains("Container liveness failed liveness probe, will be restarted"), "{killed}");
    // The restarted container runs the script again: /tmp/healthy is back.
    assert_eq!(run(&mut c, "kubectl exec liveness-exec -- ls /tmp"), "healthy\n");
}

/// tasks/access-application-cluster/communicate-containers-same-pod-shared-volume.md: the debian
/// container writes index.html into the shared emptyDir and ends; nginx serves it.
#[test]
fn two_containers_share_what_one_writes() {
    let mut c = empty();
    run(&mut c, "kubectl apply -f https://k8s.io/examples/pods/two-container-pod.yaml");
    pause(&mut c, 20);
    let state = run(
        &mut c,
        "kubectl get pod two-containers -o jsonpath='{.status.containerStatuses[?(@.name==\"debian-container\")].state.terminated.reason}'",
    );
    assert_eq!(state, "Completed");
    assert_eq!(
        run(&mut c, "kubectl exec two-containers -c nginx-container -- curl -s localhost"),
        "Hello from the debian container\n"
    );
    assert_eq!(
        run(&mut c, "kubectl exec two-containers -c nginx-container -- cat /usr/share/nginx/html/index.html"),
        "Hello from the debian container\n"
    );
}

/// concepts/cluster-administration/logging.md: the counter pod prints a line a second, with
/// `$(date)` the time the shell ran it, and `kubectl logs` shows them.
#[test]
fn a_counter_logs_a_line_a_second() {
    let mut c = empty();
    run(&mut c, "kubectl apply -f https://k8s.io/examples/debug/counter-pod.yaml");
    pause(&mut c, 10);
    let logs = run(&mut c, "kubectl logs counter");
    let lines: Vec<&str> = logs.lines().collect();
    assert!(lines.len() >= 7, "{logs}");
    assert!(lines[0].starts_with("0: Thu Jan  1 00:00:0") && lines[0].ends_with(" UTC 2026"), "{logs}");
    for (i, l) in lines.iter().enumerate() {
        assert!(l.starts_with(&format!("{i}: ")), "{logs}");
    }
    pause(&mut c, 5);
    assert_eq!(run(&mut c, "kubectl logs counter").lines().count(), lines.len() + 5, "one more line a second");
}

/// tasks/inject-data-application/define-command-argument-container.md: `command: [printenv]`
/// with args prints the two variables and ends; the pod completes.
#[test]
fn a_command_and_its_arguments_print_and_end() {
    let mut c = empty();
    run(&mut c, "kubectl apply -f https://k8s.io/examples/pods/commands.yaml");
    pause(&mut c, 20);
    let pods = run(&mut c, "kubectl get pods");
    assert!(pods.contains("command-demo   0/1     Completed   0          "), "{pods}");
    assert_eq!(run(&mut c, "kubectl logs command-demo"), "command-demo\ntcp://10.96.0.1:443\n");
    // `$(VAR)` in args is expanded from the container's environment, as the task's second
    // example shows.
    run(
        &mut c,
        "kubectl run env-demo --image=debian --restart=Never --env=MESSAGE='hello world' --command -- /bin/echo '$(MESSAGE)'",
    );
    pause(&mut c, 20);
    assert_eq!(run(&mut c, "kubectl logs env-demo"), "hello world\n");
}
