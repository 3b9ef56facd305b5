//! The EndpointSlice controller: for each Service with a selector, lists the pods it selects, with
//! their ready/serving/terminating conditions and their resolved target ports, in slices of at
//! most 100 endpoints (`--max-endpoints-per-slice`), labelled `kubernetes.io/service-name`.

use std::collections::BTreeMap;

use crate::api::discovery::{
    Endpoint, EndpointConditions, EndpointPort, LABEL_MANAGED_BY, LABEL_SERVICE_NAME, MANAGED_BY_CONTROLLER,
};
use crate::api::meta::OwnerReference;
use crate::api::{EndpointSlice, Kind, ObjectKey, ObjectMeta, Pod, Resource, Service};
use crate::controllers::{Ctx, Op, reference};
use crate::labels::Selector;

/// The controller's default `--max-endpoints-per-slice`.
pub const MAX_ENDPOINTS_PER_SLICE: usize = 100;

pub fn reconcile(ctx: &Ctx, key: &ObjectKey) -> Vec<Op> {
    let existing: Vec<&EndpointSlice> = ctx
        .store
        .slices_for_service(key)
        .into_iter()
        .filter(|s| s.metadata.labels.get(LABEL_MANAGED_BY).map(String::as_str) == Some(MANAGED_BY_CONTROLLER))
        .collect();
    let Some(svc) = ctx.store.get::<Service>(key) else {
        return existing.iter().map(|s| Op::Delete { kind: Kind::EndpointSlice, key: s.key() }).collect();
    };
    if svc.spec.selector.is_empty() || svc.type_or_default() == "ExternalName" || svc.metadata.is_terminating() {
        return existing.iter().map(|s| Op::Delete { kind: Kind::EndpointSlice, key: s.key() }).collect();
    }
    let desired = desired_slices(ctx, svc);

    let mut ops = Vec::new();
    let mut existing = existing.into_iter();
    for (ports, endpoints) in desired {
        match existing.next() {
            Some(old) => {
                if old.ports != ports || old.endpoints != endpoints || old.metadata.labels != slice_labels(svc) {
                    let mut s = old.clone();
                    s.ports = ports;
                    s.endpoints = endpoints;
                    s.metadata.labels = slice_labels(svc);
                    ops.push(Op::Update(s.into_object()));
                }
            }
            None => ops.push(Op::Create(new_slice(svc, ports, endpoints).into_object())),
        }
    }
    for extra in existing {
        ops.push(Op::Delete { kind: Kind::EndpointSlice, key: extra.key() });
    }
    ops
}

type SliceContent = (Option<Vec<EndpointPort>>, Option<Vec<Endpoint>>);

/// The slices the service should have: endpoints grouped by their resolved ports (a named
/// targetPort can resolve differently per pod), each group cut into slices of at most 100; one
/// empty placeholder slice when nothing is selected.
fn desired_slices(ctx: &Ctx, svc: &Service) -> Vec<SliceContent> {
    let selector = Selector::from_map(&svc.spec.selector);
    let mut pods: Vec<&Pod> = ctx.store.pods_matching(&svc.metadata.namespace, &selector);
    pods.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
    let publish = svc.spec.publish_not_ready_addresses == Some(true);
    let mut groups: BTreeMap<Vec<EndpointPort>, Vec<Endpoint>> = BTreeMap::new();
    for pod in pods {
        if pod.status.pod_ip.is_empty() || pod.is_terminal() {
            continue;
        }
        let ports = resolve_ports(svc, pod);
        groups.entry(ports).or_default().push(endpoint_for(pod, svc, publish));
    }
    if groups.is_empty() {
        return vec![(None, None)];
    }
    let mut out = Vec::new();
    for (ports, endpoints) in groups {
        for chunk in endpoints.chunks(MAX_ENDPOINTS_PER_SLICE) {
            out.push((Some(ports.clone()), Some(chunk.to_vec())));
        }
    }
    out
}

/// One pod as an endpoint (`podToEndpoint`): ready only when the pod is Ready and not
/// terminating; serving follows Ready even while terminating; publishNotReadyAddresses makes
/// every endpoint ready. A pod whose subdomain names the service is listed by its hostname, which
/// is what gives StatefulSet pods their own DNS names (`ShouldSetHostname`).
pub fn endpoint_for(pod: &Pod, svc: &Service, publish_not_ready: bool) -> Endpoint {
    let terminating = pod.metadata.is_terminating();
    let ready = pod.is_ready();
    Endpoint {
        addresses: vec![pod.status.pod_ip.clone()],
        conditions: EndpointConditions {
            ready: Some(publish_not_ready || (ready && !terminating)),
            serving: Some(publish_not_ready || ready),
            terminating: Some(terminating),
        },
        hostname: Some(pod.spec.hostname.clone()).filter(|h| {
            !h.is_empty() && pod.spec.subdomain == svc.metadata.name && pod.metadata.namespace == svc.metadata.namespace
        }),
        node_name: Some(pod.spec.node_name.clone()).filter(|n| !n.is_empty()),
        target_ref: Some(crate::api::meta::ObjectReference {
            api_version: String::new(),
            ..reference(Kind::Pod, &pod.metadata)
        }),
        zone: None,
    }
}

/// The service's ports as this pod serves them; a named targetPort the pod lacks leaves the port
/// out for that pod, as the controller does.
fn resolve_ports(svc: &Service, pod: &Pod) -> Vec<EndpointPort> {
    svc.spec
        .ports
        .iter()
        .filter_map(|p| {
            let target = p.target_port.clone().unwrap_or(crate::api::meta::IntOrString::Int(p.port));
            let port = pod.find_port(&target)?;
            Some(EndpointPort {
                name: Some(p.name.clone()),
                port: Some(port),
                protocol: Some(if p.protocol.is_empty() { "TCP".into() } else { p.protocol.clone() }),
                app_protocol: p.app_protocol.clone(),
            })
        })
        .collect()
}

/// A slice carries its service's labels plus the two the controller owns.
fn slice_labels(svc: &Service) -> BTreeMap<String, String> {
    let mut labels = svc.metadata.labels.clone();
    labels.insert(LABEL_SERVICE_NAME.into(), svc.metadata.name.clone());
    labels.insert(LABEL_MANAGED_BY.into(), MANAGED_BY_CONTROLLER.into());
    // Slices of a headless Service say so (`service.kubernetes.io/headless`), for kube-proxy to
    // skip them.
    if svc.is_headless() {
        labels.insert("service.kubernetes.io/headless".into(), String::new());
    }
    labels
}

fn new_slice(svc: &Service, ports: Option<Vec<EndpointPort>>, endpoints: Option<Vec<Endpoint>>) -> EndpointSlice {
    EndpointSlice {
        metadata: ObjectMeta {
            generate_name: format!("{}-", svc.metadata.name),
            namespace: svc.metadata.namespace.clone(),
            labels: slice_labels(svc),
            owner_references: vec![OwnerReference {
                api_version: "v1".into(),
                kind: "Service".into(),
                name: svc.metadata.name.clone(),
                uid: svc.metadata.uid.clone(),
                controller: Some(true),
                block_owner_deletion: Some(true),
            }],
            ..Default::default()
        },
        address_type: "IPv4".into(),
        endpoints,
        ports,
    }
}
