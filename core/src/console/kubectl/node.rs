//! The node verbs: `cordon`, `uncordon`, `drain` and `taint`.

use super::*;

const CORDON_FLAGS: &[Flag] = &[value("selector", Some('l')), boolean("dry-run", None)];

fn node_named(c: &Cluster, name: &str, out: &mut Output) -> Option<crate::api::Node> {
    let n = c.store.get::<crate::api::Node>(&ObjectKey::cluster(name)).cloned();
    if n.is_none() {
        out.fail(ApiError::not_found(Kind::Node, name).to_string());
    }
    n
}

/// Sets or clears `spec.unschedulable`; the node lifecycle controller adds or removes the
/// `node.kubernetes.io/unschedulable` taint that keeps new pods away.
fn set_unschedulable(c: &mut Cluster, name: &str, on: bool, out: &mut Output) -> bool {
    let Some(mut node) = node_named(c, name, out) else { return false };
    let verb = if on { "cordoned" } else { "uncordoned" };
    if node.is_unschedulable() == on {
        out.outln(format!("node/{name} already {verb}"));
        return true;
    }
    node.spec.unschedulable = if on { Some(true) } else { None };
    match c.api_update(node.into_object()) {
        Ok(_) => {
            out.outln(format!("node/{name} {verb}"));
            true
        }
        Err(e) => {
            out.fail(e.to_string());
            false
        }
    }
}

pub(super) fn cordon(c: &mut Cluster, words: &[String], on: bool, out: &mut Output) {
    let verb = if on { "cordon" } else { "uncordon" };
    let Some(args) = parse(verb, words, CORDON_FLAGS, out) else { return };
    if args.positional.is_empty() {
        return out.fail(format!("error: USAGE: {verb} NODE [flags]\nSee 'kubectl {verb} -h' for help and examples"));
    }
    for name in &args.positional {
        set_unschedulable(c, name, on, out);
    }
}

const DRAIN_FLAGS: &[Flag] = &[
    boolean("ignore-daemonsets", None),
    boolean("delete-emptydir-data", None),
    boolean("force", None),
    value("grace-period", None),
    value("timeout", None),
    value("selector", Some('l')),
    value("pod-selector", None),
    boolean("disable-eviction", None),
];

/// `kubectl drain`: cordon, then evict every pod on the node (refusing bare pods without
/// `--force`), and wait for them to be gone.
pub(super) fn drain(c: &mut Cluster, words: &[String], out: &mut Output) {
    let Some(args) = parse("drain", words, DRAIN_FLAGS, out) else { return };
    let [name] = args.positional.as_slice() else {
        return out.fail("error: USAGE: drain NODE [flags]\nSee 'kubectl drain -h' for help and examples");
    };
    let grace = match args.int("grace-period") {
        Ok(g) => g.filter(|g| *g >= 0),
        Err(e) => return out.fail(format!("error: {e}")),
    };
    let timeout = match args.get("timeout").map(SimDuration::parse) {
        None => None,
        Some(Ok(d)) => Some(d).filter(|d| d.as_millis() > 0),
        Some(Err(e)) => return out.fail(format!("error: {e}")),
    };
    if !set_unschedulable(c, name, true, out) {
        return;
    }
    let pods: Vec<crate::api::Pod> = c.store.pods_on_node(name).filter(|p| !p.is_terminal()).cloned().collect();
    // kubectl's drain filters, in its order; a pod stops at the first filter that refuses it
    // (k8s.io/kubectl/pkg/drain/filters.go: localStorageFilter before unreplicatedFilter).
    let mut local = Vec::new();
    let mut bare = Vec::new();
    let (mut local_fatal, mut bare_fatal) = (Vec::new(), Vec::new());
    for p in &pods {
        let name = format!("{}/{}", p.metadata.namespace, p.metadata.name);
        if p.spec.volumes.iter().any(|v| v.empty_dir.is_some()) {
            if args.flag("delete-emptydir-data") {
                local.push(name.clone());
            } else {
                local_fatal.push(name);
                continue;
            }
        }
        if p.metadata.controller().is_none() {
            if args.flag("force") { bare.push(name) } else { bare_fatal.push(name) }
        }
    }
    let mut errors = Vec::new();
    if !bare_fatal.is_empty() {
        errors.push(format!(
            "cannot delete Pods that declare no controller (use --force to override): {}",
            bare_fatal.join(", ")
        ));
    }
    if !local_fatal.is_empty() {
        errors.push(format!(
            "cannot delete Pods with local storage (use --delete-emptydir-data to override): {}",
            local_fatal.join(", ")
        ));
    }
    if !errors.is_empty() {
        let why = if errors.len() == 1 { errors[0].clone() } else { format!("[{}]", errors.join(", ")) };
        out.fail(format!(
            "error: unable to drain node \"{name}\" due to error: {why}, continuing command...\nThere are pending nodes to be drained:\n {name}\n{why}"
        ));
        return;
    }
    let mut warnings = Vec::new();
    if !bare.is_empty() {
        warnings.push(format!("deleting Pods that declare no controller: {}", bare.join(", ")));
    }
    if !local.is_empty() {
        warnings.push(format!("deleting Pods with local storage: {}", local.join(", ")));
    }
    if !warnings.is_empty() {
        out.errln(format!("Warning: {}", warnings.join("; ")));
    }
    let mut evicted = Vec::new();
    for p in &pods {
        out.outln(format!("evicting pod {}/{}", p.metadata.namespace, p.metadata.name));
        match c.api_delete(Kind::Pod, &p.key(), crate::DeleteOptions::grace(grace)) {
            Ok(_) => evicted.push((p.key(), p.metadata.uid.clone())),
            Err(e) => out.fail(format!(
                "error when evicting pods/\"{}\" -n \"{}\": {}",
                p.metadata.name, p.metadata.namespace, e.message
            )),
        }
    }
    let longest = pods.iter().map(|p| grace.unwrap_or_else(|| p.grace_period_seconds())).max().unwrap_or(30);
    let limit = timeout.unwrap_or(SimDuration::seconds(longest + 60));
    let gone = |c: &Cluster, key: &ObjectKey, uid: &crate::api::Uid| {
        c.store.get::<crate::api::Pod>(key).is_none_or(|p| &p.metadata.uid != uid)
    };
    c.run_until(limit, |c| evicted.iter().all(|(k, u)| gone(c, k, u)));
    let mut stuck = Vec::new();
    for (k, u) in &evicted {
        if gone(c, k, u) {
            out.outln(format!("pod/{} evicted", k.name));
        } else {
            stuck.push(k);
        }
    }
    if stuck.is_empty() {
        out.outln(format!("node/{name} drained"));
    } else {
        let list: Vec<String> = stuck
            .iter()
            .map(|k| format!("error when waiting for pod \"{}\" in namespace \"{}\" to terminate: global timeout reached: {limit}", k.name, k.namespace))
            .collect();
        out.fail(format!("error: unable to drain node \"{name}\" due to error: [{}], continuing command...\nThere are pending nodes to be drained:\n {name}", list.join(", ")));
    }
}

