//! `kubectl apply -f`: create what is missing, merge into what exists.

use super::*;

const APPLY_FLAGS: &[Flag] = &[value("filename", Some('f')), value("output", Some('o'))];
pub(super) const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// One document of the `-f` files, decoded.
pub(super) struct Document {
    pub path: String,
    pub object: Object,
    /// The document as written, for `kubectl.kubernetes.io/last-applied-configuration`.
    pub raw: serde_json::Value,
}

/// Every object the `-f` files hold, in order, in the line's namespace unless they name one. A
/// file that cannot be read or parsed, or a document that does not decode, is reported in
/// kubectl's words (the document's number and field path) and skipped; the rest still come.
pub(super) fn documents(c: &Cluster, args: &Args, files: &dyn Files, action: &str, out: &mut Output) -> Vec<Document> {
    let ns = namespace(c, args);
    let mut docs = Vec::new();
    for path in args.all("filename") {
        let text = match files.read(path) {
            Ok(t) => t,
            Err(e) => {
                out.fail(format!("error: {e}"));
                continue;
            }
        };
        let parsed = match manifest::parse(&text) {
            Ok(d) => d,
            Err(e) => {
                out.fail(format!("error: error parsing {path}: {e}"));
                continue;
            }
        };
        for doc in parsed {
            let raw = doc.value.clone();
            let index = doc.index;
            let mut object = match manifest::to_object(doc.value) {
                Ok(o) => o,
                Err(e) if e.contains("cannot be handled as") => {
                    // The API server's BadRequest, with the document it came from.
                    out.fail(format!(
                        "Error from server (BadRequest): error when {action} \"{path}\" (document {}): {e}",
                        index + 1
                    ));
                    continue;
                }
                Err(e) => {
                    out.fail(format!("error: error validating \"{path}\": {e}"));
                    continue;
                }
            };
            if object.kind().namespaced() && object.meta().namespace.is_empty() {
                object.meta_mut().namespace = ns.clone();
            }
            docs.push(Document { path: path.clone(), object, raw });
        }
    }
    docs
}

pub(super) fn apply(c: &mut Cluster, words: &[String], files: &dyn Files, out: &mut Output) {
    let Some(args) = parse("apply", words, APPLY_FLAGS, out) else { return };
    if args.all("filename").is_empty() {
        return out.fail("error: must specify one of -f and -k");
    }
    for Document { path, mut object, raw } in documents(c, &args, files, "creating", out) {
        object.meta_mut().annotations.insert(LAST_APPLIED.into(), serde_json::to_string(&raw).unwrap_or_default());
        let kind = object.kind();
        let label = format!("{}/{}", kind.qualified(), object.meta().name);
        match c.store.get_object(kind, &object.key()) {
            None => match c.api_create(object) {
                Ok(_) => {
                    out.outln(format!("{label} created"));
                    warn_stored(kind, out);
                }
                Err(e) => out.fail(apply_error(&e, "creating", &path)),
            },
            Some(current) => match merge_for_apply(&current, object, Merge::Apply) {
                Err(e) => out.fail(apply_error(&e, "patching", &path)),
                Ok(None) => out.outln(format!("{label} unchanged")),
                Ok(Some(updated)) => match c.api_update(updated) {
                    Ok(_) => out.outln(format!("{label} configured")),
                    Err(e) => out.fail(apply_error(&e, "patching", &path)),
                },
            },
        }
    }
}

const CREATE_REPLACE_FLAGS: &[Flag] = &[
    value("filename", Some('f')),
    value("output", Some('o')),
    boolean("save-config", None),
    boolean("force", None),
    value("grace-period", None),
];

/// `kubectl create -f FILE`: each object is created; one that exists is an error (the others
/// still are).
pub(super) fn create_from_files(c: &mut Cluster, words: &[String], files: &dyn Files, out: &mut Output) {
    let Some(args) = parse("create", words, CREATE_REPLACE_FLAGS, out) else { return };
    for Document { path, mut object, raw } in documents(c, &args, files, "creating", out) {
        if args.flag("save-config") {
            object.meta_mut().annotations.insert(LAST_APPLIED.into(), serde_json::to_string(&raw).unwrap_or_default());
        }
        let kind = object.kind();
        let label = format!("{}/{}", kind.qualified(), object.meta().name);
        match c.api_create(object) {
            Ok(_) => {
                out.outln(format!("{label} created"));
                warn_stored(kind, out);
            }
            Err(e) => out.fail(apply_error(&e, "creating", &path)),
        }
    }
}

