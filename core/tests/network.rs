//! The network as a learner probes it: CoreDNS names, kube-proxy's choices in each mode, session
//! affinity, the window in which a node still routes to a pod that is gone, Services without
//! endpoints, failed nodes, NodePorts and load balancers from outside, and Service environment
//! variables.

use std::collections::BTreeMap;

use podscape_core::api::{ObjectKey, Pod, Service};
use podscape_core::labels::Selector;
use podscape_core::network::kube_proxy::{Backend, KubeProxy, PortRef, PortRule, ServiceTable};
use podscape_core::network::traffic::{Outcome, Source};
use podscape_core::{Cluster, Config, NoFiles, SimDuration, SimTime};

fn run(c: &mut Cluster, line: &str) -> String {
    let out = c.run(line, &NoFiles);
    assert!(out.ok(), "{line}: {out:?}");
    out.stdout
}

fn pods(c: &Cluster, sel: &str) -> Vec<Pod> {
    let s = Selector::parse(sel).unwrap();
    c.store().pods_matching("default", &s).into_iter().cloned().collect()
}

fn client(c: &Cluster) -> String {
    pods(c, "app=frontend")[0].metadata.name.clone()
}

fn apply(c: &mut Cluster, yaml: &str) {
    let mut files = BTreeMap::new();
    files.insert("m.yaml".to_string(), yaml.to_string());
    let out = c.run("kubectl apply -f m.yaml", &files);
    assert!(out.ok(), "{out:?}");
}

fn curl(c: &mut Cluster, from: &str, url: &str) -> (Outcome, String) {
    let t = c.request(&Source::Pod(ObjectKey::new("default", from)), url, None);
    (t.outcome, t.body.trim().to_string())
}

/// DNS for Services and Pods (kubernetes.io/docs/concepts/services-networking/dns-pod-service):
/// every spelling of a Service name resolves to its ClusterIP; an unknown name is NXDOMAIN.
#[test]
fn service_names_resolve_in_every_form() {
    let mut c = Cluster::new(Config::default());
    let from = client(&c);
    let ip = c.store().get::<Service>(&ObjectKey::new("default", "backend")).unwrap().spec.cluster_ip.clone();
    for name in ["backend", "backend.default", "backend.default.svc", "backend.default.svc.cluster.local"] {
        let out = run(&mut c, &format!("kubectl exec {from} -- nslookup {name}"));
        assert!(
            out.contains("Name:\tbackend.default.svc.cluster.local\n") && out.contains(&format!("Address: {ip}\n")),
            "{name}: {out}"
        );
    }
    let kube_dns = run(&mut c, &format!("kubectl exec {from} -- nslookup kube-dns.kube-system"));
    assert!(kube_dns.contains("Address: 10.96.0.10"));
    let out = c.run(&format!("kubectl exec {from} -- nslookup nope"), &NoFiles);
    assert_eq!(out.exit_code, 1);
    assert!(out.stdout.contains("** server can't find nope: NXDOMAIN"));
    let out = c.run(&format!("kubectl exec {from} -- curl -sS http://nope"), &NoFiles);
    assert_eq!(out.stderr, "curl: (6) Could not resolve host: nope\ncommand terminated with exit code 6\n");
}

/// A headless Service (clusterIP: None) resolves to its ready pods' IPs; an ExternalName one to a
/// CNAME.
#[test]
fn headless_and_external_name_services() {
    let mut c = Cluster::new(Config::default());
    apply(
        &mut c,
        "apiVersion: v1\nkind: Service\nmetadata: {name: backend-direct}\nspec:\n  clusterIP: None\n  selector: {app: backend}\n  ports: [{port: 8080}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: docs}\nspec:\n  type: ExternalName\n  externalName: kubernetes.io\n",
    );
    let from = client(&c);
    let out = run(&mut c, &format!("kubectl exec {from} -- nslookup backend-direct"));
    let mut want: Vec<String> =
        pods(&c, "app=backend").iter().map(|p| format!("Address: {}", p.status.pod_ip)).collect();
    want.sort();
    let mut got: Vec<String> = out.lines().filter(|l| l.starts_with("Address: ")).map(str::to_string).collect();
    got.sort();
    assert_eq!(got, want);
    let out = run(&mut c, &format!("kubectl exec {from} -- nslookup docs"));
    assert!(out.contains("docs.default.svc.cluster.local\tcanonical name = kubernetes.io."), "{out}");
    let svc = run(&mut c, "kubectl get svc backend-direct docs");
    assert!(svc.contains("None") && svc.contains("kubernetes.io"), "{svc}");
}

