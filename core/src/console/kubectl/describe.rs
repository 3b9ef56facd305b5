//! `kubectl describe`: which objects to report on (the reports are `console::describe`'s).

use super::query::{Query, Unnamed};
use super::*;

const DESCRIBE_FLAGS: &[Flag] = &[value("selector", Some('l')), value("field-selector", None)];

/// `kubectl describe TYPE [NAME...] [-l SELECTOR]`: one report per object, separated by a blank
/// line; without a name, every object of the type (that a name prefix or the selector picks).
pub(super) fn describe_objects(c: &mut Cluster, words: &[String], out: &mut Output) {
    let Some(args) = parse("describe", words, DESCRIBE_FLAGS, out) else { return };
    let Some(query) = Query::parse(c, &args, "describe", out) else { return };
    let mut reports = Vec::new();
    for (kind, name) in &query.requests {
        match name {
            // kubectl describe matches a name, or failing that, names that start with it.
            Some(n) => match c.store.get_object(*kind, &query.key(*kind, n)) {
                Some(o) => reports.push(o),
                None => {
                    let prefixed: Vec<Object> =
                        query.list(c, *kind).into_iter().filter(|o| o.meta().name.starts_with(n.as_str())).collect();
                    if prefixed.is_empty() {
                        out.fail(ApiError::not_found(*kind, n).to_string());
                    }
                    reports.extend(prefixed);
                }
            },
            None => {
                let Some(found) = query.objects_of(c, *kind, Unnamed::List, out) else { return };
                reports.extend(found);
            }
        }
    }
    if reports.is_empty() && out.stderr.is_empty() {
        out.errln(query.nothing_found());
    }
    let texts: Vec<String> = reports.iter().map(|o| crate::console::describe::describe(&c.store, o, c.now)).collect();
    out.out(texts.join("\n\n"));
}
