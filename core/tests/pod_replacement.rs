//! The course's first lesson at the level of objects: pods are ephemeral and get new IPs, the
//! Service's virtual IP stays, and its EndpointSlice follows the pods.

use podscape_core::api::discovery::LABEL_SERVICE_NAME;
use podscape_core::api::{EndpointSlice, ObjectKey, Pod, Service};
use podscape_core::ipam::{Cidr, parse_ip};
use podscape_core::labels::Selector;
use podscape_core::{Cluster, Config, NoFiles, SimDuration};

fn backend_pods(c: &Cluster) -> Vec<Pod> {
    let sel = Selector::parse("app=backend").unwrap();
    c.store().pods_matching("default", &sel).into_iter().cloned().collect()
}

fn backend_slice(c: &Cluster) -> EndpointSlice {
    let slices = c.store().slices_for_service(&ObjectKey::new("default", "backend"));
    assert_eq!(slices.len(), 1, "one slice for three endpoints");
    slices[0].clone()
}

fn cluster_ip(c: &Cluster) -> String {
    c.store().get::<Service>(&ObjectKey::new("default", "backend")).unwrap().spec.cluster_ip.clone()
}

/// Endpoint addresses with their (ready, serving, terminating) conditions, sorted.
fn endpoints(s: &EndpointSlice) -> Vec<(String, bool, bool, bool)> {
    let mut v: Vec<_> = s
        .endpoints
        .iter()
        .flatten()
        .map(|e| (e.addresses[0].clone(), e.is_ready(), e.is_serving(), e.is_terminating()))
        .collect();
    v.sort();
    v
}

#[test]
fn default_cluster_is_settled_at_session_start() {
    let c = Cluster::new(Config::default());
    assert_eq!(c.now().rfc3339(), "2026-01-01T00:00:00Z");
    let pods = backend_pods(&c);
    assert_eq!(pods.len(), 3);
    for p in &pods {
        assert_eq!(p.status.phase, "Running", "{}", p.metadata.name);
        assert!(p.is_ready());
        // A pod's IP comes from its node's pod CIDR: node-N owns 10.244.N.0/24.
        let n: u32 = p.spec.node_name.strip_prefix("node-").unwrap().parse().unwrap();
        let cidr = Cidr::parse(&format!("10.244.{n}.0/24")).unwrap();
        assert!(cidr.contains(parse_ip(&p.status.pod_ip).unwrap()), "{} on {}", p.status.pod_ip, p.spec.node_name);
    }
    let mut nodes: Vec<_> = pods.iter().map(|p| p.spec.node_name.clone()).collect();
    nodes.sort();
    assert_eq!(nodes, ["node-1", "node-2", "node-3"], "the scheduler spreads the replicas");

    // 10.96.0.1 belongs to the `kubernetes` service; backend's comes from the same /12.
    let k = c.store().get::<Service>(&ObjectKey::new("default", "kubernetes")).unwrap();
    assert_eq!(k.spec.cluster_ip, "10.96.0.1");
    let ip = parse_ip(&cluster_ip(&c)).unwrap();
    assert!(Cidr::parse("10.96.0.0/12").unwrap().contains(ip));

    let slice = backend_slice(&c);
    assert_eq!(slice.metadata.labels.get(LABEL_SERVICE_NAME).map(String::as_str), Some("backend"));
    let want: Vec<_> = {
        let mut v: Vec<_> = pods.iter().map(|p| (p.status.pod_ip.clone(), true, true, false)).collect();
        v.sort();
        v
    };
    assert_eq!(endpoints(&slice), want);
    let ports = slice.ports.as_ref().unwrap();
    assert_eq!(ports[0].port, Some(8080), "targetPort 8080 resolved");
}

