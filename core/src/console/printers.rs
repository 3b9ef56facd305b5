//! kubectl's table printers (`pkg/printers/internalversion/printers.go`): the columns of
//! `kubectl get` for each kind, in the default and the `-o wide` form.

use crate::api::discovery::EndpointSlice;
use crate::api::meta::{ObjectMeta, Time};
use crate::api::storage::access_modes_short;
use crate::api::{Endpoints, Event, Kind, Namespace, Node, Object, Pod, Service};
use crate::labels::format_map;
use crate::time::{SimTime, human_duration};

/// The column headers for `kind`.
pub fn headers(kind: Kind, wide: bool) -> Vec<&'static str> {
    let (base, extra): (&[&str], &[&str]) = match kind {
        Kind::Pod => {
            (&["NAME", "READY", "STATUS", "RESTARTS", "AGE"], &["IP", "NODE", "NOMINATED NODE", "READINESS GATES"])
        }
        Kind::Service => (&["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"], &["SELECTOR"]),
        Kind::Endpoints => (&["NAME", "ENDPOINTS", "AGE"], &[]),
        Kind::EndpointSlice => (&["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"], &[]),
        Kind::Deployment => {
            (&["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"], &["CONTAINERS", "IMAGES", "SELECTOR"])
        }
        Kind::ReplicaSet => (&["NAME", "DESIRED", "CURRENT", "READY", "AGE"], &["CONTAINERS", "IMAGES", "SELECTOR"]),
        Kind::Node => (
            &["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
            &["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"],
        ),
        Kind::Namespace => (&["NAME", "STATUS", "AGE"], &[]),
        Kind::Event => (&["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"], &[]),
        Kind::ConfigMap => (&["NAME", "DATA", "AGE"], &[]),
        Kind::Secret => (&["NAME", "TYPE", "DATA", "AGE"], &[]),
        Kind::PersistentVolume => (
            &[
                "NAME",
                "CAPACITY",
                "ACCESS MODES",
                "RECLAIM POLICY",
                "STATUS",
                "CLAIM",
                "STORAGECLASS",
                "VOLUMEATTRIBUTESCLASS",
                "REASON",
                "AGE",
            ],
            &["VOLUMEMODE"],
        ),
        Kind::PersistentVolumeClaim => (
            &["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "AGE"],
            &["VOLUMEMODE"],
        ),
        Kind::StorageClass => {
            (&["NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION", "AGE"], &[])
        }
        Kind::StatefulSet => (&["NAME", "READY", "AGE"], &["CONTAINERS", "IMAGES"]),
        Kind::ControllerRevision => (&["NAME", "CONTROLLER", "REVISION", "AGE"], &[]),
        Kind::ServiceAccount => (&["NAME", "SECRETS", "AGE"], &[]),
        // Stored, not simulated: no status to show beyond the name and age.
        _ => (&["NAME", "AGE"], &[]),
    };
    let mut h = base.to_vec();
    if wide {
        h.extend_from_slice(extra);
    }
    h
}

/// One object's row; `name` is the NAME cell (possibly `kind/name`).
pub fn row(obj: &Object, name: String, now: SimTime, wide: bool) -> Vec<String> {
    let age = |m: &ObjectMeta| age(m.creation_timestamp, now);
    match obj {
        Object::Pod(p) => pod_row(p, name, now, wide),
        Object::ServiceAccount(sa) => vec![name, sa.secrets.len().to_string(), age(&sa.metadata)],
        Object::Service(s) => {
            let mut r = vec![
                name,
                s.type_or_default().to_string(),
                cluster_ip(s),
                external_ip(s),
                s.ports_column(),
                age(&s.metadata),
            ];
            if wide {
                r.push(if s.spec.selector.is_empty() { "<none>".into() } else { format_map(&s.spec.selector) });
            }
            r
        }
        Object::Endpoints(e) => vec![name, format_endpoints(e), age(&e.metadata)],
        Object::EndpointSlice(s) => {
            vec![name, s.address_type.clone(), slice_ports(s), slice_endpoints(s), age(&s.metadata)]
        }
        Object::Deployment(d) => {
            let desired = d.spec.replicas.unwrap_or(1);
            let mut r = vec![
                name,
                format!("{}/{desired}", d.status.ready_replicas),
                d.status.updated_replicas.to_string(),
                d.status.available_replicas.to_string(),
                age(&d.metadata),
            ];
            if wide {
                r.extend(containers_images(&d.spec.template.spec));
                r.push(selector_string(&d.spec.selector));
            }
            r
        }
        Object::ReplicaSet(rs) => {
            let mut r = vec![
                name,
                rs.spec.replicas.unwrap_or(1).to_string(),
                rs.status.replicas.to_string(),
                rs.status.ready_replicas.to_string(),
                age(&rs.metadata),
            ];
            if wide {
                r.extend(containers_images(&rs.spec.template.spec));
                r.push(selector_string(&rs.spec.selector));
            }
            r
        }
        Object::Node(n) => node_row(n, name, now, wide),
        Object::Namespace(ns) => vec![name, namespace_phase(ns), age(&ns.metadata)],
        Object::Event(e) => event_row(e, now),
        Object::ConfigMap(cm) => vec![name, (cm.data.len() + cm.binary_data.len()).to_string(), age(&cm.metadata)],
        Object::Secret(sec) => vec![
            name,
            if sec.type_.is_empty() { "Opaque".into() } else { sec.type_.clone() },
            sec.data.len().to_string(),
            age(&sec.metadata),
        ],
        Object::PersistentVolume(pv) => {
            let claim = pv.spec.claim_ref.as_ref().map_or(String::new(), |c| format!("{}/{}", c.namespace, c.name));
            let mut r = vec![
                name,
                pv.spec.capacity.get("storage").map_or(String::new(), |q| q.0.clone()),
                access_modes_short(&pv.spec.access_modes),
                pv.spec.persistent_volume_reclaim_policy.clone(),
                pv.status.phase.clone(),
                claim,
                pv.spec.storage_class_name.clone(),
                "<unset>".into(),
                pv.status.reason.clone(),
                age(&pv.metadata),
            ];
            if wide {
                r.push(if pv.spec.volume_mode.is_empty() { "Filesystem".into() } else { pv.spec.volume_mode.clone() });
            }
            r
        }
        Object::PersistentVolumeClaim(pvc) => {
            let mut r = vec![
                name,
                pvc.status.phase.clone(),
                pvc.spec.volume_name.clone(),
                pvc.status.capacity.get("storage").map_or(String::new(), |q| q.0.clone()),
                access_modes_short(&pvc.status.access_modes),
                pvc.spec.storage_class_name.clone().unwrap_or_default(),
                "<unset>".into(),
                age(&pvc.metadata),
            ];
            if wide {
                r.push(if pvc.spec.volume_mode.is_empty() {
                    "Filesystem".into()
                } else {
                    pvc.spec.volume_mode.clone()
                });
            }
            r
        }
        Object::StorageClass(sc) => {
            let default =
                sc.metadata.annotations.get("storageclass.kubernetes.io/is-default-class").is_some_and(|v| v == "true");
            vec![
                if default { format!("{name} (default)") } else { name },
                sc.provisioner.clone(),
                if sc.reclaim_policy.is_empty() { "Delete".into() } else { sc.reclaim_policy.clone() },
                if sc.volume_binding_mode.is_empty() { "Immediate".into() } else { sc.volume_binding_mode.clone() },
                sc.allow_volume_expansion.unwrap_or(false).to_string(),
                age(&sc.metadata),
            ]
        }
        Object::StatefulSet(ss) => {
            let mut r = vec![
                name,
                format!("{}/{}", ss.status.ready_replicas, ss.spec.replicas.unwrap_or(1)),
                age(&ss.metadata),
            ];
            if wide {
                r.extend(containers_images(&ss.spec.template.spec));
            }
            r
        }
        Object::ControllerRevision(cr) => {
            let controller = cr
                .metadata
                .controller()
                .map(|o| {
                    format!(
                        "{}.{}/{}",
                        o.kind.to_ascii_lowercase(),
                        o.api_version.split('/').next().unwrap_or(""),
                        o.name
                    )
                })
                .unwrap_or_else(|| "<none>".into());
            vec![name, controller, cr.revision.to_string(), age(&cr.metadata)]
        }
        other => vec![name, age(other.meta())],
    }
}

fn age(t: Option<Time>, now: SimTime) -> String {
    match t {
        Some(t) => human_duration(now - t.0),
        None => "<unknown>".into(),
    }
}

fn pod_row(p: &Pod, name: String, now: SimTime, wide: bool) -> Vec<String> {
    let (ready, total) = p.ready_count();
    let mut r = vec![
        name,
        format!("{ready}/{total}"),
        p.display_status(),
        restarts(p, now),
        age(p.metadata.creation_timestamp, now),
    ];
    if wide {
        r.push(if p.status.pod_ip.is_empty() { "<none>".into() } else { p.status.pod_ip.clone() });
        r.push(if p.spec.node_name.is_empty() { "<none>".into() } else { p.spec.node_name.clone() });
        r.push("<none>".into());
        r.push("<none>".into());
    }
    r
}

/// RESTARTS: the count, and how long ago the last restart was (`3 (45s ago)`), as kubectl ≥1.22.
fn restarts(p: &Pod, now: SimTime) -> String {
    let n = p.restarts();
    let last = p
        .status
        .container_statuses
        .iter()
        .filter_map(|c| c.last_state.terminated.as_ref().and_then(|t| t.finished_at))
        .max();
    match last {
        Some(t) if n > 0 => format!("{n} ({} ago)", human_duration(now - t.0)),
        _ => n.to_string(),
    }
}

fn cluster_ip(s: &Service) -> String {
    if s.type_or_default() == "ExternalName" || s.spec.cluster_ip.is_empty() {
        "<none>".into()
    } else {
        s.spec.cluster_ip.clone()
    }
}

/// EXTERNAL-IP: ExternalName's name, a LoadBalancer's ingress (or `<pending>`), external IPs.
fn external_ip(s: &Service) -> String {
    match s.type_or_default() {
        "ExternalName" => s.spec.external_name.clone(),
        "LoadBalancer" => {
            let mut ips: Vec<String> = s
                .status
                .load_balancer
                .ingress
                .iter()
                .map(|i| if i.ip.is_empty() { i.hostname.clone() } else { i.ip.clone() })
                .collect();
            ips.extend(s.spec.external_ips.iter().cloned());
            if ips.is_empty() { "<pending>".into() } else { ips.join(",") }
        }
        _ if !s.spec.external_ips.is_empty() => s.spec.external_ips.join(","),
        _ => "<none>".into(),
    }
}

/// kubectl's `formatEndpoints`: up to three `ip:port`, then `+ N more...`.
pub fn format_endpoints(e: &Endpoints) -> String {
    if e.subsets.is_empty() {
        return "<none>".into();
    }
    let max = 3;
    let mut list = Vec::new();
    let mut count = 0;
    for ss in &e.subsets {
        if ss.ports.is_empty() {
            count += ss.addresses.len();
            for a in &ss.addresses {
                if list.len() < max {
                    list.push(a.ip.clone());
                }
            }
        } else {
            for port in &ss.ports {
                count += ss.addresses.len();
                for a in &ss.addresses {
                    if list.len() < max {
                        list.push(format!("{}:{}", a.ip, port.port.unwrap_or(0)));
                    }
                }
            }
        }
    }
    let joined = list.join(",");
    if count > max { format!("{joined} + {} more...", count - max) } else { joined }
}

/// `formatDiscoveryPorts`.
fn slice_ports(s: &EndpointSlice) -> String {
    let ports = s.ports.as_deref().unwrap_or(&[]);
    if ports.is_empty() {
        return "<unset>".into();
    }
    let list: Vec<String> = ports.iter().take(3).map(|p| p.port.map_or("<unset>".into(), |n| n.to_string())).collect();
    let more = ports.len().saturating_sub(3);
    if more > 0 { format!("{} + {more} more...", list.join(",")) } else { list.join(",") }
}

/// `formatDiscoveryEndpoints`.
fn slice_endpoints(s: &EndpointSlice) -> String {
    let eps = s.endpoints.as_deref().unwrap_or(&[]);
    let all: Vec<&String> = eps.iter().flat_map(|e| &e.addresses).collect();
    if all.is_empty() {
        return "<unset>".into();
    }
    let shown: Vec<&str> = all.iter().take(3).map(|s| s.as_str()).collect();
    let more = all.len().saturating_sub(3);
    if more > 0 { format!("{} + {more} more...", shown.join(",")) } else { shown.join(",") }
}

fn containers_images(spec: &crate::api::pod::PodSpec) -> [String; 2] {
    let names: Vec<&str> = spec.containers.iter().map(|c| c.name.as_str()).collect();
    let images: Vec<&str> = spec.containers.iter().map(|c| c.image.as_str()).collect();
    [names.join(","), images.join(",")]
}

fn selector_string(sel: &crate::api::meta::LabelSelector) -> String {
    match crate::labels::Selector::from_label_selector(sel) {
        Ok(s) if !s.is_empty() => s.to_string(),
        _ => "<none>".into(),
    }
}

fn node_row(n: &Node, name: String, now: SimTime, wide: bool) -> Vec<String> {
    let mut r = vec![
        name,
        n.display_status(),
        n.roles(),
        age(n.metadata.creation_timestamp, now),
        n.status.node_info.kubelet_version.clone(),
    ];
    if wide {
        let ext = n
            .status
            .addresses
            .iter()
            .find(|a| a.type_ == "ExternalIP")
            .map_or("<none>".to_string(), |a| a.address.clone());
        r.push(n.internal_ip().to_string());
        r.push(ext);
        r.push(n.status.node_info.os_image.clone());
        r.push(n.status.node_info.kernel_version.clone());
        r.push(n.status.node_info.container_runtime_version.clone());
    }
    r
}

fn namespace_phase(ns: &Namespace) -> String {
    if ns.status.phase.is_empty() { "Active".into() } else { ns.status.phase.clone() }
}

fn event_row(e: &Event, now: SimTime) -> Vec<String> {
    let last = e.last_timestamp.or(e.first_timestamp);
    let mut last_seen = age(last, now);
    if e.count > 1 {
        last_seen = format!("{last_seen} (x{} over {})", e.count, age(e.first_timestamp, now));
    }
    let obj = format!("{}/{}", e.involved_object.kind.to_ascii_lowercase(), e.involved_object.name);
    vec![last_seen, e.type_.clone(), e.reason.clone(), obj, e.message.clone()]
}
