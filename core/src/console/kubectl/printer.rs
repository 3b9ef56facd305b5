//! How kubectl prints objects, for every verb that prints them: `-o wide|json|yaml|name|
//! jsonpath=…|custom-columns=…|go-template=…` and `--template`, or its tables. One path, so an
//! object prints the same way from `get`, `get -w`, `create -o yaml` and `patch -o name`
//! (cli-runtime's `PrintFlags`).

use serde_json::Value;

use super::{Flag, Output, boolean, value};
use crate::SimTime;
use crate::api::{Kind, Object};
use crate::console::args::Args;
use crate::console::{gotemplate, jsonpath, output, printers};

/// The flags the printer reads.
pub(super) const FLAGS: &[Flag] = &[
    value("output", Some('o')),
    value("template", None),
    boolean("no-headers", None),
    boolean("show-labels", None),
    boolean("allow-missing-template-keys", None),
];

pub(super) enum Format {
    Table { wide: bool },
    Json,
    Yaml,
    Name,
    JsonPath(String, jsonpath::Template),
    CustomColumns(Vec<(String, jsonpath::Template)>),
    GoTemplate(String, gotemplate::Template),
}

pub(super) struct Printer {
    pub format: Format,
    no_headers: bool,
    show_labels: bool,
    /// Whether rows lead with a NAMESPACE column (`-A`).
    pub all_namespaces: bool,
    /// Whether names print as `kind.group/name` (a listing of several kinds).
    pub with_kind: bool,
}

/// Which printers a verb offers: `get` has tables; verbs that report what they did do not.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Offer {
    Tables,
    Results,
}

impl Printer {
    /// Reads `-o` and `--template`. `Ok(None)` when a result-printing verb was given no `-o`
    /// (it prints its own `… created` line); errors are kubectl's.
    pub(super) fn from_args(args: &Args, offer: Offer) -> Result<Option<Printer>, String> {
        let output = args.get("output").unwrap_or("");
        let (name, inline) = match output.split_once('=') {
            Some((f, t)) => (f, Some(t.to_string())),
            None => (output, None),
        };
        let template = inline.or_else(|| args.get("template").map(str::to_string));
        // `--template` without `-o` means a go-template, as kubectl reads it.
        let name = if name.is_empty() && args.get("template").is_some() { "go-template" } else { name };
        let allowed = match offer {
            Offer::Tables => "custom-columns,go-template,json,jsonpath,name,template,wide,yaml",
            Offer::Results => "go-template,json,jsonpath,name,template,yaml",
        };
        let unknown = || {
            format!(
                "error: unable to match a printer suitable for the output format \"{output}\", allowed formats are: {allowed}"
            )
        };
        let format = match name {
            "" if offer == Offer::Results => return Ok(None),
            "" => Format::Table { wide: false },
            "wide" if offer == Offer::Tables => Format::Table { wide: true },
            "json" => Format::Json,
            "yaml" => Format::Yaml,
            "name" => Format::Name,
            "jsonpath" => {
                let Some(t) = template.filter(|t| !t.is_empty()) else {
                    return Err("error: template format specified but no template given".into());
                };
                let parsed = jsonpath::Template::parse(&t)
                    .map_err(|e| format!("error: error parsing jsonpath {t}, {e}"))?
                    .allow_missing_keys(true);
                Format::JsonPath(t, parsed)
            }
            "go-template" | "template" => {
                let Some(t) = template.filter(|t| !t.is_empty()) else {
                    return Err("error: template format specified but no template given".into());
                };
                let parsed =
                    gotemplate::Template::parse(&t).map_err(|e| format!("error: error parsing template {t}, {e}"))?;
                Format::GoTemplate(t, parsed)
            }
            "custom-columns" if offer == Offer::Tables => Format::CustomColumns(
                custom_columns(template.as_deref().unwrap_or("")).map_err(|e| format!("error: {e}"))?,
            ),
            _ => return Err(unknown()),
        };
        Ok(Some(Printer {
            format,
            no_headers: args.flag("no-headers"),
            show_labels: args.flag("show-labels"),
            all_namespaces: args.flag("all-namespaces"),
            with_kind: false,
        }))
    }

    pub(super) fn is_table(&self) -> bool {
        matches!(self.format, Format::Table { .. })
    }

    /// Prints what a listing found: one object as itself when one was named, otherwise a `List`
    /// (structured formats), or a table per kind.
    pub(super) fn print_list(&self, found: &[Object], single: bool, now: SimTime, out: &mut Output) {
        match &self.format {
            Format::Json | Format::Yaml | Format::JsonPath(..) | Format::GoTemplate(..) => {
                let value = if single && found.len() == 1 { found[0].to_value() } else { list_value(found) };
                self.print_value(&value, out);
            }
            Format::Name => {
                for o in found {
                    out.outln(name_of(o));
                }
            }
            Format::CustomColumns(columns) => {
                let mut rows = Vec::new();
                if !self.no_headers {
                    rows.push(columns.iter().map(|(h, _)| h.clone()).collect());
                }
                for o in found {
                    match custom_row(columns, o) {
                        Ok(r) => rows.push(r),
                        Err(e) => return out.fail(format!("error: {e}")),
                    }
                }
                out.out(output::table(&rows));
            }
            Format::Table { .. } => {
                let mut kinds: Vec<Kind> = found.iter().map(Object::kind).collect();
                kinds.dedup();
                let mut widths = Vec::new();
                for (i, kind) in kinds.into_iter().enumerate() {
                    let mut rows = Vec::new();
                    if !self.no_headers {
                        rows.push(self.headers(kind));
                    }
                    rows.extend(found.iter().filter(|o| o.kind() == kind).map(|o| self.row(o, now)));
                    if i > 0 {
                        out.out("\n");
                    }
                    widths.clear();
                    out.out(output::table_remembering(&rows, &mut widths));
                }
            }
        }
    }

