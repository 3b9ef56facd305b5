//! Requests through the simulated network, each with its trace: the DNS answer, the virtual IP,
//! the backend kube-proxy chose on the client's node and why, the hops, and the outcome. Every pod
//! serves HTTP on the ports its process listens on and answers with its pod name (as agnhost
//! netexec answers `/hostname`), so the answer shows which pod served it.
//!
//! The traffic generator sends requests at a steady rate; their traces feed the page's animation
//! and `sim traffic status`.

use std::collections::{BTreeMap, VecDeque};

use serde::Serialize;

use super::dns::{self, Answer};
use crate::Cluster;
use crate::api::{Node, ObjectKey, Pod, Service};
use crate::controllers::kubelet::CState;
use crate::runtime::{Process, process_for};
use crate::time::SimDuration;

/// How a request ended (curl's exit code in brackets).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Serialize)]
pub enum Outcome {
    /// An HTTP answer from a pod (0).
    Answered,
    /// The name did not resolve (6).
    DnsFailed,
    /// Connection refused, or kube-proxy's reject for a Service without endpoints (7).
    Refused,
    /// No route to the address: nothing has that IP any more (7).
    NoRoute,
    /// No answer: the packets went to a dead or unreachable node (28).
    TimedOut,
    /// The TLS handshake failed: HTTPS to a plain port, or a server without its certificate (35).
    TlsFailed,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Answered => "answered",
            Outcome::DnsFailed => "dns failed",
            Outcome::Refused => "refused",
            Outcome::NoRoute => "no route",
            Outcome::TimedOut => "timed out",
            Outcome::TlsFailed => "tls failed",
        }
    }

    pub fn curl_exit_code(self) -> i32 {
        match self {
            Outcome::Answered => 0,
            Outcome::DnsFailed => 6,
            Outcome::Refused | Outcome::NoRoute => 7,
            Outcome::TimedOut => 28,
            Outcome::TlsFailed => 35,
        }
    }
}

/// Where a request starts.
#[derive(Clone, PartialEq, Debug)]
pub enum Source {
    Pod(ObjectKey),
    Node(String),
    Outside,
}

/// One request and what happened to it.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct Trace {
    pub seq: u64,
    pub at: String,
    /// `pod/frontend-…`, `node/node-1` or `outside`.
    pub from: String,
    /// The client's address, as the serving pod's access log records it.
    pub client_ip: String,
    pub from_node: String,
    pub url: String,
    pub host: String,
    pub port: i32,
    /// The Service the request went through, if any.
    pub service: Option<String>,
    pub backend_pod: Option<String>,
    pub backend_node: Option<String>,
    /// Human lines, in order: what each hop did.
    pub steps: Vec<String>,
    pub outcome: Outcome,
    /// The answer's body.
    pub body: String,
    /// The answer's HTTP status.
    pub status: u16,
    /// The certificate an HTTPS server presented.
    pub certificate: Option<String>,
    /// The traffic generator that sent it, if one did.
    pub generator: Option<u32>,
}

/// A steady stream of requests.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct Generator {
    pub id: u32,
    /// A pod name, or `deploy/NAME` for any ready pod of a Deployment.
    pub from: String,
    pub namespace: String,
    pub url: String,
    pub per_second: u32,
    pub sent: u64,
    pub outcomes: BTreeMap<String, u64>,
    pub backends: BTreeMap<String, u64>,
}

/// The network's memory: recent traces (bounded) and the running generators.
#[derive(Clone, Debug, Default)]
pub struct Traffic {
    seq: u64,
    recent: VecDeque<Trace>,
    pub generators: BTreeMap<u32, Generator>,
    next_id: u32,
}

/// Traces kept for the page and for `sim traffic status`.
pub const RECENT_TRACES: usize = 500;
/// The highest rate a generator may have, and how many may run.
pub const MAX_RATE: u32 = 100;
pub const MAX_GENERATORS: usize = 20;

impl Traffic {
    pub fn recent_since(&self, seq: u64) -> impl Iterator<Item = &Trace> {
        self.recent.iter().filter(move |t| t.seq > seq)
    }

    pub fn last(&self) -> Option<&Trace> {
        self.recent.back()
    }

    fn push(&mut self, mut t: Trace) -> Trace {
        self.seq += 1;
        t.seq = self.seq;
        self.recent.push_back(t.clone());
        while self.recent.len() > RECENT_TRACES {
            self.recent.pop_front();
        }
        t
    }