const TAINT_FLAGS: &[Flag] = &[boolean("overwrite", None), value("selector", Some('l')), boolean("all", None)];
const TAINT_EFFECTS: &[&str] = &["NoSchedule", "PreferNoSchedule", "NoExecute"];

/// `kubectl taint nodes NODE key[=value]:Effect ... key[:Effect]-`.
pub(super) fn taint(c: &mut Cluster, words: &[String], out: &mut Output) {
    let Some(args) = parse("taint", words, TAINT_FLAGS, out) else { return };
    let usage = "error: at least one taint update is required\nSee 'kubectl taint -h' for help and examples";
    let (kind_word, name, specs) = match args.positional.as_slice() {
        [k, n, specs @ ..] if !specs.is_empty() => (k.as_str(), n.clone(), specs.to_vec()),
        [tn, specs @ ..] if tn.contains('/') && !specs.is_empty() => {
            let (k, n) = tn.split_once('/').unwrap_or_default();
            (k, n.to_string(), specs.to_vec())
        }
        _ => return out.fail(usage),
    };
    if Kind::parse(kind_word) != Some(Kind::Node) {
        return out.fail(format!("error: invalid resource type {kind_word}, only node types are supported"));
    }
    let mut adds: Vec<crate::api::node::Taint> = Vec::new();
    let mut removes: Vec<(String, Option<String>)> = Vec::new();
    for spec in &specs {
        if let Some(body) = spec.strip_suffix('-') {
            let (key, effect) = match body.split_once(':') {
                Some((k, e)) => (k.to_string(), Some(e.to_string())),
                None => (body.to_string(), None),
            };
            removes.push((key, effect));
            continue;
        }
        let Some((kv, effect)) = spec.split_once(':') else {
            return out.fail(format!("error: invalid taint spec: {spec}, unknown taint effect, must be one of NoSchedule, PreferNoSchedule or NoExecute"));
        };
        if !TAINT_EFFECTS.contains(&effect) {
            return out.fail(format!("error: invalid taint effect: {effect}, unsupported taint effect"));
        }
        let (key, value) = kv.split_once('=').unwrap_or((kv, ""));
        if let Err(e) = crate::validation::label_key(key) {
            return out.fail(format!("error: invalid taint spec: {spec}, {e}"));
        }
        if let Err(e) = crate::validation::label_value(value) {
            return out.fail(format!("error: invalid taint spec: {spec}, {e}"));
        }
        let mut t = crate::api::node::Taint::new(key, effect);
        t.value = value.to_string();
        if effect == "NoExecute" {
            t.time_added = Some(crate::api::meta::Time(c.now));
        }
        adds.push(t);
    }
    let Some(mut node) = node_named(c, &name, out) else { return };
    for (key, effect) in &removes {
        let before = node.spec.taints.len();
        node.spec.taints.retain(|t| !(t.key == *key && effect.as_ref().is_none_or(|e| &t.effect == e)));
        if node.spec.taints.len() == before {
            let shown = match effect {
                Some(e) => format!("{key}:{e}"),
                None => key.clone(),
            };
            return out.fail(format!("error: taint {shown:?} not found"));
        }
    }
    for t in adds.clone() {
        match node.spec.taints.iter_mut().find(|x| x.key == t.key && x.effect == t.effect) {
            Some(_) if !args.flag("overwrite") => {
                return out.fail(format!(
                    "error: node {name} already has {} taint(s) with same effect(s) and --overwrite is false",
                    t.key
                ));
            }
            Some(x) => *x = t,
            None => node.spec.taints.push(t),
        }
    }
    match c.api_update(node.into_object()) {
        Ok(_) => out.outln(format!("node/{name} {}", if adds.is_empty() { "untainted" } else { "tainted" })),
        Err(e) => out.fail(e.to_string()),
    }
}
