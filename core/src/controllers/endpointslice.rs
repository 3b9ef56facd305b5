//! The EndpointSlice controller: for each Service with a selector, lists the pods it selects, with
//! their ready/serving/terminating conditions and their resolved target ports, in slices of at
//! most 100 endpoints (`--max-endpoints-per-slice`), labelled `kubernetes.io/service-name`.
//!
//! Placement follows the upstream reconciler (`reconcileByPortMapping` in
//! staging/src/k8s.io/endpointslice/reconciler.go): an endpoint stays in the slice that already
//! holds it, so one pod's change rewrites one slice, not every slice after it. Endpoints that are
//! new go first into slices being rewritten anyway, then into the fullest unchanged slice with room
//! for all of them, then into new slices. A slice left empty is deleted, and a slice about to be
//! deleted is reused for one about to be created.

use std::collections::BTreeMap;

use crate::api::discovery::{
    Endpoint, EndpointConditions, EndpointPort, LABEL_MANAGED_BY, LABEL_SERVICE_NAME, MANAGED_BY_CONTROLLER,
};
use crate::api::meta::OwnerReference;
use crate::api::{EndpointSlice, Kind, ObjectKey, ObjectMeta, Pod, Resource, Service};
use crate::controllers::{Ctx, Op, is_pod_target, reference};
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
    let plan = Placement::new(ctx, svc).plan(&existing);
    let mut ops: Vec<Op> = plan.updates.into_iter().map(|s| Op::Update(s.into_object())).collect();
    ops.extend(plan.creates.into_iter().map(|s| Op::Create(s.into_object())));
    ops.extend(plan.deletes.into_iter().map(|s| Op::Delete { kind: Kind::EndpointSlice, key: s.key() }));
    ops
}

/// One pod as an endpoint (`podToEndpoint`): ready only when the pod is Ready and not
/// terminating; serving follows Ready even while terminating; publishNotReadyAddresses makes
/// every endpoint ready. A pod whose subdomain names the service is listed by its hostname, which
/// is what gives StatefulSet pods their own DNS names (`ShouldSetHostname`).
pub fn endpoint_for(pod: &Pod, svc: &Service, publish_not_ready: bool) -> Endpoint {
    Endpoint {
        addresses: vec![pod.status.pod_ip.clone()],
        conditions: conditions_for(pod, publish_not_ready),
        hostname: hostname_for(pod, svc).map(str::to_string),
        node_name: node_name_of(pod).map(str::to_string),
        target_ref: Some(crate::api::meta::ObjectReference {
            api_version: String::new(),
            ..reference(Kind::Pod, &pod.metadata)
        }),
        zone: None,
    }
}

/// True when `ep` is exactly what [`endpoint_for`] would make of `pod`, found without building
/// it: most endpoints of a large Service are unchanged by any one write.
fn endpoint_is(ep: &Endpoint, pod: &Pod, svc: &Service, publish_not_ready: bool) -> bool {
    ep.addresses.len() == 1
        && ep.addresses[0] == pod.status.pod_ip
        && ep.conditions == conditions_for(pod, publish_not_ready)
        && ep.hostname.as_deref() == hostname_for(pod, svc)
        && ep.node_name.as_deref() == node_name_of(pod)
        && ep.zone.is_none()
        && ep.target_ref.as_ref().is_some_and(|r| is_pod_target(r, pod))
}

fn conditions_for(pod: &Pod, publish_not_ready: bool) -> EndpointConditions {
    let terminating = pod.metadata.is_terminating();
    let ready = pod.is_ready();
    EndpointConditions {
        ready: Some(publish_not_ready || (ready && !terminating)),
        serving: Some(publish_not_ready || ready),
        terminating: Some(terminating),
    }
}

fn hostname_for<'a>(pod: &'a Pod, svc: &Service) -> Option<&'a str> {
    Some(pod.spec.hostname.as_str()).filter(|h| {
        !h.is_empty() && pod.spec.subdomain == svc.metadata.name && pod.metadata.namespace == svc.metadata.namespace
    })
}

