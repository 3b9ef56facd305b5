//! Deployment rollouts as the Deployment controller performs them: RollingUpdate within maxSurge
//! and maxUnavailable (25% by default), Recreate, revisions, undo, restart, the progress deadline,
//! and `kubectl rollout status` in kubectl's words.

use std::collections::BTreeMap;

use podscape_core::api::{Deployment, ObjectKey, Pod, ReplicaSet};
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

fn web(replicas: i32, strategy: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  replicas: {replicas}
  {strategy}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers: [{{name: web, image: 'nginx:1.27'}}]
"
    )
}

fn pods(c: &Cluster) -> Vec<Pod> {
    let sel = Selector::parse("app=web").unwrap();
    c.store().pods_matching("default", &sel).into_iter().cloned().collect()
}

/// Every pod's image, terminating ones included.
fn images(c: &Cluster) -> Vec<String> {
    pods(c).iter().map(|p| p.spec.containers[0].image.clone()).collect()
}

/// The images of the pods that are not being deleted: what `rollout status` counts.
fn active_images(c: &Cluster) -> Vec<String> {
    pods(c).iter().filter(|p| p.is_active()).map(|p| p.spec.containers[0].image.clone()).collect()
}

/// RollingUpdate's two bounds hold at every instant of a rollout: never more than replicas +
/// maxSurge pods, never fewer than replicas - maxUnavailable ready ones.
#[test]
fn rolling_update_stays_within_max_surge_and_max_unavailable() {
    let mut c = Cluster::new(Config::default());
    apply(&mut c, &web(8, "strategy: {rollingUpdate: {maxSurge: 2, maxUnavailable: 1}}"));
    c.advance(SimDuration::seconds(20));
    assert_eq!(pods(&c).iter().filter(|p| p.is_ready()).count(), 8);
    run(&mut c, "kubectl set image deployment/web web=nginx:1.28");
    let mut peak = 0;
    let mut least_ready = usize::MAX;
    for _ in 0..600 {
        c.advance(SimDuration::millis(100));
        let ps = pods(&c);
        peak = peak.max(ps.iter().filter(|p| p.is_active()).count());
        least_ready = least_ready.min(ps.iter().filter(|p| p.is_ready() && p.is_active()).count());
    }
    assert!(peak <= 10, "at most 8 + maxSurge 2 pods, saw {peak}");
    assert!(least_ready >= 7, "at least 8 - maxUnavailable 1 ready, saw {least_ready}");
    let ps = pods(&c);
    assert_eq!(ps.len(), 8);
    assert!(ps.iter().all(|p| p.spec.containers[0].image == "nginx:1.28" && p.is_ready()));
    let d = c.store().get::<Deployment>(&ObjectKey::new("default", "web")).unwrap();
    assert_eq!((d.status.updated_replicas, d.status.available_replicas), (8, 8));
    assert_eq!(d.metadata.annotations["deployment.kubernetes.io/revision"], "2");
}

/// Recreate: every old pod is gone before the first new one is created.
#[test]
fn recreate_stops_everything_first() {
    let mut c = Cluster::new(Config::default());
    apply(&mut c, &web(3, "strategy: {type: Recreate}"));
    c.advance(SimDuration::seconds(20));
    run(&mut c, "kubectl set image deployment/web web=nginx:1.28");
    for _ in 0..300 {
        c.advance(SimDuration::millis(100));
        let imgs = images(&c);
        assert!(!(imgs.contains(&"nginx:1.27".to_string()) && imgs.contains(&"nginx:1.28".to_string())), "{imgs:?}");
    }
    assert_eq!(images(&c), vec!["nginx:1.28"; 3]);
}

#[test]
fn rollout_status_reports_progress_in_kubectls_words() {
    let mut c = Cluster::new(Config::default());
    run(&mut c, "kubectl set image deployment/backend backend=registry.k8s.io/e2e-test-images/agnhost:2.54");
    let out = run(&mut c, "kubectl rollout status deployment/backend");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "Waiting for deployment \"backend\" rollout to finish: 1 out of 3 new replicas have been updated..."
    );
    assert_eq!(lines.last(), Some(&"deployment \"backend\" successfully rolled out"));
    assert!(
        lines.contains(
            &"Waiting for deployment \"backend\" rollout to finish: 1 old replicas are pending termination..."
        )
    );
}

