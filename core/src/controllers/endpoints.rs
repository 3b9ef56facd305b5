//! The Endpoints controller: the legacy `core/v1` Endpoints object named after each Service, ready
//! addresses apart from not-ready ones. Terminating pods are left out (unless the Service publishes
//! not-ready addresses), as `shouldPodBeInEndpoints` decides.

use std::collections::BTreeMap;

use crate::api::discovery::{EndpointAddress, EndpointPort, EndpointSubset};
use crate::api::{Endpoints, Kind, ObjectKey, ObjectMeta, Pod, Resource, Service};
use crate::controllers::{Ctx, Op, reference};
use crate::labels::Selector;

pub fn reconcile(ctx: &Ctx, key: &ObjectKey) -> Vec<Op> {
    let current = ctx.store.get::<Endpoints>(key);
    let svc = ctx.store.get::<Service>(key);
    let Some(svc) = svc.filter(|s| !s.spec.selector.is_empty() && s.type_or_default() != "ExternalName") else {
        // Endpoints of a service without a selector belong to whoever wrote them; only an
        // Endpoints left behind by a deleted service is cleaned up.
        return match (current, ctx.store.get::<Service>(key)) {
            (Some(_), None) => vec![Op::Delete { kind: Kind::Endpoints, key: key.clone() }],
            _ => Vec::new(),
        };
    };
    let subsets = subsets_for(ctx, svc);
    match current {
        Some(ep) if ep.subsets == subsets && ep.metadata.labels == svc.metadata.labels => Vec::new(),
        Some(ep) => {
            let mut ep = ep.clone();
            ep.subsets = subsets;
            ep.metadata.labels = svc.metadata.labels.clone();
            vec![Op::Update(ep.into_object())]
        }
        None => vec![Op::Create(
            Endpoints {
                metadata: ObjectMeta {
                    name: svc.metadata.name.clone(),
                    namespace: svc.metadata.namespace.clone(),
                    labels: svc.metadata.labels.clone(),
                    ..Default::default()
                },
                subsets,
            }
            .into_object(),
        )],
    }
}

fn subsets_for(ctx: &Ctx, svc: &Service) -> Vec<EndpointSubset> {
    let selector = Selector::from_map(&svc.spec.selector);
    let publish = svc.spec.publish_not_ready_addresses == Some(true);
    let mut by_ports: BTreeMap<Vec<EndpointPort>, (Vec<EndpointAddress>, Vec<EndpointAddress>)> = BTreeMap::new();
    for pod in ctx.store.pods_matching(&svc.metadata.namespace, &selector) {
        if pod.status.pod_ip.is_empty() || pod.is_terminal() || (pod.metadata.is_terminating() && !publish) {
            continue;
        }
        let ports = ports_for(svc, pod);
        let addr = EndpointAddress {
            ip: pod.status.pod_ip.clone(),
            hostname: None,
            node_name: Some(pod.spec.node_name.clone()).filter(|n| !n.is_empty()),
            target_ref: Some(crate::api::meta::ObjectReference {
                api_version: String::new(),
                ..reference(Kind::Pod, &pod.metadata)
            }),
        };
        let entry = by_ports.entry(ports).or_default();
        if publish || pod.is_ready() {
            entry.0.push(addr);
        } else {
            entry.1.push(addr);
        }
    }
    by_ports
        .into_iter()
        .map(|(ports, (mut ready, mut not_ready))| {
            ready.sort_by(|a, b| a.ip.cmp(&b.ip));
            not_ready.sort_by(|a, b| a.ip.cmp(&b.ip));
            EndpointSubset { addresses: ready, not_ready_addresses: not_ready, ports }
        })
        .collect()
}

fn ports_for(svc: &Service, pod: &Pod) -> Vec<EndpointPort> {
    svc.spec
        .ports
        .iter()
        .filter_map(|p| {
            let target = p.target_port.clone().unwrap_or(crate::api::meta::IntOrString::Int(p.port));
            Some(EndpointPort {
                name: Some(p.name.clone()).filter(|n| !n.is_empty()),
                port: Some(pod.find_port(&target)?),
                protocol: Some(if p.protocol.is_empty() { "TCP".into() } else { p.protocol.clone() }),
                app_protocol: None,
            })
        })
        .collect()
}