#[test]
fn a_deleted_pod_is_replaced_with_a_new_name_and_ip_behind_the_same_service_ip() {
    let mut c = Cluster::new(Config::default());
    let service_ip = cluster_ip(&c);
    let before = backend_pods(&c);
    let victim = before[0].clone();

    let out = c.run(&format!("kubectl delete pod {} --wait=false", victim.metadata.name), &NoFiles);
    assert!(out.ok(), "{out:?}");
    assert_eq!(out.stdout, format!("pod \"{}\" deleted from default namespace\n", victim.metadata.name));

    // Terminating: still there, with a deletion timestamp and the template's 5 s grace period.
    let key = ObjectKey::new("default", victim.metadata.name.as_str());
    let terminating = c.store().get::<Pod>(&key).expect("still terminating");
    assert!(terminating.metadata.deletion_timestamp.is_some());
    assert_eq!(terminating.metadata.deletion_grace_period_seconds, Some(5));
    assert_eq!(terminating.display_status(), "Terminating");
    // EndpointSlice conditions: a terminating pod is not ready, still serving, terminating.
    let eps = endpoints(&backend_slice(&c));
    assert!(eps.contains(&(victim.status.pod_ip.clone(), false, true, true)), "{eps:?}");

    // The ReplicaSet counts only active pods, so it has already asked for a replacement.
    let now = backend_pods(&c);
    assert_eq!(now.len(), 4);
    let replacement = now.iter().find(|p| before.iter().all(|b| b.metadata.uid != p.metadata.uid)).unwrap().clone();
    assert_ne!(replacement.metadata.name, victim.metadata.name);
    assert_eq!(replacement.metadata.controller().unwrap().name, victim.metadata.controller().unwrap().name);

    c.advance(SimDuration::seconds(30));
    assert!(c.store().get::<Pod>(&key).is_none(), "the old pod is gone once its container stopped");
    let after = backend_pods(&c);
    assert_eq!(after.len(), 3);
    let fresh = after.iter().find(|p| p.metadata.uid == replacement.metadata.uid).unwrap();
    assert_eq!(fresh.status.phase, "Running");
    assert!(fresh.is_ready());
    assert!(!before.iter().any(|b| b.status.pod_ip == fresh.status.pod_ip), "a new IP: {}", fresh.status.pod_ip);
    assert_eq!(cluster_ip(&c), service_ip, "the Service's IP does not change");
    let mut want: Vec<_> = after.iter().map(|p| (p.status.pod_ip.clone(), true, true, false)).collect();
    want.sort();
    assert_eq!(endpoints(&backend_slice(&c)), want, "the endpoints follow the pods");
}

#[test]
fn kubectl_delete_waits_for_the_pod_to_be_gone() {
    let mut c = Cluster::new(Config::default());
    let victim = backend_pods(&c)[0].metadata.name.clone();
    let t0 = c.now();
    let out = c.run(&format!("kubectl delete pod {victim}"), &NoFiles);
    assert!(out.ok(), "{out:?}");
    assert!(c.store().get::<Pod>(&ObjectKey::new("default", victim.as_str())).is_none());
    // The backend runs agnhost serve-hostname, which answers SIGTERM by sleeping 60 s "awaiting
    // pod deletion" (test/images/agnhost/serve-hostname/serve_hostname.go), so the kubelet kills
    // it when the pod's grace period (5 s in the default cluster) ends, and only then is the pod gone.
    let waited = c.now() - t0;
    assert!(waited.as_secs() >= 5 && waited.as_secs() < 7, "waited {waited} for the container to stop");
}

#[test]
fn deleting_a_missing_pod_is_kubectls_not_found_and_changes_nothing() {
    let mut c = Cluster::new(Config::default());
    let hash = c.event_log_hash();
    let before = backend_pods(&c);
    let out = c.run("kubectl delete pod nope", &NoFiles);
    assert_eq!(out.exit_code, 1);
    assert_eq!(out.stderr, "Error from server (NotFound): pods \"nope\" not found\n");
    assert_eq!(backend_pods(&c), before);
    assert_eq!(c.event_log_hash(), hash);
}
