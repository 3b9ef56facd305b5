//! Manifests in and out: YAML or JSON, one document or many, `kind: List` expanded, as
//! `kubectl apply -f` reads them.

use serde_json::Value;

use crate::api::{Kind, Object};

/// One document of a manifest, with its position (0-based) for error messages.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    pub index: usize,
    pub value: Value,
}

/// Splits a manifest into documents. JSON is read as JSON (one object, or a `List`); anything else
/// as YAML, `---`-separated. Empty documents are skipped, as kubectl skips them.
pub fn parse(text: &str) -> Result<Vec<Document>, String> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let values: Vec<Value> = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let mut out = Vec::new();
        let stream = serde_json::Deserializer::from_str(trimmed).into_iter::<Value>();
        for v in stream {
            out.push(v.map_err(|e| format!("error parsing JSON: {e}"))?);
        }
        out
    } else {
        serde_saphyr::from_multiple::<Value>(text)
            .map_err(|e| format!("error converting YAML to JSON: {}", yaml_error(&e)))?
    };
    let mut docs = Vec::new();
    for v in values {
        let index = docs.len();
        match v {
            Value::Null => {}
            Value::Object(ref m) if m.is_empty() => {}
            Value::Object(ref m)
                if m.get("kind").and_then(Value::as_str).is_some_and(|k| k.ends_with("List"))
                    && m.contains_key("items") =>
            {
                if let Some(Value::Array(items)) = m.get("items") {
                    for item in items {
                        docs.push(Document { index: docs.len(), value: item.clone() });
                    }
                }
            }
            Value::Object(_) => docs.push(Document { index, value: v }),
            Value::Array(items) => {
                for item in items {
                    docs.push(Document { index: docs.len(), value: item });
                }
            }
            other => return Err(format!("error converting YAML to JSON: document {index} is not an object: {other}")),
        }
    }
    Ok(docs)
}

/// The first line of a YAML error: serde-saphyr renders a source snippet after it, which a
/// console line cannot show well.
fn yaml_error(e: &serde_saphyr::Error) -> String {
    e.to_string().lines().next().unwrap_or("invalid YAML").trim().to_string()
}

/// Reads a document as an object of a kind core knows.
pub fn to_object(value: Value) -> Result<Object, String> {
    let api_version = value.get("apiVersion").and_then(Value::as_str).unwrap_or("").to_string();
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or("").to_string();
    if kind.is_empty() {
        return Err("error validating data: kind not set".into());
    }
    if api_version.is_empty() {
        return Err("error validating data: apiVersion not set".into());
    }
    let Some(k) = Kind::from_type(&api_version, &kind) else {
        return Err(format!("no matches for kind \"{kind}\" in version \"{api_version}\""));
    };
    match Object::from_value(k, value.clone()) {
        Ok(o) => Ok(o),
        Err(e) => {
            let path = failing_path(k, &value, &e);
            let at = if path.is_empty() { String::new() } else { format!("{path}: ") };
            Err(format!("{kind} in version \"{api_version}\" cannot be handled as a {kind}: {at}{e}"))
        }
    }
}

/// The field a document fails to decode at (`spec.template.spec.containers[0].ports[0].containerPort`),
/// found by taking fields away until the document decodes: the decoder itself does not say, and a
/// path-tracking decoder would double the code of every kind's decoding in the page's bundle.
fn failing_path(kind: Kind, root: &Value, error: &str) -> String {
    let mut path: Vec<(String, Option<usize>)> = Vec::new();
    loop {
        let pointer: String = path
            .iter()
            .map(|(k, i)| match i {
                Some(i) => format!("/{i}"),
                None => format!("/{}", k.replace('~', "~0").replace('/', "~1")),
            })
            .collect();
        let Some(node) = root.pointer(&pointer) else { break };
        let children: Vec<(String, Option<usize>)> = match node {
            Value::Object(m) => m
                .keys()
                .filter(|k| !(path.is_empty() && (*k == "apiVersion" || *k == "kind")))
                .map(|k| (k.clone(), None))
                .collect(),
            Value::Array(a) => (0..a.len()).map(|i| (String::new(), Some(i))).collect(),
            _ => break,
        };
        let culprit = children.into_iter().find(|(key, index)| {
            let mut trial = root.clone();
            match (trial.pointer_mut(&pointer), index) {
                (Some(Value::Object(m)), None) => {
                    m.remove(key);
                }
                (Some(Value::Array(a)), Some(i)) => {
                    a.remove(*i);
                }
                _ => return false,
            }
            Object::from_value(kind, trial).is_ok()
        });
        match culprit {
            Some(c) => path.push(c),
            None => {
                // A required field cannot be taken away; the decoder's message quotes the value it
                // could not take, which names the field among its siblings.
                if let Value::Object(m) = node {
                    let quoted = |v: &Value| match v {
                        Value::String(s) => Some(format!("string \"{s}\"")),
                        Value::Number(n) if n.is_f64() => Some(format!("floating point `{n}`")),
                        Value::Number(n) => Some(format!("integer `{n}`")),
                        Value::Bool(b) => Some(format!("boolean `{b}`")),
                        _ => None,
                    };
                    if let Some(k) =
                        m.iter().find(|(_, v)| quoted(v).is_some_and(|q| error.contains(&q))).map(|(k, _)| k)
                    {
                        path.push((k.clone(), None));
                    }
                }
                break;
            }
        }
    }
    let mut out = String::new();
    for (k, i) in path {
        match i {
            Some(i) => out.push_str(&format!("[{i}]")),
            None => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&k);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_document_yaml_with_markers_and_comments() {
        let text = "---\n# a comment\napiVersion: v1\nkind: Service\nmetadata:\n  name: a\n...\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: b}\n---\n";
        let docs = parse(text).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].value["metadata"]["name"], "a");
        assert_eq!(docs[1].value["metadata"]["name"], "b");
    }

    #[test]
    fn json_and_lists_are_expanded() {
        let text = r#"{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Service","metadata":{"name":"x"}},{"apiVersion":"v1","kind":"Service","metadata":{"name":"y"}}]}"#;
        let docs = parse(text).unwrap();
        assert_eq!(docs.iter().map(|d| d.value["metadata"]["name"].as_str().unwrap()).collect::<Vec<_>>(), ["x", "y"]);
    }

    #[test]
    fn bad_yaml_is_an_error_not_a_panic() {
        for bad in ["a: [1, 2", "key: value\n  bad indent: x\n", "- a\nb: c", "\t: x"] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        assert!(to_object(serde_json::json!({"apiVersion": "v1"})).unwrap_err().contains("kind not set"));
        let bad = serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
            "spec": {"replicas": 1, "template": {"spec": {"containers": [{"name": "a"}, {"name": "b", "ports": [{"containerPort": "eighty"}]}]}}}});
        let e = to_object(bad).unwrap_err();
        assert!(
            e.starts_with("Deployment in version \"apps/v1\" cannot be handled as a Deployment: spec.template.spec.containers[1].ports[0].containerPort: invalid type"),
            "{e}"
        );
        assert!(
            to_object(serde_json::json!({"apiVersion": "v9", "kind": "Pod"}))
                .unwrap_err()
                .contains("no matches for kind")
        );
    }
}
