//! The API server's three patch types, applied to an object's JSON:
//!
//! - `strategic` (`application/strategic-merge-patch+json`, kubectl's default): maps merge,
//!   `null` removes a key, and lists the Kubernetes types mark `patchStrategy: merge` merge item
//!   by item on their `patchMergeKey` (containers by `name`, container ports by `containerPort`,
//!   volume mounts by `mountPath`, Service ports by `port` …); other lists are replaced. The
//!   `$patch: replace|delete` and `$deleteFromPrimitiveList` directives are honoured, and
//!   `$setElementOrder` and `$retainKeys` read as k8s.io/apimachinery's strategicpatch reads them.
//! - `merge` (RFC 7386 JSON merge patch): maps merge, `null` removes, lists are replaced.
//! - `json` (RFC 6902 JSON patch): a list of operations (`add`, `remove`, `replace`, `move`,
//!   `copy`, `test`) at JSON pointers.

use serde_json::{Map, Value};

use crate::api::Kind;

/// `kubectl patch --type`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PatchType {
    Strategic,
    Merge,
    Json,
}

impl PatchType {
    pub fn parse(s: &str) -> Option<PatchType> {
        match s {
            "strategic" => Some(PatchType::Strategic),
            "merge" => Some(PatchType::Merge),
            "json" => Some(PatchType::Json),
            _ => None,
        }
    }
}

/// Applies `patch` (already parsed JSON) to `doc`, an object of `kind`. Errors read as the API
/// server's.
pub fn apply(kind: Kind, doc: &Value, patch: &Value, how: PatchType) -> Result<Value, String> {
    match how {
        PatchType::Merge => {
            if !patch.is_object() {
                return Err("json: cannot unmarshal array into Go value of type map[string]interface {}".into());
            }
            let mut out = doc.clone();
            json_patch::merge(&mut out, patch);
            Ok(out)
        }
        PatchType::Json => {
            let ops: json_patch::Patch = serde_json::from_value(patch.clone())
                .map_err(|e| format!("json: cannot unmarshal object into Go value of type jsonpatch.Patch: {e}"))?;
            let mut out = doc.clone();
            json_patch::patch(&mut out, &ops).map_err(|e| json_patch_error(&e, &ops))?;
            Ok(out)
        }
        PatchType::Strategic => {
            let Value::Object(p) = patch else {
                return Err("json: cannot unmarshal array into Go value of type map[string]interface {}".into());
            };
            let mut out = doc.clone();
            let mut path = Vec::new();
            strategic_map(kind, &mut out, p, &mut path)?;
            Ok(out)
        }
    }
}

/// The API server's words for a JSON patch that does not apply (evanphx/json-patch's, which it
/// uses).
fn json_patch_error(e: &json_patch::PatchError, ops: &json_patch::Patch) -> String {
    let op = ops.0.get(e.operation);
    let (name, path) = match op {
        Some(json_patch::PatchOperation::Add(o)) => ("add", o.path.to_string()),
        Some(json_patch::PatchOperation::Remove(o)) => ("remove", o.path.to_string()),
        Some(json_patch::PatchOperation::Replace(o)) => ("replace", o.path.to_string()),
        Some(json_patch::PatchOperation::Move(o)) => ("move", o.path.to_string()),
        Some(json_patch::PatchOperation::Copy(o)) => ("copy", o.path.to_string()),
        Some(json_patch::PatchOperation::Test(o)) => ("test", o.path.to_string()),
        None => ("", String::new()),
    };
    match &e.kind {
        json_patch::PatchErrorKind::TestFailed => format!("testing value {path} failed: test failed"),
        _ => format!("{name} operation does not apply: doc is missing path: \"{path}\": missing value"),
    }
}

