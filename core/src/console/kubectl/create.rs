//! `kubectl create` of a named kind: deployment, service, configmap, secret, namespace, serviceaccount.

use super::*;

const CREATE_FLAGS: &[Flag] = &[
    value("from-literal", None),
    value("from-file", None),
    value("type", None),
    boolean("immutable", None),
    value("image", None),
    value("replicas", Some('r')),
    value("port", None),
    value("tcp", None),
    value("clusterip", None),
    value("node-port", None),
    value("external-name", None),
    value("cert", None),
    value("key", None),
    value("filename", Some('f')),
    value("output", Some('o')),
    boolean("save-config", None),
];

/// `kubectl create deployment NAME --image=IMAGE... [--replicas=N] [--port=P] [-- COMMAND...]`:
/// labels and selector `app=NAME`, one container per image named after it (`buildPodSpec`).
fn create_deployment(c: &mut Cluster, args: &Args, name: &str, out: &mut Output) {
    let images = args.all("image");
    if images.is_empty() {
        return out.fail("error: required flag(s) \"image\" not set");
    }
    let replicas = match args.int("replicas") {
        Ok(r) => r.unwrap_or(1),
        Err(e) => return out.fail(format!("error: {e}")),
    };
    let port = match args.int("port") {
        Ok(p) => p,
        Err(e) => return out.fail(format!("error: {e}")),
    };
    let containers: Vec<serde_json::Value> = images
        .iter()
        .map(|image| {
            let base = image.split(['@']).next().unwrap_or(image);
            let base = base.rsplit('/').next().unwrap_or(base);
            let base = base.split(':').next().unwrap_or(base).replace('_', "-");
            let mut c = serde_json::json!({"name": base, "image": image, "resources": {}});
            if let Some(p) = port {
                c["ports"] = serde_json::json!([{"containerPort": p}]);
            }
            if !args.rest.is_empty() {
                c["command"] = serde_json::json!(args.rest);
            }
            c
        })
        .collect();
    let doc = serde_json::json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace(c, args), "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": containers}},
        },
    });
    let obj = match manifest::to_object(doc) {
        Ok(o) => o,
        Err(e) => return out.fail(format!("error: {e}")),
    };
    match c.api_create(obj) {
        Ok(_) => out.outln(format!("deployment.apps/{name} created")),
        Err(e) => out.fail(e.to_string()),
    }
}

/// `kubectl create service clusterip|nodeport|loadbalancer|externalname NAME --tcp=PORT[:TARGET]...`:
/// labels and selector `app=NAME`, each port named after its spec (`80-8080`), as kubectl builds it.
fn create_service(c: &mut Cluster, args: &Args, kind: &str, names: &[&str], out: &mut Output) {
    let type_ = match kind {
        "clusterip" => "ClusterIP",
        "nodeport" => "NodePort",
        "loadbalancer" => "LoadBalancer",
        "externalname" => "ExternalName",
        "" => {
            return out
                .fail("error: must specify a type of service: clusterip, externalname, loadbalancer or nodeport");
        }
        other => {
            return out.fail(format!(
                "error: unknown command \"{other}\" for \"kubectl create service\": use clusterip, externalname, loadbalancer or nodeport"
            ));
        }
    };
    let [name] = names else {
        return out.fail(format!("error: exactly one NAME is required, got {}", names.len()));
    };
    let node_port = match args.int("node-port") {
        Ok(p) => p,
        Err(e) => return out.fail(format!("error: {e}")),
    };
    let cluster_ip = args.get("clusterip");
    let tcp = args.all("tcp");
    if tcp.is_empty() && type_ != "ExternalName" && !(type_ == "ClusterIP" && cluster_ip == Some("None")) {
        return out.fail("error: at least one tcp port specifier must be provided");
    }
    let mut ports = Vec::new();
    for spec in tcp.iter().flat_map(|t| t.split(',')) {
        let (port, target) = spec.split_once(':').unwrap_or((spec, spec));
        let Ok(port) = port.parse::<i64>() else {
            return out.fail(format!("error: strconv.Atoi: parsing \"{port}\": invalid syntax"));
        };
        let target = match target.parse::<i64>() {
            Ok(t) => serde_json::json!(t),
            Err(_) => serde_json::json!(target),
        };
        let mut p =
            serde_json::json!({"name": spec.replace(':', "-"), "port": port, "targetPort": target, "protocol": "TCP"});
        if let Some(n) = node_port.filter(|n| *n > 0) {
            p["nodePort"] = serde_json::json!(n);
        }
        ports.push(p);
    }
    let mut spec = serde_json::json!({"type": type_, "ports": ports});
    if type_ == "ExternalName" {
        let Some(external) = args.get("external-name") else {
            return out.fail("error: required flag(s) \"external-name\" not set");
        };
        spec["externalName"] = serde_json::json!(external);
    } else {
        spec["selector"] = serde_json::json!({"app": name});
    }
    if let Some(ip) = cluster_ip {
        spec["clusterIP"] = serde_json::json!(ip);
    }
    let doc = serde_json::json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": name, "namespace": namespace(c, args), "labels": {"app": name}},
        "spec": spec,
    });
    let obj = match manifest::to_object(doc) {
        Ok(o) => o,
        Err(e) => return out.fail(format!("error: {e}")),
    };
    match c.api_create(obj) {
        Ok(_) => out.outln(format!("service/{name} created")),
        // kubectl wraps the API error in its own words here (`create_service.go`).
        Err(e) => out.fail(format!("error: failed to create {type_} service: {}", e.message)),
    }
}

