//! kubectl verbs, answering in kubectl's words and shapes.

use serde_json::Value;

use super::args::{Args, Flag, boolean, value};
use super::{Files, Output, jsonpath, output, printers};
use crate::api::meta::{IntOrString, ObjectMeta};
use crate::api::service::{ServicePort, ServiceSpec};
use crate::api::{Kind, Object, ObjectKey, Resource, Service};
use crate::apiserver::{ApiError, resource_name};
use crate::labels::Selector;
use crate::time::SimDuration;
use crate::{Cluster, manifest};

pub fn run(c: &mut Cluster, words: &[String], files: &dyn Files) -> Output {
    let mut out = Output::default();
    let Some(verb) = words.first() else {
        out.out(super::HELP);
        return out;
    };
    let rest = &words[1..];
    match verb.as_str() {
        "get" => get(c, rest, &mut out),
        "delete" => delete(c, rest, files, &mut out),
        "expose" => expose(c, rest, &mut out),
        "apply" => apply(c, rest, files, &mut out),
        "scale" => scale(c, rest, &mut out),
        "run" => run_pod(c, rest, &mut out),
        "create" => create(c, rest, files, &mut out),
        "describe" => describe_objects(c, rest, &mut out),
        "label" => label(c, rest, true, &mut out),
        "logs" => logs(c, rest, &mut out),
        "config" => config(c, rest, &mut out),
        "annotate" => label(c, rest, false, &mut out),
        "set" => set(c, rest, &mut out),
        "exec" => exec(c, rest, &mut out),
        "rollout" => rollout(c, rest, &mut out),
        "cordon" => cordon(c, rest, true, &mut out),
        "uncordon" => cordon(c, rest, false, &mut out),
        "drain" => drain(c, rest, &mut out),
        "taint" => taint(c, rest, &mut out),
        "wait" => wait(c, rest, &mut out),
        "top" => top(c, rest, &mut out),
        "explain" => {
            if let Some(args) =
                parse("explain", rest, &[boolean("recursive", None), value("api-version", None)], &mut out)
            {
                super::explain::run(&args, &mut out);
            }
        }
        "help" | "--help" | "-h" => out.out(super::HELP),
        other => out.fail(format!("error: unknown command \"{other}\" for \"kubectl\"")),
    }
    out
}

/// Parses flags, printing pflag's error and kubectl's usage hint on failure.
fn parse(verb: &str, words: &[String], flags: &[Flag], out: &mut Output) -> Option<Args> {
    match Args::parse(words, flags) {
        Ok(a) => Some(a),
        Err(e) => {
            out.fail(format!("error: {e}\nSee 'kubectl {verb} --help' for usage."));
            None
        }
    }
}

fn namespace(c: &Cluster, args: &Args) -> String {
    args.get("namespace").map_or_else(|| c.console.namespace.clone(), str::to_string)
}

/// `-l`/`--selector`, parsed. A selector that does not parse is reported in kubectl's words and
/// the caller stops (`Err`).
pub(super) fn selector_flag(args: &Args, out: &mut Output) -> Result<Option<Selector>, ()> {
    match args.get("selector").map(Selector::parse) {
        None => Ok(None),
        Some(Ok(s)) => Ok(Some(s)),
        Some(Err(e)) => {
            out.fail(format!("error: unable to parse requirement: {e}"));
            Err(())
        }
    }
}

/// Resolves a resource type word, with kubectl's error for an unknown one.
fn kind_of(word: &str, out: &mut Output) -> Option<Kind> {
    let k = Kind::parse(word);
    if k.is_none() {
        out.fail(format!("error: the server doesn't have a resource type \"{word}\""));
    }
    k
}

/// Splits `TYPE NAME...`, `TYPE/NAME...` and `TYPE,TYPE` forms into (kind, optional name) requests.
fn requests(positional: &[String], verb: &str, out: &mut Output) -> Option<Vec<(Kind, Option<String>)>> {
    let Some(first) = positional.first() else {
        out.fail(format!(
            "error: you must specify the type of resource to {verb}. Use \"kubectl api-resources\" for a complete list of supported resources."
        ));
        return None;
    };
    let mut reqs = Vec::new();
    if first.contains('/') {
        for p in positional {
            let Some((t, n)) = p.split_once('/') else {
                out.fail("error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'");
                return None;
            };
            reqs.push((kind_of(t, out)?, Some(n.to_string())));
        }
        return Some(reqs);
    }
    let mut kinds = Vec::new();
    for t in first.split(',') {
        if t == "all" {
            // The `all` category, in kubectl's order.
            kinds.extend([
                Kind::Pod,
                Kind::Service,
                Kind::DaemonSet,
                Kind::Deployment,
                Kind::ReplicaSet,
                Kind::StatefulSet,
                Kind::HorizontalPodAutoscaler,
                Kind::CronJob,
                Kind::Job,
            ]);
        } else {
            kinds.push(kind_of(t, out)?);
        }
    }
    if positional.len() > 1 {
        if kinds.len() > 1 {
            out.fail("error: arguments in resource/name form must have a single resource and name");
            return None;
        }
        for n in &positional[1..] {
            reqs.push((kinds[0], Some(n.clone())));
        }
    } else {
        reqs.extend(kinds.into_iter().map(|k| (k, None)));
    }
    Some(reqs)
}

const GET_FLAGS: &[Flag] = &[
    value("field-selector", None),
    value("sort-by", None),
    value("output", Some('o')),
    value("selector", Some('l')),
    boolean("show-labels", None),
    boolean("no-headers", None),
    boolean("watch", Some('w')),
    boolean("watch-only", None),
    value("request-timeout", None),
];

fn get(c: &mut Cluster, words: &[String], out: &mut Output) {
    let Some(args) = parse("get", words, GET_FLAGS, out) else { return };
    let Some(reqs) = requests(&args.positional, "get", out) else { return };
    let all_ns = args.flag("all-namespaces");
    let ns = namespace(c, &args);
    let Ok(selector) = selector_flag(&args, out) else { return };
    let format = args.get("output").unwrap_or("");
    let (fmt, template) = match format.split_once('=') {
        Some((f, t)) => (f, Some(t)),
        None => (format, None),
    };
    if !["", "wide", "json", "yaml", "name", "jsonpath", "custom-columns"].contains(&fmt)
        || (fmt == "jsonpath" && template.is_none())
    {
        return out.fail(format!(
            "error: unable to match a printer suitable for the output format \"{format}\", allowed formats are: custom-columns,json,jsonpath,name,wide,yaml"
        ));
    }
    let columns = if fmt == "custom-columns" {
        match custom_columns(template.unwrap_or("")) {
            Ok(c) => Some(c),
            Err(e) => return out.fail(format!("error: {e}")),
        }
    } else {
        None
    };

    let fields = match args.get("field-selector").map(FieldSelector::parse) {
        None => None,
        Some(Ok(f)) => Some(f),
        Some(Err(e)) => return out.fail(e),
    };
    // Gather objects in request order; a missing name is an error that does not stop the rest.
    let mut found: Vec<Object> = Vec::new();
    let mut named = false;
    let mut kinds_listed: Vec<Kind> = Vec::new();
    for (kind, name) in &reqs {
        let scope = if kind.namespaced() { ns.as_str() } else { "" };
        match name {
            Some(n) => {
                named = true;
                match c.store.get_object(*kind, &ObjectKey::new(scope, n.as_str())) {
                    Some(o) => found.push(o),
                    None => out.fail(ApiError::not_found(*kind, n).to_string()),
                }
            }
            None => {
                let listing_ns = if all_ns || !kind.namespaced() { None } else { Some(scope) };
                let mut objs = c.store.list_objects(*kind, listing_ns);
                if let Some(sel) = &selector {
                    objs.retain(|o| sel.matches(&o.meta().labels));
                }
                if let Some(f) = &fields {
                    if let Err(field) = f.supported(*kind) {
                        return out.fail(format!(
                            "Error from server (BadRequest): Unable to find \"{}\" that match label selector \"{}\", field selector \"{}\": field label not supported: {field}",
                            resource_id(*kind),
                            args.get("selector").unwrap_or(""),
                            args.get("field-selector").unwrap_or("")
                        ));
                    }
                    objs.retain(|o| f.matches(o));
                }
                if *kind == Kind::Event {
                    objs.sort_by_key(|o| match o {
                        Object::Event(e) => (e.last_timestamp, e.metadata.name.clone()),
                        _ => (None, String::new()),
                    });
                }
                kinds_listed.push(*kind);
                found.extend(objs);
            }
        }
    }
    if let Some(sort) = args.get("sort-by") {
        // kubectl sorts by a JSONPath field, numbers as numbers and the rest as text; objects
        // without the field come first.
        let path = sort.trim_start_matches('{').trim_end_matches('}').trim_start_matches('.').to_string();
        let key = |o: &Object| field_value(&o.to_value(), &path);
        found.sort_by(|a, b| match (key(a), key(b)) {
            (Some(Value::Number(x)), Some(Value::Number(y))) => {
                x.as_f64().unwrap_or(0.0).total_cmp(&y.as_f64().unwrap_or(0.0))
            }
            (x, y) => x.map(|v| text_of(&v)).cmp(&y.map(|v| text_of(&v))),
        });
    }
    let mut stored: Vec<Kind> = found.iter().map(Object::kind).filter(|k| !k.simulated()).collect();
    stored.dedup();
    for kind in stored {
        out.errln(stored_warning(kind));
    }
    let watching = args.flag("watch") || args.flag("watch-only");
    let watch_timeout = match args.get("request-timeout").map(SimDuration::parse) {
        None => None,
        Some(Ok(d)) => Some(d).filter(|d| d.as_millis() > 0),
        Some(Err(e)) => return out.fail(format!("error: invalid argument for --request-timeout: {e}")),
    };
    let with_kind = reqs.iter().map(|r| r.0).collect::<std::collections::BTreeSet<_>>().len() > 1;
    let row_of = |o: &Object, now: crate::SimTime| -> Vec<String> {
        let kind = o.kind();
        let name = if with_kind { format!("{}/{}", kind.qualified(), o.meta().name) } else { o.meta().name.clone() };
        let mut r = printers::row(o, name, now, fmt == "wide");
        if all_ns && kind.namespaced() {
            r.insert(0, o.meta().namespace.clone());
        }
        if args.flag("show-labels") {
            let l = crate::labels::format_map(&o.meta().labels);
            r.push(if l.is_empty() { "<none>".into() } else { l });
        }
        r
    };
    if args.flag("watch-only") {
        found.clear();
    }

    // The tab writer's column widths, which a watch keeps using after the first table.
    let mut widths = Vec::new();
    'print: {
        match fmt {
            "json" | "yaml" | "jsonpath" => {
                let single = named && reqs.len() == 1 && found.len() == 1;
                let value = if single {
                    found[0].to_value()
                } else {
                    serde_json::json!({
                        "apiVersion": "v1",
                        "items": found.iter().map(Object::to_value).collect::<Vec<_>>(),
                        "kind": "List",
                        "metadata": {"resourceVersion": ""},
                    })
                };
                match fmt {
                    "json" => out.out(output::json(&value)),
                    "yaml" => out.out(output::yaml(&value)),
                    _ => print_jsonpath(template.unwrap_or(""), &value, out),
                }
            }
            "custom-columns" => {
                let columns = columns.unwrap_or_default();
                let mut rows = Vec::new();
                if !args.flag("no-headers") {
                    rows.push(columns.iter().map(|(h, _)| h.clone()).collect());
                }
                for o in &found {
                    let value = o.to_value();
                    let mut row = Vec::new();
                    for (_, t) in &columns {
                        match t.results(&value) {
                            Ok(v) if v.is_empty() => row.push("<none>".to_string()),
                            Ok(v) => row.push(v.join(",")),
                            Err(e) => return out.fail(format!("error: {e}")),
                        }
                    }
                    rows.push(row);
                }
                out.out(output::table(&rows));
            }
            "name" => {
                for o in &found {
                    out.outln(format!("{}/{}", o.kind().qualified(), o.meta().name));
                }
            }
            _ => {
                if found.is_empty() {
                    if out.exit_code == 0 && !watching {
                        let scope_msg = if all_ns || kinds_listed.iter().all(|k| !k.namespaced()) {
                            "No resources found".to_string()
                        } else {
                            format!("No resources found in {ns} namespace.")
                        };
                        out.errln(scope_msg);
                    }
                    break 'print;
                }
                let kinds_in_output: Vec<Kind> = {
                    let mut ks: Vec<Kind> = found.iter().map(Object::kind).collect();
                    ks.dedup();
                    ks
                };
                let mut first = true;
                for kind in kinds_in_output {
                    let objs: Vec<&Object> = found.iter().filter(|o| o.kind() == kind).collect();
                    let mut rows = Vec::new();
                    let mut headers: Vec<String> =
                        printers::headers(kind, fmt == "wide").iter().map(|s| s.to_string()).collect();
                    let namespaced_all = all_ns && kind.namespaced();
                    if namespaced_all {
                        headers.insert(0, "NAMESPACE".into());
                    }
                    if args.flag("show-labels") {
                        headers.push("LABELS".into());
                    }
                    if !args.flag("no-headers") {
                        rows.push(headers);
                    }
                    rows.extend(objs.into_iter().map(|o| row_of(o, c.now)));
                    if !first {
                        out.out("\n");
                    }
                    first = false;
                    widths.clear();
                    out.out(output::table_remembering(&rows, &mut widths));
                }
            }
        }
    }
    if !watching {
        return;
    }
    // The watch: simulated time moves event by event, and each object of the query that changes
    // (or goes) prints again as kubectl prints a watch event: its row on its own. A console line
    // must end, so the watch stops once nothing it shows has changed for 30 s of simulated time,
    // or at --request-timeout (5 minutes unless given).
    let list_now = |c: &Cluster| -> Vec<Object> {
        let mut objs = Vec::new();
        for (kind, name) in &reqs {
            let scope = if kind.namespaced() { ns.as_str() } else { "" };
            match name {
                Some(n) => objs.extend(c.store.get_object(*kind, &ObjectKey::new(scope, n.as_str()))),
                None => {
                    let listing_ns = if all_ns || !kind.namespaced() { None } else { Some(scope) };
                    objs.extend(c.store.list_objects(*kind, listing_ns).into_iter().filter(|o| {
                        selector.as_ref().is_none_or(|s| s.matches(&o.meta().labels))
                            && fields.as_ref().is_none_or(|f| f.matches(o))
                    }));
                }
            }
        }
        objs
    };
    let id = |o: &Object| (o.kind(), o.meta().namespace.clone(), o.meta().name.clone(), o.meta().uid.clone());
    let mut seen: std::collections::BTreeMap<_, Object> = list_now(c).into_iter().map(|o| (id(&o), o)).collect();
    let mut header = !found.is_empty() || args.flag("no-headers") || !matches!(fmt, "" | "wide");
    let deadline = c.now + watch_timeout.unwrap_or(SimDuration::seconds(300)).min(super::sim::MAX_ADVANCE);
    let quiet = SimDuration::seconds(30);
    let mut last_change = c.now;
    let mut print = |o: &Object, now: crate::SimTime, out: &mut Output| match fmt {
        "name" => out.outln(format!("{}/{}", o.kind().qualified(), o.meta().name)),
        "json" => out.out(output::json(&o.to_value())),
        "yaml" => out.out(format!("---\n{}", output::yaml(&o.to_value()))),
        "jsonpath" => print_jsonpath(template.unwrap_or(""), &o.to_value(), out),
        _ => {
            let mut rows = Vec::new();
            if !header {
                header = true;
                let mut h: Vec<String> =
                    printers::headers(o.kind(), fmt == "wide").iter().map(|s| s.to_string()).collect();
                if all_ns && o.kind().namespaced() {
                    h.insert(0, "NAMESPACE".into());
                }
                if args.flag("show-labels") {
                    h.push("LABELS".into());
                }
                rows.push(h);
            }
            rows.push(row_of(o, now));
            out.out(output::table_remembering(&rows, &mut widths));
        }
    };
    loop {
        let stop = deadline.min(last_change + quiet);
        match c.next_event_at() {
            Some(at) if at <= stop => {
                let d = at - c.now;
                c.advance(d);
                c.settle();
            }
            _ => {
                let d = stop - c.now;
                c.advance(d);
                c.settle();
                break;
            }
        }
        let now_objs: std::collections::BTreeMap<_, Object> = list_now(c).into_iter().map(|o| (id(&o), o)).collect();
        for (k, o) in &now_objs {
            if seen.get(k).is_none_or(|old| old.meta().resource_version != o.meta().resource_version) {
                print(o, c.now, out);
                last_change = c.now;
            }
        }
        for (k, o) in &seen {
            if !now_objs.contains_key(k) {
                print(o, c.now, out);
                last_change = c.now;
            }
        }
        seen = now_objs;
    }
    let why = if c.now >= deadline { "--request-timeout reached" } else { "nothing changed for 30s" };
    out.errln(format!("(watch ended at {}: {why})", c.now.rfc3339()));
}

