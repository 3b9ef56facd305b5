//! `kubectl expose`: a Service from an object's selector and ports.

use super::*;

const EXPOSE_FLAGS: &[Flag] = &[
    value("port", None),
    value("target-port", None),
    value("name", None),
    value("type", None),
    value("protocol", None),
    value("selector", Some('l')),
    value("labels", None),
    value("cluster-ip", None),
    value("output", Some('o')),
    value("filename", Some('f')),
];

pub(super) fn expose(c: &mut Cluster, words: &[String], out: &mut Output) {
    let Some(args) = parse("expose", words, EXPOSE_FLAGS, out) else { return };
    let ns = namespace(c, &args);
    let (kind, name) = match args.positional.as_slice() {
        [tn] if tn.contains('/') => {
            let (t, n) = tn.split_once('/').unwrap_or_default();
            let Some(k) = kind_of(t, out) else { return };
            (k, n.to_string())
        }
        [t, n] => {
            let Some(k) = kind_of(t, out) else { return };
            (k, n.clone())
        }
        _ => {
            return out.fail(
                "error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'",
            );
        }
    };
    if !matches!(kind, Kind::Deployment | Kind::ReplicaSet | Kind::Pod | Kind::Service) {
        return out.fail(format!("error: cannot expose a {}", kind.name()));
    }
    let Some(obj) = c.store.get_object(kind, &ObjectKey::new(ns.as_str(), name.as_str())) else {
        return out.fail(ApiError::not_found(kind, &name).to_string());
    };
    // What kubectl introspects: the selector, the ports and the labels of the exposed object.
    let (selector, ports, labels) = match &obj {
        Object::Deployment(d) => {
            (d.spec.selector.match_labels.clone(), container_ports(&d.spec.template.spec), d.metadata.labels.clone())
        }
        Object::ReplicaSet(rs) => {
            (rs.spec.selector.match_labels.clone(), container_ports(&rs.spec.template.spec), rs.metadata.labels.clone())
        }
        Object::Pod(p) => (p.metadata.labels.clone(), container_ports(&p.spec), p.metadata.labels.clone()),
        Object::Service(s) => (
            s.spec.selector.clone(),
            s.spec.ports.iter().map(|p| (p.port, p.protocol.clone(), p.name.clone())).collect(),
            s.metadata.labels.clone(),
        ),
        other => return out.fail(format!("error: cannot expose a {}", other.kind().name())),
    };
    let selector = match args.get("selector") {
        Some(s) => match parse_map(s) {
            Ok(m) => m,
            Err(e) => return out.fail(format!("error: {e}")),
        },
        None => selector,
    };
    if selector.is_empty() {
        return out.fail(format!(
            "error: couldn't retrieve selectors via --selector flag or introspection: the {} has no selector usable as a map",
            kind.singular()
        ));
    }
    let protocol = args.get("protocol").unwrap_or("").to_string();
    let target = args.get("target-port").map(|t| match t.parse::<i32>() {
        Ok(n) => IntOrString::Int(n),
        Err(_) => IntOrString::String(t.to_string()),
    });
    let svc_ports: Vec<ServicePort> = match args.get("port") {
        Some(p) => {
            let Ok(port) = p.parse::<i32>() else {
                return out.fail(format!(
                    "error: invalid argument \"{p}\" for \"--port\" flag: strconv.Atoi: parsing \"{p}\": invalid syntax"
                ));
            };
            vec![ServicePort {
                port,
                protocol: if protocol.is_empty() { "TCP".into() } else { protocol.clone() },
                target_port: Some(target.clone().unwrap_or(IntOrString::Int(port))),
                ..Default::default()
            }]
        }
        None => {
            if ports.is_empty() {
                return out.fail("error: couldn't find port via --port flag or introspection\nSee 'kubectl expose -h' for help and examples");
            }
            let many = ports.len() > 1;
            ports
                .iter()
                .enumerate()
                .map(|(i, (port, proto, pname))| ServicePort {
                    name: if many {
                        if pname.is_empty() { format!("port-{}", i + 1) } else { pname.clone() }
                    } else {
                        String::new()
                    },
                    port: *port,
                    protocol: if !protocol.is_empty() {
                        protocol.clone()
                    } else if proto.is_empty() {
                        "TCP".into()
                    } else {
                        proto.clone()
                    },
                    target_port: Some(target.clone().unwrap_or(IntOrString::Int(*port))),
                    ..Default::default()
                })
                .collect()
        }
    };
    let labels = match args.get("labels") {
        Some(l) => match parse_map(l) {
            Ok(m) => m,
            Err(e) => return out.fail(format!("error: {e}")),
        },
        None => labels,
    };
    let svc = Service {
        metadata: ObjectMeta {
            name: args.get("name").unwrap_or(&name).to_string(),
            namespace: ns,
            labels,
            ..Default::default()
        },
        spec: ServiceSpec {
            type_: args.get("type").unwrap_or("").to_string(),
            selector,
            ports: svc_ports,
            cluster_ip: args.get("cluster-ip").unwrap_or("").to_string(),
            ..Default::default()
        },
        status: Default::default(),
    };
    match c.api_create(svc.into_object()) {
        Ok(o) => out.outln(format!("service/{} exposed", o.meta().name)),
        Err(e) => out.fail(e.to_string()),
    }
}

fn container_ports(spec: &crate::api::pod::PodSpec) -> Vec<(i32, String, String)> {
    spec.containers
        .iter()
        .flat_map(|c| &c.ports)
        .map(|p| (p.container_port, p.protocol.clone(), p.name.clone()))
        .collect()
}