fn node_name_of(pod: &Pod) -> Option<&str> {
    Some(pod.spec.node_name.as_str()).filter(|n| !n.is_empty())
}

/// The resolved target port of each of the Service's ports for one pod (`None`: a named
/// targetPort the pod lacks, which leaves that port out for the pod, as the controller does).
/// Pods with the same numbers share slices.
type PortNumbers = Vec<Option<i32>>;

fn port_numbers(svc: &Service, pod: &Pod) -> PortNumbers {
    svc.spec
        .ports
        .iter()
        .map(|p| {
            let target = p.target_port.clone().unwrap_or(crate::api::meta::IntOrString::Int(p.port));
            pod.find_port(&target)
        })
        .collect()
}

/// The slice ports for one set of resolved numbers.
fn endpoint_ports(svc: &Service, numbers: &PortNumbers) -> Vec<EndpointPort> {
    svc.spec
        .ports
        .iter()
        .zip(numbers)
        .filter_map(|(p, n)| {
            Some(EndpointPort {
                name: Some(p.name.clone()),
                port: Some((*n)?),
                protocol: Some(if p.protocol.is_empty() { "TCP".into() } else { p.protocol.clone() }),
                app_protocol: p.app_protocol.clone(),
            })
        })
        .collect()
}

/// What one sync writes.
#[derive(Default)]
struct Plan<'a> {
    updates: Vec<EndpointSlice>,
    creates: Vec<EndpointSlice>,
    deletes: Vec<&'a EndpointSlice>,
}

/// The desired endpoints of one Service: the pods it selects that have an IP and have not
/// finished, by name, each with its resolved ports.
struct Placement<'c> {
    svc: &'c Service,
    publish: bool,
    labels: BTreeMap<String, String>,
    pods: Vec<(&'c Pod, usize)>,
    /// The distinct port sets, in order, each with its slice ports.
    groups: Vec<(PortNumbers, Vec<EndpointPort>)>,
    /// Which pods already sit in a slice this sync keeps.
    placed: Vec<bool>,
}

/// What becomes of one endpoint of an existing slice.
enum Fate {
    Keep,
    Renew(usize),
    Drop,
}

impl<'c> Placement<'c> {
    fn new(ctx: &Ctx<'c>, svc: &'c Service) -> Self {
        let selector = Selector::from_map(&svc.spec.selector);
        let mut selected: Vec<&Pod> = ctx
            .store
            .pods_matching(&svc.metadata.namespace, &selector)
            .into_iter()
            .filter(|p| !p.status.pod_ip.is_empty() && !p.is_terminal())
            .collect();
        selected.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
        let sigs: Vec<PortNumbers> = selected.iter().map(|p| port_numbers(svc, p)).collect();
        // Groups in the order of their port numbers, so slices come out the same whichever pod
        // was seen first.
        let distinct: std::collections::BTreeSet<&PortNumbers> = sigs.iter().collect();
        let rank: BTreeMap<&PortNumbers, usize> = distinct.into_iter().enumerate().map(|(n, sig)| (sig, n)).collect();
        let pods = selected.into_iter().zip(&sigs).map(|(p, sig)| (p, rank[sig])).collect();
        let groups = rank.into_keys().map(|sig| (sig.clone(), endpoint_ports(svc, sig)));
        Placement {
            svc,
            publish: svc.spec.publish_not_ready_addresses == Some(true),
            labels: slice_labels(svc),
            groups: groups.collect(),
            placed: vec![false; sigs.len()],
            pods,
        }
    }

