//! Nodes failing, coming back, cordoned, drained and tainted, checked against the rules of the
//! node lifecycle controller, taint-based eviction, the pod GC and kubectl.

use std::collections::BTreeMap;

use podscape_core::api::meta::condition;
use podscape_core::api::node::{TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE};
use podscape_core::api::{Event, Node, ObjectKey, Pod};
use podscape_core::labels::Selector;
use podscape_core::{Cluster, Config, Files, NoFiles, SimDuration};

fn run(c: &mut Cluster, line: &str) -> String {
    run_with(c, line, &NoFiles)
}

fn run_with(c: &mut Cluster, line: &str, files: &dyn Files) -> String {
    let out = c.run(line, files);
    assert!(out.ok(), "{line}: {out:?}");
    out.stdout
}

fn node(c: &Cluster, name: &str) -> Node {
    c.store().get::<Node>(&ObjectKey::cluster(name)).unwrap().clone()
}

fn ready(c: &Cluster, name: &str) -> String {
    condition(&node(c, name).status.conditions, "Ready").unwrap().status.clone()
}

fn pods(c: &Cluster, selector: &str) -> Vec<Pod> {
    let sel = Selector::parse(selector).unwrap();
    c.store().pods_matching("default", &sel).into_iter().cloned().collect()
}

fn on(c: &Cluster, node_name: &str) -> Vec<Pod> {
    c.store().pods_on_node(node_name).filter(|p| p.metadata.namespace == "default").cloned().collect()
}

/// Events in the default namespace: where a system pod (CoreDNS) lands depends on the seed.
fn events(c: &Cluster, reason: &str) -> Vec<Event> {
    c.store().list::<Event>(Some("default")).filter(|e| e.reason == reason).cloned().collect()
}

fn secs(s: i64) -> SimDuration {
    SimDuration::seconds(s)
}

/// node-monitor-grace-period (50 s since 1.32): the node stays Ready until its heartbeat is that
/// old, then turns Unknown (NotReady in kubectl) with the unreachable taints, and its pods leave the
/// endpoints as not ready.
#[test]
fn a_failed_node_turns_not_ready_after_the_monitor_grace_period() {
    let mut c = Cluster::new(Config::default());
    let victims = on(&c, "node-1");
    assert!(!victims.is_empty());
    assert_eq!(run(&mut c, "sim fail node node-1"), "node/node-1 failed: powered off\n");
    c.advance(secs(49));
    assert_eq!(ready(&c, "node-1"), "True", "still within the grace period");
    c.advance(secs(1));
    assert_eq!(ready(&c, "node-1"), "Unknown");
    assert!(run(&mut c, "kubectl get node node-1").contains("NotReady"));
    let n = node(&c, "node-1");
    assert!(n.has_taint(TAINT_UNREACHABLE, "NoSchedule") && n.has_taint(TAINT_UNREACHABLE, "NoExecute"));
    assert!(!events(&c, "NodeNotReady").is_empty());
    // MarkPodsNotReady: the pods' Ready condition is False, so EndpointSlices list them not ready.
    let backend_ip = victims.iter().find(|p| p.metadata.labels["app"] == "backend").unwrap().status.pod_ip.clone();
    let slices = c.store().slices_for_service(&ObjectKey::new("default", "backend"));
    let ep = slices.iter().flat_map(|s| s.endpoints.iter().flatten()).find(|e| e.addresses[0] == backend_ip).unwrap();
    assert!(!ep.is_ready());
    let endpoints = run(&mut c, "kubectl get endpoints backend -o jsonpath={.subsets[*].notReadyAddresses[*].ip}");
    assert_eq!(endpoints, backend_ip);
}

/// Taint-based eviction: the default tolerations give pods 300 s on an unreachable node; then they
/// are deleted, their ReplicaSets replace them elsewhere, and they stay Terminating while the node
/// is unreachable, because only its kubelet can confirm they stopped.
#[test]
fn pods_on_a_lost_node_are_evicted_after_300s_and_replaced_elsewhere() {
    let mut c = Cluster::new(Config::default());
    let victims: Vec<String> = on(&c, "node-1").iter().map(|p| p.metadata.name.clone()).collect();
    run(&mut c, "sim fail node node-1");
    c.advance(secs(50 + 299));
    assert!(on(&c, "node-1").iter().all(|p| p.metadata.deletion_timestamp.is_none()), "not evicted before 300 s");
    c.advance(secs(1));
    assert!(on(&c, "node-1").iter().all(|p| p.metadata.deletion_timestamp.is_some()));
    assert_eq!(events(&c, "TaintManagerEviction").len(), victims.len());
    c.advance(secs(30));
    let backend = pods(&c, "app=backend");
    let running: Vec<&Pod> = backend.iter().filter(|p| p.metadata.deletion_timestamp.is_none()).collect();
    assert_eq!(running.len(), 3);
    assert!(running.iter().all(|p| p.spec.node_name != "node-1" && p.is_ready()));
    // Ten minutes later the old pods are still Terminating: nothing can confirm they stopped.
    c.advance(secs(600));
    let stuck: Vec<String> = on(&c, "node-1").iter().map(|p| p.metadata.name.clone()).collect();
    assert_eq!(stuck, victims);
    assert!(run(&mut c, "kubectl get pods -o wide").contains("Terminating"));
    // When the node returns, its kubelet finishes the deletions.
    assert_eq!(run(&mut c, "sim recover node node-1"), "node/node-1 recovered\n");
    c.advance(secs(5));
    assert_eq!(ready(&c, "node-1"), "True");
    assert!(node(&c, "node-1").spec.taints.is_empty());
    assert!(on(&c, "node-1").is_empty());
}

