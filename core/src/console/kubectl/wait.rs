//! `kubectl wait --for=…`: simulated time moves until each object meets the condition.

use super::query::{Query, Unnamed};
use super::*;

const WAIT_FLAGS: &[Flag] =
    &[value("for", None), value("timeout", None), value("selector", Some('l')), boolean("all", None)];

/// What `kubectl wait --for=…` waits for.
enum WaitFor {
    Delete,
    /// A status condition by type (compared as kubectl does, ignoring case) and wanted status.
    Condition(String, String),
    /// A JSONPath's value, or (without `=VALUE`) only that it exists.
    JsonPath(jsonpath::Template, Option<String>),
}

impl WaitFor {
    fn parse(text: &str) -> Result<WaitFor, String> {
        if text.eq_ignore_ascii_case("delete") {
            return Ok(WaitFor::Delete);
        }
        if let Some(cond) = text.strip_prefix("condition=") {
            let (name, status) = cond.split_once('=').unwrap_or((cond, "true"));
            return Ok(WaitFor::Condition(name.to_string(), status.to_string()));
        }
        if let Some(expr) = text.strip_prefix("jsonpath=") {
            // The value follows the first `=` after the closing brace (`{.status.phase}=Running`).
            let split = match expr.rfind('}') {
                Some(close) => expr[close..].find('=').map(|i| close + i),
                None => expr.find('='),
            };
            let (path, value) = match split {
                Some(i) => (&expr[..i], Some(expr[i + 1..].to_string())),
                None => (expr, None),
            };
            let t = jsonpath::Template::parse_relaxed(path).map_err(|e| format!("error: {e}"))?;
            return Ok(WaitFor::JsonPath(t, value));
        }
        Err(format!("error: unrecognized condition: {text:?}"))
    }

    fn met(&self, obj: Option<&Object>) -> bool {
        let Some(obj) = obj else { return matches!(self, WaitFor::Delete) };
        let value = obj.to_value();
        match self {
            WaitFor::Delete => false,
            WaitFor::Condition(name, status) => value["status"]["conditions"].as_array().is_some_and(|cs| {
                cs.iter().any(|c| {
                    c["type"].as_str().is_some_and(|t| t.eq_ignore_ascii_case(name))
                        && c["status"].as_str().is_some_and(|s| s.eq_ignore_ascii_case(status))
                })
            }),
            WaitFor::JsonPath(t, want) => match t.results(&value) {
                Ok(found) => match want {
                    Some(w) => found.len() == 1 && &found[0] == w,
                    None => !found.is_empty(),
                },
                Err(_) => false,
            },
        }
    }
}

/// `kubectl wait --for=condition=Ready|delete|jsonpath=… TYPE/NAME|TYPE -l SEL|--all [--timeout=30s]`:
/// simulated time moves until each object meets the condition or the timeout passes.
pub(super) fn wait(c: &mut Cluster, words: &[String], out: &mut Output) {
    let Some(args) = parse("wait", words, WAIT_FLAGS, out) else { return };
    let cond = match WaitFor::parse(args.get("for").unwrap_or("")) {
        Ok(f) => f,
        Err(e) => return out.fail(e),
    };
    let timeout = match args.get("timeout").map(SimDuration::parse) {
        None => SimDuration::seconds(30),
        Some(Ok(d)) if d.as_millis() < 0 => SimDuration::seconds(7 * 24 * 3600),
        Some(Ok(d)) => d,
        Some(Err(e)) => return out.fail(format!("error: {e}")),
    };
    let Some(query) = Query::parse(c, &args, "wait", out) else { return };
    let mut targets: Vec<(Kind, ObjectKey, String)> = Vec::new();
    for (kind, name) in &query.requests {
        match name {
            Some(n) => {
                let key = query.key(*kind, n);
                match c.store.get_object(*kind, &key) {
                    Some(o) => targets.push((*kind, key, o.meta().uid.as_str().to_string())),
                    // Waiting for something already gone succeeds at once.
                    None if matches!(cond, WaitFor::Delete) => {}
                    None => return out.fail(ApiError::not_found(*kind, n).to_string()),
                }
            }
            None => {
                let Some(found) = query.objects_of(c, *kind, Unnamed::NeedsSelectorOrAll, out) else { return };
                targets.extend(found.iter().map(|o| (*kind, o.key(), o.meta().uid.as_str().to_string())));
            }
        }
    }
    if targets.is_empty() && query.requests.iter().any(|r| r.1.is_none()) {
        return out.fail("error: no matching resources found");
    }
    for (kind, key, uid) in targets {
        // A replacement with the same name is another object: for `delete`, the one asked about is gone.
        let current = |c: &Cluster| c.store.get_object(kind, &key).filter(|o| o.meta().uid.as_str() == uid);
        if c.run_until(timeout, |c| cond.met(current(c).as_ref())) {
            out.outln(format!("{}/{} condition met", kind.qualified(), key.name));
        } else {
            out.fail(format!("error: timed out waiting for the condition on {}/{}", kind.plural(), key.name));
        }
    }
}