    fn plan<'s>(mut self, existing: &[&'s EndpointSlice]) -> Plan<'s> {
        let mut plan = Plan::default();
        let mut by_group: Vec<Vec<&EndpointSlice>> = vec![Vec::new(); self.groups.len()];
        for &slice in existing {
            match self.groups.iter().position(|(_, ports)| slice.ports.as_deref() == Some(ports.as_slice())) {
                Some(g) => by_group[g].push(slice),
                None => plan.deletes.push(slice),
            }
        }
        for (g, slices) in by_group.into_iter().enumerate() {
            self.place_group(g, slices, &mut plan);
        }
        // A Service with nothing to list keeps one empty placeholder slice.
        if plan.deletes.len() == existing.len() && plan.creates.is_empty() {
            let placeholder = new_slice(self.svc, None, None);
            let is_placeholder = |s: &EndpointSlice| {
                s.ports.is_none()
                    && s.endpoints.as_deref().unwrap_or_default().is_empty()
                    && s.metadata.labels == self.labels
            };
            if plan.deletes.len() == 1 && is_placeholder(plan.deletes[0]) {
                plan.deletes.clear();
            } else {
                plan.creates.push(placeholder);
            }
        }
        // A slice about to be deleted takes the content of one about to be created.
        while !plan.deletes.is_empty()
            && let Some(new) = plan.creates.pop()
        {
            let old = plan.deletes.remove(0);
            plan.updates.push(EndpointSlice {
                metadata: ObjectMeta { labels: new.metadata.labels, ..old.metadata.clone() },
                address_type: new.address_type,
                endpoints: new.endpoints,
                ports: new.ports,
            });
        }
        plan
    }

    /// `reconcileByPortMapping` for the pods of port group `g` and the slices that carry its ports.
    fn place_group<'s>(&mut self, g: usize, slices: Vec<&'s EndpointSlice>, plan: &mut Plan<'s>) {
        let mut rewritten: Vec<EndpointSlice> = Vec::new();
        let mut unchanged: Vec<&EndpointSlice> = Vec::new();
        for slice in slices {
            let endpoints = slice.endpoints.as_deref().unwrap_or_default();
            let fates: Vec<Fate> = endpoints.iter().map(|ep| self.fate(g, ep)).collect();
            if fates.iter().all(|f| matches!(f, Fate::Keep)) {
                if slice.metadata.labels == self.labels {
                    unchanged.push(slice);
                } else {
                    rewritten.push(EndpointSlice {
                        metadata: ObjectMeta { labels: self.labels.clone(), ..slice.metadata.clone() },
                        ..slice.clone()
                    });
                }
                continue;
            }
            let kept: Vec<Endpoint> = endpoints
                .iter()
                .zip(&fates)
                .filter_map(|(ep, fate)| match fate {
                    Fate::Keep => Some(ep.clone()),
                    Fate::Renew(i) => Some(endpoint_for(self.pods[*i].0, self.svc, self.publish)),
                    Fate::Drop => None,
                })
                .collect();
            if kept.is_empty() {
                plan.deletes.push(slice);
            } else {
                rewritten.push(EndpointSlice {
                    metadata: ObjectMeta { labels: self.labels.clone(), ..slice.metadata.clone() },
                    address_type: slice.address_type.clone(),
                    endpoints: Some(kept),
                    ports: slice.ports.clone(),
                });
            }
        }

        // The group's pods no slice holds yet, by name.
        let mut left: std::collections::VecDeque<usize> =
            (0..self.pods.len()).filter(|&i| self.pods[i].1 == g && !self.placed[i]).collect();
        // New endpoints go first into the slices being rewritten anyway, fullest first.
        rewritten.sort_by_key(|s| std::cmp::Reverse(slice_len(s)));
        for slice in &mut rewritten {
            self.fill(slice, &mut left);
        }
        // Then, when fewer than a slice's worth are left, into the fullest unchanged slice that has
        // room for all of them (`getSliceToFill`); else into new slices.
        while !left.is_empty() {
            let fits = unchanged
                .iter()
                .enumerate()
                .filter(|(_, s)| {
                    left.len() < MAX_ENDPOINTS_PER_SLICE && slice_len(s) + left.len() <= MAX_ENDPOINTS_PER_SLICE
                })
                .max_by_key(|(at, s)| (slice_len(s), std::cmp::Reverse(*at)))
                .map(|(at, _)| at);
            let (mut slice, existed) = match fits {
                Some(at) => (unchanged.remove(at).clone(), true),
                None => (new_slice(self.svc, Some(self.groups[g].1.clone()), Some(Vec::new())), false),
            };
            self.fill(&mut slice, &mut left);
            if existed { rewritten.push(slice) } else { plan.creates.push(slice) }
        }
        plan.updates.extend(rewritten);
    }

    /// Moves pods from `left` into `slice` as endpoints until it holds the most a slice may.
    fn fill(&self, slice: &mut EndpointSlice, left: &mut std::collections::VecDeque<usize>) {
        let eps = slice.endpoints.get_or_insert_with(Vec::new);
        while eps.len() < MAX_ENDPOINTS_PER_SLICE
            && let Some(i) = left.pop_front()
        {
            eps.push(endpoint_for(self.pods[i].0, self.svc, self.publish));
        }
    }

    /// Whether an existing endpoint stays as it is, is rewritten from its pod, or goes: its pod must
    /// still be desired, in this port group, and not already placed by an earlier slice.
    fn fate(&mut self, g: usize, ep: &Endpoint) -> Fate {
        let Some(name) = ep.target_ref.as_ref().map(|r| r.name.as_str()) else { return Fate::Drop };
        let Ok(i) = self.pods.binary_search_by(|(p, _)| p.metadata.name.as_str().cmp(name)) else { return Fate::Drop };
        if self.pods[i].1 != g || self.placed[i] {
            return Fate::Drop;
        }
        self.placed[i] = true;
        if endpoint_is(ep, self.pods[i].0, self.svc, self.publish) { Fate::Keep } else { Fate::Renew(i) }
    }
}