/// Parses `-o custom-columns=HEADER:PATH,...` as kubectl's custom-columns printer does: each
/// path relaxed (`.metadata.name` means `{.metadata.name}`), a missing field printed as `<none>`.
fn custom_columns(spec: &str) -> Result<Vec<(String, jsonpath::Template)>, String> {
    if spec.is_empty() {
        return Err("custom-columns format specified but no custom columns given".into());
    }
    let mut columns = Vec::new();
    for part in spec.split(',') {
        let Some((header, path)) = part.split_once(':') else {
            return Err(format!("unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>"));
        };
        let t = jsonpath::Template::parse_relaxed(path)?.allow_missing_keys(true);
        columns.push((header.to_string(), t));
    }
    Ok(columns)
}

/// `--field-selector`: `field=value`, `field==value` and `field!=value` terms, all of which must
/// hold, over the fields the API server indexes for each kind.
struct FieldSelector {
    terms: Vec<(String, bool, String)>,
}

impl FieldSelector {
    fn parse(text: &str) -> Result<FieldSelector, String> {
        let mut terms = Vec::new();
        for t in text.split(',').filter(|t| !t.is_empty()) {
            let (field, equal, value) = if let Some((f, v)) = t.split_once("!=") {
                (f, false, v)
            } else if let Some((f, v)) = t.split_once("==") {
                (f, true, v)
            } else if let Some((f, v)) = t.split_once('=') {
                (f, true, v)
            } else {
                return Err(format!("error: invalid selector: '{text}'; can't understand '{t}'"));
            };
            terms.push((field.trim().to_string(), equal, value.trim().to_string()));
        }
        Ok(FieldSelector { terms })
    }

    /// Every field must be one the API server can select this kind by (`AddFieldLabelConversionFunc`).
    fn supported(&self, kind: Kind) -> Result<(), String> {
        let extra: &[&str] = match kind {
            Kind::Pod => &[
                "spec.nodeName",
                "spec.restartPolicy",
                "spec.schedulerName",
                "spec.serviceAccountName",
                "spec.hostNetwork",
                "status.phase",
                "status.podIP",
                "status.nominatedNodeName",
            ],
            Kind::Event => &[
                "involvedObject.kind",
                "involvedObject.namespace",
                "involvedObject.name",
                "involvedObject.uid",
                "involvedObject.apiVersion",
                "involvedObject.resourceVersion",
                "involvedObject.fieldPath",
                "reason",
                "reportingComponent",
                "source",
                "type",
            ],
            Kind::Node => &["spec.unschedulable"],
            Kind::Namespace => &["status.phase"],
            Kind::Secret => &["type"],
            Kind::ReplicaSet => &["status.replicas"],
            _ => &[],
        };
        for (f, ..) in &self.terms {
            if f != "metadata.name" && f != "metadata.namespace" && !extra.contains(&f.as_str()) {
                return Err(f.clone());
            }
        }
        Ok(())
    }

    fn matches(&self, obj: &Object) -> bool {
        let v = obj.to_value();
        self.terms.iter().all(|(field, equal, want)| {
            let path = if field == "source" { "source.component" } else { field.as_str() };
            let got = field_value(&v, path).map(|x| text_of(&x)).unwrap_or_default();
            // An unset boolean selects as false, as the API server's field sets say.
            let got = if got.is_empty() && field == "spec.unschedulable" { "false".to_string() } else { got };
            (got == *want) == *equal
        })
    }
}

/// The value at a dotted path in an object's JSON.
fn field_value(v: &Value, path: &str) -> Option<Value> {
    path.split('.').filter(|p| !p.is_empty()).try_fold(v, |cur, part| cur.get(part)).cloned()
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// `/v1, Resource=pods`, `apps/v1, Resource=deployments`: how the API server names a resource.
fn resource_id(kind: Kind) -> String {
    let gv = if kind.group().is_empty() { "/v1".to_string() } else { kind.api_version() };
    format!("{gv}, Resource={}", kind.plural())
}

fn print_jsonpath(template: &str, value: &Value, out: &mut Output) {
    match jsonpath::Template::parse(template) {
        Err(e) => out.fail(format!("error: error parsing jsonpath {template}, {e}")),
        Ok(t) => match t.allow_missing_keys(true).execute(value) {
            Ok(s) => out.out(s),
            Err(e) => out.fail(format!(
                "error: error executing jsonpath {template:?}: Error executing template: {e}. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{template}\n\tobject given to jsonpath engine was:\n\t\t{}\n",
                serde_json::to_string(value).unwrap_or_default()
            )),
        },
    }
}

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
];