/// The out-of-service taint (non-graceful node shutdown) lets the pod GC force-delete the pods
/// stuck on a lost node.
#[test]
fn out_of_service_taint_releases_stuck_pods() {
    let mut c = Cluster::new(Config::default());
    run(&mut c, "sim fail node node-1");
    c.advance(secs(400));
    assert!(!on(&c, "node-1").is_empty());
    run(&mut c, "kubectl taint nodes node-1 node.kubernetes.io/out-of-service=nodeshutdown:NoExecute");
    assert!(on(&c, "node-1").is_empty());
}

/// Deleting a Node object orphans its pods; the pod GC deletes them.
#[test]
fn deleting_a_node_deletes_its_pods() {
    let mut c = Cluster::new(Config::default());
    run(&mut c, "sim fail node node-3");
    run(&mut c, "kubectl delete node node-3");
    assert!(on(&c, "node-3").is_empty());
    c.advance(secs(30));
    assert_eq!(pods(&c, "app=backend").iter().filter(|p| p.is_ready()).count(), 3);
}

/// A partitioned node keeps running its containers; when it is reachable again before the
/// eviction, nothing was lost: same pods, same IPs, no restarts.
#[test]
fn a_partition_healed_before_eviction_leaves_pods_untouched() {
    let mut c = Cluster::new(Config::default());
    let before = on(&c, "node-2");
    run(&mut c, "sim partition node node-2");
    c.advance(secs(120));
    assert_eq!(ready(&c, "node-2"), "Unknown");
    run(&mut c, "sim recover node node-2");
    c.advance(secs(5));
    assert_eq!(ready(&c, "node-2"), "True");
    let after = on(&c, "node-2");
    assert_eq!(after.len(), before.len());
    for (a, b) in after.iter().zip(&before) {
        assert_eq!(
            (a.metadata.uid.clone(), a.status.pod_ip.clone(), a.restarts()),
            (b.metadata.uid.clone(), b.status.pod_ip.clone(), 0)
        );
    }
}

/// A machine that loses power and comes back before eviction restarts its pods in new sandboxes:
/// same pods, new IPs, one restart each (the kubelet's SandboxChanged).
#[test]
fn a_rebooted_node_restarts_its_pods_with_new_sandboxes() {
    let mut c = Cluster::new(Config::default());
    let before = on(&c, "node-3");
    run(&mut c, "sim fail node node-3");
    c.advance(secs(90));
    run(&mut c, "sim recover node node-3");
    c.advance(secs(10));
    let after = on(&c, "node-3");
    assert_eq!(after.len(), before.len());
    for b in &before {
        let a = after.iter().find(|a| a.metadata.uid == b.metadata.uid).expect("same pod");
        assert_ne!(a.status.pod_ip, b.status.pod_ip, "a new sandbox, a new IP");
        assert_eq!(a.restarts(), 1);
        assert!(a.is_ready());
    }
    let changed = events(&c, "SandboxChanged");
    assert_eq!(changed.iter().filter(|e| e.involved_object.namespace == "default").count(), before.len());
}