/// `kubectl replace -f FILE [--force]`: each object replaces the one stored, which must exist;
/// `--force` deletes it and creates it anew.
pub(super) fn replace(c: &mut Cluster, words: &[String], files: &dyn Files, out: &mut Output) {
    let Some(args) = parse("replace", words, CREATE_REPLACE_FLAGS, out) else { return };
    if args.all("filename").is_empty() {
        return out.fail("error: must specify --filename to replace");
    }
    for Document { path, object, .. } in documents(c, &args, files, "replacing", out) {
        let kind = object.kind();
        let key = object.key();
        let label = format!("{}/{}", kind.qualified(), object.meta().name);
        let Some(current) = c.store.get_object(kind, &key) else {
            out.fail(apply_error(&ApiError::not_found(kind, &key.name), "replacing", &path));
            continue;
        };
        if args.flag("force") {
            let opts = crate::DeleteOptions { grace: args.int("grace-period").ok().flatten(), ..Default::default() };
            if let Err(e) = c.api_delete(kind, &key, opts) {
                out.fail(e.to_string());
                continue;
            }
            out.outln(format!("{label} deleted"));
            let uid = current.meta().uid.clone();
            c.run_until(SimDuration::seconds(120), |c| c.store.meta_of(kind, &key).is_none_or(|m| m.uid != uid));
            match c.api_create(object) {
                Ok(_) => out.outln(format!("{label} replaced")),
                Err(e) => out.fail(apply_error(&e, "replacing", &path)),
            }
            continue;
        }
        let written = match merge_for_apply(&current, object, Merge::Replace) {
            Err(e) => Err(e),
            Ok(None) => Ok(()),
            Ok(Some(updated)) => c.api_update(updated).map(|_| ()),
        };
        match written {
            Ok(()) => out.outln(format!("{label} replaced")),
            Err(e) => out.fail(apply_error(&e, "replacing", &path)),
        }
    }
}

fn warn_stored(kind: Kind, out: &mut Output) {
    if !kind.simulated() && !out.stderr.contains(&stored_warning(kind)) {
        out.errln(stored_warning(kind));
    }
}

/// Said of a kind Podscape keeps without simulating, in kubectl's warning form.
pub(super) fn stored_warning(kind: Kind) -> String {
    let resource =
        if kind.group().is_empty() { kind.plural().to_string() } else { format!("{}.{}", kind.plural(), kind.group()) };
    format!("Warning: {resource} are stored, not simulated: Podscape keeps them, but no controller acts on them")
}

fn apply_error(e: &ApiError, action: &str, path: &str) -> String {
    match e.reason {
        crate::Reason::Invalid => e.to_string(),
        r => format!("Error from server ({r:?}): error when {action} \"{path}\": {}", e.message),
    }
}

/// How an object from a file meets the stored one.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Merge {
    /// `apply`: labels and annotations merge three ways with the last applied configuration.
    Apply,
    /// `replace`: the file's object is the whole object.
    Replace,
}

