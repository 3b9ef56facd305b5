//! The Endpoints controller: the legacy `core/v1` Endpoints object named after each Service, ready
//! addresses apart from not-ready ones. Terminating pods are left out (unless the Service publishes
//! not-ready addresses), as `shouldPodBeInEndpoints` decides. An Endpoints object holds at most
//! 1,000 addresses (`maxCapacity` in pkg/controller/endpoint/endpoints_controller.go): past that
//! the controller truncates it, keeping ready addresses first, and says so in the
//! `endpoints.kubernetes.io/over-capacity: truncated` annotation.

use std::collections::BTreeMap;

use crate::api::discovery::{EndpointAddress, EndpointPort, EndpointSubset};
use crate::api::{Endpoints, Kind, ObjectKey, ObjectMeta, Pod, Resource, Service};
use crate::controllers::{Ctx, Op, is_pod_target, reference};
use crate::labels::Selector;

/// The most addresses one Endpoints object lists.
pub const MAX_CAPACITY: usize = 1000;
/// The annotation on an Endpoints object the controller truncated (`v1.EndpointsOverCapacity`).
pub const OVER_CAPACITY: &str = "endpoints.kubernetes.io/over-capacity";

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
    let (subsets, truncated) = desired_subsets(ctx, svc);
    let annotations = |ep: Option<&Endpoints>| {
        let mut a = ep.map(|e| e.metadata.annotations.clone()).unwrap_or_default();
        if truncated {
            a.insert(OVER_CAPACITY.into(), "truncated".into());
        } else {
            a.remove(OVER_CAPACITY);
        }
        a
    };
    match current {
        Some(ep)
            if subsets_are(&ep.subsets, &subsets)
                && ep.metadata.labels == svc.metadata.labels
                && ep.metadata.annotations.contains_key(OVER_CAPACITY) == truncated =>
        {
            Vec::new()
        }
        Some(ep) => {
            let ep = Endpoints {
                metadata: ObjectMeta {
                    labels: svc.metadata.labels.clone(),
                    annotations: annotations(Some(ep)),
                    ..ep.metadata.clone()
                },
                subsets: build(&subsets),
            };
            vec![Op::Update(ep.into_object())]
        }
        None => vec![Op::Create(
            Endpoints {
                metadata: ObjectMeta {
                    name: svc.metadata.name.clone(),
                    namespace: svc.metadata.namespace.clone(),
                    labels: svc.metadata.labels.clone(),
                    annotations: annotations(None),
                    ..Default::default()
                },
                subsets: build(&subsets),
            }
            .into_object(),
        )],
    }
}

/// One subset as the controller wants it, borrowing the pods: most syncs of a large Service find
/// nothing changed, and need not build 1,000 addresses to learn it.
struct Subset<'a> {
    ports: Vec<EndpointPort>,
    ready: Vec<&'a Pod>,
    not_ready: Vec<&'a Pod>,
}

/// The subsets (addresses grouped by the ports they resolve to, each list by IP), truncated to
/// [`MAX_CAPACITY`]; and whether they were.
fn desired_subsets<'a>(ctx: &Ctx<'a>, svc: &'a Service) -> (Vec<Subset<'a>>, bool) {
    let selector = Selector::from_map(&svc.spec.selector);
    let publish = svc.spec.publish_not_ready_addresses == Some(true);
    let mut by_ports: BTreeMap<Vec<Option<i32>>, Subset> = BTreeMap::new();
    for pod in ctx.store.pods_matching(&svc.metadata.namespace, &selector) {
        if pod.status.pod_ip.is_empty() || pod.is_terminal() || (pod.metadata.is_terminating() && !publish) {
            continue;
        }
        let entry = by_ports.entry(port_numbers(svc, pod)).or_insert_with_key(|numbers| Subset {
            ports: endpoint_ports(svc, numbers),
            ready: Vec::new(),
            not_ready: Vec::new(),
        });
        if publish || pod.is_ready() {
            entry.ready.push(pod);
        } else {
            entry.not_ready.push(pod);
        }
    }
    let mut subsets: Vec<Subset> = by_ports
        .into_values()
        .map(|mut s| {
            s.ready.sort_by(|a, b| a.status.pod_ip.cmp(&b.status.pod_ip));
            s.not_ready.sort_by(|a, b| a.status.pod_ip.cmp(&b.status.pod_ip));
            s
        })
        .collect();
    subsets.sort_by(|a, b| a.ports.cmp(&b.ports));
    let truncated = truncate(&mut subsets);
    (subsets, truncated)
}

