//! `kubectl patch (TYPE NAME | TYPE/NAME | -f FILE) -p PATCH [--type strategic|merge|json]`: the
//! API server applies the patch (`crate::patch`) and the result is written as an update.

use super::printer::{self, Offer, Printer};
use super::*;
use crate::patch::{self as server_patch, PatchType};

const PATCH_FLAGS: &[Flag] = &[
    value("patch", Some('p')),
    value("patch-file", None),
    value("type", None),
    value("filename", Some('f')),
    value("dry-run", None),
    boolean("local", None),
    value("subresource", None),
];

pub(super) fn patch(c: &mut Cluster, words: &[String], files: &dyn Files, out: &mut Output) {
    let flags: Vec<Flag> = PATCH_FLAGS.iter().chain(printer::FLAGS).copied().collect();
    let Some(args) = parse("patch", words, &flags, out) else { return };
    let t = args.get("type").unwrap_or("strategic");
    let Some(how) = PatchType::parse(t) else {
        return out.fail(format!("error: --type must be one of [json merge strategic], not {t:?}"));
    };
    let printer = match Printer::from_args(&args, Offer::Results) {
        Ok(p) => p,
        Err(e) => return out.fail(e),
    };
    if let Some(sub) = args.get("subresource").filter(|s| !s.is_empty()) {
        return out.fail(format!(
            "error: --subresource={sub} is not simulated: patch the object itself (kubectl patch TYPE NAME -p …)"
        ));
    }
    let text = match (args.get("patch"), args.get("patch-file")) {
        (Some(p), None) => p.to_string(),
        (None, Some(path)) => match files.read(path) {
            Ok(t) => t,
            Err(e) => return out.fail(format!("error: unable to read patch file: {e}")),
        },
        (Some(_), Some(_)) => return out.fail("error: --patch and --patch-file are mutually exclusive"),
        (None, None) => {
            return out.fail("error: must specify --patch or --patch-file containing the contents of the patch");
        }
    };
    let patch_value = match parse_patch(&text) {
        Ok(v) => v,
        Err(e) => return out.fail(format!("error: unable to parse {text:?}: {e}")),
    };
    let ns = namespace(c, &args);
    let mut targets: Vec<(Kind, String)> = Vec::new();
    if let Some(path) = args.get("filename") {
        let docs = match files.read(path).and_then(|t| manifest::parse(&t)) {
            Ok(d) => d,
            Err(e) => return out.fail(format!("error: {e}")),
        };
        for d in docs {
            match manifest::to_object(d.value) {
                Ok(o) => targets.push((o.kind(), o.meta().name.clone())),
                Err(e) => return out.fail(format!("error: error validating \"{path}\": {e}")),
            }
        }
    } else {
        let Some(reqs) = requests(&args.positional, "patch", out) else { return };
        for (kind, name) in reqs {
            let Some(name) = name else {
                return out.fail("error: resource(s) were provided, but no name was specified");
            };
            targets.push((kind, name));
        }
    }
    let dry_run = matches!(args.get("dry-run"), Some("client" | "server" | "true"));
    for (kind, name) in targets {
        let key = if kind.namespaced() {
            ObjectKey::new(ns.as_str(), name.as_str())
        } else {
            ObjectKey::cluster(name.as_str())
        };
        let Some(current) = c.store.get_object(kind, &key) else {
            out.fail(ApiError::not_found(kind, &name).to_string());
            continue;
        };
        let label = format!("{}/{name}", kind.qualified());
        let patched = match server_patch::apply(kind, &current.to_value(), &patch_value, how) {
            Ok(v) => v,
            Err(e) => {
                out.fail(format!("Error from server: {e}"));
                continue;
            }
        };
        let obj = match Object::from_value(kind, patched) {
            Ok(o) => o,
            Err(e) => {
                out.fail(format!("Error from server (BadRequest): {e}"));
                continue;
            }
        };
        if obj == current {
            match &printer {
                Some(p) => p.print_result(&obj, out),
                None => out.outln(format!("{label} patched (no change)")),
            }
            continue;
        }
        let written = if dry_run { Ok(obj) } else { c.api_update(obj) };
        match written {
            Ok(o) => match &printer {
                Some(p) => p.print_result(&o, out),
                None if dry_run => out.outln(format!("{label} patched (dry run)")),
                None => out.outln(format!("{label} patched")),
            },
            Err(e) => out.fail(e.to_string()),
        }
    }
}

/// A patch as kubectl reads it: JSON, or YAML turned into JSON.
fn parse_patch(text: &str) -> Result<serde_json::Value, String> {
    match serde_json::from_str(text) {
        Ok(v) => Ok(v),
        Err(_) => serde_saphyr::from_str::<serde_json::Value>(text).map_err(|e| format!("yaml: {e}")),
    }
}