fn delete(c: &mut Cluster, words: &[String], files: &dyn Files, out: &mut Output) {
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
    // `-f FILE`: the objects the manifest names, in its order.
    let mut from_files: Vec<(Kind, ObjectKey)> = Vec::new();
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
                    from_files.push((o.kind(), ObjectKey::new(scope, o.meta().name.clone())));
                }
                Err(e) => return out.fail(format!("error: error validating \"{path}\": {e}")),
            }
        }
    }
    let reqs = if from_files.is_empty() {
        let Some(reqs) = requests(&args.positional, "delete", out) else { return };
        reqs
    } else {
        Vec::new()
    };
    let Ok(selector) = selector_flag(&args, out) else { return };
    let mut targets: Vec<(Kind, ObjectKey)> = from_files;
    for (kind, name) in &reqs {
        let scope = if kind.namespaced() { ns.as_str() } else { "" };
        match name {
            Some(n) => targets.push((*kind, ObjectKey::new(scope, n.as_str()))),
            None => {
                if selector.is_none() && !args.flag("all") {
                    return out.fail("error: resource(s) were provided, but no name was specified");
                }
                let scope_opt = if kind.namespaced() { Some(scope) } else { None };
                for o in c.store.list_objects(*kind, scope_opt) {
                    if selector.as_ref().is_none_or(|s| s.matches(&o.meta().labels)) {
                        targets.push((*kind, o.key()));
                    }
                }
            }
        }
    }
    if targets.is_empty() && reqs.iter().all(|r| r.1.is_none()) && args.all("filename").is_empty() {
        out.errln(format!("No resources found in {ns} namespace."));
        return;
    }
    let mut deleted = Vec::new();
    for (kind, key) in targets {
        match c.api_delete(kind, &key, grace) {
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
    // kubectl waits for the objects to be gone (a pod's containers stopping), unless --wait=false.
    let wait = !args.has("wait") || args.flag("wait");
    if wait && !deleted.is_empty() {
        let limit =
            timeout.filter(|t| t.as_millis() > 0).unwrap_or(SimDuration::seconds(grace.unwrap_or(30).max(30) + 60));
        let gone = c.run_until(limit, |c| {
            deleted.iter().all(|(k, key, uid)| c.store.get_object(*k, key).is_none_or(|o| &o.meta().uid != uid))
        });
        if !gone {
            out.fail(format!("error: timed out waiting for the condition on {}", resource_name(deleted[0].0)));
        }
    }
}

const TOP_FLAGS: &[Flag] =
    &[value("selector", Some('l')), value("sort-by", None), boolean("containers", None), boolean("no-headers", None)];

/// `kubectl top pod|node [NAME] [-l SEL] [-A] [--containers] [--sort-by=cpu|memory]`: the usage
/// metrics-server reports (see `metrics`), in kubectl's layout (`metricsutil/metrics_printer.go`).
fn top(c: &mut Cluster, words: &[String], out: &mut Output) {
    let Some(args) = parse("top", words, TOP_FLAGS, out) else { return };
    let mut pos = args.positional.iter().map(String::as_str);
    let what = pos.next().unwrap_or("");
    let name = pos.next();
    let Ok(selector) = selector_flag(&args, out) else { return };
    let sort = args.get("sort-by").unwrap_or("");
    if !["", "cpu", "memory"].contains(&sort) {
        return out.fail("error: --sort-by accepts only cpu or memory");
    }
    let cpu = |m: u64| format!("{m}m");
    let mem = |b: u64| format!("{}Mi", b / (1024 * 1024));
    let mut rows: Vec<(u64, u64, Vec<String>)> = Vec::new();
    let headers: Vec<&str> = match what {
        "pod" | "pods" | "po" => {
            let all_ns = args.flag("all-namespaces");
            let ns = namespace(c, &args);
            let pods: Vec<crate::api::Pod> = match name {
                Some(n) => {
                    c.store.get::<crate::api::Pod>(&ObjectKey::new(ns.as_str(), n)).cloned().into_iter().collect()
                }
                None => {
                    c.store.list::<crate::api::Pod>(if all_ns { None } else { Some(ns.as_str()) }).cloned().collect()
                }
            };
            let pods: Vec<_> =
                pods.into_iter().filter(|p| selector.as_ref().is_none_or(|s| s.matches(&p.metadata.labels))).collect();
            for p in &pods {
                let Some(usage) = c.pod_usage(p) else { continue };
                let mut lead = Vec::new();
                if all_ns {
                    lead.push(p.metadata.namespace.clone());
                }
                if args.flag("containers") {
                    for u in usage {
                        let mut r = lead.clone();
                        r.extend([p.metadata.name.clone(), u.name, cpu(u.cpu_milli), mem(u.memory_bytes)]);
                        rows.push((u.cpu_milli, u.memory_bytes, r));
                    }
                } else {
                    let (cm, mb) = usage.iter().fold((0, 0), |(a, b), u| (a + u.cpu_milli, b + u.memory_bytes));
                    lead.extend([p.metadata.name.clone(), cpu(cm), mem(mb)]);
                    rows.push((cm, mb, lead));
                }
            }
            if rows.is_empty() {
                if let Some(n) = name {
                    return out.fail(format!(
                        "Error from server (NotFound): podmetrics.metrics.k8s.io \"{ns}/{n}\" not found"
                    ));
                }
                if !pods.is_empty() {
                    return out.fail("error: metrics not available yet");
                }
                return out.errln(if all_ns {
                    "No resources found".to_string()
                } else {
                    format!("No resources found in {ns} namespace.")
                });
            }
            let mut h = if args.flag("containers") {
                vec!["POD", "NAME", "CPU(cores)", "MEMORY(bytes)"]
            } else {
                vec!["NAME", "CPU(cores)", "MEMORY(bytes)"]
            };
            if all_ns {
                h.insert(0, "NAMESPACE");
            }
            h
        }
        "node" | "nodes" | "no" => {
            let nodes: Vec<crate::api::Node> = match name {
                Some(n) => match c.store.get::<crate::api::Node>(&ObjectKey::cluster(n)) {
                    Some(node) => vec![node.clone()],
                    None => return out.fail(ApiError::not_found(Kind::Node, n).to_string()),
                },
                None => c.store.list::<crate::api::Node>(None).cloned().collect(),
            };
            for n in nodes.iter().filter(|n| selector.as_ref().is_none_or(|s| s.matches(&n.metadata.labels))) {
                let row = match c.node_usage(n) {
                    Some((cm, mb)) => {
                        let alloc = |r: &str| {
                            n.status.allocatable.get(r).and_then(|v| crate::api::quantity::parse_milli(v)).unwrap_or(0)
                        };
                        let pct =
                            |used: u64, total: i128| if total > 0 { (used as i128 * 100 / total) as u64 } else { 0 };
                        let r = vec![
                            n.metadata.name.clone(),
                            cpu(cm),
                            format!("{}%", pct(cm, alloc("cpu"))),
                            mem(mb),
                            format!("{}%", pct(mb, alloc("memory") / 1000)),
                        ];
                        (cm, mb, r)
                    }
                    // kubectl lists a node metrics-server has no figures for with <unknown>.
                    None => {
                        let mut r = vec![n.metadata.name.clone()];
                        r.extend(std::iter::repeat_n("<unknown>".to_string(), 4));
                        (0, 0, r)
                    }
                };
                rows.push(row);
            }
            vec!["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"]
        }
        "" => {
            return out.fail("error: you must specify a resource: kubectl top pod|node");
        }
        other => {
            return out.fail(format!("error: unknown command \"{other}\" for \"kubectl top\": use pod or node"));
        }
    };
    match sort {
        "cpu" => rows.sort_by_key(|r| std::cmp::Reverse(r.0)),
        "memory" => rows.sort_by_key(|r| std::cmp::Reverse(r.1)),
        _ => {}
    }
    let mut table: Vec<Vec<String>> = Vec::new();
    if !args.flag("no-headers") {
        table.push(headers.iter().map(|h| h.to_string()).collect());
    }
    table.extend(rows.into_iter().map(|r| r.2));
    out.out(output::table_tab_terminated(&table));
}

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
fn wait(c: &mut Cluster, words: &[String], out: &mut Output) {
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
    let Some(reqs) = requests(&args.positional, "wait", out) else { return };
    let Ok(selector) = selector_flag(&args, out) else { return };
    let ns = namespace(c, &args);
    let mut targets: Vec<(Kind, ObjectKey, String)> = Vec::new();
    for (kind, name) in &reqs {
        let scope = if kind.namespaced() { ns.as_str() } else { "" };
        match name {
            Some(n) => {
                let key = ObjectKey::new(scope, n.as_str());
                match c.store.get_object(*kind, &key) {
                    Some(o) => targets.push((*kind, key, o.meta().uid.as_str().to_string())),
                    // Waiting for something already gone succeeds at once.
                    None if matches!(cond, WaitFor::Delete) => {}
                    None => return out.fail(ApiError::not_found(*kind, n).to_string()),
                }
            }
            None => {
                if selector.is_none() && !args.flag("all") {
                    return out.fail("error: resource(s) were provided, but no name was specified");
                }
                for o in c.store.list_objects(*kind, kind.namespaced().then_some(scope)) {
                    if selector.as_ref().is_none_or(|s| s.matches(&o.meta().labels)) {
                        let key = ObjectKey::new(scope, o.meta().name.as_str());
                        targets.push((*kind, key, o.meta().uid.as_str().to_string()));
                    }
                }
            }
        }
    }
    if targets.is_empty() && reqs.iter().any(|r| r.1.is_none()) {
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

const EXPOSE_FLAGS: &[Flag] = &[
    value("port", None),
    value("target-port", None),
    value("name", None),
    value("type", None),
    value("protocol", None),
    value("selector", Some('l')),
    value("labels", None),
    value("cluster-ip", None),
    value("output", Some('o')),
    value("filename", Some('f')),
];

fn expose(c: &mut Cluster, words: &[String], out: &mut Output) {
    let Some(args) = parse("expose", words, EXPOSE_FLAGS, out) else { return };
    let ns = namespace(c, &args);
    let (kind, name) = match args.positional.as_slice() {
        [tn] if tn.contains('/') => {
            let (t, n) = tn.split_once('/').unwrap_or_default();
            let Some(k) = kind_of(t, out) else { return };
            (k, n.to_string())
        }
        [t, n] => {
            let Some(k) = kind_of(t, out) else { return };
            (k, n.clone())
        }
        _ => {
            return out.fail(
                "error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'",
            );
        }
    };
    if !matches!(kind, Kind::Deployment | Kind::ReplicaSet | Kind::Pod | Kind::Service) {
        return out.fail(format!("error: cannot expose a {}", kind.name()));
    }
    let Some(obj) = c.store.get_object(kind, &ObjectKey::new(ns.as_str(), name.as_str())) else {
        return out.fail(ApiError::not_found(kind, &name).to_string());
    };
    // What kubectl introspects: the selector, the ports and the labels of the exposed object.
    let (selector, ports, labels) = match &obj {
        Object::Deployment(d) => {
            (d.spec.selector.match_labels.clone(), container_ports(&d.spec.template.spec), d.metadata.labels.clone())
        }
        Object::ReplicaSet(rs) => {
            (rs.spec.selector.match_labels.clone(), container_ports(&rs.spec.template.spec), rs.metadata.labels.clone())
        }
        Object::Pod(p) => (p.metadata.labels.clone(), container_ports(&p.spec), p.metadata.labels.clone()),
        Object::Service(s) => (
            s.spec.selector.clone(),
            s.spec.ports.iter().map(|p| (p.port, p.protocol.clone(), p.name.clone())).collect(),
            s.metadata.labels.clone(),
        ),
        other => return out.fail(format!("error: cannot expose a {}", other.kind().name())),
    };
    let selector = match args.get("selector") {
        Some(s) => match parse_map(s) {
            Ok(m) => m,
            Err(e) => return out.fail(format!("error: {e}")),
        },
        None => selector,
    };
    if selector.is_empty() {
        return out.fail(format!(
            "error: couldn't retrieve selectors via --selector flag or introspection: the {} has no selector usable as a map",
            kind.singular()
        ));
    }
    let protocol = args.get("protocol").unwrap_or("").to_string();
    let target = args.get("target-port").map(|t| match t.parse::<i32>() {
        Ok(n) => IntOrString::Int(n),
        Err(_) => IntOrString::String(t.to_string()),
    });
    let svc_ports: Vec<ServicePort> = match args.get("port") {
        Some(p) => {
            let Ok(port) = p.parse::<i32>() else {
                return out.fail(format!(
                    "error: invalid argument \"{p}\" for \"--port\" flag: strconv.Atoi: parsing \"{p}\": invalid syntax"
                ));
            };
            vec![ServicePort {
                port,
                protocol: if protocol.is_empty() { "TCP".into() } else { protocol.clone() },
                target_port: Some(target.clone().unwrap_or(IntOrString::Int(port))),
                ..Default::default()
            }]
        }
        None => {
            if ports.is_empty() {
                return out.fail("error: couldn't find port via --port flag or introspection\nSee 'kubectl expose -h' for help and examples");
            }
            let many = ports.len() > 1;
            ports
                .iter()
                .enumerate()
                .map(|(i, (port, proto, pname))| ServicePort {
                    name: if many {
                        if pname.is_empty() { format!("port-{}", i + 1) } else { pname.clone() }
                    } else {
                        String::new()
                    },
                    port: *port,
                    protocol: if !protocol.is_empty() {
                        protocol.clone()
                    } else if proto.is_empty() {
                        "TCP".into()
                    } else {
                        proto.clone()
                    },
                    target_port: Some(target.clone().unwrap_or(IntOrString::Int(*port))),
                    ..Default::default()
                })
                .collect()
        }
    };
    let labels = match args.get("labels") {
        Some(l) => match parse_map(l) {
            Ok(m) => m,
            Err(e) => return out.fail(format!("error: {e}")),
        },
        None => labels,
    };
    let svc = Service {
        metadata: ObjectMeta {
            name: args.get("name").unwrap_or(&name).to_string(),
            namespace: ns,
            labels,
            ..Default::default()
        },
        spec: ServiceSpec {
            type_: args.get("type").unwrap_or("").to_string(),
            selector,
            ports: svc_ports,
            cluster_ip: args.get("cluster-ip").unwrap_or("").to_string(),
            ..Default::default()
        },
        status: Default::default(),
    };
    match c.api_create(svc.into_object()) {
        Ok(o) => out.outln(format!("service/{} exposed", o.meta().name)),
        Err(e) => out.fail(e.to_string()),
    }
}

fn container_ports(spec: &crate::api::pod::PodSpec) -> Vec<(i32, String, String)> {
    spec.containers
        .iter()
        .flat_map(|c| &c.ports)
        .map(|p| (p.container_port, p.protocol.clone(), p.name.clone()))
        .collect()
}

/// `k=v,k2=v2`, as `--selector` and `--labels` take them.
fn parse_map(s: &str) -> Result<std::collections::BTreeMap<String, String>, String> {
    let mut m = std::collections::BTreeMap::new();
    for pair in s.split(',').filter(|p| !p.is_empty()) {
        let Some((k, v)) = pair.split_once('=') else {
            return Err(format!("invalid label spec: {pair}"));
        };
        crate::validation::label_key(k).map_err(|e| format!("invalid label key {k:?}: {e}"))?;
        crate::validation::label_value(v).map_err(|e| format!("invalid label value {v:?}: {e}"))?;
        m.insert(k.to_string(), v.to_string());
    }
    Ok(m)
}

const APPLY_FLAGS: &[Flag] = &[value("filename", Some('f')), value("output", Some('o'))];
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

fn apply(c: &mut Cluster, words: &[String], files: &dyn Files, out: &mut Output) {
    let Some(args) = parse("apply", words, APPLY_FLAGS, out) else { return };
    let paths = args.all("filename").to_vec();
    if paths.is_empty() {
        return out.fail("error: must specify one of -f and -k");
    }
    let ns = namespace(c, &args);
    for path in paths {
        let text = match files.read(&path) {
            Ok(t) => t,
            Err(e) => {
                out.fail(format!("error: {e}"));
                continue;
            }
        };
        let docs = match manifest::parse(&text) {
            Ok(d) => d,
            Err(e) => {
                out.fail(format!("error: error parsing {path}: {e}"));
                continue;
            }
        };
        for doc in docs {
            let last_applied = serde_json::to_string(&doc.value).unwrap_or_default();
            let index = doc.index;
            let mut obj = match manifest::to_object(doc.value) {
                Ok(o) => o,
                Err(e) if e.contains("cannot be handled as") => {
                    // The API server's BadRequest, with the document it came from.
                    out.fail(format!(
                        "Error from server (BadRequest): error when creating \"{path}\" (document {}): {e}",
                        index + 1
                    ));
                    continue;
                }
                Err(e) => {
                    out.fail(format!("error: error validating \"{path}\": {e}"));
                    continue;
                }
            };
            if obj.kind().namespaced() && obj.meta().namespace.is_empty() {
                obj.meta_mut().namespace = ns.clone();
            }
            obj.meta_mut().annotations.insert(LAST_APPLIED.into(), last_applied);
            let kind = obj.kind();
            let label = format!("{}/{}", kind.qualified(), obj.meta().name);
            match c.store.get_object(kind, &obj.key()) {
                None => match c.api_create(obj) {
                    Ok(_) => {
                        out.outln(format!("{label} created"));
                        if !kind.simulated() && !out.stderr.contains(&stored_warning(kind)) {
                            out.errln(stored_warning(kind));
                        }
                    }
                    Err(e) => out.fail(apply_error(&e, "creating", &path)),
                },
                Some(current) => match merge_for_apply(&current, obj) {
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
}

/// Said of a kind Podscape keeps without simulating, in kubectl's warning form.
fn stored_warning(kind: Kind) -> String {
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

/// The object an apply leaves: the manifest's spec, labels and annotations over the stored object's
/// identity, status and server-allocated fields. None when nothing would change.
fn merge_for_apply(current: &Object, mut desired: Object) -> Result<Option<Object>, ApiError> {
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
        dm.labels = merge(&cm.labels, &dm.labels, "labels");
        dm.annotations = merge(&cm.annotations, &dm.annotations, "annotations");
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

const CORDON_FLAGS: &[Flag] = &[value("selector", Some('l')), boolean("dry-run", None)];

fn node_named(c: &Cluster, name: &str, out: &mut Output) -> Option<crate::api::Node> {
    let n = c.store.get::<crate::api::Node>(&ObjectKey::cluster(name)).cloned();
    if n.is_none() {
        out.fail(ApiError::not_found(Kind::Node, name).to_string());
    }
    n
}

/// Sets or clears `spec.unschedulable`; the node lifecycle controller adds or removes the
/// `node.kubernetes.io/unschedulable` taint that keeps new pods away.
fn set_unschedulable(c: &mut Cluster, name: &str, on: bool, out: &mut Output) -> bool {
    let Some(mut node) = node_named(c, name, out) else { return false };
    let verb = if on { "cordoned" } else { "uncordoned" };
    if node.is_unschedulable() == on {
        out.outln(format!("node/{name} already {verb}"));
        return true;
    }
    node.spec.unschedulable = if on { Some(true) } else { None };
    match c.api_update(node.into_object()) {
        Ok(_) => {
            out.outln(format!("node/{name} {verb}"));
            true
        }
        Err(e) => {
            out.fail(e.to_string());
            false
        }
    }
}

fn cordon(c: &mut Cluster, words: &[String], on: bool, out: &mut Output) {
    let verb = if on { "cordon" } else { "uncordon" };
    let Some(args) = parse(verb, words, CORDON_FLAGS, out) else { return };
    if args.positional.is_empty() {
        return out.fail(format!("error: USAGE: {verb} NODE [flags]\nSee 'kubectl {verb} -h' for help and examples"));
    }
    for name in &args.positional {
        set_unschedulable(c, name, on, out);
    }
}

const DRAIN_FLAGS: &[Flag] = &[
    boolean("ignore-daemonsets", None),
    boolean("delete-emptydir-data", None),
    boolean("force", None),
    value("grace-period", None),
    value("timeout", None),
    value("selector", Some('l')),
    value("pod-selector", None),
    boolean("disable-eviction", None),
];

/// `kubectl drain`: cordon, then evict every pod on the node (refusing bare pods without
/// `--force`), and wait for them to be gone.
fn drain(c: &mut Cluster, words: &[String], out: &mut Output) {
    let Some(args) = parse("drain", words, DRAIN_FLAGS, out) else { return };
    let [name] = args.positional.as_slice() else {
        return out.fail("error: USAGE: drain NODE [flags]\nSee 'kubectl drain -h' for help and examples");
    };
    let grace = match args.int("grace-period") {
        Ok(g) => g.filter(|g| *g >= 0),
        Err(e) => return out.fail(format!("error: {e}")),
    };
    let timeout = match args.get("timeout").map(SimDuration::parse) {
        None => None,
        Some(Ok(d)) => Some(d).filter(|d| d.as_millis() > 0),
        Some(Err(e)) => return out.fail(format!("error: {e}")),
    };
    if !set_unschedulable(c, name, true, out) {
        return;
    }
    let pods: Vec<crate::api::Pod> = c.store.pods_on_node(name).filter(|p| !p.is_terminal()).cloned().collect();
    // kubectl's drain filters, in its order; a pod stops at the first filter that refuses it
    // (k8s.io/kubectl/pkg/drain/filters.go: localStorageFilter before unreplicatedFilter).
    let mut local = Vec::new();
    let mut bare = Vec::new();
    let (mut local_fatal, mut bare_fatal) = (Vec::new(), Vec::new());
    for p in &pods {
        let name = format!("{}/{}", p.metadata.namespace, p.metadata.name);
        if p.spec.volumes.iter().any(|v| v.empty_dir.is_some()) {
            if args.flag("delete-emptydir-data") {
                local.push(name.clone());
            } else {
                local_fatal.push(name);
                continue;
            }
        }
        if p.metadata.controller().is_none() {
            if args.flag("force") { bare.push(name) } else { bare_fatal.push(name) }
        }
    }
    let mut errors = Vec::new();
    if !bare_fatal.is_empty() {
        errors.push(format!(
            "cannot delete Pods that declare no controller (use --force to override): {}",
            bare_fatal.join(", ")
        ));
    }
    if !local_fatal.is_empty() {
        errors.push(format!(
            "cannot delete Pods with local storage (use --delete-emptydir-data to override): {}",
            local_fatal.join(", ")
        ));
    }
    if !errors.is_empty() {
        let why = if errors.len() == 1 { errors[0].clone() } else { format!("[{}]", errors.join(", ")) };
        out.fail(format!(
            "error: unable to drain node \"{name}\" due to error: {why}, continuing command...\nThere are pending nodes to be drained:\n {name}\n{why}"
        ));
        return;
    }
    let mut warnings = Vec::new();
    if !bare.is_empty() {
        warnings.push(format!("deleting Pods that declare no controller: {}", bare.join(", ")));
    }
    if !local.is_empty() {
        warnings.push(format!("deleting Pods with local storage: {}", local.join(", ")));
    }
    if !warnings.is_empty() {
        out.errln(format!("Warning: {}", warnings.join("; ")));
    }
    let mut evicted = Vec::new();
    for p in &pods {
        out.outln(format!("evicting pod {}/{}", p.metadata.namespace, p.metadata.name));
        match c.api_delete(Kind::Pod, &p.key(), grace) {
            Ok(_) => evicted.push((p.key(), p.metadata.uid.clone())),
            Err(e) => out.fail(format!(
                "error when evicting pods/\"{}\" -n \"{}\": {}",
                p.metadata.name, p.metadata.namespace, e.message
            )),
        }
    }
    let longest = pods.iter().map(|p| grace.unwrap_or_else(|| p.grace_period_seconds())).max().unwrap_or(30);
    let limit = timeout.unwrap_or(SimDuration::seconds(longest + 60));
    let gone = |c: &Cluster, key: &ObjectKey, uid: &crate::api::Uid| {
        c.store.get::<crate::api::Pod>(key).is_none_or(|p| &p.metadata.uid != uid)
    };
    c.run_until(limit, |c| evicted.iter().all(|(k, u)| gone(c, k, u)));
    let mut stuck = Vec::new();
    for (k, u) in &evicted {
        if gone(c, k, u) {
            out.outln(format!("pod/{} evicted", k.name));
        } else {
            stuck.push(k);
        }
    }
    if stuck.is_empty() {
        out.outln(format!("node/{name} drained"));
    } else {
        let list: Vec<String> = stuck
            .iter()
            .map(|k| format!("error when waiting for pod \"{}\" in namespace \"{}\" to terminate: global timeout reached: {limit}", k.name, k.namespace))
            .collect();
        out.fail(format!("error: unable to drain node \"{name}\" due to error: [{}], continuing command...\nThere are pending nodes to be drained:\n {name}", list.join(", ")));
    }
}

const TAINT_FLAGS: &[Flag] = &[boolean("overwrite", None), value("selector", Some('l')), boolean("all", None)];
const TAINT_EFFECTS: &[&str] = &["NoSchedule", "PreferNoSchedule", "NoExecute"];

/// `kubectl taint nodes NODE key[=value]:Effect ... key[:Effect]-`.
fn taint(c: &mut Cluster, words: &[String], out: &mut Output) {
    let Some(args) = parse("taint", words, TAINT_FLAGS, out) else { return };
    let usage = "error: at least one taint update is required\nSee 'kubectl taint -h' for help and examples";
    let (kind_word, name, specs) = match args.positional.as_slice() {
        [k, n, specs @ ..] if !specs.is_empty() => (k.as_str(), n.clone(), specs.to_vec()),
        [tn, specs @ ..] if tn.contains('/') && !specs.is_empty() => {
            let (k, n) = tn.split_once('/').unwrap_or_default();
            (k, n.to_string(), specs.to_vec())
        }
        _ => return out.fail(usage),
    };
    if Kind::parse(kind_word) != Some(Kind::Node) {
        return out.fail(format!("error: invalid resource type {kind_word}, only node types are supported"));
    }
    let mut adds: Vec<crate::api::node::Taint> = Vec::new();
    let mut removes: Vec<(String, Option<String>)> = Vec::new();
    for spec in &specs {
        if let Some(body) = spec.strip_suffix('-') {
            let (key, effect) = match body.split_once(':') {
                Some((k, e)) => (k.to_string(), Some(e.to_string())),
                None => (body.to_string(), None),
            };
            removes.push((key, effect));
            continue;
        }
        let Some((kv, effect)) = spec.split_once(':') else {
            return out.fail(format!("error: invalid taint spec: {spec}, unknown taint effect, must be one of NoSchedule, PreferNoSchedule or NoExecute"));
        };
        if !TAINT_EFFECTS.contains(&effect) {
            return out.fail(format!("error: invalid taint effect: {effect}, unsupported taint effect"));
        }
        let (key, value) = kv.split_once('=').unwrap_or((kv, ""));
        if let Err(e) = crate::validation::label_key(key) {
            return out.fail(format!("error: invalid taint spec: {spec}, {e}"));
        }
        if let Err(e) = crate::validation::label_value(value) {
            return out.fail(format!("error: invalid taint spec: {spec}, {e}"));
        }
        let mut t = crate::api::node::Taint::new(key, effect);
        t.value = value.to_string();
        if effect == "NoExecute" {
            t.time_added = Some(crate::api::meta::Time(c.now));
        }
        adds.push(t);
    }
    let Some(mut node) = node_named(c, &name, out) else { return };
    for (key, effect) in &removes {
        let before = node.spec.taints.len();
        node.spec.taints.retain(|t| !(t.key == *key && effect.as_ref().is_none_or(|e| &t.effect == e)));
        if node.spec.taints.len() == before {
            let shown = match effect {
                Some(e) => format!("{key}:{e}"),
                None => key.clone(),
            };
            return out.fail(format!("error: taint {shown:?} not found"));
        }
    }
    for t in adds.clone() {
        match node.spec.taints.iter_mut().find(|x| x.key == t.key && x.effect == t.effect) {
            Some(_) if !args.flag("overwrite") => {
                return out.fail(format!(
                    "error: node {name} already has {} taint(s) with same effect(s) and --overwrite is false",
                    t.key
                ));
            }
            Some(x) => *x = t,
            None => node.spec.taints.push(t),
        }
    }
    match c.api_update(node.into_object()) {
        Ok(_) => out.outln(format!("node/{name} {}", if adds.is_empty() { "untainted" } else { "tainted" })),
        Err(e) => out.fail(e.to_string()),
    }
}

const SCALE_FLAGS: &[Flag] = &[value("replicas", None), value("current-replicas", None), value("selector", Some('l'))];

/// `kubectl scale deployment|replicaset NAME --replicas=N`.
fn scale(c: &mut Cluster, words: &[String], out: &mut Output) {
    let Some(args) = parse("scale", words, SCALE_FLAGS, out) else { return };
    let replicas = match args.int("replicas") {
        Ok(Some(n)) => n,
        Ok(None) => return out.fail("error: required flag(s) \"replicas\" not set"),
        Err(e) => return out.fail(format!("error: {e}")),
    };
    if replicas < 0 {
        return out.fail("error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0");
    }
    let current = match args.int("current-replicas") {
        Ok(v) => v,
        Err(e) => return out.fail(format!("error: {e}")),
    };
    let ns = namespace(c, &args);
    let Some(reqs) = requests(&args.positional, "scale", out) else { return };
    for (kind, name) in reqs {
        let Some(name) = name else {
            return out.fail("error: resource(s) were provided, but no name was specified");
        };
        let key = ObjectKey::new(ns.as_str(), name.as_str());
        let Some(obj) = c.store.get_object(kind, &key) else {
            out.fail(ApiError::not_found(kind, &name).to_string());
            continue;
        };
        let mut updated = obj;
        let spec_replicas = match &mut updated {
            Object::Deployment(d) => &mut d.spec.replicas,
            Object::ReplicaSet(rs) => &mut rs.spec.replicas,
            Object::StatefulSet(ss) => &mut ss.spec.replicas,
            other => {
                out.fail(format!("error: cannot scale {}", other.kind().plural()));
                continue;
            }
        };
        let was = spec_replicas.unwrap_or(1);
        if current.is_some_and(|cur| i64::from(was) != cur) {
            out.fail(format!("error: Expected replicas to be {}, was {was}", current.unwrap_or(0)));
            continue;
        }
        *spec_replicas = Some(replicas as i32);
        match c.api_update(updated) {
            Ok(_) => out.outln(format!("{}/{name} scaled", kind.qualified())),
            Err(e) => out.fail(e.to_string()),
        }
    }
}

const RUN_FLAGS: &[Flag] = &[
    value("image", None),
    value("port", None),
    value("labels", Some('l')),
    value("restart", None),
    value("env", None),
    boolean("command", None),
    boolean("expose", None),
    boolean("rm", None),
    boolean("stdin", Some('i')),
    boolean("tty", Some('t')),
    value("image-pull-policy", None),
];

/// `kubectl run NAME --image=IMAGE [--port] [--labels] [--restart] [--env] [--command] [-- ARGS]`.
fn run_pod(c: &mut Cluster, words: &[String], out: &mut Output) {
    let Some(args) = parse("run", words, RUN_FLAGS, out) else { return };
    let [name] = args.positional.as_slice() else {
        return out.fail("error: NAME is required for run\nSee 'kubectl run -h' for help and examples");
    };
    let Some(image) = args.get("image").filter(|i| !i.is_empty()) else {
        return out.fail("error: required flag(s) \"image\" not set");
    };
    if args.flag("stdin") || args.flag("tty") || args.flag("rm") {
        return out.fail("error: interactive pods (-i, -t, --rm) are not simulated; run the pod, then use kubectl logs or kubectl exec");
    }
    let restart = args.get("restart").unwrap_or("Always");
    if !["Always", "OnFailure", "Never"].contains(&restart) {
        return out.fail(format!("error: invalid restart policy: {restart}"));
    }
    let labels = match args.get("labels") {
        Some(l) => match parse_map(l) {
            Ok(m) => m,
            Err(e) => return out.fail(format!("error: {e}")),
        },
        None => [("run".to_string(), name.clone())].into_iter().collect(),
    };
    let mut container = crate::api::pod::Container {
        name: name.clone(),
        image: image.to_string(),
        image_pull_policy: args.get("image-pull-policy").unwrap_or("").to_string(),
        ..Default::default()
    };
    if args.flag("command") {
        container.command = args.rest.clone();
    } else {
        container.args = args.rest.clone();
    }
    if let Some(p) = args.get("port") {
        let Ok(port) = p.parse::<i32>() else {
            return out.fail(format!(
                "error: invalid argument \"{p}\" for \"--port\" flag: strconv.ParseInt: parsing \"{p}\": invalid syntax"
            ));
        };
        container.ports.push(crate::api::pod::ContainerPort { container_port: port, ..Default::default() });
    }
    for e in args.all("env") {
        let (k, v) = e.split_once('=').unwrap_or((e.as_str(), ""));
        container.env.push(serde_json::json!({"name": k, "value": v}));
    }
    let pod = crate::api::Pod {
        metadata: ObjectMeta { name: name.clone(), namespace: namespace(c, &args), labels, ..Default::default() },
        spec: crate::api::pod::PodSpec {
            containers: vec![container],
            restart_policy: restart.to_string(),
            ..Default::default()
        },
        status: Default::default(),
    };
    match c.api_create(pod.into_object()) {
        Ok(_) => out.outln(format!("pod/{name} created")),
        Err(e) => out.fail(e.to_string()),
    }
}

const CONFIG_FLAGS: &[Flag] = &[boolean("current", None), boolean("minify", None)];

/// `kubectl config set-context --current --namespace=NS`, `current-context`, `get-contexts`: the
/// console has one context, `podscape`, whose namespace is the default for every line.
fn config(c: &mut Cluster, words: &[String], out: &mut Output) {
    let Some(args) = parse("config", words, CONFIG_FLAGS, out) else { return };
    match args.positional.first().map(String::as_str) {
        Some("set-context") => {
            let named = args.positional.get(1).map(String::as_str);
            if !args.flag("current") && named != Some(CONTEXT) {
                return out.fail(format!(
                    "error: you must specify a context name or --current (this console has one context, \"{CONTEXT}\")"
                ));
            }
            if let Some(ns) = args.get("namespace") {
                c.console.namespace = ns.to_string();
            }
            out.outln(format!("Context \"{CONTEXT}\" modified."));
        }
        Some("current-context") => out.outln(CONTEXT),
        Some("get-contexts") => {
            let rows = vec![
                vec!["CURRENT".into(), "NAME".into(), "CLUSTER".into(), "AUTHINFO".into(), "NAMESPACE".into()],
                vec!["*".into(), CONTEXT.into(), CONTEXT.into(), "learner".into(), c.console.namespace.clone()],
            ];
            out.out(output::table(&rows));
        }
        Some("view") => out.out(format!(
            "apiVersion: v1\nclusters:\n- cluster:\n    server: https://10.0.0.10:6443\n  name: {CONTEXT}\ncontexts:\n- context:\n    cluster: {CONTEXT}\n    namespace: {}\n    user: learner\n  name: {CONTEXT}\ncurrent-context: {CONTEXT}\nkind: Config\nusers:\n- name: learner\n",
            c.console.namespace
        )),
        other => out.fail(format!(
            "error: unknown command \"{}\" for \"kubectl config\" (set-context, current-context, get-contexts and view are understood)",
            other.unwrap_or("")
        )),
    }
}

/// The console's one kubeconfig context.
const CONTEXT: &str = "podscape";

const LABEL_FLAGS: &[Flag] =
    &[boolean("overwrite", None), value("selector", Some('l')), boolean("all", None), boolean("list", None)];

/// `kubectl label|annotate TYPE NAME|-l SEL|--all KEY=VALUE... KEY-... [--overwrite]`.
fn label(c: &mut Cluster, words: &[String], labels: bool, out: &mut Output) {
    let (verb, done) = if labels { ("label", "labeled") } else { ("annotate", "annotated") };
    let Some(args) = parse(verb, words, LABEL_FLAGS, out) else { return };
    // Changes are the words with `=` or a trailing `-`; the rest name the objects.
    let (changes, targets): (Vec<&String>, Vec<&String>) =
        args.positional.iter().partition(|w| w.contains('=') || (w.ends_with('-') && !w.contains('/')));
    let targets: Vec<String> = targets.into_iter().cloned().collect();
    if changes.is_empty() && !args.flag("list") {
        return out.fail(format!("error: at least one {verb} update is required"));
    }
    let mut set = Vec::new();
    let mut remove = Vec::new();
    for ch in &changes {
        if let Some(k) = ch.strip_suffix('-').filter(|_| !ch.contains('=')) {
            remove.push(k.to_string());
            continue;
        }
        let (k, v) = ch.split_once('=').unwrap_or((ch.as_str(), ""));
        let check = if labels {
            crate::validation::label_key(k).and_then(|_| crate::validation::label_value(v))
        } else {
            crate::validation::label_key(k)
        };
        if let Err(e) = check {
            return out.fail(format!("error: invalid {verb} spec: {ch}: {e}"));
        }
        set.push((k.to_string(), v.to_string()));
    }
    let Some(reqs) = requests(&targets, verb, out) else { return };
    let ns = namespace(c, &args);
    let Ok(selector) = selector_flag(&args, out) else { return };
    let mut objects = Vec::new();
    for (kind, name) in reqs {
        let scope = if kind.namespaced() { ns.as_str() } else { "" };
        match name {
            Some(n) => match c.store.get_object(kind, &ObjectKey::new(scope, n.as_str())) {
                Some(o) => objects.push(o),
                None => out.fail(ApiError::not_found(kind, &n).to_string()),
            },
            None if selector.is_some() || args.flag("all") => {
                let listing = if kind.namespaced() { Some(scope) } else { None };
                objects.extend(
                    c.store
                        .list_objects(kind, listing)
                        .into_iter()
                        .filter(|o| selector.as_ref().is_none_or(|s| s.matches(&o.meta().labels))),
                );
            }
            None => return out.fail("error: resource(s) were provided, but no name was specified"),
        }
    }
    for mut obj in objects {
        let kind = obj.kind();
        let name = obj.meta().name.clone();
        let map = if labels { &mut obj.meta_mut().labels } else { &mut obj.meta_mut().annotations };
        for (k, v) in &set {
            if let Some(old) = map.get(k).filter(|old| *old != v && !args.flag("overwrite")) {
                out.fail(format!("error: '{k}' already has a value ({old}), and --overwrite is false"));
                return;
            }
        }
        let before = map.clone();
        for k in &remove {
            map.remove(k);
        }
        for (k, v) in &set {
            map.insert(k.clone(), v.clone());
        }
        let changed = *map != before;
        let label = format!("{}/{name}", kind.qualified());
        if !changed {
            out.outln(format!("{label} not {done}"));
            continue;
        }
        match c.api_update(obj) {
            Ok(_) => out.outln(format!("{label} {done}")),
            Err(e) => out.fail(e.to_string()),
        }
    }
}

const DESCRIBE_FLAGS: &[Flag] = &[value("selector", Some('l'))];

/// `kubectl describe TYPE [NAME...] [-l SELECTOR]`: one report per object, separated by a blank
/// line; without a name, every object of the type (that a name prefix or the selector picks).
fn describe_objects(c: &mut Cluster, words: &[String], out: &mut Output) {
    let Some(args) = parse("describe", words, DESCRIBE_FLAGS, out) else { return };
    let Some(reqs) = requests(&args.positional, "describe", out) else { return };
    let all_ns = args.flag("all-namespaces");
    let ns = namespace(c, &args);
    let Ok(selector) = selector_flag(&args, out) else { return };
    let mut reports = Vec::new();
    for (kind, name) in reqs {
        let scope = if kind.namespaced() { ns.as_str() } else { "" };
        match name {
            // kubectl describe matches a name, or failing that, names that start with it.
            Some(n) => match c.store.get_object(kind, &ObjectKey::new(scope, n.as_str())) {
                Some(o) => reports.push(o),
                None => {
                    let listing = if kind.namespaced() { Some(scope) } else { None };
                    let prefixed: Vec<Object> = c
                        .store
                        .list_objects(kind, listing)
                        .into_iter()
                        .filter(|o| o.meta().name.starts_with(&n))
                        .collect();
                    if prefixed.is_empty() {
                        out.fail(ApiError::not_found(kind, &n).to_string());
                    }
                    reports.extend(prefixed);
                }
            },
            None => {
                let listing = if all_ns || !kind.namespaced() { None } else { Some(scope) };
                let mut objs = c.store.list_objects(kind, listing);
                if let Some(sel) = &selector {
                    objs.retain(|o| sel.matches(&o.meta().labels));
                }
                reports.extend(objs);
            }
        }
    }
    if reports.is_empty() && out.stderr.is_empty() {
        out.errln(format!("No resources found in {ns} namespace."));
    }
    let texts: Vec<String> = reports.iter().map(|o| super::describe::describe(&c.store, o, c.now)).collect();
    out.out(texts.join("\n\n"));
}

const CREATE_FLAGS: &[Flag] = &[
    value("from-literal", None),
    value("from-file", None),
    value("type", None),
    boolean("immutable", None),
    value("image", None),
    value("replicas", Some('r')),
    value("port", None),
    value("tcp", None),
    value("clusterip", None),
    value("node-port", None),
    value("external-name", None),
    value("cert", None),
    value("key", None),
];

/// `kubectl create deployment NAME --image=IMAGE... [--replicas=N] [--port=P] [-- COMMAND...]`:
/// labels and selector `app=NAME`, one container per image named after it (`buildPodSpec`).
fn create_deployment(c: &mut Cluster, args: &Args, name: &str, out: &mut Output) {
    let images = args.all("image");
    if images.is_empty() {
        return out.fail("error: required flag(s) \"image\" not set");
    }
    let replicas = match args.int("replicas") {
        Ok(r) => r.unwrap_or(1),
        Err(e) => return out.fail(format!("error: {e}")),
    };
    let port = match args.int("port") {
        Ok(p) => p,
        Err(e) => return out.fail(format!("error: {e}")),
    };
    let containers: Vec<serde_json::Value> = images
        .iter()
        .map(|image| {
            let base = image.split(['@']).next().unwrap_or(image);
            let base = base.rsplit('/').next().unwrap_or(base);
            let base = base.split(':').next().unwrap_or(base).replace('_', "-");
            let mut c = serde_json::json!({"name": base, "image": image, "resources": {}});
            if let Some(p) = port {
                c["ports"] = serde_json::json!([{"containerPort": p}]);
            }
            if !args.rest.is_empty() {
                c["command"] = serde_json::json!(args.rest);
            }
            c
        })
        .collect();
    let doc = serde_json::json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace(c, args), "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": containers}},
        },
    });
    let obj = match manifest::to_object(doc) {
        Ok(o) => o,
        Err(e) => return out.fail(format!("error: {e}")),
    };
    match c.api_create(obj) {
        Ok(_) => out.outln(format!("deployment.apps/{name} created")),
        Err(e) => out.fail(e.to_string()),
    }
}

/// `kubectl create service clusterip|nodeport|loadbalancer|externalname NAME --tcp=PORT[:TARGET]...`:
/// labels and selector `app=NAME`, each port named after its spec (`80-8080`), as kubectl builds it.
fn create_service(c: &mut Cluster, args: &Args, kind: &str, names: &[&str], out: &mut Output) {
    let type_ = match kind {
        "clusterip" => "ClusterIP",
        "nodeport" => "NodePort",
        "loadbalancer" => "LoadBalancer",
        "externalname" => "ExternalName",
        "" => {
            return out
                .fail("error: must specify a type of service: clusterip, externalname, loadbalancer or nodeport");
        }
        other => {
            return out.fail(format!(
                "error: unknown command \"{other}\" for \"kubectl create service\": use clusterip, externalname, loadbalancer or nodeport"
            ));
        }
    };
    let [name] = names else {
        return out.fail(format!("error: exactly one NAME is required, got {}", names.len()));
    };
    let node_port = match args.int("node-port") {
        Ok(p) => p,
        Err(e) => return out.fail(format!("error: {e}")),
    };
    let cluster_ip = args.get("clusterip");
    let tcp = args.all("tcp");
    if tcp.is_empty() && type_ != "ExternalName" && !(type_ == "ClusterIP" && cluster_ip == Some("None")) {
        return out.fail("error: at least one tcp port specifier must be provided");
    }
    let mut ports = Vec::new();
    for spec in tcp.iter().flat_map(|t| t.split(',')) {
        let (port, target) = spec.split_once(':').unwrap_or((spec, spec));
        let Ok(port) = port.parse::<i64>() else {
            return out.fail(format!("error: strconv.Atoi: parsing \"{port}\": invalid syntax"));
        };
        let target = match target.parse::<i64>() {
            Ok(t) => serde_json::json!(t),
            Err(_) => serde_json::json!(target),
        };
        let mut p =
            serde_json::json!({"name": spec.replace(':', "-"), "port": port, "targetPort": target, "protocol": "TCP"});
        if let Some(n) = node_port.filter(|n| *n > 0) {
            p["nodePort"] = serde_json::json!(n);
        }
        ports.push(p);
    }
    let mut spec = serde_json::json!({"type": type_, "ports": ports});
    if type_ == "ExternalName" {
        let Some(external) = args.get("external-name") else {
            return out.fail("error: required flag(s) \"external-name\" not set");
        };
        spec["externalName"] = serde_json::json!(external);
    } else {
        spec["selector"] = serde_json::json!({"app": name});
    }
    if let Some(ip) = cluster_ip {
        spec["clusterIP"] = serde_json::json!(ip);
    }
    let doc = serde_json::json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": name, "namespace": namespace(c, args), "labels": {"app": name}},
        "spec": spec,
    });
    let obj = match manifest::to_object(doc) {
        Ok(o) => o,
        Err(e) => return out.fail(format!("error: {e}")),
    };
    match c.api_create(obj) {
        Ok(_) => out.outln(format!("service/{name} created")),
        // kubectl wraps the API error in its own words here (`create_service.go`).
        Err(e) => out.fail(format!("error: failed to create {type_} service: {}", e.message)),
    }
}

/// `kubectl create secret tls NAME --cert=PATH --key=PATH`: a `kubernetes.io/tls` Secret holding
/// the PEM files as `tls.crt` and `tls.key`. kubectl parses the pair; here each file must at least
/// hold the PEM block it should, which is where pasted-in-the-wrong-order mistakes show.
fn create_secret_tls(c: &mut Cluster, args: &Args, name: &str, files: &dyn Files, out: &mut Output) {
    let missing: Vec<String> =
        ["cert", "key"].iter().filter(|f| args.get(f).is_none()).map(|f| format!("\"{f}\"")).collect();
    if !missing.is_empty() {
        return out.fail(format!("error: required flag(s) {} not set", missing.join(", ")));
    }
    let mut data = std::collections::BTreeMap::new();
    for (flag, key, block, input) in
        [("cert", "tls.crt", "CERTIFICATE-----", "certificate"), ("key", "tls.key", "PRIVATE KEY-----", "key")]
    {
        let path = args.get(flag).unwrap_or_default();
        let text = match files.read(path) {
            Ok(t) => t,
            Err(e) => return out.fail(format!("error: {e}")),
        };
        let pem = text.lines().any(|l| l.starts_with("-----BEGIN ") && l.ends_with(block));
        if !pem {
            return out
                .fail(format!("error: failed to load key pair tls: failed to find any PEM data in {input} input"));
        }
        data.insert(key.to_string(), text);
    }
    let obj = crate::api::Secret {
        metadata: ObjectMeta { name: name.to_string(), namespace: namespace(c, args), ..Default::default() },
        type_: "kubernetes.io/tls".into(),
        string_data: data,
        ..Default::default()
    }
    .into_object();
    match c.api_create(obj) {
        Ok(_) => out.outln(format!("secret/{name} created")),
        Err(e) => out.fail(e.to_string()),
    }
}

/// `kubectl create configmap|secret generic|namespace NAME [--from-literal=K=V]... [--from-file=[K=]PATH]...`.
fn create(c: &mut Cluster, words: &[String], files: &dyn Files, out: &mut Output) {
    let Some(args) = parse("create", words, CREATE_FLAGS, out) else { return };
    let mut positional = args.positional.iter().map(String::as_str);
    let what = positional.next().unwrap_or("");
    if matches!(what, "deployment" | "deploy") {
        let names: Vec<&str> = positional.collect();
        let [name] = names.as_slice() else {
            return out.fail(format!("error: exactly one NAME is required, got {}", names.len()));
        };
        return create_deployment(c, &args, name, out);
    }
    if matches!(what, "service" | "svc") {
        let kind = positional.next().unwrap_or("");
        let names: Vec<&str> = positional.collect();
        return create_service(c, &args, kind, &names, out);
    }
    if what == "secret" && args.positional.get(1).map(String::as_str) == Some("tls") {
        let names: Vec<&str> = positional.skip(1).collect();
        let [name] = names.as_slice() else {
            return out.fail(format!("error: exactly one NAME is required, got {}", names.len()));
        };
        return create_secret_tls(c, &args, name, files, out);
    }
    let (kind, what) = match what {
        "serviceaccount" | "sa" => (Kind::ServiceAccount, "ServiceAccount"),
        "configmap" | "cm" => (Kind::ConfigMap, "ConfigMap"),
        "namespace" | "ns" => (Kind::Namespace, "Namespace"),
        "secret" => match positional.next() {
            Some("generic") => (Kind::Secret, "Secret"),
            Some(t @ "docker-registry") => {
                return out.fail(format!("error: kubectl create secret {t} is not simulated; use generic"));
            }
            _ => return out.fail("error: specify the type of secret: kubectl create secret generic|tls NAME"),
        },
        "" => return out.fail("error: must specify one of -f and -k"),
        other => {
            return out.fail(format!(
                "error: kubectl create {other} is not simulated; use deployment, service, configmap, secret generic|tls, namespace or serviceaccount, or kubectl apply -f"
            ));
        }
    };
    let names: Vec<&str> = positional.collect();
    let [name] = names.as_slice() else {
        return out.fail(format!("error: exactly one NAME is required, got {}", names.len()));
    };
    let ns = namespace(c, &args);
    let mut data = std::collections::BTreeMap::new();
    let mut add = |key: &str, value: String, out: &mut Output| -> bool {
        if key.is_empty() || !key.chars().all(|ch| ch.is_ascii_alphanumeric() || "-._".contains(ch)) {
            out.fail(format!(
                "error: \"{key}\" is not a valid key name for a {what}: a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
            ));
            return false;
        }
        if data.insert(key.to_string(), value).is_some() {
            out.fail(format!(
                "error: cannot add key \"{key}\", another key by that name already exists in Data for {what} \"{name}\""
            ));
            return false;
        }
        true
    };
    if kind != Kind::Namespace && kind != Kind::ServiceAccount {
        for lit in args.all("from-literal") {
            let Some((k, v)) = lit.split_once('=').filter(|(k, _)| !k.is_empty()) else {
                return out.fail(format!("error: invalid literal source {lit}, expected key=value"));
            };
            if !add(k, v.to_string(), out) {
                return;
            }
        }
        for src in args.all("from-file") {
            let (k, path) = match src.split_once('=') {
                Some((k, p)) => (k.to_string(), p),
                None => (src.rsplit('/').next().unwrap_or(src).to_string(), src.as_str()),
            };
            let text = match files.read(path) {
                Ok(t) => t,
                Err(e) => return out.fail(format!("error: {e}")),
            };
            if !add(&k, text, out) {
                return;
            }
        }
    }
    let meta = ObjectMeta { name: name.to_string(), namespace: ns, ..Default::default() };
    let immutable = args.flag("immutable").then_some(true);
    let obj = match kind {
        Kind::ConfigMap => {
            crate::api::ConfigMap { metadata: meta, data, immutable, ..Default::default() }.into_object()
        }
        Kind::Secret => crate::api::Secret {
            metadata: meta,
            type_: args.get("type").unwrap_or("Opaque").to_string(),
            string_data: data,
            immutable,
            ..Default::default()
        }
        .into_object(),
        Kind::ServiceAccount => crate::api::ServiceAccount { metadata: meta, ..Default::default() }.into_object(),
        _ => crate::api::Namespace {
            metadata: ObjectMeta { name: name.to_string(), ..Default::default() },
            ..Default::default()
        }
        .into_object(),
    };
    let label = format!("{}/{name}", kind.singular());
    match c.api_create(obj) {
        Ok(_) => out.outln(format!("{label} created")),
        Err(e) => out.fail(e.to_string()),
    }
}

/// Resolves `TYPE NAME` or `TYPE/NAME` to one Deployment, with kubectl's errors.
fn one_deployment(c: &Cluster, args: &Args, verb: &str, out: &mut Output) -> Option<crate::api::Deployment> {
    let reqs = requests(&args.positional, verb, out)?;
    let [(kind, Some(name))] = reqs.as_slice() else {
        out.fail(format!("error: required resource not specified\nSee 'kubectl {verb} -h' for help and examples"));
        return None;
    };
    if *kind != Kind::Deployment {
        out.fail(format!("error: no {} found for \"{name}\": only deployments are rolled out here", kind.plural()));
        return None;
    }
    let ns = namespace(c, args);
    let d = c.store.get::<crate::api::Deployment>(&ObjectKey::new(ns.as_str(), name.as_str())).cloned();
    if d.is_none() {
        out.fail(ApiError::not_found(Kind::Deployment, name).to_string());
    }
    d
}

const SET_FLAGS: &[Flag] = &[value("selector", Some('l')), boolean("all", None)];

/// `kubectl set image (TYPE NAME | TYPE/NAME) CONTAINER=IMAGE ...`.
fn set(c: &mut Cluster, words: &[String], out: &mut Output) {
    let Some((what, rest)) = words.split_first() else {
        return out.fail("error: must specify one of: env, image, resources, selector, serviceaccount, subject");
    };
    if what != "image" {
        return out.fail(format!(
            "error: unknown command \"{what}\" for \"kubectl set\": only `kubectl set image` is simulated"
        ));
    }
    let Some(mut args) = parse("set image", rest, SET_FLAGS, out) else { return };
    let pairs: Vec<String> = args.positional.iter().filter(|w| w.contains('=')).cloned().collect();
    args.positional.retain(|w| !w.contains('='));
    if pairs.is_empty() {
        return out.fail("error: at least one image update is required");
    }
    let Some(reqs) = requests(&args.positional, "set image", out) else { return };
    let ns = namespace(c, &args);
    for (kind, name) in reqs {
        let Some(name) = name else { return out.fail("error: resource(s) were provided, but no name was specified") };
        let Some(obj) = c.store.get_object(kind, &ObjectKey::new(ns.as_str(), name.as_str())) else {
            out.fail(ApiError::not_found(kind, &name).to_string());
            continue;
        };
        let mut obj = obj;
        let spec = match &mut obj {
            Object::Deployment(d) => &mut d.spec.template.spec,
            Object::ReplicaSet(rs) => &mut rs.spec.template.spec,
            Object::Pod(p) => &mut p.spec,
            other => {
                out.fail(format!("error: cannot set the image of a {}", other.kind().name()));
                continue;
            }
        };
        for pair in &pairs {
            let (container, image) = pair.split_once('=').unwrap_or_default();
            let mut found = false;
            for ctr in spec.containers.iter_mut().chain(spec.init_containers.iter_mut()) {
                if container == "*" || ctr.name == container {
                    ctr.image = image.to_string();
                    found = true;
                }
            }
            if !found {
                return out.fail(format!("error: unable to find container named \"{container}\""));
            }
        }
        match c.api_update(obj) {
            Ok(_) => out.outln(format!("{}/{name} image updated", kind.qualified())),
            Err(e) => out.fail(e.to_string()),
        }
    }
}

const ROLLOUT_FLAGS: &[Flag] = &[
    value("timeout", None),
    boolean("watch", Some('w')),
    value("revision", None),
    value("to-revision", None),
    value("selector", Some('l')),
];

/// `kubectl rollout status|history|undo|restart|pause|resume deployment/NAME`.
fn rollout(c: &mut Cluster, words: &[String], out: &mut Output) {
    let Some((sub, rest)) = words.split_first() else {
        return out.fail("error: Required subcommand: status, history, undo, restart, pause, resume");
    };
    let verb = format!("rollout {sub}");
    let Some(args) = parse(&verb, rest, ROLLOUT_FLAGS, out) else { return };
    let Some(d) = one_deployment(c, &args, &verb, out) else { return };
    let name = d.metadata.name.clone();
    let label = format!("deployment.apps/{name}");
    let owned: Vec<crate::api::ReplicaSet> = c
        .store
        .dependents(&d.metadata.uid)
        .into_iter()
        .filter(|r| r.kind == Kind::ReplicaSet)
        .filter_map(|r| c.store.get::<crate::api::ReplicaSet>(&r.key).cloned())
        .collect();
    let revision_of = |rs: &crate::api::ReplicaSet| -> i64 {
        rs.metadata.annotations.get("deployment.kubernetes.io/revision").and_then(|r| r.parse().ok()).unwrap_or(0)
    };
    match sub.as_str() {
        "status" => rollout_status(c, &d, &args, out),
        "history" => {
            let mut revs: Vec<(i64, String)> = owned
                .iter()
                .map(|rs| {
                    let cause = rs
                        .metadata
                        .annotations
                        .get("kubernetes.io/change-cause")
                        .cloned()
                        .unwrap_or_else(|| "<none>".into());
                    (revision_of(rs), cause)
                })
                .collect();
            revs.sort();
            out.outln(format!("{label} "));
            let mut rows = vec![vec!["REVISION".to_string(), "CHANGE-CAUSE".to_string()]];
            rows.extend(revs.into_iter().map(|(r, cause)| vec![r.to_string(), cause]));
            out.out(output::table_padded(&rows, 2, 0));
            out.outln("");
        }
        "undo" => {
            let to = match args.int("to-revision") {
                Ok(v) => v.unwrap_or(0),
                Err(e) => return out.fail(format!("error: {e}")),
            };
            let mut by_rev: Vec<&crate::api::ReplicaSet> = owned.iter().collect();
            by_rev.sort_by_key(|rs| std::cmp::Reverse(revision_of(rs)));
            let target =
                if to == 0 { by_rev.get(1).copied() } else { by_rev.iter().copied().find(|rs| revision_of(rs) == to) };
            let Some(target) = target else {
                return out.fail(if to == 0 {
                    format!("error: no rollout history found for deployment \"{name}\"")
                } else {
                    format!("error: unable to find specified revision {to} in history")
                });
            };
            let mut template = target.spec.template.clone();
            template.metadata.labels.remove(crate::controllers::deployment::POD_TEMPLATE_HASH);
            if template == d.spec.template {
                out.outln(format!(
                    "{label} skipped rollback (current template already matches revision {})",
                    revision_of(target)
                ));
                return;
            }
            let mut d2 = d.clone();
            d2.spec.template = template;
            match c.api_update(d2.into_object()) {
                Ok(_) => out.outln(format!("{label} rolled back")),
                Err(e) => out.fail(e.to_string()),
            }
        }
        "restart" => {
            if d.spec.paused == Some(true) {
                return out.fail(format!(
                    "error: deployments.apps \"{name}\" can't restart paused deployment (run rollout resume first)"
                ));
            }
            let mut d2 = d.clone();
            d2.spec.template.metadata.annotations.insert("kubectl.kubernetes.io/restartedAt".into(), c.now.rfc3339());
            match c.api_update(d2.into_object()) {
                Ok(_) => out.outln(format!("{label} restarted")),
                Err(e) => out.fail(e.to_string()),
            }
        }
        "pause" | "resume" => {
            let pause = sub == "pause";
            if (d.spec.paused == Some(true)) == pause {
                return out.fail(format!(
                    "error: deployments.apps \"{name}\" is {}",
                    if pause { "already paused" } else { "not paused" }
                ));
            }
            let mut d2 = d.clone();
            d2.spec.paused = if pause { Some(true) } else { None };
            match c.api_update(d2.into_object()) {
                Ok(_) => out.outln(format!("{label} {}", if pause { "paused" } else { "resumed" })),
                Err(e) => out.fail(e.to_string()),
            }
        }
        other => out.fail(format!("error: unknown command \"{other}\" for \"kubectl rollout\"")),
    }
}

/// `kubectl rollout status`: waits (moving simulated time) until the rollout completes, printing
/// each new state in kubectl's words (`DeploymentStatusViewer`).
fn rollout_status(c: &mut Cluster, d: &crate::api::Deployment, args: &Args, out: &mut Output) {
    let key = d.key();
    let timeout = match args.get("timeout").map(SimDuration::parse) {
        None => None,
        Some(Ok(t)) => Some(t).filter(|t| t.as_millis() > 0),
        Some(Err(e)) => return out.fail(format!("error: {e}")),
    };
    let deadline = i64::from(d.spec.progress_deadline_seconds.unwrap_or(600).max(0));
    let limit = timeout.unwrap_or(SimDuration::seconds(deadline + 60));
    let watch = !args.has("watch") || args.flag("watch");
    let message = |c: &Cluster| -> Result<(String, bool), String> {
        let Some(d) = c.store.get::<crate::api::Deployment>(&key) else {
            return Err(format!("deployments.apps \"{}\" not found", key.name));
        };
        let name = &d.metadata.name;
        let st = &d.status;
        if d.metadata.generation > st.observed_generation {
            return Ok(("Waiting for deployment spec update to be observed...".into(), false));
        }
        if crate::api::meta::condition(&st.conditions, "Progressing")
            .is_some_and(|c| c.reason == "ProgressDeadlineExceeded")
        {
            return Err(format!("deployment \"{name}\" exceeded its progress deadline"));
        }
        let want = d.spec.replicas.unwrap_or(1);
        Ok(if st.updated_replicas < want {
            (
                format!(
                    "Waiting for deployment \"{name}\" rollout to finish: {} out of {want} new replicas have been updated...",
                    st.updated_replicas
                ),
                false,
            )
        } else if st.replicas > st.updated_replicas {
            (
                format!(
                    "Waiting for deployment \"{name}\" rollout to finish: {} old replicas are pending termination...",
                    st.replicas - st.updated_replicas
                ),
                false,
            )
        } else if st.available_replicas < st.updated_replicas {
            (
                format!(
                    "Waiting for deployment \"{name}\" rollout to finish: {} of {} updated replicas are available...",
                    st.available_replicas, st.updated_replicas
                ),
                false,
            )
        } else {
            (format!("deployment \"{name}\" successfully rolled out"), true)
        })
    };
    let start = c.now;
    let mut last = String::new();
    loop {
        match message(c) {
            Err(e) => return out.fail(format!("error: {e}")),
            Ok((msg, done)) => {
                if msg != last {
                    out.outln(&msg);
                    last = msg;
                }
                if done || !watch {
                    return;
                }
            }
        }
        let left = limit.as_millis() - (c.now - start).as_millis();
        if left <= 0 {
            return out.fail("error: timed out waiting for the condition");
        }
        // Move to the next scheduled event (or the end of the wait), then look again.
        match c.next_event_at() {
            Some(at) if (at - c.now).as_millis() <= left => {
                let d = at - c.now;
                c.advance(d);
            }
            _ => {
                c.advance(SimDuration(left));
            }
        }
    }
}

const EXEC_FLAGS: &[Flag] = &[
    value("container", Some('c')),
    boolean("stdin", Some('i')),
    boolean("tty", Some('t')),
    boolean("quiet", Some('q')),
];

const LOGS_FLAGS: &[Flag] = &[
    value("container", Some('c')),
    boolean("previous", Some('p')),
    value("tail", None),
    boolean("follow", Some('f')),
    boolean("timestamps", None),
    boolean("all-containers", None),
];

/// `kubectl logs POD|TYPE/NAME [-c CONTAINER] [--previous] [--tail=N]`.
fn logs(c: &mut Cluster, words: &[String], out: &mut Output) {
    let Some(args) = parse("logs", words, LOGS_FLAGS, out) else { return };
    let ns = namespace(c, &args);
    let [target] = args.positional.as_slice() else {
        return out.fail("error: expected POD or TYPE/NAME is a required argument for the logs command\nSee 'kubectl logs -h' for help and examples");
    };
    if args.flag("follow") {
        return out
            .fail("error: -f is not simulated: the log is read at this instant; run it again after `sim advance`");
    }
    let pod_name = match target.split_once('/') {
        None => target.clone(),
        Some((t, n)) => {
            let Some(kind) = kind_of(t, out) else { return };
            let selector = match c.store.get_object(kind, &ObjectKey::new(ns.as_str(), n)) {
                // A pod names itself (handled below).
                Some(Object::Pod(_)) => None,
                Some(Object::Deployment(d)) => Selector::from_label_selector(&d.spec.selector).ok(),
                Some(Object::ReplicaSet(rs)) => Selector::from_label_selector(&rs.spec.selector).ok(),
                Some(Object::StatefulSet(ss)) => Selector::from_label_selector(&ss.spec.selector).ok(),
                Some(Object::Service(s)) => Some(Selector::from_map(&s.spec.selector)),
                Some(_) => None,
                None => return out.fail(ApiError::not_found(kind, n).to_string()),
            };
            match selector {
                None if kind == Kind::Pod => n.to_string(),
                None => return out.fail(format!("error: cannot get the logs from {}", kind.qualified())),
                Some(s) => {
                    let mut pods: Vec<&crate::api::Pod> = c.store.pods_matching(&ns, &s);
                    pods.sort_by(|a, b| (!a.is_ready(), &a.metadata.name).cmp(&(!b.is_ready(), &b.metadata.name)));
                    match pods.first() {
                        Some(p) => p.metadata.name.clone(),
                        None => return out.fail(format!("error: no pods found for {t}/{n}")),
                    }
                }
            }
        }
    };
    let Some(pod) = c.store.get::<crate::api::Pod>(&ObjectKey::new(ns.as_str(), pod_name.as_str())).cloned() else {
        return out.fail(ApiError::not_found(Kind::Pod, &pod_name).to_string());
    };
    let containers: Vec<String> = match args.get("container") {
        Some(cn) => {
            if !pod.spec.containers.iter().any(|x| x.name == cn) {
                let names: Vec<&str> = pod.spec.containers.iter().map(|x| x.name.as_str()).collect();
                return out.fail(format!(
                    "Error from server (BadRequest): container {cn} is not valid for pod {pod_name}; valid containers: [{}]",
                    names.join(" ")
                ));
            }
            vec![cn.to_string()]
        }
        None if args.flag("all-containers") => pod.spec.containers.iter().map(|x| x.name.clone()).collect(),
        None => {
            let first = pod.spec.containers.first().map(|x| x.name.clone()).unwrap_or_default();
            if pod.spec.containers.len() > 1 {
                let all: Vec<&str> = pod.spec.containers.iter().map(|x| x.name.as_str()).collect();
                out.errln(format!("Defaulted container \"{first}\" out of: {}", all.join(", ")));
            }
            vec![first]
        }
    };
    let tail = match args.int("tail") {
        Ok(t) => t.filter(|t| *t >= 0),
        Err(e) => return out.fail(format!("error: {e}")),
    };
    for container in containers {
        match c.container_logs(&pod, &container, args.flag("previous")) {
            Ok(text) => {
                let lines: Vec<&str> = text.lines().collect();
                let start = tail.map_or(0, |t| lines.len().saturating_sub(t as usize));
                for l in &lines[start..] {
                    out.outln(*l);
                }
            }
            Err(e) => return out.fail(format!("Error from server (BadRequest): {e}")),
        }
    }
}

/// `kubectl exec (POD | TYPE/NAME) [-c CONTAINER] -- COMMAND [ARGS...]`.
fn exec(c: &mut Cluster, words: &[String], out: &mut Output) {
    let Some(args) = parse("exec", words, EXEC_FLAGS, out) else { return };
    let ns = namespace(c, &args);
    let [target] = args.positional.as_slice() else {
        return out.fail("error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead\nSee 'kubectl exec -h' for help and examples");
    };
    if args.rest.is_empty() {
        return out.fail("error: you must specify at least one command for the container");
    }
    // `deploy/NAME` and `svc/NAME` pick one of their pods, as kubectl does.
    let pod_name = match target.split_once('/') {
        None => target.clone(),
        Some((t, n)) => {
            let Some(kind) = kind_of(t, out) else { return };
            let selector = match c.store.get_object(kind, &ObjectKey::new(ns.as_str(), n)) {
                Some(Object::Pod(p)) => {
                    exec_in(c, &ns, &p.metadata.name, &args, out);
                    return;
                }
                Some(Object::Deployment(d)) => Selector::from_label_selector(&d.spec.selector).ok(),
                Some(Object::ReplicaSet(rs)) => Selector::from_label_selector(&rs.spec.selector).ok(),
                Some(Object::Service(s)) => Some(Selector::from_map(&s.spec.selector)),
                Some(_) => None,
                None => return out.fail(ApiError::not_found(kind, n).to_string()),
            };
            let pod = selector.and_then(|s| {
                let mut pods: Vec<&crate::api::Pod> =
                    c.store.pods_matching(&ns, &s).into_iter().filter(|p| p.is_active()).collect();
                pods.sort_by(|a, b| (!a.is_ready(), &a.metadata.name).cmp(&(!b.is_ready(), &b.metadata.name)));
                pods.first().map(|p| p.metadata.name.clone())
            });
            match pod {
                Some(p) => p,
                None => return out.fail(format!("error: no pods found for {t}/{n}")),
            }
        }
    };
    exec_in(c, &ns, &pod_name, &args, out);
}

fn exec_in(c: &mut Cluster, ns: &str, pod_name: &str, args: &Args, out: &mut Output) {
    let key = ObjectKey::new(ns, pod_name);
    let Some(pod) = c.store.get::<crate::api::Pod>(&key).cloned() else {
        return out.fail(ApiError::not_found(Kind::Pod, pod_name).to_string());
    };
    if pod.is_terminal() {
        return out.fail(format!(
            "error: cannot exec into a container in a completed pod; current phase is {}",
            pod.status.phase
        ));
    }
    let container = match args.get("container") {
        Some(cn) => {
            if !pod.spec.containers.iter().any(|x| x.name == cn) {
                return out.fail(format!("error: container {cn} not found in pod {pod_name}"));
            }
            cn.to_string()
        }
        None => {
            let first = pod.spec.containers.first().map(|x| x.name.clone()).unwrap_or_default();
            if pod.spec.containers.len() > 1 {
                let all: Vec<&str> = pod.spec.containers.iter().map(|x| x.name.as_str()).collect();
                out.errln(format!("Defaulted container \"{first}\" out of: {}", all.join(", ")));
            }
            first
        }
    };
    let machine = c.machines.get(&pod.spec.node_name);
    if !machine.reachable() {
        let ip = c
            .store
            .get::<crate::api::Node>(&ObjectKey::cluster(pod.spec.node_name.as_str()))
            .map(|n| n.internal_ip().to_string())
            .unwrap_or_default();
        return out.fail(format!("Error from server: error dialing backend: dial tcp {ip}:10250: i/o timeout"));
    }
    let running = c.kubelet.pod(&pod.metadata.uid).is_some_and(|w| {
        w.containers
            .iter()
            .any(|cw| cw.name == container && matches!(cw.state, crate::controllers::kubelet::CState::Running { .. }))
    });
    if !running {
        return out.fail(format!("error: unable to upgrade connection: container not found (\"{container}\")"));
    }
    // On a real terminal the local shell takes `>`, `|`, `&&` and `;` before kubectl sees them, so
    // they act on the user's machine, not in the container. There is no local shell here: say so
    // rather than quietly running them in the container.
    if let Some(op) = args.rest.iter().find(|w| matches!(w.as_str(), ">" | ">>" | "|" | "&&" | ";" | "<")) {
        let quoted = args.rest.join(" ").replace('\'', "'\\''");
        return out.fail(format!(
            "error: `{op}` would be run by your own shell, outside the container; to run it inside, wrap the command: kubectl exec {pod_name} -- sh -c '{quoted}'"
        ));
    }
    let ctx = crate::exec::Context { pod: key, container };
    let r = c.exec(&ctx, &args.rest);
    out.out(&r.stdout);
    out.stderr.push_str(&r.stderr);
    if r.code != 0 {
        out.fail(format!("command terminated with exit code {}", r.code));
    }
}
