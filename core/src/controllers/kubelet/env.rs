//! A container's environment as the kubelet builds it (`makeEnvironmentVariables`): `env` values,
//! `valueFrom` references to ConfigMaps, Secrets and the pod's own fields, and `envFrom`. A
//! reference to something missing is the container's CreateContainerConfigError.

use base64::Engine as _;
use serde_json::Value;

use crate::api::pod::Container;
use crate::api::{ConfigMap, ObjectKey, Pod, Secret};
use crate::store::Store;

/// The variables the container's own spec sets, in order, or why it cannot start.
pub fn resolve(store: &Store, pod: &Pod, container: &Container) -> Result<Vec<(String, String)>, String> {
    let ns = pod.metadata.namespace.as_str();
    let mut out = Vec::new();
    for from in &container.env_from {
        let prefix = from.get("prefix").and_then(Value::as_str).unwrap_or("");
        let optional = |r: &Value| r.get("optional").and_then(Value::as_bool) == Some(true);
        if let Some(r) = from.get("configMapRef") {
            let name = r.get("name").and_then(Value::as_str).unwrap_or("");
            match config_map(store, ns, name) {
                Some(data) => out.extend(data.into_iter().map(|(k, v)| (format!("{prefix}{k}"), v))),
                None if optional(r) => {}
                None => return Err(format!("configmap \"{name}\" not found")),
            }
        }
        if let Some(r) = from.get("secretRef") {
            let name = r.get("name").and_then(Value::as_str).unwrap_or("");
            match secret(store, ns, name) {
                Some(data) => out.extend(data.into_iter().map(|(k, v)| (format!("{prefix}{k}"), v))),
                None if optional(r) => {}
                None => return Err(format!("secret \"{name}\" not found")),
            }
        }
    }
    for e in &container.env {
        let Some(name) = e.get("name").and_then(Value::as_str) else { continue };
        if let Some(v) = e.get("value").and_then(Value::as_str) {
            out.push((name.to_string(), v.to_string()));
            continue;
        }
        let Some(from) = e.get("valueFrom") else {
            out.push((name.to_string(), String::new()));
            continue;
        };
        let key_ref = |field: &str| {
            from.get(field).map(|r| {
                (
                    r.get("name").and_then(Value::as_str).unwrap_or("").to_string(),
                    r.get("key").and_then(Value::as_str).unwrap_or("").to_string(),
                    r.get("optional").and_then(Value::as_bool) == Some(true),
                )
            })
        };
        if let Some((obj, key, optional)) = key_ref("configMapKeyRef") {
            match config_map(store, ns, &obj).map(|d| d.into_iter().find(|(k, _)| *k == key)) {
                Some(Some((_, v))) => out.push((name.to_string(), v)),
                _ if optional => {}
                Some(None) => return Err(format!("couldn't find key {key} in ConfigMap {ns}/{obj}")),
                None => return Err(format!("configmap \"{obj}\" not found")),
            }
        } else if let Some((obj, key, optional)) = key_ref("secretKeyRef") {
            match secret(store, ns, &obj).map(|d| d.into_iter().find(|(k, _)| *k == key)) {
                Some(Some((_, v))) => out.push((name.to_string(), v)),
                _ if optional => {}
                Some(None) => return Err(format!("couldn't find key {key} in Secret {ns}/{obj}")),
                None => return Err(format!("secret \"{obj}\" not found")),
            }
        } else if let Some(path) = from.pointer("/fieldRef/fieldPath").and_then(Value::as_str) {
            let value = match path {
                "metadata.name" => pod.metadata.name.clone(),
                "metadata.namespace" => pod.metadata.namespace.clone(),
                "metadata.uid" => pod.metadata.uid.as_str().to_string(),
                "spec.nodeName" => pod.spec.node_name.clone(),
                "spec.serviceAccountName" => pod.spec.service_account_name.clone(),
                "status.podIP" => pod.status.pod_ip.clone(),
                "status.hostIP" => pod.status.host_ip.clone(),
                _ => String::new(),
            };
            out.push((name.to_string(), value));
        }
    }
    Ok(out)
}

fn config_map(store: &Store, ns: &str, name: &str) -> Option<Vec<(String, String)>> {
    store
        .get::<ConfigMap>(&ObjectKey::new(ns, name))
        .map(|c| c.data.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

fn secret(store: &Store, ns: &str, name: &str) -> Option<Vec<(String, String)>> {
    let b64 = base64::engine::general_purpose::STANDARD;
    store.get::<Secret>(&ObjectKey::new(ns, name)).map(|s| {
        s.data
            .iter()
            .map(|(k, v)| (k.clone(), String::from_utf8_lossy(&b64.decode(v.trim()).unwrap_or_default()).into_owned()))
            .collect()
    })
}
