//! Seeded property tests over random command sequences: after every step, each EndpointSlice
//! lists exactly the pods it should with the right conditions, live pod IPs and ClusterIPs are
//! unique, nothing panics, and the command log replays to the same event log.

use proptest::prelude::*;

use podscape_core::api::discovery::{LABEL_MANAGED_BY, LABEL_SERVICE_NAME};
use podscape_core::api::{EndpointSlice, ObjectKey, Pod, Service};
use podscape_core::labels::Selector;
use podscape_core::{Cluster, Config, NoFiles};

/// A step, with indices resolved against the cluster when it runs (so steps stay meaningful as
/// pods come and go).
#[derive(Clone, Debug)]
enum Step {
    DeletePod(usize, bool),
    Scale(&'static str, u8),
    Advance(u16),
    FailNode(u8),
    PartitionNode(u8),
    RecoverNode(u8),
    Crash(usize),
    Unready(usize),
    Ready(usize),
    Expose(u8),
    DeleteService(u8),
    Cordon(u8, bool),
    SetImage(&'static str),
    Rollback,
    Write(usize),
    Garbage(String),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (any::<usize>(), any::<bool>()).prop_map(|(i, w)| Step::DeletePod(i, w)),
        (prop::sample::select(vec!["backend", "frontend"]), 0u8..7).prop_map(|(d, n)| Step::Scale(d, n)),
        (0u16..90).prop_map(Step::Advance),
        (0u16..2000).prop_map(Step::Advance),
        (1u8..4).prop_map(Step::FailNode),
        (1u8..4).prop_map(Step::PartitionNode),
        (1u8..4).prop_map(Step::RecoverNode),
        any::<usize>().prop_map(Step::Crash),
        any::<usize>().prop_map(Step::Unready),
        any::<usize>().prop_map(Step::Ready),
        (0u8..3).prop_map(Step::Expose),
        (0u8..3).prop_map(Step::DeleteService),
        (1u8..4, any::<bool>()).prop_map(|(n, on)| Step::Cordon(n, on)),
        prop::sample::select(vec!["nginx:1.27", "nginx:1.28", "ngnix"]).prop_map(Step::SetImage),
        Just(Step::Rollback),
        any::<usize>().prop_map(Step::Write),
        "[ -~]{0,40}".prop_map(Step::Garbage),
        prop::sample::select(vec![
            "kubectl get pods -o yaml",
            "kubectl get all -A -o wide",
            "kubectl get endpointslices -o json",
            "kubectl get svc -o jsonpath={.items[*].spec.clusterIP}",
            "kubectl get pods -l 'app in (backend,frontend),tier notin (x)'",
            "kubectl get events",
            "kubectl drain node-1 --force",
            "kubectl rollout status deployment/backend --timeout=20s",
            "sim step",
            "kubectl delete deployment frontend",
        ])
        .prop_map(|s| Step::Garbage(s.to_string())),
    ]
}

fn line(c: &Cluster, s: &Step) -> String {
    let pods: Vec<String> = c.store().list::<Pod>(Some("default")).map(|p| p.metadata.name.clone()).collect();
    let pod = |i: usize| pods.get(i % pods.len().max(1)).cloned().unwrap_or_else(|| "none".into());
    match s {
        Step::DeletePod(i, wait) => {
            format!("kubectl delete pod {}{}", pod(*i), if *wait { "" } else { " --wait=false" })
        }
        Step::Scale(d, n) => format!("kubectl scale deployment {d} --replicas={n}"),
        Step::Advance(ms) => format!("sim advance {}ms", u32::from(*ms) * 50),
        Step::FailNode(n) => format!("sim fail node node-{n}"),
        Step::PartitionNode(n) => format!("sim partition node node-{n}"),
        Step::RecoverNode(n) => format!("sim recover node node-{n}"),
        Step::Crash(i) => format!("sim crash pod {}", pod(*i)),
        Step::Unready(i) => format!("sim unready pod {}", pod(*i)),
        Step::Ready(i) => format!("sim ready pod {}", pod(*i)),
        Step::Expose(n) => format!("kubectl expose deployment frontend --port=80 --name=svc-{n}"),
        Step::DeleteService(n) => format!("kubectl delete service svc-{n}"),
        Step::Cordon(n, on) => format!("kubectl {} node-{n}", if *on { "cordon" } else { "uncordon" }),
        Step::SetImage(img) => format!("kubectl set image deployment/frontend frontend={img}"),
        Step::Rollback => "kubectl rollout undo deployment/frontend".into(),
        Step::Write(i) => format!("kubectl exec {} -- sh -c 'echo {i} > /tmp/note'", pod(*i)),
        Step::Garbage(g) => g.clone(),
    }
}

/// The EndpointSlice controller's contract: for every Service with a selector, its managed slices
/// list exactly the matching pods that have an IP and are not finished, once each, with
/// ready = Ready and not terminating, serving = Ready, terminating = being deleted.
fn check_endpoints(c: &Cluster) -> Result<(), String> {
    for svc in c.store().list::<Service>(None) {
        if svc.spec.selector.is_empty() {
            continue;
        }
        let key = ObjectKey::of(&svc.metadata);
        let sel = Selector::from_map(&svc.spec.selector);
        let mut want: Vec<(String, bool, bool, bool)> = c
            .store()
            .pods_matching(&svc.metadata.namespace, &sel)
            .into_iter()
            .filter(|p| !p.status.pod_ip.is_empty() && !p.is_terminal())
            .map(|p| {
                let term = p.metadata.deletion_timestamp.is_some();
                (p.status.pod_ip.clone(), p.is_ready() && !term, p.is_ready(), term)
            })
            .collect();
        want.sort();
        let slices: Vec<&EndpointSlice> = c
            .store()
            .slices_for_service(&key)
            .into_iter()
            .filter(|s| s.metadata.labels.contains_key(LABEL_MANAGED_BY))
            .collect();
        if slices.is_empty() {
            return Err(format!("service {key} has no slice (not even the placeholder)"));
        }
        let mut got: Vec<(String, bool, bool, bool)> = slices
            .iter()
            .flat_map(|s| s.endpoints.iter().flatten())
            .map(|e| (e.addresses[0].clone(), e.is_ready(), e.is_serving(), e.is_terminating()))
            .collect();
        got.sort();
        if got != want {
            return Err(format!("service {key}: slices list {got:?}, pods say {want:?}"));
        }
        if let Some(s) = slices.iter().find(|s| s.endpoints.as_ref().map_or(0, Vec::len) > 100) {
            return Err(format!("slice {} holds more than --max-endpoints-per-slice", s.metadata.name));
        }
        if slices.iter().any(|s| s.metadata.labels.get(LABEL_SERVICE_NAME) != Some(&svc.metadata.name)) {
            return Err(format!("service {key}: a slice without its service-name label"));
        }
    }
    Ok(())
}

/// The store's count of each controller's active pods per node (what the scheduler spreads by)
/// equals a count over every pod.
fn check_sibling_index(c: &Cluster) -> Result<(), String> {
    let mut want: std::collections::BTreeMap<podscape_core::api::meta::Uid, std::collections::BTreeMap<String, usize>> =
        Default::default();
    for p in c.store().list::<Pod>(None) {
        if let Some(owner) = p.metadata.controller()
            && p.is_active()
            && !p.spec.node_name.is_empty()
        {
            *want.entry(owner.uid.clone()).or_default().entry(p.spec.node_name.clone()).or_default() += 1;
        }
    }
    for (uid, nodes) in &want {
        if c.store().siblings_by_node(uid) != Some(nodes) {
            return Err(format!("siblings of {uid:?}: index {:?}, pods {nodes:?}", c.store().siblings_by_node(uid)));
        }
    }
    Ok(())
}

fn check_unique_addresses(c: &Cluster) -> Result<(), String> {
    let mut ips: Vec<&str> =
        c.store().list::<Pod>(None).map(|p| p.status.pod_ip.as_str()).filter(|ip| !ip.is_empty()).collect();
    ips.sort();
    if let Some(w) = ips.windows(2).find(|w| w[0] == w[1]) {
        return Err(format!("pod IP {} is held by two live pods", w[0]));
    }
    let mut cips: Vec<&str> = c
        .store()
        .list::<Service>(None)
        .map(|s| s.spec.cluster_ip.as_str())
        .filter(|ip| !ip.is_empty() && *ip != "None")
        .collect();
    cips.sort();
    if let Some(w) = cips.windows(2).find(|w| w[0] == w[1]) {
        return Err(format!("ClusterIP {} is held by two services", w[0]));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn invariants_hold_after_every_step(seed in 1u64..1000, steps in prop::collection::vec(step(), 1..40)) {
        let mut c = Cluster::new(Config { seed, ..Config::default() });
        let mut layout = podscape_core::view::Layout::default();
        for s in &steps {
            let l = line(&c, s);
            let _ = c.run(&l, &NoFiles);
            // The view kept warm across steps equals one computed from scratch with the same seats.
            let cold = c.view(&mut layout.without_cached_views());
            prop_assert_eq!(c.view(&mut layout), cold, "after `{}`", l);
            if let Err(e) = check_endpoints(&c) {
                prop_assert!(false, "after `{}`: {}", l, e);
            }
            if let Err(e) = check_unique_addresses(&c) {
                prop_assert!(false, "after `{}`: {}", l, e);
            }
            if let Err(e) = check_sibling_index(&c) {
                prop_assert!(false, "after `{}`: {}", l, e);
            }
        }
        // The command log replays to the same cluster.
        let mut replay = Cluster::new(Config { seed, ..Config::default() });
        for entry in c.log().to_vec() {
            replay.run(&entry.line, &entry.files);
        }
        prop_assert_eq!(replay.event_log_hash(), c.event_log_hash());
        prop_assert_eq!(replay.now(), c.now());
    }
}

/// A failure a network-backed volume must outlive.
#[derive(Clone, Debug)]
enum Mishap {
    DeletePod(usize),
    CrashPod(usize),
    KillPid1(usize),
    FailNode(u8),
    PartitionNode(u8),
    RecoverNode(u8),
    Drain(u8),
    Uncordon(u8),
    OutOfService(u8),
    SetImage(&'static str),
    ScaleSet(u8),
    Advance(u16),
}

fn mishap() -> impl Strategy<Value = Mishap> {
    prop_oneof![
        any::<usize>().prop_map(Mishap::DeletePod),
        any::<usize>().prop_map(Mishap::CrashPod),
        any::<usize>().prop_map(Mishap::KillPid1),
        (1u8..4).prop_map(Mishap::FailNode),
        (1u8..4).prop_map(Mishap::PartitionNode),
        (1u8..4).prop_map(Mishap::RecoverNode),
        (1u8..4).prop_map(Mishap::Drain),
        (1u8..4).prop_map(Mishap::Uncordon),
        (1u8..4).prop_map(Mishap::OutOfService),
        prop::sample::select(vec!["nginx:1.27", "nginx:1.28"]).prop_map(Mishap::SetImage),
        (0u8..4).prop_map(Mishap::ScaleSet),
        (0u16..600).prop_map(Mishap::Advance),
    ]
}

fn mishap_line(c: &Cluster, m: &Mishap) -> String {
    let pods: Vec<String> = c
        .store()
        .list::<Pod>(Some("default"))
        .filter(|p| p.metadata.labels.get("tier").is_some_and(|t| t == "data"))
        .map(|p| p.metadata.name.clone())
        .collect();
    let pod = |i: usize| pods.get(i % pods.len().max(1)).cloned().unwrap_or_else(|| "none".into());
    match m {
        Mishap::DeletePod(i) => format!("kubectl delete pod {} --wait=false", pod(*i)),
        Mishap::CrashPod(i) => format!("sim crash pod {}", pod(*i)),
        Mishap::KillPid1(i) => format!("kubectl exec {} -- kill 1", pod(*i)),
        Mishap::FailNode(n) => format!("sim fail node node-{n}"),
        Mishap::PartitionNode(n) => format!("sim partition node node-{n}"),
        Mishap::RecoverNode(n) => format!("sim recover node node-{n}"),
        Mishap::Drain(n) => {
            format!("kubectl drain node-{n} --ignore-daemonsets --delete-emptydir-data --force --timeout=60s")
        }
        Mishap::Uncordon(n) => format!("kubectl uncordon node-{n}"),
        Mishap::OutOfService(n) => {
            format!("kubectl taint nodes node-{n} node.kubernetes.io/out-of-service=nodeshutdown:NoExecute")
        }
        Mishap::SetImage(img) => format!("kubectl set image deployment/shared app={img}"),
        Mishap::ScaleSet(n) => format!("kubectl scale statefulset db --replicas={n}"),
        Mishap::Advance(s) => format!("sim advance {s}s"),
    }
}

/// Two StatefulSet pods with a ReadWriteOnce claim each, and a two-replica Deployment sharing a
/// ReadWriteMany claim, all on the default class's network disks.
const DATA_APPS: &str = "\
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db, tier: data}}
    spec:
      containers:
      - name: app
        image: nginx:1.27
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: shared}
spec:
  accessModes: [ReadWriteMany]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: shared}
spec:
  replicas: 2
  selector: {matchLabels: {app: shared}}
  template:
    metadata: {labels: {app: shared, tier: data}}
    spec:
      containers:
      - name: app
        image: nginx:1.27
        volumeMounts: [{name: data, mountPath: /data}]
      volumes: [{name: data, persistentVolumeClaim: {claimName: shared}}]
";

/// Each claim's volume and whether its disk still holds the token written at the start.
fn tokens_kept(c: &Cluster, claims: &[(String, String)]) -> Result<(), String> {
    let view = c.view(&mut Default::default());
    for (claim, volume) in claims {
        let Some(v) = view.volumes.iter().find(|v| &v.name == volume) else {
            return Err(format!("the volume {volume} of claim {claim} is gone"));
        };
        if !v.files.iter().any(|f| f.path == "/token" && f.preview == *claim) {
            return Err(format!("the volume {volume} of claim {claim} lost its data: {:?}", v.files));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    /// Data on a network-backed PersistentVolume is never lost by pod, container and node
    /// failures; once the failures end, every claim's pod runs again and reads it back.
    #[test]
    fn network_volume_data_is_never_lost(seed in 1u64..1000, mishaps in prop::collection::vec(mishap(), 1..30)) {
        let mut c = Cluster::new(Config { seed, ..Config::default() });
        let files: std::collections::BTreeMap<String, String> =
            [("apps.yaml".to_string(), DATA_APPS.to_string())].into_iter().collect();
        prop_assert!(c.run("kubectl apply -f apps.yaml", &files).ok());
        let _ = c.run("sim advance 60s", &NoFiles);
        let mut claims = Vec::new();
        for claim in ["data-db-0", "data-db-1", "shared"] {
            let pvc = c.store().get::<podscape_core::api::PersistentVolumeClaim>(&ObjectKey::new("default", claim)).cloned();
            prop_assert!(pvc.as_ref().is_some_and(|p| p.status.phase == "Bound"), "{} not bound", claim);
            claims.push((claim.to_string(), pvc.unwrap().spec.volume_name));
        }
        for (pod, claim) in [("db-0", "data-db-0"), ("db-1", "data-db-1")] {
            let out = c.run(&format!("kubectl exec {pod} -- sh -c 'echo {claim} > /data/token'"), &NoFiles);
            prop_assert!(out.ok(), "{:?}", out);
        }
        let writer = c.store().pods_matching("default", &Selector::parse("app=shared").unwrap())[0].metadata.name.clone();
        let wrote = c.run(&format!("kubectl exec {writer} -- sh -c 'echo shared > /data/token'"), &NoFiles);
        prop_assert!(wrote.ok());
        prop_assert_eq!(tokens_kept(&c, &claims), Ok(()));
        for m in &mishaps {
            let l = mishap_line(&c, m);
            let _ = c.run(&l, &NoFiles);
            if let Err(e) = tokens_kept(&c, &claims) {
                prop_assert!(false, "after `{}`: {}", l, e);
            }
        }
        // The failures end: machines back, taints and cordons lifted, the set at full size.
        for n in 1..4 {
            for l in [
                format!("sim recover node node-{n}"),
                format!("kubectl uncordon node-{n}"),
                format!("kubectl taint nodes node-{n} node.kubernetes.io/out-of-service-"),
            ] {
                let _ = c.run(&l, &NoFiles);
            }
        }
        let _ = c.run("kubectl scale statefulset db --replicas=2", &NoFiles);
        let _ = c.run("sim advance 20m", &NoFiles);
        for (pod, claim) in [("db-0", "data-db-0"), ("db-1", "data-db-1")] {
            let out = c.run(&format!("kubectl exec {pod} -- cat /data/token"), &NoFiles);
            prop_assert_eq!(out.stdout, format!("{claim}\n"), "{}: {:?}", pod, out.stderr);
        }
        let readers: Vec<String> = c
            .store()
            .pods_matching("default", &Selector::parse("app=shared").unwrap())
            .into_iter()
            .filter(|p| p.is_ready())
            .map(|p| p.metadata.name.clone())
            .collect();
        prop_assert_eq!(readers.len(), 2);
        for r in readers {
            prop_assert_eq!(c.run(&format!("kubectl exec {r} -- cat /data/token"), &NoFiles).stdout, "shared\n");
        }
    }
}