/// Through the ClusterIP every backend answers, each with its own pod name; iptables mode picks
/// at random, so each of three backends gets roughly a third.
#[test]
fn iptables_mode_spreads_requests_at_random() {
    let mut c = Cluster::new(Config::default());
    let from = client(&c);
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    for _ in 0..600 {
        let (o, body) = curl(&mut c, &from, "http://backend");
        assert_eq!(o, Outcome::Answered);
        *counts.entry(body).or_default() += 1;
    }
    let backends: Vec<String> = pods(&c, "app=backend").iter().map(|p| p.metadata.name.clone()).collect();
    assert_eq!(counts.keys().cloned().collect::<Vec<_>>(), backends);
    assert!(counts.values().all(|n| (140..=260).contains(n)), "{counts:?}");
}

/// IPVS mode (rr scheduler) takes the backends in turn.
#[test]
fn ipvs_mode_takes_backends_in_turn() {
    let mut c = Cluster::new(Config::default());
    run(&mut c, "sim proxy-mode ipvs");
    let from = client(&c);
    let seq: Vec<String> = (0..6).map(|_| curl(&mut c, &from, "http://backend").1).collect();
    assert_eq!(seq[0..3], seq[3..6]);
    let distinct: std::collections::BTreeSet<&String> = seq[0..3].iter().collect();
    assert_eq!(distinct.len(), 3);
}

/// sessionAffinity: ClientIP sends one client to one backend.
#[test]
fn client_ip_affinity_sticks() {
    let mut c = Cluster::new(Config::default());
    apply(
        &mut c,
        "apiVersion: v1\nkind: Service\nmetadata: {name: sticky}\nspec:\n  selector: {app: backend}\n  sessionAffinity: ClientIP\n  ports: [{port: 80, targetPort: 8080}]\n",
    );
    c.advance(SimDuration::seconds(2));
    let from = client(&c);
    let first = curl(&mut c, &from, "http://sticky").1;
    for _ in 0..30 {
        assert_eq!(curl(&mut c, &from, "http://sticky").1, first);
    }
}

/// kube-proxy programs each node after a sync delay: right after a pod is deleted some requests
/// still go to it; a couple of seconds later none do.
#[test]
fn a_deleted_pod_stays_a_backend_until_kube_proxy_syncs() {
    let mut c = Cluster::new(Config::default());
    let from = client(&c);
    let victim = pods(&c, "app=backend")[0].metadata.name.clone();
    run(&mut c, &format!("kubectl delete pod {victim} --force --grace-period=0"));
    let early: Vec<(Outcome, String)> = (0..60).map(|_| curl(&mut c, &from, "http://backend")).collect();
    assert!(early.iter().any(|(o, _)| *o == Outcome::NoRoute), "the stale rule is still used at first");
    c.advance(SimDuration::seconds(2));
    for _ in 0..100 {
        let (o, body) = curl(&mut c, &from, "http://backend");
        assert_eq!(o, Outcome::Answered);
        assert_ne!(body, victim);
    }
}

/// A Service whose selector matches nothing has no endpoints: kube-proxy rejects the connection.
#[test]
fn a_service_without_endpoints_refuses() {
    let mut c = Cluster::new(Config::default());
    run(&mut c, "kubectl scale deployment backend --replicas=0");
    c.advance(SimDuration::seconds(40));
    let from = client(&c);
    let (o, _) = curl(&mut c, &from, "http://backend");
    assert_eq!(o, Outcome::Refused);
    let t = c.request(&Source::Pod(ObjectKey::new("default", from.as_str())), "http://backend", None);
    assert!(t.steps.iter().any(|s| s.contains("has no endpoints")), "{:?}", t.steps);
}

