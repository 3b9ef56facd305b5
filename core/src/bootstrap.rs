//! The cluster a session starts with: three worker nodes, the system namespaces and services, and
//! (unless asked for an empty cluster) the course's example workloads, settled by the time the
//! session's clock reads 2026-01-01T00:00:00Z.

use std::collections::BTreeMap;

use crate::api::discovery::{EndpointAddress, EndpointConditions, EndpointPort, EndpointSubset, LABEL_SERVICE_NAME};
use crate::api::meta::{Condition, IntOrString};
use crate::api::node::{NodeAddress, NodeSpec, NodeStatus, NodeSystemInfo};
use crate::api::service::{ServicePort, ServiceSpec};
use crate::api::{EndpointSlice, Endpoints, Namespace, Node, Object, ObjectMeta, Resource, Service};
use crate::ipam::{Cidr, PodCidrAllocator};
use crate::time::{SimDuration, SimTime};
use crate::{Cluster, manifest};

pub const SERVICE_CIDR: &str = "10.96.0.0/12";
/// Where the (unseen) control plane's API server listens; the `kubernetes` Service's endpoint.
const API_SERVER_IP: &str = "10.0.0.10";
pub const KUBERNETES_VERSION: &str = "v1.34.2";

const SYSTEM: &str = include_str!("bootstrap/system.yaml");
const DEFAULT_CLUSTER: &str = include_str!("bootstrap/default-cluster.yaml");

pub fn bootstrap(c: &mut Cluster, empty: bool, nodes: usize) {
    c.now = SimTime(SimTime::SESSION_START.0 - SimDuration::seconds(30 * 60).0);
    for ns in ["default", "kube-node-lease", "kube-public", "kube-system"] {
        let obj = Namespace { metadata: ObjectMeta { name: ns.into(), ..Default::default() }, ..Default::default() };
        c.api_create(obj.into_object()).expect("system namespace");
    }
    // Each namespace's `default` ServiceAccount exists before anything runs in it.
    c.settle();
    for i in 1..=nodes {
        c.add_node(&format!("node-{i}")).expect("default node");
    }
    kubernetes_service(c);
    apply_builtin(c, SYSTEM);
    c.advance(SimDuration::seconds(25 * 60));
    if !empty {
        apply_builtin(c, DEFAULT_CLUSTER);
    }
    let rest = SimTime::SESSION_START - c.now;
    c.advance(rest);
}

fn apply_builtin(c: &mut Cluster, text: &str) {
    for doc in manifest::parse(text).expect("built-in manifest parses") {
        let obj = manifest::to_object(doc.value).expect("built-in object");
        c.api_create(obj).expect("built-in object is valid");
    }
}

impl Cluster {
    /// Adds a Ready worker node with the next /24 of the pod network (`10.244.N.0/24` for the
    /// N-th node by default).
    pub(crate) fn add_node(&mut self, name: &str) -> Result<(), crate::ApiError> {
        let n = self.ipam.next_node;
        let net = self.ipam.pod_network;
        if u64::from(n) >= net.size() / 256 {
            return Err(crate::ApiError {
                reason: crate::Reason::Invalid,
                message: format!("the pod network {net} has no /24 left for another node"),
            });
        }
        let cidr = format!("{}/24", crate::ipam::ip_string(net.nth(n * 256)));
        let node = node_object(name, n as usize, &cidr, self.now, &mut self.rng);
        self.api_create(node.into_object())?;
        self.ipam.next_node += 1;
        let parsed = Cidr::parse(&cidr).expect("valid pod CIDR");
        self.ipam.pods.insert(name.to_string(), PodCidrAllocator::new(parsed));
        self.machines.add(name);
        Ok(())
    }
}

