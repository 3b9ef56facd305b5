//! `podscape bench`: the cost of a cluster of a given size, as one JSON line. The workload is
//! S Services, each in front of one Deployment of P/S replicas, spread over N nodes.

use std::collections::BTreeMap;
use std::time::Instant;

use podscape_core::api::{Deployment, Pod};
use podscape_core::{Cluster, Config, SimDuration};

pub struct Size {
    pub nodes: usize,
    pub pods: usize,
    pub services: usize,
    pub seed: u64,
}

/// The JSON line's fields.
pub struct Figures {
    pub settle_ms: u128,
    pub boot_ms: u128,
    pub peak_rss_mb: f64,
    /// The median of the deletions measured.
    pub pod_delete_us: u128,
    /// The 90th percentile, and the first deletion alone (it meets a cold cache after settling).
    pub pod_delete_p90_us: u128,
    pub first_pod_delete_us: u128,
    pub sim_seconds: i64,
    pub ready_pods: usize,
    /// The median cost of the page's view of the whole cluster (what the page computes after every
    /// command and clock tick), with its layout memory warm.
    pub view_us: u128,
}

/// How many pod deletions are timed, spread over the workload.
const DELETIONS: usize = 41;

fn manifest(size: &Size) -> String {
    let mut items = Vec::new();
    let s = size.services.max(1);
    for i in 0..s {
        // Spread the pods as evenly as the division allows.
        let replicas = size.pods / s + usize::from(i < size.pods % s);
        let name = format!("app-{i}");
        items.push(serde_json::json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"app": name}},
                "template": {
                    "metadata": {"labels": {"app": name}},
                    "spec": {"containers": [{"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}]}
                }
            }
        }));
        items.push(serde_json::json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name},
            "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 80}]}
        }));
    }
    serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items}).to_string()
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map_or(0.0, |kb| kb / 1024.0)
}

fn all_available(c: &Cluster) -> bool {
    c.store().list::<Deployment>(Some("default")).all(|d| d.status.available_replicas == d.spec.replicas.unwrap_or(1))
}

pub fn run(size: &Size) -> Result<Figures, String> {
    let pod_cidr = if size.nodes > 250 { "10.128.0.0/9" } else { "10.244.0.0/16" };
    let t0 = Instant::now();
    let mut c = Cluster::new(Config { seed: size.seed, empty: true, nodes: size.nodes, pod_cidr: pod_cidr.into() });
    let boot_ms = t0.elapsed().as_millis();
    let mut files = BTreeMap::new();
    files.insert("bench.json".to_string(), manifest(size));
    let start_sim = c.now();

    let t1 = Instant::now();
    let out = c.run("kubectl apply -f bench.json", &files);
    if !out.ok() {
        return Err(format!("apply failed: {}", out.stderr.lines().next().unwrap_or("")));
    }
    let mut waited = 0;
    while !all_available(&c) {
        c.advance(SimDuration::seconds(5));
        waited += 5;
        if waited > 3600 {
            return Err("the workload did not become ready within an hour of simulated time".into());
        }
    }
    // Every node's kube-proxy has programmed the last change once its sync delay has passed.
    c.advance(podscape_core::network::kube_proxy::MAX_SYNC_DELAY);
    let settle_ms = t1.elapsed().as_millis();
    let ready_pods = c.store().list::<Pod>(Some("default")).filter(|p| p.is_ready()).count();

    // One pod deletion: the API write, the ReplicaSet's replacement, the EndpointSlice update and a
    // new kube-proxy version, which every node programs without a per-node copy.
    let victims: Vec<String> = c
        .store()
        .list::<Pod>(Some("default"))
        .step_by((size.pods / DELETIONS).max(1))
        .take(DELETIONS)
        .map(|p| p.metadata.name.clone())
        .collect();
    let mut costs: Vec<u128> = victims
        .iter()
        .map(|name| {
            let t = Instant::now();
            c.run(&format!("kubectl delete pod {name} --wait=false"), &podscape_core::NoFiles);
            t.elapsed().as_micros()
        })
        .collect();
    let first_pod_delete_us = costs.first().copied().unwrap_or(0);
    costs.sort();
    let pod_delete_us = costs.get(costs.len() / 2).copied().unwrap_or(0);
    let pod_delete_p90_us = costs.get(costs.len() * 9 / 10).copied().unwrap_or(0);
    let mut layout = podscape_core::view::Layout::default();
    let mut views: Vec<u128> = (0..11)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(c.view(&mut layout));
            t.elapsed().as_micros()
        })
        .collect();
    views.sort();
    Ok(Figures {
        settle_ms,
        boot_ms,
        peak_rss_mb: peak_rss_mb(),
        pod_delete_us,
        pod_delete_p90_us,
        first_pod_delete_us,
        sim_seconds: (c.now() - start_sim).as_secs(),
        ready_pods,
        view_us: views[views.len() / 2],
    })
}
