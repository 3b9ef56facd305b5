//! Server-side defaults: the fields the API server fills in on create, which `kubectl get -o yaml`
//! then shows (`SetDefaults_*` in `pkg/apis/*/v1/defaults.go`, plus the DefaultTolerationSeconds
//! admission plugin).

use crate::api::meta::IntOrString;
use crate::api::pod::{PodSpec, Toleration};
use crate::api::workload::{DeploymentStrategy, RollingUpdate};
use crate::api::{Object, Service};

pub fn apply(obj: &mut Object) {
    match obj {
        Object::Pod(p) => {
            pod_spec(&mut p.spec);
            pod_only(&mut p.spec);
            default_tolerations(&mut p.spec);
            if p.status.phase.is_empty() {
                p.status.phase = "Pending".into();
            }
            p.status.qos_class = crate::controllers::kubelet::qos_class(p);
        }
        Object::Deployment(d) => {
            d.spec.replicas.get_or_insert(1);
            d.spec.revision_history_limit.get_or_insert(10);
            d.spec.progress_deadline_seconds.get_or_insert(600);
            if d.spec.strategy.type_.is_empty() {
                d.spec.strategy.type_ = "RollingUpdate".into();
            }
            if d.spec.strategy.type_ == "RollingUpdate" {
                let ru = d.spec.strategy.rolling_update.get_or_insert_with(RollingUpdate::default);
                ru.max_surge.get_or_insert(IntOrString::String("25%".into()));
                ru.max_unavailable.get_or_insert(IntOrString::String("25%".into()));
            } else {
                d.spec.strategy = DeploymentStrategy { type_: d.spec.strategy.type_.clone(), rolling_update: None };
            }
            pod_spec(&mut d.spec.template.spec);
        }
        Object::ReplicaSet(rs) => {
            rs.spec.replicas.get_or_insert(1);
            pod_spec(&mut rs.spec.template.spec);
        }
        Object::Service(s) => service(s),
        Object::StatefulSet(ss) => {
            ss.spec.replicas.get_or_insert(1);
            if ss.spec.pod_management_policy.is_empty() {
                ss.spec.pod_management_policy = "OrderedReady".into();
            }
            ss.spec
                .update_strategy
                .get_or_insert_with(|| serde_json::json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}));
            ss.spec.revision_history_limit.get_or_insert(10);
            ss.spec
                .persistent_volume_claim_retention_policy
                .get_or_insert_with(|| serde_json::json!({"whenDeleted": "Retain", "whenScaled": "Retain"}));
            for t in &mut ss.spec.volume_claim_templates {
                if t.spec.volume_mode.is_empty() {
                    t.spec.volume_mode = "Filesystem".into();
                }
            }
            pod_spec(&mut ss.spec.template.spec);
        }
        Object::PersistentVolume(pv) => {
            if pv.spec.persistent_volume_reclaim_policy.is_empty() {
                pv.spec.persistent_volume_reclaim_policy = "Retain".into();
            }
            if pv.spec.volume_mode.is_empty() {
                pv.spec.volume_mode = "Filesystem".into();
            }
            if pv.status.phase.is_empty() {
                pv.status.phase = "Pending".into();
            }
        }
        Object::PersistentVolumeClaim(pvc) => {
            if pvc.spec.volume_mode.is_empty() {
                pvc.spec.volume_mode = "Filesystem".into();
            }
            if pvc.status.phase.is_empty() {
                pvc.status.phase = "Pending".into();
            }
        }
        Object::StorageClass(sc) => {
            if sc.reclaim_policy.is_empty() {
                sc.reclaim_policy = "Delete".into();
            }
            if sc.volume_binding_mode.is_empty() {
                sc.volume_binding_mode = "Immediate".into();
            }
        }
        Object::Secret(sec) if sec.type_.is_empty() => sec.type_ = "Opaque".into(),
        Object::Namespace(n) => {
            if n.spec.finalizers.is_empty() {
                n.spec.finalizers = vec!["kubernetes".into()];
            }
            n.status.phase = "Active".into();
            n.metadata.labels.insert("kubernetes.io/metadata.name".into(), n.metadata.name.clone());
        }
        _ => {}
    }
}

/// What only a Pod gets, not a template: `SetDefaults_Pod` (enableServiceLinks) and the
/// ServiceAccount and Priority admission plugins, so a Deployment's template stays as written.
fn pod_only(spec: &mut PodSpec) {
    if spec.service_account_name.is_empty() {
        spec.service_account_name = "default".into();
    }
    spec.service_account = spec.service_account_name.clone();
    if spec.preemption_policy.is_empty() {
        spec.preemption_policy = "PreemptLowerPriority".into();
    }
    spec.priority.get_or_insert(0);
    spec.enable_service_links.get_or_insert(true);
}

