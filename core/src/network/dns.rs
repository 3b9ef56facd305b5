//! CoreDNS as the cluster's DNS: Service names to ClusterIPs, headless Services to their ready
//! pods' IPs, ExternalName Services to a CNAME, `a-b-c-d.ns.pod` names to pod IPs, with the search
//! path a pod's `/etc/resolv.conf` gives it (`<ns>.svc.cluster.local svc.cluster.local
//! cluster.local`, ndots 5).

use crate::api::discovery::LABEL_SERVICE_NAME;
use crate::api::{ObjectKey, Service};
use crate::store::Store;

pub const CLUSTER_DOMAIN: &str = "cluster.local";
pub const DNS_SERVICE_IP: &str = "10.96.0.10";

#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Answer {
    /// A records for the fully qualified name.
    A { name: String, ips: Vec<String> },
    /// An ExternalName Service: a CNAME to a name outside the cluster.
    Cname { name: String, target: String },
}

/// The names a pod's resolver tries for `name`, in order (ndots 5: a name with fewer than five
/// dots goes through the search path first).
pub fn candidates(name: &str, namespace: &str) -> Vec<String> {
    let name = name.trim_end_matches('.');
    let search =
        [format!("{namespace}.svc.{CLUSTER_DOMAIN}"), format!("svc.{CLUSTER_DOMAIN}"), CLUSTER_DOMAIN.to_string()];
    let mut out: Vec<String> = Vec::new();
    if name.matches('.').count() < 5 {
        out.extend(search.iter().map(|s| format!("{name}.{s}")));
    }
    out.push(name.to_string());
    out
}

/// Resolves a fully qualified name as CoreDNS's kubernetes plugin does.
pub fn lookup(store: &Store, fqdn: &str) -> Option<Answer> {
    let fqdn = fqdn.trim_end_matches('.').to_ascii_lowercase();
    let rest = fqdn.strip_suffix(&format!(".{CLUSTER_DOMAIN}"))?;
    let labels: Vec<&str> = rest.split('.').collect();
    match labels.as_slice() {
        [svc, ns, "svc"] => service(store, ns, svc, &fqdn),
        [host, svc, ns, "svc"] => {
            // A headless Service's endpoint by hostname (StatefulSet pods: web-0.nginx.default…).
            let key = ObjectKey::new(*ns, *svc);
            let s = store.get::<Service>(&key)?;
            if !s.is_headless() {
                return None;
            }
            let ips: Vec<String> = store
                .slices_for_service(&key)
                .iter()
                .flat_map(|sl| sl.endpoints.iter().flatten())
                .filter(|e| e.hostname.as_deref() == Some(*host) && e.is_ready())
                .filter_map(|e| e.addresses.first().cloned())
                .collect();
            (!ips.is_empty()).then_some(Answer::A { name: fqdn.clone(), ips })
        }
        [ip, ns, "pod"] => {
            let ip = ip.replace('-', ".");
            let pod = store.pod_by_ip(&ip)?;
            (pod.metadata.namespace == *ns).then(|| Answer::A { name: fqdn.clone(), ips: vec![ip] })
        }
        _ => None,
    }
}

fn service(store: &Store, ns: &str, name: &str, fqdn: &str) -> Option<Answer> {
    let key = ObjectKey::new(ns, name);
    let s = store.get::<Service>(&key)?;
    if s.type_or_default() == "ExternalName" {
        return Some(Answer::Cname { name: fqdn.to_string(), target: s.spec.external_name.clone() });
    }
    if s.is_headless() {
        let mut ips: Vec<String> = store
            .slices_for_service(&key)
            .iter()
            .filter(|sl| sl.metadata.labels.get(LABEL_SERVICE_NAME).map(String::as_str) == Some(name))
            .flat_map(|sl| sl.endpoints.iter().flatten())
            .filter(|e| e.is_ready())
            .filter_map(|e| e.addresses.first().cloned())
            .collect();
        ips.sort();
        // A headless Service with no ready endpoint has no A records: the name does not resolve.
        return (!ips.is_empty()).then(|| Answer::A { name: fqdn.to_string(), ips });
    }
    Some(Answer::A { name: fqdn.to_string(), ips: vec![s.spec.cluster_ip.clone()] })
}

/// Resolves `name` for a pod in `namespace`: the first candidate that answers.
pub fn resolve(store: &Store, name: &str, namespace: &str) -> Option<Answer> {
    candidates(name, namespace).iter().find_map(|c| lookup(store, c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_path_comes_first_for_short_names() {
        assert_eq!(
            candidates("backend", "default"),
            ["backend.default.svc.cluster.local", "backend.svc.cluster.local", "backend.cluster.local", "backend"]
        );
        assert_eq!(candidates("backend.shop", "default")[0], "backend.shop.default.svc.cluster.local");
        assert_eq!(candidates("a.b.c.d.e.f", "default"), ["a.b.c.d.e.f"]);
    }
}