    pub fn add(&mut self, from: String, namespace: String, url: String, per_second: u32) -> u32 {
        self.next_id += 1;
        let id = self.next_id;
        self.generators.insert(
            id,
            Generator {
                id,
                from,
                namespace,
                url,
                per_second,
                sent: 0,
                outcomes: BTreeMap::new(),
                backends: BTreeMap::new(),
            },
        );
        id
    }
}

/// A URL split as curl splits it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Url {
    pub host: String,
    pub port: i32,
    pub path: String,
    pub https: bool,
}

pub fn parse_url(text: &str) -> Result<Url, String> {
    let (scheme, rest) = match text.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r),
        None => ("http".to_string(), text),
    };
    let default_port = match scheme.as_str() {
        "http" => 80,
        "https" => 443,
        other => return Err(format!("Protocol \"{other}\" not supported")),
    };
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].to_string()),
        None => (rest, "/".to_string()),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (
            h,
            p.parse::<i32>().map_err(|_| format!("Port number was not a decimal number between 0 and 65535: {p}"))?,
        ),
        None => (hostport, default_port),
    };
    if host.is_empty() {
        return Err("No host part in the URL".into());
    }
    if !(1..=65535).contains(&port) {
        return Err(format!("Port number was not a decimal number between 0 and 65535: {port}"));
    }
    Ok(Url { host: host.to_string(), port, path, https: scheme == "https" })
}

enum Target {
    /// Through a Service's virtual IP (or a node port, or a load balancer).
    Service {
        key: ObjectKey,
        port: i32,
        node_port: bool,
        via_node: Option<String>,
    },
    /// Straight to a pod IP.
    Pod(String),
    Nowhere(Outcome, String),
}

impl Cluster {
    /// Sends one HTTP request from `source` to `url` and returns its trace.
    pub fn request(&mut self, source: &Source, url: &str, generator: Option<u32>) -> Trace {
        let mut t = Trace {
            seq: 0,
            at: self.now.rfc3339(),
            from: String::new(),
            client_ip: String::new(),
            from_node: String::new(),
            url: url.to_string(),
            host: String::new(),
            port: 0,
            service: None,
            backend_pod: None,
            backend_node: None,
            steps: Vec::new(),
            outcome: Outcome::TimedOut,
            body: String::new(),
            status: 0,
            certificate: None,
            generator,
        };
        let outcome = self.route(source, url, &mut t);
        t.outcome = outcome;
        self.traffic.push(t)
    }

