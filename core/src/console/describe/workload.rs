//! The workload reports: Deployment, ReplicaSet and StatefulSet, each with its pod template
//! (kubectl's `DescribePodTemplate`: labels, containers with their environment and mounts,
//! volumes, node selectors, tolerations).

use super::*;
use crate::api::StatefulSet;
use crate::api::pod::PodTemplateSpec;

/// The pod template section, at the top level of a report.
fn template(w: &mut Lines, t: &PodTemplateSpec) {
    w.text(0, "Pod Template:");
    map(w, 1, "Labels:", &t.metadata.labels);
    if !t.metadata.annotations.is_empty() {
        let mut entries = t.metadata.annotations.iter().map(|(k, v)| format!("{k}: {v}"));
        if let Some(first) = entries.next() {
            w.line(1, "Annotations:", &first);
            for e in entries {
                w.line(0, "", &e);
            }
        }
    }
    if !t.spec.service_account_name.is_empty() {
        w.line(1, "Service Account:", &t.spec.service_account_name);
    }
    if !t.spec.init_containers.is_empty() {
        containers(w, "Init Containers", &t.spec.init_containers, None, "  ");
    }
    containers(w, "Containers", &t.spec.containers, None, "  ");
    volumes(w, &t.spec.volumes, "  ");
    map(w, 1, "Node-Selectors:", &t.spec.node_selector);
    tolerations(w, "  ", &t.spec.tolerations);
}

/// The pod template alone, as `kubectl rollout history --revision=N` prints it.
pub(crate) fn pod_template(t: &PodTemplateSpec) -> String {
    let mut w = Lines::default();
    template(&mut w, t);
    w.render()
}

/// `Conditions:` as the workload describers print them (the type cell carries a space).
fn conditions(w: &mut Lines, cs: &[crate::api::meta::Condition]) {
    if cs.is_empty() {
        return;
    }
    w.text(0, "Conditions:");
    w.text(1, "Type\tStatus\tReason");
    w.text(1, "----\t------\t------");
    for c in cs {
        w.text(1, &format!("{} \t{}\t{}", c.type_, c.status, c.reason));
    }
}

/// Pods of a controller by phase: `N Running / N Waiting / N Succeeded / N Failed`.
fn pods_status(store: &Store, ns: &str, uid: &crate::api::Uid) -> String {
    let (mut running, mut waiting, mut succeeded, mut failed) = (0, 0, 0, 0);
    for p in store.list::<Pod>(Some(ns)).filter(|p| p.metadata.controller().is_some_and(|c| &c.uid == uid)) {
        match p.status.phase.as_str() {
            "Running" => running += 1,
            "Succeeded" => succeeded += 1,
            "Failed" => failed += 1,
            _ => waiting += 1,
        }
    }
    format!("{running} Running / {waiting} Waiting / {succeeded} Succeeded / {failed} Failed")
}

pub(super) fn deployment(w: &mut Lines, store: &Store, d: &Deployment) {
    let m = &d.metadata;
    w.line(0, "Name:", &m.name);
    w.line(0, "Namespace:", &m.namespace);
    if let Some(t) = m.creation_timestamp {
        w.line(0, "CreationTimestamp:", &t.0.rfc1123z());
    }
    map(w, 0, "Labels:", &m.labels);
    annotations(w, m);
    w.line(0, "Selector:", &crate::labels::format_map(&d.spec.selector.match_labels));
    let want = d.spec.replicas.unwrap_or(1);
    let st = &d.status;
    w.line(
        0,
        "Replicas:",
        &format!(
            "{want} desired | {} updated | {} total | {} available | {} unavailable",
            st.updated_replicas, st.replicas, st.available_replicas, st.unavailable_replicas
        ),
    );
    let strategy = if d.spec.strategy.type_.is_empty() { "RollingUpdate" } else { &d.spec.strategy.type_ };
    w.line(0, "StrategyType:", strategy);
    w.line(0, "MinReadySeconds:", &d.spec.min_ready_seconds.unwrap_or(0).to_string());
    if strategy == "RollingUpdate" {
        let ru = d.spec.strategy.rolling_update.as_ref();
        let show = |v: Option<&IntOrString>| v.map_or("25%".to_string(), |v| v.to_string());
        w.line(
            0,
            "RollingUpdateStrategy:",
            &format!(
                "{} max unavailable, {} max surge",
                show(ru.and_then(|r| r.max_unavailable.as_ref())),
                show(ru.and_then(|r| r.max_surge.as_ref()))
            ),
        );
    }
    template(w, &d.spec.template);
    conditions(w, &st.conditions);
    let sets: Vec<&ReplicaSet> = store
        .list::<ReplicaSet>(Some(&m.namespace))
        .filter(|rs| rs.metadata.controller().is_some_and(|o| o.uid == m.uid))
        .collect();
    let new = sets.iter().find(|rs| {
        let mut t = rs.spec.template.clone();
        t.metadata.labels.remove(crate::controllers::deployment::POD_TEMPLATE_HASH);
        t == d.spec.template
    });
    let describe_rs = |rs: &ReplicaSet| {
        format!("{} ({}/{} replicas created)", rs.metadata.name, rs.status.replicas, rs.spec.replicas.unwrap_or(1))
    };
    let old: Vec<String> = sets
        .iter()
        .filter(|rs| Some(&rs.metadata.name) != new.map(|n| &n.metadata.name) && rs.spec.replicas.unwrap_or(0) > 0)
        .map(|rs| describe_rs(rs))
        .collect();
    if !sets.is_empty() {
        w.line(0, "OldReplicaSets:", &or_none(&old.join(", ")));
        w.line(0, "NewReplicaSet:", &new.map_or("<none>".to_string(), |rs| describe_rs(rs)));
    }
}

