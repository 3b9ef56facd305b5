//! What a verb's arguments select, read one way for every verb: resource words (`TYPE NAME…`,
//! `TYPE/NAME…`, `TYPE1,TYPE2 NAME`), `-n`/`-A`, `-l` and `--field-selector`, as kubectl's
//! resource builder reads them (`ResourceTypeOrNameArgs`, `LabelSelectorParam`,
//! `FieldSelectorParam`).

use serde_json::Value;

use super::{Output, kind_of, namespace};
use crate::Cluster;
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::ApiError;
use crate::console::args::Args;
use crate::labels::Selector;

/// What a verb does with a resource type given without a name.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Unnamed {
    /// Lists every object of the type (`get`, `describe`).
    List,
    /// Only with `-l` or `--all` (`delete`, `label`, `wait`): kubectl refuses to act on every
    /// object of a type by accident.
    NeedsSelectorOrAll,
}

/// The objects a line asks about.
pub(super) struct Query {
    /// Each requested type, with the name asked for (or none: every object of the type).
    pub requests: Vec<(Kind, Option<String>)>,
    pub namespace: String,
    pub all_namespaces: bool,
    pub selector: Option<Selector>,
    pub fields: Option<FieldSelector>,
    selector_text: String,
    fields_text: String,
    all: bool,
}

impl Query {
    /// Reads the positional words and the selection flags; `None` after printing kubectl's error.
    pub(super) fn parse(c: &Cluster, args: &Args, verb: &str, out: &mut Output) -> Option<Query> {
        Query::from_words(c, args, &args.positional, verb, out)
    }

    /// As `parse`, over resource words a verb has already picked out of its positional words.
    pub(super) fn from_words(
        c: &Cluster,
        args: &Args,
        words: &[String],
        verb: &str,
        out: &mut Output,
    ) -> Option<Query> {
        let requests = requests(words, verb, out)?;
        let selector = match args.get("selector").map(Selector::parse) {
            None => None,
            Some(Ok(s)) => Some(s),
            Some(Err(e)) => {
                out.fail(format!("error: unable to parse requirement: {e}"));
                return None;
            }
        };
        let fields = match args.get("field-selector").map(FieldSelector::parse) {
            None => None,
            Some(Ok(f)) => Some(f),
            Some(Err(e)) => {
                out.fail(e);
                return None;
            }
        };
        Some(Query {
            requests,
            namespace: namespace(c, args),
            all_namespaces: args.flag("all-namespaces"),
            selector,
            fields,
            selector_text: args.get("selector").unwrap_or("").to_string(),
            fields_text: args.get("field-selector").unwrap_or("").to_string(),
            all: args.flag("all"),
        })
    }

    /// Whether any request names an object.
    pub(super) fn named(&self) -> bool {
        self.requests.iter().any(|r| r.1.is_some())
    }

    /// The namespace a kind's objects are looked up in (empty for cluster-scoped kinds).
    pub(super) fn scope(&self, kind: Kind) -> &str {
        if kind.namespaced() { self.namespace.as_str() } else { "" }
    }

    /// The key a request names.
    pub(super) fn key(&self, kind: Kind, name: &str) -> ObjectKey {
        ObjectKey::new(self.scope(kind), name)
    }

    /// Whether an object matches `-l` and `--field-selector`.
    pub(super) fn matches(&self, o: &Object) -> bool {
        self.selector.as_ref().is_none_or(|s| s.matches(&o.meta().labels))
            && self.fields.as_ref().is_none_or(|f| f.matches(o))
    }

    /// Every object of `kind` the selectors pick, in the namespace asked (or all).
    pub(super) fn list(&self, c: &Cluster, kind: Kind) -> Vec<Object> {
        let listing = if self.all_namespaces || !kind.namespaced() { None } else { Some(self.scope(kind)) };
        let mut objs = c.store.list_objects(kind, listing);
        objs.retain(|o| self.matches(o));
        objs
    }