/// `truncateEndpoints`: past [`MAX_CAPACITY`], each subset keeps its share (rounded up, within
/// what is left) of the ready addresses if those alone overflow, dropping every not-ready one;
/// otherwise every ready address stays and the not-ready ones are shared out.
fn truncate(subsets: &mut [Subset]) -> bool {
    let total_ready: usize = subsets.iter().map(|s| s.ready.len()).sum();
    let total_not_ready: usize = subsets.iter().map(|s| s.not_ready.len()).sum();
    if total_ready + total_not_ready <= MAX_CAPACITY {
        return false;
    }
    let truncate_ready = total_ready > MAX_CAPACITY;
    let (max, total) =
        if truncate_ready { (MAX_CAPACITY, total_ready) } else { (MAX_CAPACITY - total_ready, total_not_ready) };
    let mut can_be_added = max;
    for s in subsets {
        let list = if truncate_ready { &mut s.ready } else { &mut s.not_ready };
        let share = (list.len() * max).div_ceil(total).min(can_be_added);
        list.truncate(share);
        can_be_added -= list.len();
        if truncate_ready {
            s.not_ready.clear();
        }
    }
    true
}

fn address_for(pod: &Pod) -> EndpointAddress {
    EndpointAddress {
        ip: pod.status.pod_ip.clone(),
        hostname: None,
        node_name: Some(pod.spec.node_name.clone()).filter(|n| !n.is_empty()),
        target_ref: Some(crate::api::meta::ObjectReference {
            api_version: String::new(),
            ..reference(Kind::Pod, &pod.metadata)
        }),
    }
}

/// True when `a` is exactly [`address_for`] of `pod`.
fn address_is(a: &EndpointAddress, pod: &Pod) -> bool {
    a.ip == pod.status.pod_ip
        && a.hostname.is_none()
        && a.node_name.as_deref() == Some(pod.spec.node_name.as_str()).filter(|n| !n.is_empty())
        && a.target_ref.as_ref().is_some_and(|r| is_pod_target(r, pod))
}

fn subsets_are(current: &[EndpointSubset], desired: &[Subset]) -> bool {
    let same = |addrs: &[EndpointAddress], pods: &[&Pod]| {
        addrs.len() == pods.len() && addrs.iter().zip(pods).all(|(a, p)| address_is(a, p))
    };
    current.len() == desired.len()
        && current.iter().zip(desired).all(|(c, d)| {
            c.ports == d.ports && same(&c.addresses, &d.ready) && same(&c.not_ready_addresses, &d.not_ready)
        })
}

fn build(desired: &[Subset]) -> Vec<EndpointSubset> {
    desired
        .iter()
        .map(|s| EndpointSubset {
            addresses: s.ready.iter().map(|p| address_for(p)).collect(),
            not_ready_addresses: s.not_ready.iter().map(|p| address_for(p)).collect(),
            ports: s.ports.clone(),
        })
        .collect()
}

/// The resolved target port of each of the Service's ports for one pod; `None` for a named
/// targetPort the pod lacks.
fn port_numbers(svc: &Service, pod: &Pod) -> Vec<Option<i32>> {
    svc.spec
        .ports
        .iter()
        .map(|p| pod.find_port(&p.target_port.clone().unwrap_or(crate::api::meta::IntOrString::Int(p.port))))
        .collect()
}

fn endpoint_ports(svc: &Service, numbers: &[Option<i32>]) -> Vec<EndpointPort> {
    svc.spec
        .ports
        .iter()
        .zip(numbers)
        .filter_map(|(p, n)| {
            Some(EndpointPort {
                name: Some(p.name.clone()).filter(|n| !n.is_empty()),
                port: Some((*n)?),
                protocol: Some(if p.protocol.is_empty() { "TCP".into() } else { p.protocol.clone() }),
                app_protocol: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subset<'a>(ready: &'a [Pod], not_ready: &'a [Pod]) -> Subset<'a> {
        Subset { ports: Vec::new(), ready: ready.iter().collect(), not_ready: not_ready.iter().collect() }
    }

    /// `truncateEndpoints` in pkg/controller/endpoint/endpoints_controller.go: ready addresses
    /// first, each subset its proportional share rounded up, the last one what is left.
    #[test]
    fn truncation_keeps_ready_addresses_first_and_shares_by_proportion() {
        let pods = vec![Pod::default(); 1200];
        let mut one = [subset(&pods[..1100], &pods[1100..1150])];
        assert!(truncate(&mut one));
        assert_eq!((one[0].ready.len(), one[0].not_ready.len()), (1000, 0), "too many ready: not-ready all go");

        let mut mixed = [subset(&pods[..900], &pods[900..1200])];
        assert!(truncate(&mut mixed));
        assert_eq!((mixed[0].ready.len(), mixed[0].not_ready.len()), (900, 100), "every ready one stays");

        let mut two = [subset(&pods[..800], &[]), subset(&pods[800..1200], &[])];
        assert!(truncate(&mut two));
        assert_eq!((two[0].ready.len(), two[1].ready.len()), (667, 333), "ceil(800/1200*1000), then the rest");

        let mut fits = [subset(&pods[..600], &pods[600..1000])];
        assert!(!truncate(&mut fits), "1,000 addresses fit");
        assert_eq!((fits[0].ready.len(), fits[0].not_ready.len()), (600, 400));
    }
}
