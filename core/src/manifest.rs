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
    Object::from_value(k, value).map_err(|e| format!("error decoding {kind}: {e}"))
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
        assert!(
            to_object(serde_json::json!({"apiVersion": "v9", "kind": "Pod"}))
                .unwrap_err()
                .contains("no matches for kind")
        );
    }
}