/// KEP-1669: with no ready endpoint, kube-proxy falls back to serving-terminating ones.
#[test]
fn kube_proxy_falls_back_to_serving_terminating_endpoints() {
    let backend = |ip: &str, ready: bool, serving: bool, terminating: bool| {
        std::sync::Arc::new(Backend {
            ip: ip.into(),
            ports: std::sync::Arc::new([(String::new(), 8080)].into()),
            ready,
            serving,
            terminating,
            node: "node-1".into(),
            pod: ip.into(),
        })
    };
    let table = ServiceTable {
        service: ObjectKey::new("default", "s"),
        cluster_ip: "10.96.5.5".into(),
        type_: "ClusterIP".into(),
        ports: vec![PortRule { name: String::new(), port: 80, protocol: "TCP".into(), node_port: None }],
        backends: vec![backend("10.0.0.1", false, true, true), backend("10.0.0.2", false, false, true)],
        ..Default::default()
    };
    let mut kp = KubeProxy::default();
    let mut pick = |_n: u32| 0;
    let choice =
        kp.choose("node-1", &table, PortRef { port: 80, node_port: false }, "10.1.1.1", SimTime(0), &mut pick).unwrap();
    assert_eq!(choice.backend.ip, "10.0.0.1");
    assert!(choice.why.contains("serving-terminating"));
    let none = ServiceTable { backends: vec![backend("10.0.0.2", false, false, true)], ..table };
    assert!(
        kp.choose("node-1", &none, PortRef { port: 80, node_port: false }, "10.1.1.1", SimTime(0), &mut pick)
            .unwrap_err()
            .contains("no endpoints")
    );
}

/// A node that dies keeps its pods in the endpoints until it is marked NotReady (50 s): until
/// then, requests sent to them time out; afterwards all answer.
#[test]
fn requests_to_a_dead_node_time_out_until_its_endpoints_go() {
    let mut c = Cluster::new(Config::default());
    run(&mut c, "sim fail node node-2");
    let from = pods(&c, "app=frontend").into_iter().find(|p| p.spec.node_name != "node-2").unwrap().metadata.name;
    let outcomes: Vec<Outcome> = (0..60).map(|_| curl(&mut c, &from, "http://backend").0).collect();
    assert!(outcomes.contains(&Outcome::TimedOut));
    c.advance(SimDuration::seconds(53));
    for _ in 0..60 {
        assert_eq!(curl(&mut c, &from, "http://backend").0, Outcome::Answered);
    }
}

/// NodePort and LoadBalancer reach the pods from outside the cluster; a ClusterIP does not.
#[test]
fn node_ports_and_load_balancers_from_outside() {
    let mut c = Cluster::new(Config::default());
    run(&mut c, "kubectl expose deployment backend --name=backend-np --type=NodePort --port=80 --target-port=8080");
    run(&mut c, "kubectl expose deployment backend --name=backend-lb --type=LoadBalancer --port=80 --target-port=8080");
    c.advance(SimDuration::seconds(20));
    let np =
        c.store().get::<Service>(&ObjectKey::new("default", "backend-np")).unwrap().spec.ports[0].node_port.unwrap();
    let t = c.request(&Source::Outside, &format!("http://10.0.0.12:{np}"), None);
    assert_eq!(t.outcome, Outcome::Answered, "{:?}", t.steps);
    let lb = c.store().get::<Service>(&ObjectKey::new("default", "backend-lb")).unwrap().status.load_balancer.ingress
        [0]
    .ip
    .clone();
    let t = c.request(&Source::Outside, &format!("http://{lb}"), None);
    assert_eq!(t.outcome, Outcome::Answered, "{:?}", t.steps);
    let cip = c.store().get::<Service>(&ObjectKey::new("default", "backend")).unwrap().spec.cluster_ip.clone();
    assert_eq!(c.request(&Source::Outside, &format!("http://{cip}"), None).outcome, Outcome::TimedOut);
}

/// Service environment variables are injected for Services that existed when the pod started.
#[test]
fn service_env_vars_for_services_created_before_the_pod() {
    let mut c = Cluster::new(Config::default());
    let old = client(&c);
    run(&mut c, "kubectl expose deployment frontend --port=80 --name=web");
    run(&mut c, "kubectl run late --image=nginx");
    c.advance(SimDuration::seconds(10));
    let env_old = run(&mut c, &format!("kubectl exec {old} -- env"));
    let env_new = run(&mut c, "kubectl exec late -- env");
    assert!(env_old.contains("BACKEND_SERVICE_HOST=") && !env_old.contains("WEB_SERVICE_HOST="));
    assert!(env_new.contains("WEB_SERVICE_HOST=") && env_new.contains("WEB_SERVICE_PORT=80\n"));
    assert!(env_new.contains("KUBERNETES_SERVICE_HOST=10.96.0.1\n"));
}