    fn route(&mut self, source: &Source, url: &str, t: &mut Trace) -> Outcome {
        let (client_ip, client_node, namespace) = match source {
            Source::Pod(key) => {
                let Some(p) = self.store.get::<Pod>(key) else {
                    t.steps.push(format!("pod {} does not exist", key.name));
                    return Outcome::TimedOut;
                };
                t.from = format!("pod/{}", p.metadata.name);
                (p.status.pod_ip.clone(), Some(p.spec.node_name.clone()), key.namespace.clone())
            }
            Source::Node(n) => {
                t.from = format!("node/{n}");
                let ip = self
                    .store
                    .get::<Node>(&ObjectKey::cluster(n.as_str()))
                    .map(|n| n.internal_ip().to_string())
                    .unwrap_or_default();
                (ip, Some(n.clone()), String::new())
            }
            Source::Outside => {
                t.from = "outside".into();
                ("198.51.100.7".to_string(), None, String::new())
            }
        };
        t.from_node = client_node.clone().unwrap_or_default();
        t.client_ip = client_ip.clone();
        let u = match parse_url(url) {
            Ok(u) => u,
            Err(e) => {
                t.steps.push(e);
                return Outcome::DnsFailed;
            }
        };
        t.host = u.host.clone();
        t.port = u.port;

        // `localhost` in a pod is the pod itself: its containers share one network namespace.
        if let Source::Pod(key) = source
            && matches!(u.host.as_str(), "localhost" | "127.0.0.1" | "::1" | "[::1]")
        {
            t.steps.push(format!("{} is the pod's own loopback: its containers share one network", u.host));
            let pod_ip = self.store.get::<Pod>(key).map(|p| p.status.pod_ip.clone()).unwrap_or_default();
            return self.deliver(client_node.as_deref(), &pod_ip, u.port, t);
        }
        // Name resolution: pods ask CoreDNS through the kube-dns Service; nodes and the outside
        // world do not know cluster names.
        let ip = if u.host.parse::<std::net::Ipv4Addr>().is_ok() {
            u.host.clone()
        } else if matches!(source, Source::Pod(_)) {
            match self.resolve_from_pod(client_node.as_deref().unwrap_or(""), &u.host, &namespace, t) {
                Some(ip) => ip,
                None => return Outcome::DnsFailed,
            }
        } else {
            t.steps.push(format!(
                "DNS: {} is a name only the cluster's DNS knows; from here only node IPs and load balancer IPs are reachable",
                u.host
            ));
            return Outcome::DnsFailed;
        };

        let target = self.classify(&ip, u.port, client_node.as_deref(), t);
        let mut hop_from = client_node.clone();
        let (pod_ip, pod_port) = match target {
            Target::Nowhere(o, why) => {
                t.steps.push(why);
                return o;
            }
            Target::Pod(ip) => (ip, u.port),
            Target::Service { key, port, node_port, via_node } => {
                let proxy_node = via_node.or(client_node.clone()).unwrap_or_default();
                // After kube-proxy rewrites the destination, the packet leaves from its node.
                hop_from = Some(proxy_node.clone());
                t.service = Some(key.name.clone());
                let frozen = self.machines.get(&proxy_node).partitioned_since;
                let Some(table) = self.kube_proxy.view(&proxy_node, &key, self.now, frozen) else {
                    t.steps
                        .push(format!("kube-proxy on {proxy_node} has no rules for {ip} yet: the packet goes nowhere"));
                    return Outcome::TimedOut;
                };
                let rng = &mut self.rng;
                let mut pick = |n: u32| rng.below(n);
                let port = crate::network::kube_proxy::PortRef { port, node_port };
                match self.kube_proxy.choose(&proxy_node, &table, port, &client_ip, self.now, &mut pick) {
                    Err(why) => {
                        t.steps.push(format!(
                            "kube-proxy ({}) on {proxy_node}: service {} {why}",
                            self.kube_proxy.mode.name(),
                            key.name
                        ));
                        return if why.contains("dropped") { Outcome::TimedOut } else { Outcome::Refused };
                    }
                    Ok(choice) => {
                        let ready = table.backends.iter().filter(|b| b.ready).count();
                        t.steps.push(format!(
                            "kube-proxy ({}) on {proxy_node}: service {} has {ready} ready endpoint{}; {} → {}:{} ({} on {})",
                            self.kube_proxy.mode.name(),
                            key.name,
                            if ready == 1 { "" } else { "s" },
                            choice.why,
                            choice.backend.ip,
                            choice.port,
                            choice.backend.pod,
                            choice.backend.node,
                        ));
                        (choice.backend.ip, choice.port)
                    }
                }
            }
        };
        self.deliver(hop_from.as_deref(), &pod_ip, pod_port, t)
    }

    fn resolve_from_pod(&mut self, node: &str, host: &str, namespace: &str, t: &mut Trace) -> Option<String> {
        if !self.dns_reachable(node) {
            t.steps
                .push(format!("DNS: no answer from {}: kube-dns has no reachable ready endpoint", dns::DNS_SERVICE_IP));
            return None;
        }
        match dns::resolve(&self.store, host, namespace) {
            Some(Answer::A { name, ips }) => {
                t.steps.push(format!("DNS: {host} → {name} → {}", ips.join(", ")));
                let i = if ips.len() > 1 { self.rng.below(ips.len() as u32) as usize } else { 0 };
                ips.get(i).cloned()
            }
            Some(Answer::Cname { name, target }) => {
                t.steps.push(format!(
                    "DNS: {host} → {name} is a CNAME for {target}, a name outside the simulated cluster"
                ));
                None
            }
            None => {
                t.steps.push(format!("DNS: {host}: NXDOMAIN (tried {})", dns::candidates(host, namespace).join(", ")));
                None
            }
        }
    }

    /// Whether a pod on `node` can reach CoreDNS: through the kube-dns Service, as kube-proxy on
    /// that node has it, to a ready CoreDNS pod on a node it can talk to.
    pub(crate) fn dns_reachable(&self, node: &str) -> bool {
        let dns_key = ObjectKey::new("kube-system", "kube-dns");
        let frozen = self.machines.get(node).partitioned_since;
        self.kube_proxy
            .view(node, &dns_key, self.now, frozen)
            .is_some_and(|tb| tb.backends.iter().any(|b| b.ready && self.connected(node, &b.node)))
    }

