//! `podscape run` as a user runs it: a script file or stdin, kubectl's outputs, exit codes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn podscape() -> Command {
    Command::new(env!("CARGO_BIN_EXE_podscape"))
}

/// A fresh folder for one test's files.
fn workdir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run_script(dir: &Path, script: &str) -> Output {
    let path = dir.join("script.txt");
    std::fs::write(&path, script).unwrap();
    podscape().arg("run").arg(&path).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const PODS: &str =
    "kubectl get pods -l app=backend -o jsonpath='{range .items[*]}{.metadata.name} {.status.podIP}{\"\\n\"}{end}'";
const SERVICE_IP: &str = "kubectl get service backend -o jsonpath='{.spec.clusterIP}{\"\\n\"}'";
const ENDPOINTS: &str = "kubectl get endpointslices -l kubernetes.io/service-name=backend -o jsonpath='{range .items[*].endpoints[*]}{.addresses[0]}{\"\\n\"}{end}'";

fn pairs(text: &str) -> Vec<(String, String)> {
    text.lines().map(|l| l.split_once(' ').map(|(a, b)| (a.to_string(), b.to_string())).unwrap()).collect()
}

/// The foundation's story as a script: delete a backend pod, advance the clock, and see a new pod
/// with a new IP, the same Service IP, and endpoints that follow.
#[test]
fn deleting_a_pod_keeps_the_service_ip_and_moves_the_endpoints() {
    let dir = workdir("delete-story");
    // Every run starts from seed 1, so a first run tells the second which pods exist.
    let first = run_script(&dir, &format!("{SERVICE_IP}\n{PODS}\n"));
    assert!(first.status.success(), "{first:?}");
    let text = stdout(&first);
    let (service_ip, pods_text) = text.split_once('\n').unwrap();
    let before = pairs(pods_text);
    assert_eq!(before.len(), 3);
    let victim = &before[0].0;

    let second = run_script(
        &dir,
        &format!(
            "{SERVICE_IP}\n{PODS}\nkubectl delete pod {victim}\nsim advance 30s\n{SERVICE_IP}\n{PODS}\n{ENDPOINTS}\n"
        ),
    );
    assert!(second.status.success(), "{}", String::from_utf8_lossy(&second.stderr));
    let out = stdout(&second);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], service_ip);
    assert_eq!(lines[4], format!("pod \"{victim}\" deleted from default namespace"));
    assert!(lines[5].starts_with("time advanced 30s"), "{}", lines[5]);
    assert_eq!(lines[6], service_ip, "the Service keeps its IP");
    let after = pairs(&lines[7..10].join("\n"));
    assert!(after.iter().all(|(n, _)| n != victim));
    let fresh: Vec<_> = after.iter().filter(|(n, _)| !before.iter().any(|(b, _)| b == n)).collect();
    assert_eq!(fresh.len(), 1, "one replacement: {after:?}");
    assert!(before.iter().all(|(_, ip)| ip != &fresh[0].1), "the replacement has a new IP");
    let mut endpoints: Vec<&str> = lines[10..].to_vec();
    endpoints.sort();
    let mut pod_ips: Vec<&str> = after.iter().map(|(_, ip)| ip.as_str()).collect();
    pod_ips.sort();
    assert_eq!(endpoints, pod_ips, "the EndpointSlice lists exactly the current pods");
}

#[test]
fn a_failed_line_fails_the_run_after_every_line_ran() {
    let dir = workdir("exit-code");
    let out =
        run_script(&dir, "# a comment, then a bad line\nkubectl get pods nope\nkubectl get svc backend -o name\n");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "Error from server (NotFound): pods \"nope\" not found\n");
    assert_eq!(stdout(&out), "service/backend\n", "the line after the failure still ran");
}

#[test]
fn apply_reads_files_relative_to_the_script() {
    let dir = workdir("apply");
    std::fs::create_dir_all(dir.join("manifests")).unwrap();
    std::fs::write(
        dir.join("manifests/web.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n        ports: [{containerPort: 80}]\n---\n{\"apiVersion\": \"v1\", \"kind\": \"Service\", \"metadata\": {\"name\": \"web\"}, \"spec\": {\"selector\": {\"app\": \"web\"}, \"ports\": [{\"port\": 80}]}}\n",
    )
    .unwrap();
    let out = run_script(
        &dir,
        "kubectl apply -f manifests/web.yaml\nsim advance 20s\nkubectl get deployment web -o jsonpath='{.status.readyReplicas}{\"\\n\"}'\nkubectl apply -f manifests/web.yaml\n",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "deployment.apps/web created");
    assert_eq!(lines[1], "service/web created");
    assert_eq!(lines[3], "2");
    assert_eq!(lines[4], "deployment.apps/web unchanged");
    assert_eq!(lines[5], "service/web unchanged");
}

#[test]
fn stdin_and_seed_and_empty() {
    let mut child = podscape()
        .args(["run", "-", "--empty", "--seed", "7"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"kubectl get pods\nkubectl get svc -A -o name\nkubectl get pods -n kube-system -o name\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "No resources found in default namespace.\n");
    let text = stdout(&out);
    assert!(text.contains("service/kubernetes\nservice/kube-dns\n"), "{text}");
    assert_eq!(text.matches("pod/coredns-").count(), 2, "{text}");
}

/// `podscape bench` at a smoke size: one JSON line with the figures the README promises.
#[test]
fn bench_prints_one_json_line() {
    let out = podscape().args(["bench", "--nodes", "3", "--pods", "30", "--services", "3"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1);
    let v: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
    for field in ["settle_ms", "peak_rss_mb", "pod_delete_us", "view_us"] {
        assert!(v[field].is_number(), "{field} in {text}");
    }
    assert_eq!(v["ready_pods"], 30);
}

/// `podscape lesson FILE`: an author's check that every step of a lesson completes with its
/// solution; exit 1 with the file, line and what is wrong, or with the step that never completes.
#[test]
fn lesson_rehearses_a_scenario_and_fails_where_it_breaks() {
    let good = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../lessons/stable-address.yaml");
    let o = podscape().arg("lesson").arg(&good).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(stdout(&o), "Services give Pods a stable address\nstep 1: done (1 checks)\nstep 2: done (3 checks)\n");

    let dir = workdir("lesson");
    let bad = dir.join("bad.yaml");
    std::fs::write(&bad, "title: t\nsteps:\n  - text: x\n    checks:\n      - the cluster is nice\n").unwrap();
    let o = podscape().arg("lesson").arg(&bad).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.yaml:5: steps[0].checks[0]: unknown check \"the cluster is nice\""), "{err}");

    let stuck = dir.join("stuck.yaml");
    std::fs::write(&stuck, "title: t\nsteps:\n  - text: x\n    checks:\n      - pod count app=backend is 5\n    solution:\n      - kubectl scale deployment backend --replicas=4\n").unwrap();
    let o = podscape().arg("lesson").arg(&stuck).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("step 1: check 1 never held"));
}