/// `kubectl create secret tls NAME --cert=PATH --key=PATH`: a `kubernetes.io/tls` Secret holding
/// the PEM files as `tls.crt` and `tls.key`. kubectl parses the pair; here each file must at least
/// hold the PEM block it should, which is where pasted-in-the-wrong-order mistakes show.
fn create_secret_tls(c: &mut Cluster, args: &Args, name: &str, files: &dyn Files, out: &mut Output) {
    let missing: Vec<String> =
        ["cert", "key"].iter().filter(|f| args.get(f).is_none()).map(|f| format!("\"{f}\"")).collect();
    if !missing.is_empty() {
        return out.fail(format!("error: required flag(s) {} not set", missing.join(", ")));
    }
    let mut data = std::collections::BTreeMap::new();
    for (flag, key, block, input) in
        [("cert", "tls.crt", "CERTIFICATE-----", "certificate"), ("key", "tls.key", "PRIVATE KEY-----", "key")]
    {
        let path = args.get(flag).unwrap_or_default();
        let text = match files.read(path) {
            Ok(t) => t,
            Err(e) => return out.fail(format!("error: {e}")),
        };
        let pem = text.lines().any(|l| l.starts_with("-----BEGIN ") && l.ends_with(block));
        if !pem {
            return out
                .fail(format!("error: failed to load key pair tls: failed to find any PEM data in {input} input"));
        }
        data.insert(key.to_string(), text);
    }
    let obj = crate::api::Secret {
        metadata: ObjectMeta { name: name.to_string(), namespace: namespace(c, args), ..Default::default() },
        type_: "kubernetes.io/tls".into(),
        string_data: data,
        ..Default::default()
    }
    .into_object();
    match c.api_create(obj) {
        Ok(_) => out.outln(format!("secret/{name} created")),
        Err(e) => out.fail(e.to_string()),
    }
}