    /// Two nodes can talk when both are up and neither is cut off.
    fn connected(&self, a: &str, b: &str) -> bool {
        let (ma, mb) = (self.machines.get(a), self.machines.get(b));
        ma.up() && mb.up() && (a == b || (ma.partitioned_since.is_none() && mb.partitioned_since.is_none()))
    }

    fn classify(&self, ip: &str, port: i32, client_node: Option<&str>, t: &mut Trace) -> Target {
        if let Some(svc) = self.store.service_by_cluster_ip(ip) {
            t.steps.push(format!(
                "{ip}:{port} is the ClusterIP of service {}/{}",
                svc.metadata.namespace, svc.metadata.name
            ));
            if client_node.is_none() {
                return Target::Nowhere(Outcome::TimedOut, "a ClusterIP is reachable only inside the cluster".into());
            }
            return Target::Service { key: ObjectKey::of(&svc.metadata), port, node_port: false, via_node: None };
        }
        if let Some(svc) =
            self.store.list::<Service>(None).find(|s| s.status.load_balancer.ingress.iter().any(|i| i.ip == ip))
        {
            let Some(rule) = svc.spec.ports.iter().find(|p| p.port == port) else {
                return Target::Nowhere(
                    Outcome::TimedOut,
                    format!("the load balancer {ip} has no listener on port {port}"),
                );
            };
            let Some(node_port) = rule.node_port else {
                return Target::Nowhere(Outcome::TimedOut, "the load balancer has no node port to forward to".into());
            };
            let nodes: Vec<String> = self
                .store
                .list::<Node>(None)
                .filter(|n| n.is_ready() && self.machines.get(&n.metadata.name).reachable())
                .map(|n| n.metadata.name.clone())
                .collect();
            if nodes.is_empty() {
                return Target::Nowhere(Outcome::TimedOut, "the load balancer has no healthy node to send to".into());
            }
            let i = crate::rng::fnv32a(format!("{}{}", t.at, t.url).as_bytes()) as usize % nodes.len();
            let via = nodes[i].clone();
            t.steps.push(format!("load balancer {ip}:{port} (service {}) → {via}:{node_port}", svc.metadata.name));
            return Target::Service {
                key: ObjectKey::of(&svc.metadata),
                port: node_port,
                node_port: true,
                via_node: Some(via),
            };
        }
        if let Some(node) = self.store.list::<Node>(None).find(|n| n.has_ip(ip)) {
            let name = node.metadata.name.clone();
            if !self.machines.get(&name).reachable() {
                return Target::Nowhere(
                    Outcome::TimedOut,
                    format!("{name} ({ip}) does not answer: it is down or cut off"),
                );
            }
            if let Some(svc) =
                self.store.list::<Service>(None).find(|s| s.spec.ports.iter().any(|p| p.node_port == Some(port)))
            {
                t.steps.push(format!("{ip}:{port} is node port {port} of service {} on {name}", svc.metadata.name));
                return Target::Service {
                    key: ObjectKey::of(&svc.metadata),
                    port,
                    node_port: true,
                    via_node: Some(name),
                };
            }
            return Target::Nowhere(Outcome::Refused, format!("nothing listens on {name} port {port}"));
        }
        if self.store.pod_by_ip(ip).is_some()
            || self.ipam.pods.values().any(|a| a.cidr.contains(crate::ipam::parse_ip(ip).unwrap_or(0)))
        {
            return Target::Pod(ip.to_string());
        }
        Target::Nowhere(Outcome::TimedOut, format!("{ip} is outside the cluster: no answer"))
    }

