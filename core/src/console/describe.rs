//! `kubectl describe`: the human report of one object (`pkg/describe/describe.go`), with the
//! Events about it at the end. Lines are laid out by a tab writer as kubectl's are (minimum
//! width 0, padding 2), so columns line up exactly as they do on a terminal.

use std::collections::BTreeMap;

use crate::api::meta::{IntOrString, ObjectMeta};
use crate::api::pod::Container;
use crate::api::{Deployment, Event, Kind, Node, Object, ObjectKey, PersistentVolumeClaim, Pod, ReplicaSet, Service};
use crate::store::Store;
use crate::time::{SimTime, human_duration};

mod workload;

pub(crate) use workload::pod_template;

/// The report for `obj`, as of `now`.
pub fn describe(store: &Store, obj: &Object, now: SimTime) -> String {
    let mut w = Lines::default();
    match obj {
        Object::Pod(p) => pod(&mut w, store, p),
        Object::Deployment(d) => workload::deployment(&mut w, store, d),
        Object::ReplicaSet(rs) => workload::replica_set(&mut w, store, rs),
        Object::StatefulSet(ss) => workload::stateful_set(&mut w, store, ss),
        Object::Service(s) => service(&mut w, store, s),
        Object::Node(n) => node(&mut w, store, n, now),
        Object::PersistentVolumeClaim(c) => claim(&mut w, store, c),
        Object::ConfigMap(cm) => config_map(&mut w, cm),
        // kubectl's secret describer ends with the data sizes: no Events section.
        Object::Secret(sec) => return secret(&mut w, sec),
        other => {
            let m = other.meta();
            w.line(0, "Name:", &m.name);
            if other.kind().namespaced() {
                w.line(0, "Namespace:", &m.namespace);
            }
            map(&mut w, 0, "Labels:", &m.labels);
            annotations(&mut w, m);
            if !other.kind().simulated() {
                w.text(0, "Note:\tstored, not simulated: no controller acts on it");
            }
        }
    }
    events(&mut w, store, obj.kind(), obj.meta(), now);
    w.render()
}

/// Lines of tab-separated cells, aligned as Go's text/tabwriter aligns them.
#[derive(Default)]
struct Lines {
    lines: Vec<Vec<String>>,
}

impl Lines {
    /// `label\tvalue` at an indent level (two spaces each).
    fn line(&mut self, level: usize, label: &str, value: &str) {
        self.text(level, &format!("{label}\t{value}"));
    }

    fn text(&mut self, level: usize, text: &str) {
        let indent = "  ".repeat(level);
        self.lines.push(format!("{indent}{text}").split('\t').map(str::to_string).collect());
    }

    fn render(&self) -> String {
        let mut out = String::new();
        let mut widths = Vec::new();
        self.format(&mut out, &mut widths, 0, self.lines.len());
        out
    }

    /// text/tabwriter's `format`: a column block is a run of consecutive lines that have a
    /// tab-terminated cell in that column; each block is as wide as its widest cell plus padding.
    fn format(&self, out: &mut String, widths: &mut Vec<usize>, line0: usize, line1: usize) {
        let column = widths.len();
        let mut start = line0;
        let mut this = line0;
        while this < line1 {
            if column + 1 >= self.lines[this].len() {
                this += 1;
                continue;
            }
            self.write(out, widths, start, this);
            let block = this;
            let mut width = 0;
            while this < line1 && column + 1 < self.lines[this].len() {
                width = width.max(self.lines[this][column].chars().count() + 2);
                this += 1;
            }
            widths.push(width);
            self.format(out, widths, block, this);
            widths.pop();
            start = this;
        }
        self.write(out, widths, start, line1);
    }

    fn write(&self, out: &mut String, widths: &[usize], from: usize, to: usize) {
        for line in &self.lines[from..to] {
            for (j, cell) in line.iter().enumerate() {
                out.push_str(cell);
                if j < widths.len() && j + 1 < line.len() {
                    out.push_str(&" ".repeat(widths[j].saturating_sub(cell.chars().count())));
                }
            }
            out.push('\n');
        }
    }
}

fn or_none(s: &str) -> String {
    if s.is_empty() { "<none>".into() } else { s.to_string() }
}