pub(super) fn replica_set(w: &mut Lines, store: &Store, rs: &ReplicaSet) {
    let m = &rs.metadata;
    w.line(0, "Name:", &m.name);
    w.line(0, "Namespace:", &m.namespace);
    w.line(0, "Selector:", &crate::labels::format_map(&rs.spec.selector.match_labels));
    map(w, 0, "Labels:", &m.labels);
    annotations(w, m);
    if let Some(owner) = m.controller() {
        w.line(0, "Controlled By:", &format!("{}/{}", owner.kind, owner.name));
    }
    w.line(0, "Replicas:", &format!("{} current / {} desired", rs.status.replicas, rs.spec.replicas.unwrap_or(1)));
    w.line(0, "Pods Status:", &pods_status(store, &m.namespace, &m.uid));
    template(w, &rs.spec.template);
}

pub(super) fn stateful_set(w: &mut Lines, store: &Store, ss: &StatefulSet) {
    let m = &ss.metadata;
    w.line(0, "Name:", &m.name);
    w.line(0, "Namespace:", &m.namespace);
    if let Some(t) = m.creation_timestamp {
        w.line(0, "CreationTimestamp:", &t.0.rfc1123z());
    }
    w.line(0, "Selector:", &crate::labels::format_map(&ss.spec.selector.match_labels));
    map(w, 0, "Labels:", &m.labels);
    annotations(w, m);
    if !ss.spec.service_name.is_empty() {
        w.line(0, "Service Name:", &ss.spec.service_name);
    }
    let policy = if ss.spec.pod_management_policy.is_empty() { "OrderedReady" } else { &ss.spec.pod_management_policy };
    w.line(0, "Pod Management Policy:", policy);
    w.line(0, "Replicas:", &format!("{} desired | {} total", ss.spec.replicas.unwrap_or(1), ss.status.replicas));
    let strategy = ss.spec.update_strategy.as_ref();
    let kind = strategy.and_then(|s| s.get("type")).and_then(|t| t.as_str()).unwrap_or("RollingUpdate");
    w.line(0, "Update Strategy:", kind);
    if let Some(p) = strategy.and_then(|s| s.pointer("/rollingUpdate/partition")).and_then(|p| p.as_i64()) {
        w.line(1, "Partition:", &p.to_string());
    }
    w.line(0, "Pods Status:", &pods_status(store, &m.namespace, &m.uid));
    template(w, &ss.spec.template);
    if ss.spec.volume_claim_templates.is_empty() {
        w.line(0, "Volume Claims:", "<none>");
    } else {
        w.text(0, "Volume Claims:");
        for c in &ss.spec.volume_claim_templates {
            w.line(1, "Name:", &c.metadata.name);
            w.line(1, "StorageClass:", c.spec.storage_class_name.as_deref().unwrap_or(""));
            map(w, 1, "Labels:", &c.metadata.labels);
            map(w, 1, "Annotations:", &c.metadata.annotations);
            let capacity = c.spec.resources.requests.get("storage").map_or("<default>".to_string(), |q| q.0.clone());
            w.line(1, "Capacity:", &capacity);
            w.line(1, "Access Modes:", &format!("[{}]", c.spec.access_modes.join(" ")));
        }
    }
}