/// The traffic generator counts outcomes and backends.
#[test]
fn traffic_generator_counts() {
    let mut c = Cluster::new(Config::default());
    assert_eq!(
        run(&mut c, "sim traffic deploy/frontend http://backend --rate 10/s"),
        "traffic 1: deploy/frontend → http://backend at 10/s\n"
    );
    c.advance(SimDuration::seconds(10));
    let g = c.traffic_generators().next().unwrap().clone();
    assert!((100..=102).contains(&g.sent), "{}", g.sent);
    assert_eq!(g.outcomes.get("answered").copied(), Some(g.sent));
    assert_eq!(g.backends.len(), 3);
    let status = run(&mut c, "sim traffic status");
    assert!(status.starts_with("ID    FROM"), "{status}");
    assert_eq!(run(&mut c, "sim traffic stop 1"), format!("traffic 1 stopped after {} requests\n", g.sent));
    c.advance(SimDuration::seconds(5));
    assert!(c.traffic_generators().next().is_none());
}

#[test]
fn exec_answers_like_kubectl() {
    let mut c = Cluster::new(Config::default());
    let from = client(&c);
    assert_eq!(run(&mut c, &format!("kubectl exec {from} -- hostname")), format!("{from}\n"));
    let out = c.run(&format!("kubectl exec {from} -- vim"), &NoFiles);
    assert_eq!(out.exit_code, 1);
    assert!(
        out.stderr.contains("executable file not found in $PATH")
            && out.stderr.ends_with("command terminated with exit code 126\n")
    );
    let out = c.run(&format!("kubectl exec {from} curl backend"), &NoFiles);
    assert!(out.stderr.contains("Use exec [POD] -- [COMMAND] instead"));
    let out = run(&mut c, "kubectl exec deploy/frontend -- sh -c 'hostname && false || echo recovered'");
    assert!(out.ends_with("recovered\n"), "{out}");
}

/// kube-proxy reads again only the EndpointSlices that changed (its EndpointSliceCache keeps
/// each slice's endpoints by the slice's resource version): after one pod of 250 goes, the
/// backends of untouched slices are the very ones of the previous version, and the table is the
/// one a kube-proxy reading every slice afresh builds.
#[test]
fn kube_proxy_rereads_only_the_slices_that_changed() {
    let mut c = Cluster::new(Config { nodes: 3, ..Config::default() });
    run(&mut c, "kubectl scale deployment backend --replicas=250");
    c.advance(SimDuration::seconds(30));
    let key = ObjectKey::new("default", "backend");
    let later = |t: SimTime| SimTime(t.0 + 2_000);
    let mut kp = KubeProxy::default();
    let t1 = c.now();
    kp.service_changed(c.store(), &key, t1);
    let before = kp.view("node-1", &key, later(t1), None).expect("a table");
    assert_eq!(before.backends.len(), 250);

    let victim = pods(&c, "app=backend")[137].metadata.name.clone();
    run(&mut c, &format!("kubectl delete pod {victim} --wait=false"));
    let t2 = c.now();
    kp.service_changed(c.store(), &key, t2);
    let after = kp.view("node-1", &key, later(t2), None).expect("a table");

    let mut fresh = KubeProxy::default();
    fresh.service_changed(c.store(), &key, t2);
    assert_eq!(after, fresh.view("node-1", &key, later(t2), None).expect("a table"));
    assert_ne!(before, after, "the victim is terminating in the new version");
    let shared = after.backends.iter().filter(|b| before.backends.iter().any(|a| std::sync::Arc::ptr_eq(a, b))).count();
    // Slices hold at most 100 endpoints: one rewritten slice leaves at least 150 untouched.
    assert!(shared >= 150, "only {shared} of 250 backends shared with the previous version");
    assert!(shared < 250, "the victim's slice was read again");
}