/// A rollout that cannot progress (an image that will not pull) keeps the old pods serving, and
/// after progressDeadlineSeconds the Progressing condition says ProgressDeadlineExceeded.
#[test]
fn a_stuck_rollout_keeps_old_pods_and_exceeds_its_deadline() {
    let mut c = Cluster::new(Config::default());
    apply(&mut c, &web(3, "progressDeadlineSeconds: 30"));
    c.advance(SimDuration::seconds(20));
    run(&mut c, "kubectl set image deployment/web web=nginx:does-not-pull");
    run(&mut c, "sim registry deny nginx:does-not-pull");
    let out = c.run("kubectl rollout status deployment/web", &NoFiles);
    assert_eq!(out.exit_code, 1);
    assert_eq!(out.stderr, "error: deployment \"web\" exceeded its progress deadline\n");
    let ready_old = pods(&c).iter().filter(|p| p.is_ready() && p.spec.containers[0].image == "nginx:1.27").count();
    assert_eq!(ready_old, 3, "maxUnavailable 25% of 3 rounds down to 0: the old pods all stay");
    let d = c.store().get::<Deployment>(&ObjectKey::new("default", "web")).unwrap();
    let progressing = podscape_core::api::meta::condition(&d.status.conditions, "Progressing").unwrap();
    assert_eq!((progressing.status.as_str(), progressing.reason.as_str()), ("False", "ProgressDeadlineExceeded"));
}

/// `rollout undo` brings back the previous template; its ReplicaSet takes the next revision, as
/// the controller renumbers a rolled-back revision.
#[test]
fn undo_restores_the_previous_revision_and_renumbers_it() {
    let mut c = Cluster::new(Config::default());
    apply(&mut c, &web(2, ""));
    c.advance(SimDuration::seconds(20));
    run(&mut c, "kubectl set image deployment/web web=nginx:1.28");
    run(&mut c, "kubectl rollout status deployment/web");
    assert_eq!(run(&mut c, "kubectl rollout undo deployment/web"), "deployment.apps/web rolled back\n");
    run(&mut c, "kubectl rollout status deployment/web");
    assert_eq!(active_images(&c), vec!["nginx:1.27"; 2]);
    assert_eq!(
        run(&mut c, "kubectl rollout history deployment/web"),
        "deployment.apps/web \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n"
    );
    let rs: Vec<ReplicaSet> = c
        .store()
        .list::<ReplicaSet>(Some("default"))
        .filter(|r| r.metadata.name.starts_with("web-"))
        .cloned()
        .collect();
    assert_eq!(rs.len(), 2, "rolling back reuses the old ReplicaSet");
    let err = c.run("kubectl rollout undo deployment/web --to-revision=9", &NoFiles);
    assert_eq!(err.stderr, "error: unable to find specified revision 9 in history\n");
}

/// `rollout restart` stamps the template, so every pod is replaced by a rolling update.
#[test]
fn restart_replaces_every_pod() {
    let mut c = Cluster::new(Config::default());
    let before: Vec<String> = {
        let sel = Selector::parse("app=backend").unwrap();
        c.store().pods_matching("default", &sel).iter().map(|p| p.metadata.name.clone()).collect()
    };
    assert_eq!(run(&mut c, "kubectl rollout restart deployment/backend"), "deployment.apps/backend restarted\n");
    run(&mut c, "kubectl rollout status deployment/backend");
    // The old pods stay listed, Terminating, until their 30 s grace period ends: serve-hostname
    // does not exit on SIGTERM.
    c.advance(SimDuration::seconds(31));
    let sel = Selector::parse("app=backend").unwrap();
    let after: Vec<String> = c.store().pods_matching("default", &sel).iter().map(|p| p.metadata.name.clone()).collect();
    assert_eq!(after.len(), 3);
    assert!(after.iter().all(|n| !before.contains(n)));
    let err = c.run("kubectl set image deployment/backend nope=nginx", &NoFiles);
    assert_eq!(err.stderr, "error: unable to find container named \"nope\"\n");
}

/// Scaling: the ReplicaSet follows spec.replicas; scaling down removes the least useful pods first.
#[test]
fn scaling_up_and_down() {
    let mut c = Cluster::new(Config::default());
    assert_eq!(run(&mut c, "kubectl scale deployment backend --replicas=5"), "deployment.apps/backend scaled\n");
    c.advance(SimDuration::seconds(10));
    let sel = Selector::parse("app=backend").unwrap();
    assert_eq!(c.store().pods_matching("default", &sel).iter().filter(|p| p.is_ready()).count(), 5);
    run(&mut c, "kubectl scale deployment backend --replicas=1");
    c.advance(SimDuration::seconds(40));
    assert_eq!(c.store().pods_matching("default", &sel).len(), 1);
    let out = run(&mut c, "kubectl get deployment backend");
    assert!(out.contains("1/1"), "{out}");
}