/// The object an apply or a replace leaves: the manifest's spec, labels and annotations over the
/// stored object's identity, status and server-allocated fields (a Service's ClusterIP and node
/// ports, as the API server's `patchAllocatedValues` keeps them). None when nothing would change.
pub(super) fn merge_for_apply(current: &Object, mut desired: Object, how: Merge) -> Result<Option<Object>, ApiError> {
    {
        let cm = current.meta();
        let dm = desired.meta_mut();
        dm.uid = cm.uid.clone();
        dm.creation_timestamp = cm.creation_timestamp;
        dm.owner_references =
            if dm.owner_references.is_empty() { cm.owner_references.clone() } else { dm.owner_references.clone() };
        dm.generation = cm.generation;
        dm.resource_version = cm.resource_version.clone();
        // Labels and annotations merge as a three-way apply merges maps: keys this manifest sets
        // win, keys the previous apply set and this one dropped go, keys others set (controllers,
        // `kubectl label`) stay.
        let previous: serde_json::Value = cm
            .annotations
            .get(LAST_APPLIED)
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or(serde_json::Value::Null);
        let merge = |current: &std::collections::BTreeMap<String, String>,
                     wanted: &std::collections::BTreeMap<String, String>,
                     field: &str| {
            let mut out = current.clone();
            if let Some(prev) = previous.pointer(&format!("/metadata/{field}")).and_then(|v| v.as_object()) {
                for k in prev.keys() {
                    if !wanted.contains_key(k) {
                        out.remove(k);
                    }
                }
            }
            out.extend(wanted.iter().map(|(k, v)| (k.clone(), v.clone())));
            out
        };
        if how == Merge::Apply {
            dm.labels = merge(&cm.labels, &dm.labels, "labels");
            dm.annotations = merge(&cm.annotations, &dm.annotations, "annotations");
        }
    }
    crate::defaults::apply(&mut desired);
    match (current, &mut desired) {
        (Object::Service(cur), Object::Service(d)) => {
            let name = cur.metadata.name.clone();
            if !d.spec.cluster_ip.is_empty() && d.spec.cluster_ip != cur.spec.cluster_ip {
                return Err(ApiError::invalid(
                    Kind::Service,
                    &name,
                    &[crate::validation::FieldError::invalid(
                        "spec.clusterIPs[0]",
                        format!("[]string{{{:?}}}", d.spec.cluster_ip),
                        "may not change once set",
                    )],
                ));
            }
            d.spec.cluster_ip = cur.spec.cluster_ip.clone();
            d.spec.cluster_ips = cur.spec.cluster_ips.clone();
            let wants_node_ports = matches!(d.type_or_default(), "NodePort" | "LoadBalancer");
            for p in d.spec.ports.iter_mut().filter(|_| wants_node_ports) {
                if p.node_port.is_none() {
                    p.node_port = cur
                        .spec
                        .ports
                        .iter()
                        .find(|q| q.port == p.port && q.protocol == p.protocol)
                        .and_then(|q| q.node_port);
                }
            }
            d.status = cur.status.clone();
        }
        (Object::Deployment(cur), Object::Deployment(d)) => {
            if cur.spec.selector != d.spec.selector {
                return Err(ApiError::invalid(
                    Kind::Deployment,
                    &cur.metadata.name,
                    &[crate::validation::FieldError::invalid(
                        "spec.selector",
                        format!("{:?}", d.spec.selector.match_labels),
                        "field is immutable",
                    )],
                ));
            }
            d.status = cur.status.clone();
        }
        (Object::ReplicaSet(cur), Object::ReplicaSet(d)) => d.status = cur.status.clone(),
        (Object::StatefulSet(cur), Object::StatefulSet(d)) => d.status = cur.status.clone(),
        (Object::PersistentVolumeClaim(cur), Object::PersistentVolumeClaim(d)) => {
            // The binding is the controller's: an apply that does not name a volume keeps it.
            if d.spec.volume_name.is_empty() {
                d.spec.volume_name = cur.spec.volume_name.clone();
            }
            d.status = cur.status.clone();
        }
        (Object::PersistentVolume(cur), Object::PersistentVolume(d)) => {
            if d.spec.claim_ref.is_none() {
                d.spec.claim_ref = cur.spec.claim_ref.clone();
            }
            d.status = cur.status.clone();
        }
        (Object::Pod(cur), Object::Pod(d)) => {
            d.spec.node_name = cur.spec.node_name.clone();
            d.status = cur.status.clone();
        }
        (Object::Node(cur), Object::Node(d)) => d.status = cur.status.clone(),
        (Object::Namespace(cur), Object::Namespace(d)) => d.status = cur.status.clone(),
        _ => {}
    }
    if &desired == current { Ok(None) } else { Ok(Some(desired)) }
}
