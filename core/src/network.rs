//! The cluster network: kube-proxy's per-node view of Services, CoreDNS, and requests travelling
//! between them (traces, and the steady traffic generator).

pub mod curl;
pub mod dns;
pub mod kube_proxy;
pub mod tls;
pub mod traffic;