/// `kubectl create configmap|secret generic|namespace NAME [--from-literal=K=V]... [--from-file=[K=]PATH]...`.
pub(super) fn create(c: &mut Cluster, words: &[String], files: &dyn Files, out: &mut Output) {
    let Some(args) = parse("create", words, CREATE_FLAGS, out) else { return };
    if args.has("filename") {
        return apply::create_from_files(c, words, files, out);
    }
    let mut positional = args.positional.iter().map(String::as_str);
    let what = positional.next().unwrap_or("");
    if matches!(what, "deployment" | "deploy") {
        let names: Vec<&str> = positional.collect();
        let [name] = names.as_slice() else {
            return out.fail(format!("error: exactly one NAME is required, got {}", names.len()));
        };
        return create_deployment(c, &args, name, out);
    }
    if matches!(what, "service" | "svc") {
        let kind = positional.next().unwrap_or("");
        let names: Vec<&str> = positional.collect();
        return create_service(c, &args, kind, &names, out);
    }
    if what == "secret" && args.positional.get(1).map(String::as_str) == Some("tls") {
        let names: Vec<&str> = positional.skip(1).collect();
        let [name] = names.as_slice() else {
            return out.fail(format!("error: exactly one NAME is required, got {}", names.len()));
        };
        return create_secret_tls(c, &args, name, files, out);
    }
    let (kind, what) = match what {
        "serviceaccount" | "sa" => (Kind::ServiceAccount, "ServiceAccount"),
        "configmap" | "cm" => (Kind::ConfigMap, "ConfigMap"),
        "namespace" | "ns" => (Kind::Namespace, "Namespace"),
        "secret" => match positional.next() {
            Some("generic") => (Kind::Secret, "Secret"),
            Some(t @ "docker-registry") => {
                return out.fail(format!("error: kubectl create secret {t} is not simulated; use generic"));
            }
            _ => return out.fail("error: specify the type of secret: kubectl create secret generic|tls NAME"),
        },
        "" => return out.fail("error: must specify one of -f and -k"),
        other => {
            return out.fail(format!(
                "error: kubectl create {other} is not simulated; use deployment, service, configmap, secret generic|tls, namespace or serviceaccount, or kubectl apply -f"
            ));
        }
    };
    let names: Vec<&str> = positional.collect();
    let [name] = names.as_slice() else {
        return out.fail(format!("error: exactly one NAME is required, got {}", names.len()));
    };
    let ns = namespace(c, &args);
    let mut data = std::collections::BTreeMap::new();
    let mut add = |key: &str, value: String, out: &mut Output| -> bool {
        if key.is_empty() || !key.chars().all(|ch| ch.is_ascii_alphanumeric() || "-._".contains(ch)) {
            out.fail(format!(
                "error: \"{key}\" is not a valid key name for a {what}: a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
            ));
            return false;
        }
        if data.insert(key.to_string(), value).is_some() {
            out.fail(format!(
                "error: cannot add key \"{key}\", another key by that name already exists in Data for {what} \"{name}\""
            ));
            return false;
        }
        true
    };
    if kind != Kind::Namespace && kind != Kind::ServiceAccount {
        for lit in args.all("from-literal") {
            let Some((k, v)) = lit.split_once('=').filter(|(k, _)| !k.is_empty()) else {
                return out.fail(format!("error: invalid literal source {lit}, expected key=value"));
            };
            if !add(k, v.to_string(), out) {
                return;
            }
        }
        for src in args.all("from-file") {
            let (k, path) = match src.split_once('=') {
                Some((k, p)) => (k.to_string(), p),
                None => (src.rsplit('/').next().unwrap_or(src).to_string(), src.as_str()),
            };
            let text = match files.read(path) {
                Ok(t) => t,
                Err(e) => return out.fail(format!("error: {e}")),
            };
            if !add(&k, text, out) {
                return;
            }
        }
    }
    let meta = ObjectMeta { name: name.to_string(), namespace: ns, ..Default::default() };
    let immutable = args.flag("immutable").then_some(true);
    let obj = match kind {
        Kind::ConfigMap => {
            crate::api::ConfigMap { metadata: meta, data, immutable, ..Default::default() }.into_object()
        }
        Kind::Secret => crate::api::Secret {
            metadata: meta,
            type_: args.get("type").unwrap_or("Opaque").to_string(),
            string_data: data,
            immutable,
            ..Default::default()
        }
        .into_object(),
        Kind::ServiceAccount => crate::api::ServiceAccount { metadata: meta, ..Default::default() }.into_object(),
        _ => crate::api::Namespace {
            metadata: ObjectMeta { name: name.to_string(), ..Default::default() },
            ..Default::default()
        }
        .into_object(),
    };
    let label = format!("{}/{name}", kind.singular());
    match c.api_create(obj) {
        Ok(_) => out.outln(format!("{label} created")),
        Err(e) => out.fail(e.to_string()),
    }
}
