//! What kubectl says about the cluster and itself: `version`, `cluster-info`, `api-resources`,
//! `api-versions`, and `proxy` (which serves the API on the learner's machine until the session
//! ends; the console, having no second terminal, keeps it running in the background).

use super::*;
use crate::console::api_proxy;

/// kubectl's own version, the one matching the simulated API server, and its kustomize.
const CLIENT_VERSION: &str = "v1.34.2";
const KUSTOMIZE_VERSION: &str = "v5.7.1";

const VERSION_FLAGS: &[Flag] = &[boolean("client", None), value("output", Some('o'))];

pub(super) fn version(_c: &mut Cluster, words: &[String], out: &mut Output) {
    let Some(args) = parse("version", words, VERSION_FLAGS, out) else { return };
    let server = api_proxy::version();
    let client = serde_json::json!({
        "major": api_proxy::MAJOR, "minor": api_proxy::MINOR, "gitVersion": CLIENT_VERSION,
        "gitTreeState": "clean", "goVersion": "go1.24.9", "compiler": "gc", "platform": "linux/amd64",
    });
    let mut doc = serde_json::json!({"clientVersion": client, "kustomizeVersion": KUSTOMIZE_VERSION});
    if !args.flag("client") {
        doc["serverVersion"] = server;
    }
    match args.get("output") {
        None => {
            out.outln(format!("Client Version: {CLIENT_VERSION}"));
            out.outln(format!("Kustomize Version: {KUSTOMIZE_VERSION}"));
            if !args.flag("client") {
                out.outln(format!("Server Version: {}", api_proxy::GIT_VERSION));
            }
        }
        Some("json") => out.out(output::json(&doc)),
        Some("yaml") => out.out(output::yaml(&doc)),
        Some(other) => out.fail(format!("error: --output must be 'yaml' or 'json', not {other:?}")),
    }
}

pub(super) fn cluster_info(c: &mut Cluster, words: &[String], out: &mut Output) {
    let Some(_) = parse("cluster-info", words, &[], out) else { return };
    let server = "https://10.0.0.10:6443";
    out.outln(format!("Kubernetes control plane is running at {server}"));
    if c.store.get::<crate::api::Service>(&ObjectKey::new("kube-system", "kube-dns")).is_some() {
        out.outln(format!("CoreDNS is running at {server}/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy"));
    }
    out.outln("\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.");
}

const API_RESOURCES_FLAGS: &[Flag] = &[
    value("output", Some('o')),
    value("api-group", None),
    value("namespaced", None),
    boolean("no-headers", None),
    value("verbs", None),
    value("sort-by", None),
];

/// `kubectl api-resources`: the kinds the API server serves, as its discovery lists them.
pub(super) fn api_resources(_c: &mut Cluster, words: &[String], out: &mut Output) {
    let Some(args) = parse("api-resources", words, API_RESOURCES_FLAGS, out) else { return };
    let mut kinds: Vec<Kind> =
        Kind::ALL.iter().copied().filter(|k| !matches!(k, Kind::Event) || k.group().is_empty()).collect();
    if let Some(g) = args.get("api-group") {
        kinds.retain(|k| k.group() == g);
    }
    if let Some(n) = args.get("namespaced") {
        let want = n == "true";
        kinds.retain(|k| k.namespaced() == want);
    }
    // Discovery lists the legacy group first, then the named groups by name, each by resource.
    kinds.sort_by(|a, b| {
        (!a.group().is_empty(), a.group(), a.plural()).cmp(&(!b.group().is_empty(), b.group(), b.plural()))
    });
    if args.get("output") == Some("name") {
        for k in kinds {
            out.outln(if k.group().is_empty() {
                k.plural().to_string()
            } else {
                format!("{}.{}", k.plural(), k.group())
            });
        }
        return;
    }
    let mut rows = Vec::new();
    if !args.flag("no-headers") {
        rows.push(["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"].iter().map(|s| s.to_string()).collect());
    }
    for k in kinds {
        rows.push(vec![
            k.plural().to_string(),
            k.short_names().join(","),
            k.api_version(),
            k.namespaced().to_string(),
            k.name().to_string(),
        ]);
    }
    out.out(output::table(&rows));
}

pub(super) fn api_versions(_c: &mut Cluster, words: &[String], out: &mut Output) {
    let Some(_) = parse("api-versions", words, &[], out) else { return };
    let mut versions: Vec<String> = Kind::ALL.iter().map(|k| k.api_version()).collect();
    versions.push("autoscaling/v1".into());
    versions.sort();
    versions.dedup();
    for v in versions {
        out.outln(v);
    }
}

const PROXY_FLAGS: &[Flag] = &[value("port", Some('p')), value("address", None), value("accept-hosts", None)];

/// `kubectl proxy [--port=8001]`: the API on `127.0.0.1:PORT` for `curl` on the learner's
/// machine, until the session ends.
pub(super) fn proxy(c: &mut Cluster, words: &[String], out: &mut Output) {
    let Some(args) = parse("proxy", words, PROXY_FLAGS, out) else { return };
    let port = match args.get("port").map(|p| p.parse::<u16>()) {
        None => 8001,
        Some(Ok(p)) if p > 0 => p,
        Some(_) => {
            return out
                .fail(format!("error: invalid argument {:?} for \"-p, --port\" flag", args.get("port").unwrap_or("")));
        }
    };
    if c.console.workstation.proxy == Some(port) {
        return out.fail(format!("error: listen tcp 127.0.0.1:{port}: bind: address already in use"));
    }
    c.console.workstation.proxy = Some(port);
    out.outln(format!("Starting to serve on 127.0.0.1:{port}"));
}
