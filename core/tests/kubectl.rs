//! kubectl's verbs answer in kubectl's own shapes: golden checks on whole outputs where the shape
//! is the point (column alignment, section order), and on the lines that matter elsewhere.

use podscape_core::{Cluster, Config, NoFiles, SimDuration};

fn run(c: &mut Cluster, line: &str) -> String {
    let out = c.run(line, &NoFiles);
    assert!(out.ok(), "{line}: {out:?}");
    out.stdout
}

/// `kubectl describe pod`: the sections in kubectl's order, aligned by a tab writer, and the
/// Events that say why a pod is not running (pkg/describe/describe.go, describePod).
#[test]
fn describe_pod_shows_why_it_is_not_running() {
    let mut c = Cluster::new(Config { empty: true, ..Config::default() });
    run(&mut c, "kubectl run typo --image=ngnix --port=80");
    c.advance(SimDuration::seconds(20));
    let out = run(&mut c, "kubectl describe pod typo");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "Name:             typo");
    assert_eq!(lines[3], "Service Account:  default");
    let headings: Vec<&str> = lines.iter().copied().filter(|l| !l.starts_with(' ') && l.ends_with(':')).collect();
    assert_eq!(headings, ["IPs:", "Containers:", "Conditions:", "Volumes:", "Events:"]);
    assert!(out.contains("    Port:           80/TCP\n"), "{out}");
    assert!(out.contains("    State:          Waiting\n      Reason:       ImagePullBackOff\n"), "{out}");
    assert!(out.contains("Tolerations:     node.kubernetes.io/not-ready:NoExecute op=Exists for 300s\n                 node.kubernetes.io/unreachable:NoExecute op=Exists for 300s\n"), "{out}");
    let events = out.split("Events:\n").nth(1).unwrap();
    let header = events.lines().next().unwrap();
    assert!(header.starts_with("  Type     Reason     Age"), "{header}");
    assert!(events.contains("Warning  Failed") && events.contains("Error: ErrImagePull"), "{events}");
    assert!(events.contains(" (x2 over "), "repeated events are counted: {events}");
}

#[test]
fn describe_finds_by_prefix_and_says_what_is_missing() {
    let mut c = Cluster::new(Config::default());
    let out = run(&mut c, "kubectl describe pods backend");
    assert_eq!(out.matches("\nName:").count() + usize::from(out.starts_with("Name:")), 3, "three backend pods");
    assert!(out.contains("Controlled By:  ReplicaSet/backend-"), "{out}");
    let missing = c.run("kubectl describe pod nope", &NoFiles);
    assert_eq!(missing.stderr, "Error from server (NotFound): pods \"nope\" not found\n");
    let svc = run(&mut c, "kubectl describe svc backend");
    assert!(svc.contains("\nTargetPort:               8080/TCP\n"), "{svc}");
    assert_eq!(svc.lines().find(|l| l.starts_with("Endpoints:")).unwrap().matches(":8080").count(), 3);
    assert!(svc.ends_with("Events:                   <none>\n"), "{svc}");
}