/// How the Kubernetes types merge a list field (`patchStrategy`/`patchMergeKey` tags).
enum ListStrategy {
    Replace,
    /// Merge items of objects by this key.
    MergeBy(&'static str),
    /// A list of primitives merged as a set (finalizers).
    Union,
}

/// The merge strategy of the list at `path` (map keys from the object's root, list indices left
/// out) in an object of `kind`.
fn list_strategy(kind: Kind, path: &[String]) -> ListStrategy {
    let last = path.last().map(String::as_str).unwrap_or("");
    let parent = path.len().checked_sub(2).and_then(|i| path.get(i)).map(String::as_str).unwrap_or("");
    let in_container = matches!(parent, "containers" | "initContainers" | "ephemeralContainers");
    match last {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "imagePullSecrets"
        | "resourceClaims"
        | "schedulingGates"
            if parent == "spec" =>
        {
            ListStrategy::MergeBy("name")
        }
        "ports" if in_container => ListStrategy::MergeBy("containerPort"),
        "ports" if kind == Kind::Service && parent == "spec" => ListStrategy::MergeBy("port"),
        "env" if in_container => ListStrategy::MergeBy("name"),
        "volumeMounts" if in_container => ListStrategy::MergeBy("mountPath"),
        "volumeDevices" if in_container => ListStrategy::MergeBy("devicePath"),
        "hostAliases" if parent == "spec" => ListStrategy::MergeBy("ip"),
        "topologySpreadConstraints" if parent == "spec" => ListStrategy::MergeBy("topologyKey"),
        "finalizers" if parent == "metadata" => ListStrategy::Union,
        "ownerReferences" if parent == "metadata" => ListStrategy::MergeBy("uid"),
        "conditions" if parent == "status" => ListStrategy::MergeBy("type"),
        "addresses" if parent == "status" && kind == Kind::Node => ListStrategy::MergeBy("type"),
        _ => ListStrategy::Replace,
    }
}

const DIRECTIVE: &str = "$patch";
const DELETE_PRIMITIVE: &str = "$deleteFromPrimitiveList/";
const SET_ORDER: &str = "$setElementOrder/";
const RETAIN_KEYS: &str = "$retainKeys";

fn strategic_map(
    kind: Kind,
    doc: &mut Value,
    patch: &Map<String, Value>,
    path: &mut Vec<String>,
) -> Result<(), String> {
    match patch.get(DIRECTIVE).and_then(Value::as_str) {
        Some("replace") => {
            let mut p = patch.clone();
            p.remove(DIRECTIVE);
            *doc = Value::Object(strip_directives(p));
            return Ok(());
        }
        Some("delete") => {
            *doc = Value::Null;
            return Ok(());
        }
        Some(other) => return Err(format!("Unknown patch type: {other}")),
        None => {}
    }
    if !doc.is_object() {
        *doc = Value::Object(Map::new());
    }
    let Value::Object(target) = doc else { return Ok(()) };
    if let Some(Value::Array(keep)) = patch.get(RETAIN_KEYS) {
        let keep: Vec<&str> = keep.iter().filter_map(Value::as_str).collect();
        target.retain(|k, _| keep.contains(&k.as_str()) || patch.contains_key(k));
    }
    for (k, v) in patch {
        if k == RETAIN_KEYS || k.starts_with(SET_ORDER) {
            continue;
        }
        if let Some(field) = k.strip_prefix(DELETE_PRIMITIVE) {
            if let (Some(Value::Array(list)), Value::Array(gone)) = (target.get_mut(field), v) {
                list.retain(|x| !gone.contains(x));
            }
            continue;
        }
        path.push(k.clone());
        match v {
            Value::Null => {
                target.remove(k);
            }
            Value::Object(pm) => {
                let slot = target.entry(k.clone()).or_insert(Value::Null);
                strategic_map(kind, slot, pm, path)?;
                if slot.is_null() {
                    target.remove(k);
                }
            }
            Value::Array(items) => {
                let merged = strategic_list(kind, target.get(k), items, path)?;
                target.insert(k.clone(), merged);
            }
            other => {
                target.insert(k.clone(), other.clone());
            }
        }
        path.pop();
    }
    Ok(())
}

fn strategic_list(
    kind: Kind,
    current: Option<&Value>,
    items: &[Value],
    path: &mut Vec<String>,
) -> Result<Value, String> {
    let current: Vec<Value> = current.and_then(Value::as_array).cloned().unwrap_or_default();
    // A list-level `{"$patch": "replace"}` item replaces the whole list with the other items.
    if items.iter().any(|i| i.get(DIRECTIVE).and_then(Value::as_str) == Some("replace")) {
        let rest: Vec<Value> = items.iter().filter(|i| i.get(DIRECTIVE).is_none()).cloned().map(strip_value).collect();
        return Ok(Value::Array(rest));
    }
    match list_strategy(kind, path) {
        ListStrategy::Replace => Ok(Value::Array(items.iter().cloned().map(strip_value).collect())),
        ListStrategy::Union => {
            let mut out = current;
            for i in items {
                if !out.contains(i) {
                    out.push(i.clone());
                }
            }
            Ok(Value::Array(out))
        }
        ListStrategy::MergeBy(key) => {
            let mut out = current;
            for item in items {
                let Value::Object(pm) = item else {
                    return Err(format!("unable to find api field in struct for the list item at {}", path.join(".")));
                };
                let Some(id) = pm.get(key) else {
                    return Err(format!("map: {} does not contain declared merge key: {key}", go_map(pm)));
                };
                let at = out.iter().position(|x| x.get(key) == Some(id));
                if pm.get(DIRECTIVE).and_then(Value::as_str) == Some("delete") {
                    if let Some(i) = at {
                        out.remove(i);
                    }
                    continue;
                }
                match at {
                    Some(i) => {
                        strategic_map(kind, &mut out[i], pm, path)?;
                        if out[i].is_null() {
                            out.remove(i);
                        }
                    }
                    None => out.push(strip_value(item.clone())),
                }
            }
            Ok(Value::Array(out))
        }
    }
}

/// A patch fragment copied in whole keeps none of the patch's directives.
fn strip_value(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(strip_directives(m)),
        Value::Array(a) => Value::Array(a.into_iter().map(strip_value).collect()),
        other => other,
    }
}

