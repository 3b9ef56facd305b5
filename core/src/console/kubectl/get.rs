//! `kubectl get`: the objects a query selects, printed as tables or in an `-o` format, sorted by
//! `--sort-by`, and followed with `-w` as simulated time moves.

use super::printer::{self, Offer, Printer, WatchState};
use super::query::{Query, Unnamed, field_value, text_of};
use super::*;
use crate::console::Look;

const GET_FLAGS: &[Flag] = &[
    value("field-selector", None),
    value("sort-by", None),
    value("selector", Some('l')),
    boolean("watch", Some('w')),
    boolean("watch-only", None),
    value("request-timeout", None),
];

pub(super) fn get(c: &mut Cluster, words: &[String], out: &mut Output) {
    let flags: Vec<Flag> = GET_FLAGS.iter().chain(printer::FLAGS).copied().collect();
    let Some(args) = parse("get", words, &flags, out) else { return };
    let mut printer = match Printer::from_args(&args, Offer::Tables) {
        Ok(p) => p.expect("tables are offered"),
        Err(e) => return out.fail(e),
    };
    let Some(query) = Query::parse(c, &args, "get", out) else { return };
    printer.with_kind = query.requests.iter().map(|r| r.0).collect::<std::collections::BTreeSet<_>>().len() > 1;
    let Some(mut found) = query.objects(c, Unnamed::List, out) else { return };
    // Events list in the order they happened, as the API server returns them.
    found.sort_by_key(|o| match o {
        Object::Event(e) => (o.kind(), e.last_timestamp, e.metadata.name.clone()),
        other => (other.kind(), None, String::new()),
    });
    if let Some(sort) = args.get("sort-by") {
        sort_by(&mut found, sort);
    } else {
        // Objects keep request order across kinds (`get deploy,svc` lists deployments first).
        let order: Vec<Kind> = query.requests.iter().map(|r| r.0).collect();
        found.sort_by_key(|o| order.iter().position(|k| *k == o.kind()).unwrap_or(usize::MAX));
    }
    let mut stored: Vec<Kind> = found.iter().map(Object::kind).filter(|k| !k.simulated()).collect();
    stored.dedup();
    for kind in stored {
        out.errln(apply::stored_warning(kind));
    }
    let watching = args.flag("watch") || args.flag("watch-only");
    let watch_timeout = match args.get("request-timeout").map(SimDuration::parse) {
        None => None,
        Some(Ok(d)) => Some(d).filter(|d| d.as_millis() > 0),
        Some(Err(e)) => return out.fail(format!("error: invalid argument for --request-timeout: {e}")),
    };
    let mut watch_state = WatchState::default();
    if !args.flag("watch-only") {
        if found.is_empty() {
            if out.exit_code == 0 && !watching && printer.is_table() {
                out.errln(query.nothing_found());
            }
        } else {
            let single = query.named() && query.requests.len() == 1 && found.len() == 1;
            printer.print_list(&found, single, c.now, out);
            watch_state.header_printed = true;
            if printer.is_table() {
                // A watch keeps the columns of the table it started with.
                let rows: Vec<Vec<String>> = std::iter::once(printer.headers(found[0].kind()))
                    .chain(found.iter().filter(|o| o.kind() == found[0].kind()).map(|o| printer.row(o, c.now)))
                    .collect();
                output::table_remembering(&rows, &mut watch_state.widths);
            }
        }
    }
    if watching {
        watch(c, &query, &printer, watch_timeout, watch_state, out);
    }
}

/// kubectl sorts by a JSONPath field, numbers as numbers and the rest as text; objects without the
/// field come first.
fn sort_by(found: &mut [Object], sort: &str) {
    let path = sort.trim_start_matches('{').trim_end_matches('}').trim_start_matches('.').to_string();
    let key = |o: &Object| field_value(&o.to_value(), &path);
    found.sort_by(|a, b| match (key(a), key(b)) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => {
            x.as_f64().unwrap_or(0.0).total_cmp(&y.as_f64().unwrap_or(0.0))
        }
        (x, y) => x.map(|v| text_of(&v)).cmp(&y.map(|v| text_of(&v))),
    });
}

/// The watch: simulated time moves event by event, and every write to an object the query
/// selects prints as kubectl prints a watch event, in the order the writes happened (a pod's
/// Pending, then ContainerCreating, then Running). A console line must end, so the watch stops
/// once nothing it shows has changed for 30 s of simulated time, or at `--request-timeout`
/// (5 minutes unless given).
fn watch(
    c: &mut Cluster,
    query: &Query,
    printer: &Printer,
    timeout: Option<SimDuration>,
    mut state: WatchState,
    out: &mut Output,
) {
    let deadline = c.now + timeout.unwrap_or(SimDuration::seconds(300)).min(crate::console::sim::MAX_ADVANCE);
    let quiet = SimDuration::seconds(30);
    let mut last_change = c.now;
    let selected = |o: &Object| {
        query.requests.iter().any(|(kind, name)| {
            *kind == o.kind()
                && name.as_ref().is_none_or(|n| *n == o.meta().name)
                && (query.all_namespaces || !kind.namespaced() || o.meta().namespace == query.namespace)
        }) && query.matches(o)
    };
    c.store.watch_start();
    c.advance_until(|c| {
        for ev in c.store.watch_take() {
            if selected(&ev.object) {
                printer.print_event(&ev.object, c.now, &mut state, out);
                last_change = c.now;
            }
        }
        Look::WaitUntil(deadline.min(last_change + quiet))
    });
    c.store.watch_stop();
    let why = if c.now >= deadline { "--request-timeout reached" } else { "nothing changed for 30s" };
    out.errln(format!("(watch ended at {}: {why})", c.now.rfc3339()));
}