fn pod_spec(spec: &mut PodSpec) {
    let or = |s: &mut String, v: &str| {
        if s.is_empty() {
            *s = v.into();
        }
    };
    or(&mut spec.restart_policy, "Always");
    or(&mut spec.dns_policy, "ClusterFirst");
    or(&mut spec.scheduler_name, "default-scheduler");
    spec.termination_grace_period_seconds.get_or_insert(30);
    spec.security_context.get_or_insert_with(|| serde_json::json!({}));
    // The v1 conversion mirrors the deprecated field wherever a name is given.
    if !spec.service_account_name.is_empty() {
        spec.service_account = spec.service_account_name.clone();
    }
    for v in &mut spec.volumes {
        if let Some(cm) = &mut v.config_map {
            cm.default_mode.get_or_insert(420);
        }
        if let Some(sec) = &mut v.secret {
            sec.default_mode.get_or_insert(420);
        }
        if let Some(hp) = &mut v.host_path {
            hp.type_.get_or_insert_with(String::new);
        }
    }
    for c in spec.containers.iter_mut().chain(spec.init_containers.iter_mut()) {
        or(&mut c.termination_message_path, "/dev/termination-log");
        or(&mut c.termination_message_policy, "File");
        if c.image_pull_policy.is_empty() {
            // `Always` for `:latest` or an untagged image, `IfNotPresent` otherwise.
            let last = c.image.rsplit('/').next().unwrap_or("");
            let latest = !c.image.contains('@') && (!last.contains(':') || last.ends_with(":latest"));
            c.image_pull_policy = if latest { "Always" } else { "IfNotPresent" }.into();
        }
        let r = c.resources.get_or_insert_with(Default::default);
        // A limit without a request requests the limit (SetDefaults_Container).
        for (k, v) in r.limits.clone() {
            r.requests.entry(k).or_insert(v);
        }
        for p in &mut c.ports {
            or(&mut p.protocol, "TCP");
        }
        for probe in [&mut c.liveness_probe, &mut c.readiness_probe, &mut c.startup_probe].into_iter().flatten() {
            probe.timeout_seconds.get_or_insert(1);
            probe.period_seconds.get_or_insert(10);
            probe.success_threshold.get_or_insert(1);
            probe.failure_threshold.get_or_insert(3);
            if let Some(h) = &mut probe.http_get {
                or(&mut h.path, "/");
                or(&mut h.scheme, "HTTP");
            }
        }
    }
}

/// The DefaultTolerationSeconds admission plugin: every pod tolerates a NotReady or unreachable
/// node for 300 s before it is evicted.
fn default_tolerations(spec: &mut PodSpec) {
    for key in ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"] {
        if !spec.tolerations.iter().any(|t| t.key == key && t.effect == "NoExecute") {
            spec.tolerations.push(Toleration {
                key: key.into(),
                operator: "Exists".into(),
                value: String::new(),
                effect: "NoExecute".into(),
                toleration_seconds: Some(300),
            });
        }
    }
}

fn service(s: &mut Service) {
    let t = s.type_or_default().to_string();
    s.spec.type_ = t.clone();
    if t == "ExternalName" {
        return;
    }
    if s.spec.session_affinity.is_empty() {
        s.spec.session_affinity = "None".into();
    }
    if s.spec.internal_traffic_policy.is_empty() {
        s.spec.internal_traffic_policy = "Cluster".into();
    }
    if (t == "NodePort" || t == "LoadBalancer") && s.spec.external_traffic_policy.is_empty() {
        s.spec.external_traffic_policy = "Cluster".into();
    }
    if t == "LoadBalancer" && s.spec.allocate_load_balancer_node_ports.is_none() {
        s.spec.allocate_load_balancer_node_ports = Some(true);
    }
    if s.spec.ip_families.is_empty() {
        s.spec.ip_families = vec!["IPv4".into()];
    }
    if s.spec.ip_family_policy.is_empty() {
        s.spec.ip_family_policy = "SingleStack".into();
    }
    for p in &mut s.spec.ports {
        if p.protocol.is_empty() {
            p.protocol = "TCP".into();
        }
        if p.target_port.is_none() {
            p.target_port = Some(IntOrString::Int(p.port));
        }
    }
}