#[test]
fn cordoned_nodes_get_no_new_pods_and_drain_empties_them() {
    let mut c = Cluster::new(Config::default());
    let original: Vec<String> = pods(&c, "app=backend").iter().map(|p| p.metadata.name.clone()).collect();
    assert_eq!(run(&mut c, "kubectl cordon node-1"), "node/node-1 cordoned\n");
    assert_eq!(run(&mut c, "kubectl cordon node-1"), "node/node-1 already cordoned\n");
    assert!(node(&c, "node-1").has_taint(TAINT_UNSCHEDULABLE, "NoSchedule"));
    assert!(run(&mut c, "kubectl get nodes").contains("Ready,SchedulingDisabled"));
    assert_eq!(run(&mut c, "kubectl scale deployment backend --replicas=6"), "deployment.apps/backend scaled\n");
    c.advance(secs(10));
    let added: Vec<Pod> =
        pods(&c, "app=backend").into_iter().filter(|p| !original.contains(&p.metadata.name)).collect();
    assert_eq!(added.len(), 3);
    assert!(added.iter().all(|p| p.spec.node_name != "node-1"), "a cordoned node gets no new pods");

    let out = run(&mut c, "kubectl drain node-2");
    assert!(out.starts_with("node/node-2 cordoned\nevicting pod "), "{out}");
    assert!(out.ends_with("node/node-2 drained\n"), "{out}");
    assert!(c.store().pods_on_node("node-2").next().is_none());
    c.advance(secs(10));
    let backend = pods(&c, "app=backend");
    assert_eq!(backend.iter().filter(|p| p.is_ready()).count(), 6);
    assert!(backend.iter().all(|p| p.spec.node_name != "node-2"));
    assert_eq!(run(&mut c, "kubectl uncordon node-2"), "node/node-2 uncordoned\n");
    assert!(node(&c, "node-2").spec.taints.is_empty());
}

/// A bare pod (no controller) stops a drain unless --force, as kubectl refuses to lose it.
#[test]
fn drain_refuses_bare_pods_without_force() {
    let mut c = Cluster::new(Config::default());
    let mut files = BTreeMap::new();
    files.insert(
        "pod.yaml".to_string(),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: lonely}\nspec:\n  nodeSelector: {kubernetes.io/hostname: node-1}\n  containers: [{name: c, image: nginx}]\n".to_string(),
    );
    run_with(&mut c, "kubectl apply -f pod.yaml", &files);
    c.advance(secs(5));
    let out = c.run("kubectl drain node-1", &NoFiles);
    assert_eq!(out.exit_code, 1);
    assert!(
        out.stderr.contains("cannot delete Pods that declare no controller (use --force to override): default/lonely"),
        "{}",
        out.stderr
    );
    let out = run(&mut c, "kubectl drain node-1 --force");
    assert!(out.contains("pod/lonely evicted"));
}

/// Taints and tolerations (`Toleration.ToleratesTaint`): NoSchedule keeps pods without a matching
/// toleration away; NoExecute evicts the ones already there.
#[test]
fn taints_repel_and_evict() {
    let mut c = Cluster::new(Config::default());
    assert_eq!(run(&mut c, "kubectl taint nodes node-1 dedicated=db:NoSchedule"), "node/node-1 tainted\n");
    let err = c.run("kubectl taint nodes node-1 dedicated=other:NoSchedule", &NoFiles);
    assert!(err.stderr.contains("already has dedicated taint(s) with same effect(s) and --overwrite is false"));
    run(&mut c, "kubectl scale deployment frontend --replicas=8");
    c.advance(secs(10));
    let frontend = pods(&c, "app=frontend");
    let start = Some(podscape_core::api::meta::Time(podscape_core::SimTime::SESSION_START));
    let newcomers: Vec<&Pod> = frontend.iter().filter(|p| p.metadata.creation_timestamp >= start).collect();
    assert_eq!(newcomers.len(), 6);
    assert!(newcomers.iter().all(|p| p.spec.node_name != "node-1"), "no new pod lands on the tainted node");
    assert_eq!(run(&mut c, "kubectl taint nodes node-1 dedicated:NoSchedule-"), "node/node-1 untainted\n");
    let err = c.run("kubectl taint nodes node-1 dedicated-", &NoFiles);
    assert_eq!(err.stderr, "error: taint \"dedicated\" not found\n");
    run(&mut c, "kubectl taint nodes node-1 evict=now:NoExecute");
    assert!(
        on(&c, "node-1").iter().all(|p| p.metadata.deletion_timestamp.is_some()),
        "NoExecute without toleration evicts at once"
    );
}

/// NodeResourcesFit: a pod whose request fits no node stays Pending, and FailedScheduling says why
/// in the scheduler's words.
#[test]
fn a_pod_that_fits_nowhere_stays_pending_with_the_reason() {
    let mut c = Cluster::new(Config::default());
    let mut files = BTreeMap::new();
    files.insert(
        "big.yaml".to_string(),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: big}\nspec:\n  containers:\n  - name: c\n    image: nginx\n    resources: {requests: {cpu: '5', memory: 1Gi}}\n".to_string(),
    );
    run_with(&mut c, "kubectl apply -f big.yaml", &files);
    c.advance(secs(30));
    let pod = c.store().get::<Pod>(&ObjectKey::new("default", "big")).unwrap();
    assert_eq!(pod.status.phase, "Pending");
    assert!(pod.spec.node_name.is_empty());
    let failed = events(&c, "FailedScheduling");
    assert_eq!(
        failed[0].message,
        "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    );
    assert_eq!(pod.status.qos_class, "Burstable");
}