fn strip_directives(m: Map<String, Value>) -> Map<String, Value> {
    m.into_iter()
        .filter(|(k, _)| {
            k != DIRECTIVE && k != RETAIN_KEYS && !k.starts_with(SET_ORDER) && !k.starts_with(DELETE_PRIMITIVE)
        })
        .map(|(k, v)| (k, strip_value(v)))
        .collect()
}

fn go_map(m: &Map<String, Value>) -> String {
    crate::console::jsonpath::go_text(&Value::Object(m.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sts() -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "web", "finalizers": ["a"]},
            "spec": {
                "replicas": 5,
                "template": {"spec": {"containers": [
                    {"name": "nginx", "image": "registry.k8s.io/nginx-slim:0.21", "ports": [{"containerPort": 80, "name": "web"}]},
                    {"name": "side", "image": "busybox"}
                ]}},
                "updateStrategy": {"type": "RollingUpdate"}
            }
        })
    }

    // StatefulSet Basics: `kubectl patch sts web -p '{"spec":{"replicas":3}}'` and the partition patch.
    #[test]
    fn strategic_merges_maps_as_the_tutorials_patch_them() {
        let out = apply(Kind::StatefulSet, &sts(), &json!({"spec": {"replicas": 3}}), PatchType::Strategic).unwrap();
        assert_eq!(out["spec"]["replicas"], 3);
        assert_eq!(out["spec"]["template"]["spec"]["containers"][0]["name"], "nginx");
        let p = json!({"spec": {"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 3}}}});
        let out = apply(Kind::StatefulSet, &sts(), &p, PatchType::Strategic).unwrap();
        assert_eq!(out["spec"]["updateStrategy"]["rollingUpdate"]["partition"], 3);
        let out = apply(
            Kind::StatefulSet,
            &out,
            &json!({"spec": {"updateStrategy": {"type": "OnDelete", "rollingUpdate": null}}}),
            PatchType::Strategic,
        )
        .unwrap();
        assert_eq!(out["spec"]["updateStrategy"], json!({"type": "OnDelete"}));
    }

    #[test]
    fn strategic_merges_containers_by_name_and_ports_by_container_port() {
        let p = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "nginx", "image": "nginx:1.27", "ports": [{"containerPort": 443}]},
            {"name": "new", "image": "redis"}
        ]}}}});
        let out = apply(Kind::StatefulSet, &sts(), &p, PatchType::Strategic).unwrap();
        let cs = out["spec"]["template"]["spec"]["containers"].as_array().unwrap();
        assert_eq!(cs.len(), 3, "merged by name: nginx updated, side kept, new added");
        assert_eq!(cs[0]["image"], "nginx:1.27");
        assert_eq!(cs[0]["ports"].as_array().unwrap().len(), 2, "ports merge by containerPort");
        assert_eq!(cs[1]["name"], "side");
        // The same list under merge patch replaces.
        let out = apply(Kind::StatefulSet, &sts(), &p, PatchType::Merge).unwrap();
        assert_eq!(out["spec"]["template"]["spec"]["containers"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn strategic_directives() {
        let p = json!({"spec": {"template": {"spec": {"containers": [{"name": "side", "$patch": "delete"}]}}}});
        let out = apply(Kind::StatefulSet, &sts(), &p, PatchType::Strategic).unwrap();
        assert_eq!(out["spec"]["template"]["spec"]["containers"].as_array().unwrap().len(), 1);
        let p = json!({"metadata": {"finalizers": ["b"]}});
        let out = apply(Kind::StatefulSet, &sts(), &p, PatchType::Strategic).unwrap();
        assert_eq!(out["metadata"]["finalizers"], json!(["a", "b"]), "finalizers merge as a set");
        let p = json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}});
        let out = apply(Kind::StatefulSet, &sts(), &p, PatchType::Strategic).unwrap();
        assert_eq!(out["metadata"]["finalizers"], json!([]));
        let p = json!({"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}});
        let e = apply(Kind::StatefulSet, &sts(), &p, PatchType::Strategic).unwrap_err();
        assert!(e.contains("does not contain declared merge key: name"), "{e}");
    }

    // StatefulSet Basics: the JSON patch of the first container's image.
    #[test]
    fn json_patch_replaces_at_a_pointer() {
        let p = json!([{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "registry.k8s.io/nginx-slim:0.24"}]);
        let out = apply(Kind::StatefulSet, &sts(), &p, PatchType::Json).unwrap();
        assert_eq!(out["spec"]["template"]["spec"]["containers"][0]["image"], "registry.k8s.io/nginx-slim:0.24");
        let p = json!([{"op": "replace", "path": "/spec/template/spec/containers/7/image", "value": "x"}]);
        let e = apply(Kind::StatefulSet, &sts(), &p, PatchType::Json).unwrap_err();
        assert!(e.contains("replace operation does not apply"), "{e}");
    }
}