    /// The last hop: from the client's node to the pod that has `ip`, and its answer.
    fn deliver(&mut self, client_node: Option<&str>, ip: &str, port: i32, t: &mut Trace) -> Outcome {
        let Some(pod) = self.store.pod_by_ip(ip).cloned() else {
            t.steps.push(format!("{ip}: no pod has this address any more (a stale rule): no route to host"));
            return Outcome::NoRoute;
        };
        let node = pod.spec.node_name.clone();
        t.backend_pod = Some(pod.metadata.name.clone());
        t.backend_node = Some(node.clone());
        let m = self.machines.get(&node);
        if !m.up() {
            t.steps.push(format!("{node} is down: the packets to {ip} go unanswered"));
            return Outcome::TimedOut;
        }
        if let Some(from) = client_node
            && !self.connected(from, &node)
        {
            t.steps.push(format!("{from} cannot reach {node}: the network between them is cut"));
            return Outcome::TimedOut;
        }
        if client_node.is_none() && m.partitioned_since.is_some() {
            t.steps.push(format!("{node} is cut off from the network"));
            return Outcome::TimedOut;
        }
        let hop = match client_node {
            Some(from) if from == node => format!("{from} → {ip}:{port} on the same node"),
            Some(from) => format!("{from} → {node} → {ip}:{port}"),
            None => format!("→ {node} → {ip}:{port}"),
        };
        t.steps.push(hop);
        // A terminating pod keeps serving while it shuts down (its server drains), until its
        // containers stop: that is what makes serving-terminating endpoints worth falling back to.
        let u = parse_url(&t.url).unwrap_or(Url { host: String::new(), port, path: "/".into(), https: false });
        let req = crate::images::Request {
            host: u.host.clone(),
            port,
            path: if u.path.is_empty() { "/".into() } else { u.path.clone() },
            https: u.https,
            client_ip: t.client_ip.clone(),
            user_agent: String::new(),
        };
        let Some((server, response)) = self.serve(&pod, &req) else {
            t.steps.push(format!("{} ({ip}) refuses port {port}: nothing listens there", pod.metadata.name));
            return Outcome::Refused;
        };
        if response.tls_failed {
            t.steps.push(format!("{} ({ip}): the TLS handshake on port {port} fails", pod.metadata.name));
            return Outcome::TlsFailed;
        }
        if let Some(next) = response.proxy {
            // nginx's proxy_pass: the serving pod opens a request of its own.
            t.steps.push(format!("{} ({server}) proxies the request to {next}", pod.metadata.name));
            if t.steps.len() > 64 {
                t.steps.push("too many proxy hops".into());
                return Outcome::TimedOut;
            }
            let mut inner = self.request_quiet(&Source::Pod(ObjectKey::of(&pod.metadata)), &next);
            t.steps.append(&mut inner.steps);
            t.body = inner.body;
            t.status = if inner.outcome == Outcome::Answered { inner.status } else { 502 };
            if inner.outcome != Outcome::Answered {
                t.body = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n".to_string();
            }
            return Outcome::Answered;
        }
        t.steps.push(format!("{} ({server}) answers {} {}", pod.metadata.name, response.status, response.reason()));
        t.body = response.body;
        t.status = response.status;
        t.certificate = response.certificate;
        Outcome::Answered
    }

    /// A request that is part of another (a proxy's), not recorded among the traces.
    fn request_quiet(&mut self, source: &Source, url: &str) -> Trace {
        let mut t = Trace {
            seq: 0,
            at: self.now.rfc3339(),
            from: String::new(),
            client_ip: String::new(),
            from_node: String::new(),
            url: url.to_string(),
            host: String::new(),
            port: 0,
            service: None,
            backend_pod: None,
            backend_node: None,
            steps: Vec::new(),
            outcome: Outcome::TimedOut,
            body: String::new(),
            status: 0,
            certificate: None,
            generator: None,
        };
        t.outcome = self.route(source, url, &mut t);
        t
    }

    /// Which of a pod's running containers answers a request on its port, and its answer: the
    /// image's application (nginx reading its files, the bootcamp app, agnhost …), or, for an
    /// image outside the catalogue, a generic server on its declared ports that answers with the
    /// pod's name.
    fn serve(&self, pod: &Pod, req: &crate::images::Request) -> Option<(String, crate::images::Response)> {
        use crate::images::{App, Response, apps, nginx};
        let work = self.kubelet.pod(&pod.metadata.uid);
        for c in &pod.spec.containers {
            let running =
                work.and_then(|w| w.containers.iter().find(|cw| cw.name == c.name)).and_then(|cw| match cw.state {
                    CState::Running { since, .. } => Some(since),
                    _ => None,
                });
            let Some(since) = running else { continue };
            if matches!(process_for(c), Process::Exit { .. }) {
                continue;
            }
            let full = crate::controllers::kubelet::normalize_image(&c.image);
            let tag = crate::images::tag(&full).to_string();
            let response = match crate::runtime::app(c) {
                Some(App::Nginx) => {
                    let fs =
                        crate::fs::mounts::ContainerFiles { fs: self.container_fs(pod, &c.name), files: &self.files };
                    nginx::answer(&fs, req, &nginx::version_of(&tag))
                }
                Some(App::Listener(p)) if i32::from(p) == req.port => Response { status: 0, ..Default::default() },
                Some(App::Mysql) if req.port == 3306 => Response { status: 0, ..Default::default() },
                Some(app) if apps::ports(app, &c.args).contains(&req.port) => {
                    let args: Vec<String> = c.command.iter().chain(&c.args).cloned().collect();
                    let cx = apps::Context {
                        pod: &pod.metadata.name,
                        tag: &tag,
                        args: &args,
                        started: since,
                        now: self.now,
                    };
                    apps::answer(app, &cx, req)
                }
                Some(_) => Response::refused(),
                None => match process_for(c) {
                    Process::Serve { ports }
                        if ports.contains(&req.port) || (ports.is_empty() && c.command.is_empty()) =>
                    {
                        Response::ok(format!("{}\n", pod.metadata.name))
                    }
                    _ => Response::refused(),
                },
            };
            if !response.refused {
                return Some((c.name.clone(), response));
            }
        }
        None
    }