/// A map as describe prints it: the first entry beside the label, the rest below, aligned.
fn map(w: &mut Lines, level: usize, label: &str, m: &BTreeMap<String, String>) {
    let mut entries = m.iter().map(|(k, v)| format!("{k}={v}"));
    match entries.next() {
        None => w.line(level, label, "<none>"),
        Some(first) => {
            w.line(level, label, &first);
            for e in entries {
                w.line(level, "", &e);
            }
        }
    }
}

fn annotations(w: &mut Lines, m: &ObjectMeta) {
    // kubectl leaves the last-applied configuration out: it is the whole manifest again.
    let shown: BTreeMap<String, String> = m
        .annotations
        .iter()
        .filter(|(k, _)| k.as_str() != "kubectl.kubernetes.io/last-applied-configuration")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut entries = shown.iter().map(|(k, v)| format!("{k}: {v}"));
    match entries.next() {
        None => w.line(0, "Annotations:", "<none>"),
        Some(first) => {
            w.line(0, "Annotations:", &first);
            for e in entries {
                w.line(0, "", &e);
            }
        }
    }
}

/// The Events about the object, oldest first, as the table describe ends with.
fn events(w: &mut Lines, store: &Store, kind: Kind, meta: &ObjectMeta, now: SimTime) {
    let mut evs: Vec<&Event> = store
        .list::<Event>(None)
        .filter(|e| {
            e.involved_object.kind == kind.name()
                && e.involved_object.name == meta.name
                && (e.involved_object.uid.as_str().is_empty() || e.involved_object.uid == meta.uid)
        })
        .collect();
    if evs.is_empty() {
        w.text(0, "Events:\t<none>");
        return;
    }
    evs.sort_by_key(|e| (e.last_timestamp.or(e.first_timestamp), e.metadata.name.clone()));
    w.text(0, "Events:");
    w.text(1, "Type\tReason\tAge\tFrom\tMessage");
    w.text(1, "----\t------\t----\t----\t-------");
    for e in evs {
        let last = e.last_timestamp.or(e.first_timestamp).map_or(now, |t| t.0);
        let first = e.first_timestamp.map_or(last, |t| t.0);
        let age = if e.count > 1 {
            format!("{} (x{} over {})", human_duration(now - last), e.count, human_duration(now - first))
        } else {
            human_duration(now - last)
        };
        let from = match (&e.source.component, &e.source.host) {
            (c, h) if h.is_empty() => c.clone(),
            (c, h) => format!("{c}, {h}"),
        };
        w.text(1, &format!("{}\t{}\t{age}\t{from}\t{}", e.type_, e.reason, e.message));
    }
}

fn pod(w: &mut Lines, store: &Store, p: &Pod) {
    let m = &p.metadata;
    w.line(0, "Name:", &m.name);
    w.line(0, "Namespace:", &m.namespace);
    w.line(0, "Priority:", "0");
    let account = if p.spec.service_account_name.is_empty() { "default" } else { &p.spec.service_account_name };
    w.line(0, "Service Account:", account);
    let node = if p.spec.node_name.is_empty() {
        "<none>".to_string()
    } else {
        let ip = store.get::<Node>(&ObjectKey::cluster(p.spec.node_name.as_str())).map(|n| n.internal_ip().to_string());
        format!("{}/{}", p.spec.node_name, ip.unwrap_or_default())
    };
    w.line(0, "Node:", &node);
    if let Some(t) = p.status.start_time {
        w.line(0, "Start Time:", &t.0.rfc1123z());
    }
    map(w, 0, "Labels:", &m.labels);
    annotations(w, m);
    let status = if m.deletion_timestamp.is_some() { "Terminating".to_string() } else { p.status.phase.clone() };
    if let Some(t) = m.deletion_timestamp {
        w.line(
            0,
            "Status:",
            &format!("{status} (lasts {})", human_duration(t.0 - m.creation_timestamp.map_or(t.0, |c| c.0))),
        );
        w.line(0, "Termination Grace Period:", &format!("{}s", p.grace_period_seconds()));
    } else {
        w.line(0, "Status:", &status);
    }
    w.line(0, "IP:", &p.status.pod_ip);
    if p.status.pod_ip.is_empty() {
        w.line(0, "IPs:", "<none>");
    } else {
        w.text(0, "IPs:");
        w.line(1, "IP:", &p.status.pod_ip);
    }
    if let Some(owner) = m.controller() {
        w.line(0, "Controlled By:", &format!("{}/{}", owner.kind, owner.name));
    }
    if !p.spec.init_containers.is_empty() {
        containers(w, "Init Containers", &p.spec.init_containers, Some(&p.status.init_container_statuses), "");
    }
    containers(w, "Containers", &p.spec.containers, Some(&p.status.container_statuses), "");
    w.text(0, "Conditions:");
    w.text(1, "Type\tStatus");
    for c in &p.status.conditions {
        w.text(1, &format!("{}\t{} ", c.type_, c.status));
    }
    volumes(w, &p.spec.volumes, "");
    w.line(0, "QoS Class:", &p.status.qos_class);
    map(w, 0, "Node-Selectors:", &p.spec.node_selector);
    tolerations(w, "", &p.spec.tolerations);
}