    /// Prints one object as a watch event prints it: its row alone (after the first header),
    /// keeping the column widths of the table before it, or the object in its format.
    pub(super) fn print_event(&self, o: &Object, now: SimTime, watch: &mut WatchState, out: &mut Output) {
        match &self.format {
            Format::Table { .. } => {
                let mut rows = Vec::new();
                if !watch.header_printed && !self.no_headers {
                    rows.push(self.headers(o.kind()));
                }
                watch.header_printed = true;
                rows.push(self.row(o, now));
                out.out(output::table_remembering(&rows, &mut watch.widths));
            }
            Format::Yaml => out.out(format!("---\n{}", output::yaml(&o.to_value()))),
            Format::CustomColumns(columns) => {
                let mut rows = Vec::new();
                if !watch.header_printed && !self.no_headers {
                    rows.push(columns.iter().map(|(h, _)| h.clone()).collect());
                }
                watch.header_printed = true;
                match custom_row(columns, o) {
                    Ok(r) => rows.push(r),
                    Err(e) => return out.fail(format!("error: {e}")),
                }
                out.out(output::table_remembering(&rows, &mut watch.widths));
            }
            _ => self.print_list(std::slice::from_ref(o), true, now, out),
        }
    }

    /// Prints the object a verb wrote (`create -o yaml`, `patch -o name`).
    pub(super) fn print_result(&self, o: &Object, out: &mut Output) {
        self.print_list(std::slice::from_ref(o), true, SimTime(0), out);
    }

    fn print_value(&self, value: &Value, out: &mut Output) {
        match &self.format {
            Format::Json => out.out(output::json(value)),
            Format::Yaml => out.out(output::yaml(value)),
            Format::JsonPath(text, t) => match t.execute(value) {
                Ok(s) => out.out(s),
                Err(e) => out.fail(format!(
                    "error: error executing jsonpath {text:?}: Error executing template: {e}. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{text}\n\tobject given to jsonpath engine was:\n\t\t{}\n",
                    serde_json::to_string(value).unwrap_or_default()
                )),
            },
            Format::GoTemplate(text, t) => match t.execute(value) {
                Ok(s) => out.out(s),
                Err(e) => out.fail(format!(
                    "error: error executing template {text:?}: {e}"
                )),
            },
            _ => {}
        }
    }

    pub(super) fn headers(&self, kind: Kind) -> Vec<String> {
        let wide = matches!(self.format, Format::Table { wide: true });
        let mut h: Vec<String> = printers::headers(kind, wide).iter().map(|s| s.to_string()).collect();
        if self.all_namespaces && kind.namespaced() {
            h.insert(0, "NAMESPACE".into());
        }
        if self.show_labels {
            h.push("LABELS".into());
        }
        h
    }

    pub(super) fn row(&self, o: &Object, now: SimTime) -> Vec<String> {
        let wide = matches!(self.format, Format::Table { wide: true });
        let kind = o.kind();
        let name = if self.with_kind { name_of(o) } else { o.meta().name.clone() };
        let mut r = printers::row(o, name, now, wide);
        if self.all_namespaces && kind.namespaced() {
            r.insert(0, o.meta().namespace.clone());
        }
        if self.show_labels {
            let l = crate::labels::format_map(&o.meta().labels);
            r.push(if l.is_empty() { "<none>".into() } else { l });
        }
        r
    }
}

/// What a watch remembers between events: whether the header is out, and the column widths.
#[derive(Default)]
pub(super) struct WatchState {
    pub header_printed: bool,
    pub widths: Vec<usize>,
}

/// `deployment.apps/web`: how `-o name` and kubectl's result lines name an object.
pub(super) fn name_of(o: &Object) -> String {
    format!("{}/{}", o.kind().qualified(), o.meta().name)
}

/// A `List` of objects, as `kubectl get -o json` prints several.
fn list_value(found: &[Object]) -> Value {
    serde_json::json!({
        "apiVersion": "v1",
        "items": found.iter().map(Object::to_value).collect::<Vec<_>>(),
        "kind": "List",
        "metadata": {"resourceVersion": ""},
    })
}

fn custom_row(columns: &[(String, jsonpath::Template)], o: &Object) -> Result<Vec<String>, String> {
    let value = o.to_value();
    let mut row = Vec::new();
    for (_, t) in columns {
        let v = t.results(&value)?;
        row.push(if v.is_empty() { "<none>".to_string() } else { v.join(",") });
    }
    Ok(row)
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