    /// One tick of a traffic generator: a request from one of its sources, counted.
    pub(crate) fn traffic_tick(&mut self, id: u32) {
        let Some(g) = self.traffic.generators.get(&id).cloned() else { return };
        let source = match g.from.strip_prefix("deploy/") {
            Some(d) => {
                let sel = self
                    .store
                    .get::<crate::api::Deployment>(&ObjectKey::new(g.namespace.as_str(), d))
                    .and_then(|d| crate::labels::Selector::from_label_selector(&d.spec.selector).ok());
                let pods: Vec<ObjectKey> = sel
                    .map(|s| {
                        self.store
                            .pods_matching(&g.namespace, &s)
                            .into_iter()
                            .filter(|p| p.is_ready() && p.is_active())
                            .map(|p| ObjectKey::of(&p.metadata))
                            .collect()
                    })
                    .unwrap_or_default();
                if pods.is_empty() {
                    None
                } else {
                    let i = self.rng.below(pods.len() as u32) as usize;
                    Some(pods[i].clone())
                }
            }
            None => Some(ObjectKey::new(g.namespace.as_str(), g.from.as_str()))
                .filter(|k| self.store.get::<Pod>(k).is_some()),
        };
        let interval = SimDuration(1000 / i64::from(g.per_second.max(1)));
        self.timers.schedule(self.now + interval, crate::controllers::Work::Traffic(id));
        let Some(source) = source else {
            if let Some(g) = self.traffic.generators.get_mut(&id) {
                g.sent += 1;
                *g.outcomes.entry("no client".into()).or_default() += 1;
            }
            return;
        };
        let trace = self.request(&Source::Pod(source), &g.url, Some(id));
        if let Some(g) = self.traffic.generators.get_mut(&id) {
            g.sent += 1;
            *g.outcomes.entry(trace.outcome.name().into()).or_default() += 1;
            if let Some(b) = trace.backend_pod.filter(|_| trace.outcome == Outcome::Answered) {
                *g.backends.entry(b).or_default() += 1;
            }
        }
    }

    /// Traces recorded after `seq`, for a front end animating them.
    /// The recent traces, oldest first (bounded by RECENT_TRACES).
    pub(crate) fn traffic_traces(&self) -> impl Iterator<Item = &Trace> {
        self.traffic.recent_since(0)
    }

    /// The recent traces, newest first: what a front end animating the last moments reads.
    pub(crate) fn traffic_traces_newest_first(&self) -> impl Iterator<Item = &Trace> {
        self.traffic.recent.iter().rev()
    }

    pub fn traces_since(&self, seq: u64) -> Vec<Trace> {
        self.traffic.recent_since(seq).cloned().collect()
    }

    pub fn traffic_generators(&self) -> impl Iterator<Item = &Generator> {
        self.traffic.generators.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_as_curl_splits_them() {
        assert_eq!(
            parse_url("backend").unwrap(),
            Url { host: "backend".into(), port: 80, path: "/".into(), https: false }
        );
        assert_eq!(
            parse_url("http://backend:8080/hostname").unwrap(),
            Url { host: "backend".into(), port: 8080, path: "/hostname".into(), https: false }
        );
        assert!(parse_url("https://my-nginx").unwrap().https);
        assert_eq!(parse_url("https://10.0.0.1").unwrap().port, 443);
        assert!(parse_url("ftp://x").unwrap_err().contains("not supported"));
        assert!(parse_url("http://:80").is_err());
        assert!(parse_url("http://x:99999").is_err());
    }
}