/// kubectl's `describeContainers`: each container's image, ports, command, state (when
/// `statuses` are given: a pod's), resources, probes, environment and mounts. `space` is the
/// indent of the label (a pod template's is two spaces, and its names one more).
fn containers(
    w: &mut Lines,
    label: &str,
    cs: &[Container],
    statuses: Option<&[crate::api::pod::ContainerStatus]>,
    space: &str,
) {
    w.text(0, &format!("{space}{label}:{}", if cs.is_empty() { " <none>" } else { "" }));
    let name_indent = if space.is_empty() { "" } else { " " };
    for c in cs {
        let st = statuses.and_then(|all| all.iter().find(|s| s.name == c.name));
        w.text(1, &format!("{name_indent}{}:", c.name));
        if let Some(s) = st {
            w.line(2, "Container ID:", &s.container_id);
        }
        w.line(2, "Image:", &c.image);
        if let Some(s) = st {
            w.line(2, "Image ID:", &s.image_id);
        }
        container_detail(w, c, st, statuses.is_some());
    }
}

fn container_ports(c: &Container, host: bool) -> String {
    c.ports
        .iter()
        .map(|p| {
            let n = if host { p.host_port.unwrap_or(0) } else { p.container_port };
            let proto = if p.protocol.is_empty() { "TCP" } else { &p.protocol };
            if p.name.is_empty() { format!("{n}/{proto}") } else { format!("{n}/{proto} ({})", p.name) }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn container_detail(w: &mut Lines, c: &Container, st: Option<&crate::api::pod::ContainerStatus>, with_state: bool) {
    let ports = container_ports(c, false);
    w.line(2, if ports.contains(',') { "Ports:" } else { "Port:" }, &or_none(&ports));
    let host = container_ports(c, true);
    w.line(2, if host.contains(',') { "Host Ports:" } else { "Host Port:" }, &or_none(&host));
    for (label, words) in [("Command:", &c.command), ("Args:", &c.args)] {
        if !words.is_empty() {
            w.text(2, label);
            for a in words.iter().flat_map(|a| a.split('\n')) {
                w.text(3, a);
            }
        }
    }
    let state = |label: &str, s: &crate::api::pod::ContainerState, w: &mut Lines| {
        if let Some(r) = &s.running {
            w.line(2, label, "Running");
            if let Some(t) = r.started_at {
                w.line(3, "Started:", &t.0.rfc1123z());
            }
        } else if let Some(t) = &s.terminated {
            w.line(2, label, "Terminated");
            w.line(3, "Reason:", &t.reason);
            w.line(3, "Exit Code:", &t.exit_code.to_string());
            if let Some(s) = t.started_at {
                w.line(3, "Started:", &s.0.rfc1123z());
            }
            if let Some(f) = t.finished_at {
                w.line(3, "Finished:", &f.0.rfc1123z());
            }
        } else if let Some(wt) = &s.waiting {
            w.line(2, label, "Waiting");
            w.line(3, "Reason:", &wt.reason);
            if !wt.message.is_empty() {
                w.line(3, "Message:", &wt.message);
            }
        }
    };
    match st {
        Some(s) => {
            state("State:", &s.state, w);
            if !s.last_state.is_empty() {
                state("Last State:", &s.last_state, w);
            }
            w.line(2, "Ready:", if s.ready { "True" } else { "False" });
            w.line(2, "Restart Count:", &s.restart_count.to_string());
        }
        // A pod the kubelet has not reported on yet.
        None if with_state => {
            w.line(2, "State:", "Waiting");
            w.line(3, "Reason:", "ContainerCreating");
            w.line(2, "Ready:", "False");
            w.line(2, "Restart Count:", "0");
        }
        None => {}
    }
    if let Some(r) = &c.resources {
        for (label, m) in [("Limits:", &r.limits), ("Requests:", &r.requests)] {
            if !m.is_empty() {
                w.text(2, label);
                for (k, q) in m {
                    w.line(3, &format!("{k}:"), &q.0);
                }
            }
        }
    }
    for (label, spec) in
        [("Liveness:", &c.liveness_probe), ("Readiness:", &c.readiness_probe), ("Startup:", &c.startup_probe)]
    {
        if let Some(pr) = spec {
            w.line(2, label, &probe(pr));
        }
    }
    let env: Vec<String> = c
        .env
        .iter()
        .filter_map(|e| {
            let name = e.get("name")?.as_str()?;
            if let Some(v) = e.get("value").and_then(|v| v.as_str()) {
                return Some(format!("{name}:\t{v}"));
            }
            let from = e.get("valueFrom")?;
            let (what, r) = if let Some(r) = from.get("secretKeyRef") {
                ("secret", r)
            } else if let Some(r) = from.get("configMapKeyRef") {
                ("configmap", r)
            } else if let Some(path) = from.pointer("/fieldRef/fieldPath").and_then(|v| v.as_str()) {
                return Some(format!("{name}:\t ({path})"));
            } else {
                return Some(format!("{name}:\t<set to a value from elsewhere>"));
            };
            let key = r.get("key").and_then(|v| v.as_str()).unwrap_or("");
            let obj = r.get("name").and_then(|v| v.as_str()).unwrap_or("");
            let optional = r.get("optional").and_then(|v| v.as_bool()).unwrap_or(false);
            Some(format!("{name}:\t<set to the key '{key}' in {what} '{obj}'>\tOptional: {optional}"))
        })
        .collect();
    if env.is_empty() {
        w.line(2, "Environment:", "<none>");
    } else {
        w.text(2, "Environment:");
        for e in env {
            w.text(3, &e);
        }
    }
    if c.volume_mounts.is_empty() {
        w.line(2, "Mounts:", "<none>");
    } else {
        w.text(2, "Mounts:");
        for vm in &c.volume_mounts {
            let mut s = format!("{} from {}", vm.mount_path, vm.name);
            let mut opts = vec![if vm.read_only == Some(true) { "ro" } else { "rw" }.to_string()];
            if !vm.sub_path.is_empty() {
                opts.push(format!("path=\"{}\"", vm.sub_path));
            }
            s.push_str(&format!(" ({})", opts.join(",")));
            w.text(3, &s);
        }
    }
}

/// kubectl's `describeVolumes`: each volume's source, `space` indenting the label (a pod
/// template's is two spaces, and its names one more).
fn volumes(w: &mut Lines, vs: &[crate::api::storage::Volume], space: &str) {
    if vs.is_empty() {
        w.line(0, &format!("{space}Volumes:"), "<none>");
        return;
    }
    w.text(0, &format!("{space}Volumes:"));
    let name_indent = if space.is_empty() { "" } else { " " };
    for v in vs {
        w.text(1, &format!("{name_indent}{}:", v.name));
        if let Some(ed) = &v.empty_dir {
            w.line(2, "Type:", "EmptyDir (a temporary directory that shares a pod's lifetime)");
            w.line(2, "Medium:", &ed.medium);
            w.line(2, "SizeLimit:", &ed.size_limit.as_ref().map_or("<unset>".into(), |q| q.0.clone()));
        } else if let Some(hp) = &v.host_path {
            w.line(2, "Type:", "HostPath (bare host directory volume)");
            w.line(2, "Path:", &hp.path);
            w.line(2, "HostPathType:", hp.type_.as_deref().unwrap_or(""));
        } else if let Some(cm) = &v.config_map {
            w.line(2, "Type:", "ConfigMap (a volume populated by a ConfigMap)");
            w.line(2, "Name:", &cm.name);
            w.line(2, "Optional:", &cm.optional.unwrap_or(false).to_string());
        } else if let Some(s) = &v.secret {
            w.line(2, "Type:", "Secret (a volume populated by a Secret)");
            w.line(2, "SecretName:", &s.secret_name);
            w.line(2, "Optional:", &s.optional.unwrap_or(false).to_string());
        } else if let Some(c) = &v.persistent_volume_claim {
            w.line(2, "Type:", "PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)");
            w.line(2, "ClaimName:", &c.claim_name);
            w.line(2, "ReadOnly:", &c.read_only.to_string());
        } else {
            w.line(2, "Type:", &format!("{} (not simulated)", v.kind()));
        }
    }
}

/// kubectl's `printTolerationsMultiline`, sorted by key.
fn tolerations(w: &mut Lines, space: &str, ts: &[crate::api::pod::Toleration]) {
    let mut sorted: Vec<&crate::api::pod::Toleration> = ts.iter().collect();
    sorted.sort_by(|a, b| a.key.cmp(&b.key));
    let shown: Vec<String> = sorted
        .iter()
        .map(|t| {
            let mut s = t.key.clone();
            if !t.value.is_empty() {
                s.push_str(&format!("={}", t.value));
            }
            if !t.effect.is_empty() {
                s.push_str(&format!(":{}", t.effect));
            }
            if t.operator == "Exists" && t.value.is_empty() {
                s.push_str(if t.key.is_empty() && t.effect.is_empty() { "op=Exists" } else { " op=Exists" });
            }
            if let Some(secs) = t.toleration_seconds {
                s.push_str(&format!(" for {secs}s"));
            }
            s
        })
        .collect();
    let label = format!("{space}Tolerations:");
    match shown.split_first() {
        None => w.line(0, &label, "<none>"),
        Some((first, rest)) => {
            w.line(0, &label, first);
            for t in rest {
                w.line(0, "", t);
            }
        }
    }
}

/// `DescribeProbe`: what the probe does and its timing, with the API's defaults filled in.
fn probe(p: &crate::api::pod::Probe) -> String {
    let attrs = format!(
        "delay={}s timeout={}s period={}s #success={} #failure={}",
        p.initial_delay_seconds.unwrap_or(0),
        p.timeout_seconds.unwrap_or(1),
        p.period_seconds.unwrap_or(10),
        p.success_threshold.unwrap_or(1),
        p.failure_threshold.unwrap_or(3)
    );
    if let Some(e) = &p.exec {
        format!("exec [{}] {attrs}", e.command.join(" "))
    } else if let Some(h) = &p.http_get {
        let scheme = if h.scheme.is_empty() { "http".to_string() } else { h.scheme.to_ascii_lowercase() };
        format!("http-get {scheme}://{}:{}{} {attrs}", h.host, h.port, h.path)
    } else if let Some(t) = &p.tcp_socket {
        format!("tcp-socket {}:{} {attrs}", t.host, t.port)
    } else {
        format!("grpc <pod> {attrs}")
    }
}

fn service(w: &mut Lines, store: &Store, s: &Service) {
    let m = &s.metadata;
    w.line(0, "Name:", &m.name);
    w.line(0, "Namespace:", &m.namespace);
    map(w, 0, "Labels:", &m.labels);
    annotations(w, m);
    w.line(0, "Selector:", &or_none(&crate::labels::format_map(&s.spec.selector)));
    w.line(0, "Type:", s.type_or_default());
    w.line(
        0,
        "IP Family Policy:",
        if s.spec.ip_family_policy.is_empty() { "SingleStack" } else { &s.spec.ip_family_policy },
    );
    w.line(0, "IP Families:", "IPv4");
    w.line(0, "IP:", &or_none(&s.spec.cluster_ip));
    w.line(0, "IPs:", &or_none(&s.spec.cluster_ip));
    if let Some(ing) = s.status.load_balancer.ingress.first() {
        w.line(0, "LoadBalancer Ingress:", &ing.ip);
    }
    if s.type_or_default() == "ExternalName" {
        w.line(0, "External Name:", &s.spec.external_name);
    }
    let slices = store.slices_for_service(&ObjectKey::of(m));
    for p in &s.spec.ports {
        let name = if p.name.is_empty() { "<unset>" } else { &p.name };
        let proto = if p.protocol.is_empty() { "TCP" } else { &p.protocol };
        w.line(0, "Port:", &format!("{name}\t{}/{proto}", p.port));
        let target = p.target_port.as_ref().map_or(p.port.to_string(), |t| t.to_string());
        w.line(0, "TargetPort:", &format!("{target}/{proto}"));
        if let Some(np) = p.node_port {
            w.line(0, "NodePort:", &format!("{name}\t{np}/{proto}"));
        }
        w.line(0, "Endpoints:", &slice_endpoints(&slices, &p.name));
    }
    w.line(0, "Session Affinity:", if s.spec.session_affinity.is_empty() { "None" } else { &s.spec.session_affinity });
    if matches!(s.type_or_default(), "NodePort" | "LoadBalancer") {
        let policy = &s.spec.external_traffic_policy;
        w.line(0, "External Traffic Policy:", if policy.is_empty() { "Cluster" } else { policy });
    }
    w.line(
        0,
        "Internal Traffic Policy:",
        if s.spec.internal_traffic_policy.is_empty() { "Cluster" } else { &s.spec.internal_traffic_policy },
    );
}

/// The service port's ready endpoints as kubectl's `formatEndpointSlices` writes them: the
/// first three `ip:port`, then "+ N more...", and "<none>" when the service has no slice at all
/// (an empty string when it has slices but no ready endpoint). A slice without ports is a
/// headless service's: its addresses go bare.
fn slice_endpoints(slices: &[&crate::api::discovery::EndpointSlice], port_name: &str) -> String {
    const MAX: usize = 3;
    if slices.is_empty() {
        return "<none>".into();
    }
    let mut list = Vec::new();
    let mut count = 0;
    for slice in slices {
        let endpoints = slice.endpoints.as_deref().unwrap_or_default();
        let ready = endpoints.iter().filter(|e| e.conditions.ready.unwrap_or(true));
        let ports = slice.ports.as_deref().unwrap_or_default();
        if ports.is_empty() {
            for e in ready {
                if list.len() < MAX {
                    list.push(e.addresses[0].clone());
                }
                count += 1;
            }
            continue;
        }
        for port in ports.iter().filter(|sp| sp.name.as_deref().unwrap_or("") == port_name) {
            for e in ready.clone() {
                if list.len() < MAX {
                    list.push(format!("{}:{}", e.addresses[0], port.port.unwrap_or(0)));
                }
                count += 1;
            }
        }
    }
    let joined = list.join(",");
    if count > MAX { format!("{joined} + {} more...", count - MAX) } else { joined }
}

fn node(w: &mut Lines, store: &Store, n: &Node, now: SimTime) {
    let m = &n.metadata;
    w.line(0, "Name:", &m.name);
    let role = m.labels.keys().filter_map(|k| k.strip_prefix("node-role.kubernetes.io/")).collect::<Vec<_>>().join(",");
    w.line(0, "Roles:", &or_none(&role));
    map(w, 0, "Labels:", &m.labels);
    annotations(w, m);
    if let Some(t) = m.creation_timestamp {
        w.line(0, "CreationTimestamp:", &t.0.rfc1123z());
    }
    let taints: Vec<String> = n
        .spec
        .taints
        .iter()
        .map(|t| {
            if t.value.is_empty() {
                format!("{}:{}", t.key, t.effect)
            } else {
                format!("{}={}:{}", t.key, t.value, t.effect)
            }
        })
        .collect();
    match taints.split_first() {
        None => w.line(0, "Taints:", "<none>"),
        Some((first, rest)) => {
            w.line(0, "Taints:", first);
            for t in rest {
                w.line(0, "", t);
            }
        }
    }
    w.line(0, "Unschedulable:", &n.is_unschedulable().to_string());
    w.text(0, "Conditions:");
    w.text(1, "Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage");
    w.text(1, "----\t------\t-----------------\t------------------\t------\t-------");
    for c in &n.status.conditions {
        let t = |x: Option<crate::api::meta::Time>| x.map_or(String::new(), |t| t.0.rfc1123z());
        w.text(
            1,
            &format!(
                "{}\t{}\t{}\t{}\t{}\t{}",
                c.type_,
                c.status,
                t(c.last_heartbeat_time),
                t(c.last_transition_time),
                c.reason,
                c.message
            ),
        );
    }
    w.text(0, "Addresses:");
    for a in &n.status.addresses {
        w.line(1, &format!("{}:", a.type_), &a.address);
    }
    w.text(0, "Capacity:");
    for (k, v) in &n.status.capacity {
        w.line(1, &format!("{k}:"), v);
    }
    w.text(0, "Allocatable:");
    for (k, v) in &n.status.allocatable {
        w.line(1, &format!("{k}:"), v);
    }
    w.line(0, "PodCIDR:", &n.spec.pod_cidr);
    let pods: Vec<&Pod> = store.pods_on_node(&m.name).filter(|p| !p.is_terminal()).collect();
    w.line(0, "Non-terminated Pods:", &format!("({} in total)", pods.len()));
    w.text(1, "Namespace\tName\tAge");
    w.text(1, "---------\t----\t---");
    for p in pods {
        let age = p.metadata.creation_timestamp.map_or(String::new(), |t| human_duration(now - t.0));
        w.text(1, &format!("{}\t{}\t{age}", p.metadata.namespace, p.metadata.name));
    }
}

/// `describeConfigMap`: each key and its value in full, then binary keys by size.
fn config_map(w: &mut Lines, cm: &crate::api::ConfigMap) {
    let m = &cm.metadata;
    w.line(0, "Name:", &m.name);
    w.line(0, "Namespace:", &m.namespace);
    map(w, 0, "Labels:", &m.labels);
    annotations(w, m);
    w.text(0, "");
    w.text(0, "Data");
    w.text(0, "====");
    for (k, v) in &cm.data {
        w.text(0, &format!("{k}:"));
        w.text(0, "----");
        w.text(0, v);
    }
    w.text(0, "");
    w.text(0, "BinaryData");
    w.text(0, "====");
    for (k, v) in &cm.binary_data {
        let len = base64_len(v);
        w.text(0, &format!("{k}: {len} bytes"));
    }
    w.text(0, "");
}

/// `describeSecret`: never the values, only their sizes.
fn secret(w: &mut Lines, s: &crate::api::Secret) -> String {
    let m = &s.metadata;
    w.line(0, "Name:", &m.name);
    w.line(0, "Namespace:", &m.namespace);
    map(w, 0, "Labels:", &m.labels);
    annotations(w, m);
    w.text(0, "");
    w.line(0, "Type:", &s.type_);
    w.text(0, "");
    w.text(0, "Data");
    w.text(0, "====");
    for (k, v) in &s.data {
        w.line(0, &format!("{k}:"), &format!("{} bytes", base64_len(v)));
    }
    w.render()
}

/// The decoded length of a base64 value as the API stores it.
fn base64_len(v: &str) -> usize {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(v).map_or(0, |b| b.len())
}

fn claim(w: &mut Lines, store: &Store, c: &PersistentVolumeClaim) {
    let m = &c.metadata;
    w.line(0, "Name:", &m.name);
    w.line(0, "Namespace:", &m.namespace);
    w.line(0, "StorageClass:", c.spec.storage_class_name.as_deref().unwrap_or(""));
    w.line(0, "Status:", &c.status.phase);
    w.line(0, "Volume:", &c.spec.volume_name);
    map(w, 0, "Labels:", &m.labels);
    annotations(w, m);
    w.line(0, "Finalizers:", &format!("[{}]", m.finalizers.join(" ")));
    w.line(0, "Capacity:", &c.status.capacity.get("storage").map_or(String::new(), |q| q.0.clone()));
    w.line(0, "Access Modes:", &crate::api::storage::access_modes_short(&c.status.access_modes));
    w.line(0, "VolumeMode:", if c.spec.volume_mode.is_empty() { "Filesystem" } else { &c.spec.volume_mode });
    let users: Vec<String> = store
        .list::<Pod>(Some(&m.namespace))
        .filter(|p| {
            p.spec.volumes.iter().any(|v| v.persistent_volume_claim.as_ref().is_some_and(|pc| pc.claim_name == m.name))
        })
        .map(|p| p.metadata.name.clone())
        .collect();
    match users.split_first() {
        None => w.line(0, "Used By:", "<none>"),
        Some((first, rest)) => {
            w.line(0, "Used By:", first);
            for u in rest {
                w.line(0, "", u);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_as_tabwriter_aligns_them() {
        let mut w = Lines::default();
        w.line(0, "Name:", "nginx");
        w.line(0, "Service Account:", "default");
        w.text(0, "IPs:");
        w.line(1, "IP:", "10.244.1.4");
        w.line(0, "QoS Class:", "BestEffort");
        w.text(0, "Containers:");
        w.line(0, "Events:", "<none>");
        // A line without a tab ends a column block; adjacent tabbed lines align together whatever
        // their indent, as in Go's text/tabwriter.
        assert_eq!(
            w.render(),
            "Name:             nginx\nService Account:  default\nIPs:\n  IP:       10.244.1.4\nQoS Class:  BestEffort\nContainers:\nEvents:  <none>\n"
        );
    }

    #[test]
    fn times_print_as_rfc1123z() {
        assert_eq!(SimTime::SESSION_START.rfc1123z(), "Thu, 01 Jan 2026 00:00:00 +0000");
    }
}