fn slice_len(s: &EndpointSlice) -> usize {
    s.endpoints.as_ref().map_or(0, Vec::len)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Pod;

    fn pod(name: &str, ip: &str, ready: bool) -> Pod {
        let mut p: Pod = serde_json::from_str(&format!(
            r#"{{"metadata": {{"name": "{name}", "namespace": "default", "uid": "u-{name}"}},
                "spec": {{"nodeName": "node-1", "hostname": "h", "subdomain": "web", "containers": []}},
                "status": {{"podIP": "{ip}"}}}}"#
        ))
        .unwrap();
        if ready {
            p.status.conditions.push(crate::api::meta::Condition {
                type_: "Ready".into(),
                status: "True".into(),
                ..Default::default()
            });
        }
        p
    }

    /// `endpoint_is` must agree with `endpoint_for`, or an unchanged slice would be rewritten at
    /// every sync, or a changed one never.
    #[test]
    fn endpoint_is_agrees_with_endpoint_for() {
        let svc: Service = serde_json::from_str(r#"{"metadata": {"name": "web", "namespace": "default"}}"#).unwrap();
        let other: Service = serde_json::from_str(r#"{"metadata": {"name": "api", "namespace": "default"}}"#).unwrap();
        let ready = pod("a", "10.0.0.1", true);
        let unready = pod("a", "10.0.0.1", false);
        let moved = pod("a", "10.0.0.2", true);
        let renamed = pod("b", "10.0.0.1", true);
        for publish in [false, true] {
            for (s, p) in [(&svc, &ready), (&svc, &unready), (&other, &ready)] {
                assert!(endpoint_is(&endpoint_for(p, s, publish), p, s, publish));
            }
            let ep = endpoint_for(&ready, &svc, publish);
            assert!(!endpoint_is(&ep, &moved, &svc, publish), "a new IP");
            assert!(!endpoint_is(&ep, &renamed, &svc, publish), "another pod");
            assert!(!endpoint_is(&ep, &ready, &other, publish), "the hostname is only for its subdomain's Service");
        }
        let ep = endpoint_for(&ready, &svc, false);
        assert!(!endpoint_is(&ep, &unready, &svc, false), "readiness changed");
    }
}