    /// The objects of one unnamed request: every object of `kind` the selectors pick, when the
    /// verb may act on a whole type (`None` after printing why not).
    pub(super) fn objects_of(
        &self,
        c: &Cluster,
        kind: Kind,
        unnamed: Unnamed,
        out: &mut Output,
    ) -> Option<Vec<Object>> {
        if unnamed == Unnamed::NeedsSelectorOrAll && self.selector.is_none() && !self.all {
            out.fail("error: resource(s) were provided, but no name was specified");
            return None;
        }
        if let Some(f) = &self.fields
            && let Err(field) = f.supported(kind)
        {
            out.fail(format!(
                "Error from server (BadRequest): Unable to find \"{}\" that match label selector \"{}\", field selector \"{}\": field label not supported: {field}",
                resource_id(kind),
                self.selector_text,
                self.fields_text
            ));
            return None;
        }
        Some(self.list(c, kind))
    }

    /// The objects asked for, in request order. A name that does not exist is reported as the API
    /// server reports it and the others still come back; `None` when the line must stop (a type
    /// without a name where the verb needs `-l` or `--all`, a field the kind cannot be selected by).
    pub(super) fn objects(&self, c: &Cluster, unnamed: Unnamed, out: &mut Output) -> Option<Vec<Object>> {
        let mut found = Vec::new();
        for (kind, name) in &self.requests {
            match name {
                Some(n) => match c.store.get_object(*kind, &self.key(*kind, n)) {
                    Some(o) => found.push(o),
                    None => out.fail(ApiError::not_found(*kind, n).to_string()),
                },
                None => found.extend(self.objects_of(c, *kind, unnamed, out)?),
            }
        }
        Some(found)
    }

    /// kubectl's line when a listing finds nothing.
    pub(super) fn nothing_found(&self) -> String {
        let unnamed: Vec<Kind> = self.requests.iter().filter(|r| r.1.is_none()).map(|r| r.0).collect();
        if self.all_namespaces || (!unnamed.is_empty() && unnamed.iter().all(|k| !k.namespaced())) {
            "No resources found".to_string()
        } else {
            format!("No resources found in {} namespace.", self.namespace)
        }
    }
}

/// Splits `TYPE NAME...`, `TYPE/NAME...` and `TYPE1,TYPE2 [NAME...]` into (kind, optional name)
/// requests. Several types with names ask for each name of each type, as kubectl does
/// (`kubectl delete deployments,svc my-nginx`).
pub(super) fn requests(positional: &[String], verb: &str, out: &mut Output) -> Option<Vec<(Kind, Option<String>)>> {
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
            if n.is_empty() {
                out.fail(format!("error: arguments in resource/name form must have a single resource and name: {p}"));
                return None;
            }
            reqs.push((kind_of(t, out)?, Some(n.to_string())));
        }
        return Some(reqs);
    }
    let mut kinds = Vec::new();
    for t in first.split(',').filter(|t| !t.is_empty()) {
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
            let k = kind_of(t, out)?;
            if !kinds.contains(&k) {
                kinds.push(k);
            }
        }
    }
    if positional.len() > 1 {
        if let Some(p) = positional[1..].iter().find(|p| p.contains('/')) {
            out.fail(format!(
                "error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource {p}'"
            ));
            return None;
        }
        for k in &kinds {
            for n in &positional[1..] {
                reqs.push((*k, Some(n.clone())));
            }
        }
    } else {
        reqs.extend(kinds.into_iter().map(|k| (k, None)));
    }
    Some(reqs)
}

/// `--field-selector`: `field=value`, `field==value` and `field!=value` terms, all of which must
/// hold, over the fields the API server indexes for each kind.
pub(super) struct FieldSelector {
    terms: Vec<(String, bool, String)>,
}

impl FieldSelector {
    pub(super) fn parse(text: &str) -> Result<FieldSelector, String> {
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
    pub(super) fn supported(&self, kind: Kind) -> Result<(), String> {
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

    pub(super) fn matches(&self, obj: &Object) -> bool {
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
pub(super) fn field_value(v: &Value, path: &str) -> Option<Value> {
    path.split('.').filter(|p| !p.is_empty()).try_fold(v, |cur, part| cur.get(part)).cloned()
}

pub(super) fn text_of(v: &Value) -> String {
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