fn node_object(name: &str, n: usize, cidr: &str, now: SimTime, rng: &mut crate::rng::SimRng) -> Node {
    let labels: BTreeMap<String, String> = [
        ("beta.kubernetes.io/arch", "amd64"),
        ("beta.kubernetes.io/os", "linux"),
        ("kubernetes.io/arch", "amd64"),
        ("kubernetes.io/hostname", name),
        ("kubernetes.io/os", "linux"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let resources: BTreeMap<String, String> = [
        ("cpu", "4"),
        ("ephemeral-storage", "102626232Ki"),
        ("hugepages-2Mi", "0"),
        ("memory", "16393208Ki"),
        ("pods", "110"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let cond = |t: &str, status: bool, reason: &str, message: &str| {
        let mut c = Condition::new(t, status, now);
        c.reason = reason.into();
        c.message = message.into();
        c.last_heartbeat_time = Some(crate::api::meta::Time(now));
        c
    };
    let id = rng.uuid().replace('-', "");
    Node {
        metadata: ObjectMeta { name: name.into(), labels, ..Default::default() },
        spec: NodeSpec {
            pod_cidr: cidr.into(),
            pod_cidrs: vec![cidr.into()],
            provider_id: format!("podscape://{name}"),
            ..Default::default()
        },
        status: NodeStatus {
            capacity: resources.clone(),
            allocatable: resources,
            conditions: vec![
                cond("MemoryPressure", false, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                cond("DiskPressure", false, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                cond("PIDPressure", false, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                cond("Ready", true, "KubeletReady", "kubelet is posting ready status"),
            ],
            addresses: vec![
                NodeAddress { type_: "InternalIP".into(), address: format!("10.0.0.{}", 10 + n) },
                NodeAddress { type_: "Hostname".into(), address: name.into() },
                // A cloud's public address (TEST-NET-2), which the Services tutorial reads to
                // reach a NodePort from outside.
                NodeAddress { type_: "ExternalIP".into(), address: format!("198.51.100.{}", 10 + n) },
            ],
            node_info: NodeSystemInfo {
                machine_id: id.clone(),
                system_uuid: rng.uuid(),
                boot_id: rng.uuid(),
                kernel_version: "6.12.48-podscape".into(),
                os_image: "Debian GNU/Linux 12 (bookworm)".into(),
                container_runtime_version: "containerd://2.1.4".into(),
                kubelet_version: KUBERNETES_VERSION.into(),
                kube_proxy_version: String::new(),
                operating_system: "linux".into(),
                architecture: "amd64".into(),
            },
        },
    }
}

/// The `kubernetes` Service in `default`: the API server's own address, the first of the service
/// CIDR, with endpoints the API server maintains itself (no selector).
fn kubernetes_service(c: &mut Cluster) {
    let labels: BTreeMap<String, String> = [("component", "apiserver"), ("provider", "kubernetes")]
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
    let svc = Service {
        metadata: ObjectMeta {
            name: "kubernetes".into(),
            namespace: "default".into(),
            labels: labels.clone(),
            ..Default::default()
        },
        spec: ServiceSpec {
            cluster_ip: c.ipam.services.first(),
            ports: vec![ServicePort {
                name: "https".into(),
                protocol: "TCP".into(),
                port: 443,
                target_port: Some(IntOrString::Int(6443)),
                ..Default::default()
            }],
            ..Default::default()
        },
        status: Default::default(),
    };
    c.api_create(svc.into_object()).expect("kubernetes service");
    let port =
        EndpointPort { name: Some("https".into()), port: Some(6443), protocol: Some("TCP".into()), app_protocol: None };
    let mut slice_labels = BTreeMap::new();
    slice_labels.insert(LABEL_SERVICE_NAME.to_string(), "kubernetes".to_string());
    let slice = EndpointSlice {
        metadata: ObjectMeta {
            name: "kubernetes".into(),
            namespace: "default".into(),
            labels: slice_labels,
            ..Default::default()
        },
        address_type: "IPv4".into(),
        endpoints: Some(vec![crate::api::discovery::Endpoint {
            addresses: vec![API_SERVER_IP.into()],
            conditions: EndpointConditions { ready: Some(true), serving: None, terminating: None },
            ..Default::default()
        }]),
        ports: Some(vec![port.clone()]),
    };
    c.api_create(Object::EndpointSlice(slice)).expect("kubernetes slice");
    let mut ep_labels = BTreeMap::new();
    ep_labels.insert("endpointslice.kubernetes.io/skip-mirror".to_string(), "true".to_string());
    let ep = Endpoints {
        metadata: ObjectMeta {
            name: "kubernetes".into(),
            namespace: "default".into(),
            labels: ep_labels,
            ..Default::default()
        },
        subsets: vec![EndpointSubset {
            addresses: vec![EndpointAddress { ip: API_SERVER_IP.into(), ..Default::default() }],
            not_ready_addresses: vec![],
            ports: vec![port],
        }],
    };
    c.api_create(Object::Endpoints(ep)).expect("kubernetes endpoints");
}
