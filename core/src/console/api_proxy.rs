//! What `kubectl proxy` serves on localhost: the API server's read paths (`/version`,
//! `/api/v1/namespaces/NS/pods[/NAME]` …) and its proxy to pods and Services
//! (`/api/v1/namespaces/NS/pods/NAME:PORT/proxy/PATH`), as the Learn Kubernetes Basics tutorial
//! reaches its app through it.

use serde_json::{Value, json};

use crate::Cluster;
use crate::api::{Kind, ObjectKey, Pod};
use crate::network::traffic::{Outcome, Source};

/// The Kubernetes version the simulated cluster reports.
pub const MAJOR: &str = "1";
pub const MINOR: &str = "34";
pub const GIT_VERSION: &str = "v1.34.2";

/// Answers a GET through the proxy: the HTTP status and the body.
pub fn get(c: &mut Cluster, path: &str) -> (u16, String) {
    let path = path.split('?').next().unwrap_or(path);
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        ["version"] => (200, pretty(&version())),
        ["healthz"] | ["readyz"] | ["livez"] => (200, "ok".into()),
        ["api"] => (
            200,
            pretty(
                &json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "10.0.0.10:6443"}]}),
            ),
        ),
        ["api", "v1", "namespaces", ns, res, target, "proxy", rest @ ..] => proxy(c, ns, res, target, &rest.join("/")),
        ["api", "v1", "namespaces", ns, res] | ["apis", _, _, "namespaces", ns, res] => list(c, Some(ns), res),
        ["api", "v1", "namespaces", ns, res, name] | ["apis", _, _, "namespaces", ns, res, name] => {
            one(c, ns, res, name)
        }
        ["api", "v1", res] | ["apis", _, _, res] => list(c, None, res),
        _ => not_found_status("the server could not find the requested resource", "", ""),
    }
}

pub fn version() -> Value {
    json!({
        "major": MAJOR,
        "minor": MINOR,
        "emulationMajor": MAJOR,
        "emulationMinor": MINOR,
        "minCompatibilityMajor": MAJOR,
        "minCompatibilityMinor": "33",
        "gitVersion": GIT_VERSION,
        "gitTreeState": "clean",
        "goVersion": "go1.24.9",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

fn not_found_status(message: &str, name: &str, kind: &str) -> (u16, String) {
    let mut details = json!({});
    if !name.is_empty() {
        details = json!({"name": name, "kind": kind});
    }
    (
        404,
        pretty(&json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": "NotFound", "details": details, "code": 404,
        })),
    )
}

fn list(c: &Cluster, ns: Option<&str>, res: &str) -> (u16, String) {
    let Some(kind) = Kind::parse(res).filter(|k| k.plural() == res) else {
        return not_found_status("the server could not find the requested resource", "", "");
    };
    let items: Vec<Value> = c.store.list_objects(kind, ns).iter().map(|o| o.to_value()).collect();
    (
        200,
        pretty(&json!({
            "kind": format!("{}List", kind.name()),
            "apiVersion": kind.api_version(),
            "metadata": {"resourceVersion": c.store.resource_version().to_string()},
            "items": items,
        })),
    )
}

fn one(c: &Cluster, ns: &str, res: &str, name: &str) -> (u16, String) {
    let Some(kind) = Kind::parse(res).filter(|k| k.plural() == res) else {
        return not_found_status("the server could not find the requested resource", "", "");
    };
    match c.store.get_object(kind, &ObjectKey::new(ns, name)) {
        Some(o) => (200, pretty(&o.to_value())),
        None => not_found_status(
            &format!("{} \"{name}\" not found", crate::apiserver::resource_name(kind)),
            name,
            kind.plural(),
        ),
    }
}

/// `pods/NAME[:PORT]/proxy/PATH` and `services/NAME[:PORT]/proxy/PATH`: the API server opens the
/// connection itself, from the control plane's network.
fn proxy(c: &mut Cluster, ns: &str, res: &str, target: &str, rest: &str) -> (u16, String) {
    let (name, port) = match target.rsplit_once(':') {
        Some((n, p)) => (n, p.parse::<i32>().ok()),
        None => (target, None),
    };
    let url = match res {
        "pods" => {
            let Some(pod) = c.store.get::<Pod>(&ObjectKey::new(ns, name)) else {
                return not_found_status(&format!("pods \"{name}\" not found"), name, "pods");
            };
            let port = port
                .or_else(|| pod.spec.containers.iter().flat_map(|c| &c.ports).map(|p| p.container_port).next())
                .unwrap_or(80);
            format!("http://{}:{port}/{rest}", pod.status.pod_ip)
        }
        "services" => {
            let Some(svc) = c.store.get::<crate::api::Service>(&ObjectKey::new(ns, name)) else {
                return not_found_status(&format!("services \"{name}\" not found"), name, "services");
            };
            let port = port.or_else(|| svc.spec.ports.first().map(|p| p.port)).unwrap_or(80);
            format!("http://{}:{port}/{rest}", svc.spec.cluster_ip)
        }
        _ => return not_found_status("the server could not find the requested resource", "", ""),
    };
    let from = c.store.list::<crate::api::Node>(None).next().map(|n| n.metadata.name.clone()).unwrap_or_default();
    let t = c.request(&Source::Node(from), &url, None);
    match t.outcome {
        Outcome::Answered => (200, t.body),
        o => {
            let addr = url.trim_start_matches("http://").split('/').next().unwrap_or("").to_string();
            let why = match o {
                Outcome::TimedOut => "i/o timeout",
                _ => "connect: connection refused",
            };
            (
                503,
                pretty(&json!({
                    "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                    "message": format!("error trying to reach service: dial tcp {addr}: {why}"),
                    "reason": "ServiceUnavailable", "code": 503,
                })),
            )
        }
    }
}
