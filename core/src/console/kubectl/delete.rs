//! `kubectl delete`: by name, selector, `--all` or `-f`, waiting for the objects to be gone.

use super::query::{Query, Unnamed};
use super::*;
use crate::{DeleteOptions, Propagation};

const DELETE_FLAGS: &[Flag] = &[
    value("filename", Some('f')),
    value("selector", Some('l')),
    boolean("all", None),
    value("grace-period", None),
    boolean("force", None),
    boolean("now", None),
    boolean("wait", None),
    value("timeout", None),
    value("output", Some('o')),
    boolean("ignore-not-found", None),
    optional("cascade", "background"),
];

pub(super) fn delete(c: &mut Cluster, words: &[String], files: &dyn Files, out: &mut Output) {
    let Some(args) = parse("delete", words, DELETE_FLAGS, out) else { return };
    let ns = namespace(c, &args);
    let grace = match args.int("grace-period") {
        Ok(g) => g,
        Err(e) => return out.fail(format!("error: {e}")),
    };
    let force = args.flag("force");
    let grace = match (grace, force, args.flag("now")) {
        (Some(g), _, _) if g >= 0 => Some(g),
        (_, true, _) => Some(0),
        (_, _, true) => Some(1),
        _ => None,
    };
    if force && grace == Some(0) {
        out.errln("Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.");
    } else if force {
        return out.fail("error: --force and --grace-period greater than 0 cannot be specified together");
    }
    let timeout = match args.get("timeout").map(SimDuration::parse) {
        None => None,
        Some(Ok(d)) => Some(d),
        Some(Err(e)) => {
            return out.fail(format!(
                "error: invalid argument {:?} for \"--timeout\" flag: {e}",
                args.get("timeout").unwrap_or("")
            ));
        }
    };
    let propagation = match args.get("cascade").unwrap_or("background") {
        "background" => Propagation::Background,
        "foreground" => Propagation::Foreground,
        "orphan" => Propagation::Orphan,
        // The boolean forms kubectl still reads, with its warning.
        b @ ("true" | "false") => {
            let (p, name) =
                if b == "true" { (Propagation::Background, "background") } else { (Propagation::Orphan, "orphan") };
            out.errln(format!(
                "warning: --cascade={b} is deprecated (boolean value) and can be replaced with --cascade={name}."
            ));
            p
        }
        other => {
            return out.fail(format!(
                "error: invalid cascade value ({other}). Must be \"background\", \"foreground\", or \"orphan\"."
            ));
        }
    };
    let opts = DeleteOptions { grace, propagation };
    // `-f FILE`: the objects the manifests name, in their order (several files, several documents).
    let mut targets: Vec<(Kind, ObjectKey)> = Vec::new();
    for path in args.all("filename") {
        let text = match files.read(path) {
            Ok(t) => t,
            Err(e) => return out.fail(format!("error: {e}")),
        };
        let docs = match manifest::parse(&text) {
            Ok(d) => d,
            Err(e) => return out.fail(format!("error: error parsing {path}: {e}")),
        };
        for doc in docs {
            match manifest::to_object(doc.value) {
                Ok(o) => {
                    let scope = if !o.kind().namespaced() {
                        String::new()
                    } else if o.meta().namespace.is_empty() {
                        ns.clone()
                    } else {
                        o.meta().namespace.clone()
                    };
                    targets.push((o.kind(), ObjectKey::new(scope, o.meta().name.clone())));
                }
                Err(e) => return out.fail(format!("error: error validating \"{path}\": {e}")),
            }
        }
    }
    if args.all("filename").is_empty() {
        let Some(query) = Query::parse(c, &args, "delete", out) else { return };
        // Named objects that do not exist are reported by the API server's delete, in order.
        for (kind, name) in &query.requests {
            match name {
                Some(n) => targets.push((*kind, query.key(*kind, n))),
                None => {
                    let Some(found) = query.objects_of(c, *kind, Unnamed::NeedsSelectorOrAll, out) else { return };
                    targets.extend(found.iter().map(|o| (o.kind(), o.key())));
                }
            }
        }
        if targets.is_empty() {
            out.errln(query.nothing_found());
            return;
        }
    }
    let mut deleted = Vec::new();
    for (kind, key) in targets {
        match c.api_delete(kind, &key, opts) {
            Ok(obj) => {
                let msg = if args.get("output") == Some("name") {
                    format!("{}/{}", kind.qualified(), key.name)
                } else if kind.namespaced() {
                    format!("{} \"{}\" deleted from {} namespace", kind.qualified(), key.name, key.namespace)
                } else {
                    format!("{} \"{}\" deleted", kind.qualified(), key.name)
                };
                out.outln(msg);
                deleted.push((kind, key, obj.meta().uid.clone()));
            }
            Err(e) if e.reason == crate::Reason::NotFound && args.flag("ignore-not-found") => {}
            Err(e) => out.fail(e.to_string()),
        }
    }
    // kubectl waits for the objects to be gone (a pod's containers stopping, a claim no pod uses
    // any more, an owner whose dependents went first), unless --wait=false.
    let wait = !args.has("wait") || args.flag("wait");
    if wait && !deleted.is_empty() {
        let limit = timeout
            .filter(|t| t.as_millis() > 0)
            .unwrap_or(SimDuration::seconds(opts.grace.unwrap_or(30).max(30) + 60));
        let gone = c.run_until(limit, |c| {
            deleted.iter().all(|(k, key, uid)| c.store.get_object(*k, key).is_none_or(|o| &o.meta().uid != uid))
        });
        if !gone {
            out.fail(format!("error: timed out waiting for the condition on {}", resource_name(deleted[0].0)));
        }
    }
}
