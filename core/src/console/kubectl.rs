//! kubectl verbs, answering in kubectl's words and shapes.

mod apply;
mod config;
mod create;
mod delete;
mod describe;
mod exec;
mod expose;
mod get;
mod info;
mod label;
mod logs;
mod node;
mod patch;
mod printer;
mod query;
mod rollout;
mod run;
mod scale;
mod set;
mod top;
mod wait;

use serde_json::Value;

use super::args::{Args, Flag, boolean, optional, value};
use super::{Files, Output, jsonpath, output};
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
        "get" => get::get(c, rest, &mut out),
        "delete" => delete::delete(c, rest, files, &mut out),
        "expose" => expose::expose(c, rest, &mut out),
        "apply" => apply::apply(c, rest, files, &mut out),
        "patch" => patch::patch(c, rest, files, &mut out),
        "replace" => apply::replace(c, rest, files, &mut out),
        "scale" => scale::scale(c, rest, &mut out),
        "run" => run::run_pod(c, rest, &mut out),
        "create" => create::create(c, rest, files, &mut out),
        "describe" => describe::describe_objects(c, rest, &mut out),
        "label" => label::label(c, rest, true, &mut out),
        "logs" => logs::logs(c, rest, &mut out),
        "config" => config::config(c, rest, &mut out),
        "annotate" => label::label(c, rest, false, &mut out),
        "set" => set::set(c, rest, &mut out),
        "exec" => exec::exec(c, rest, &mut out),
        "rollout" => rollout::rollout(c, rest, &mut out),
        "cordon" => node::cordon(c, rest, true, &mut out),
        "uncordon" => node::cordon(c, rest, false, &mut out),
        "drain" => node::drain(c, rest, &mut out),
        "taint" => node::taint(c, rest, &mut out),
        "wait" => wait::wait(c, rest, &mut out),
        "top" => top::top(c, rest, &mut out),
        "version" => info::version(c, rest, &mut out),
        "cluster-info" => info::cluster_info(c, rest, &mut out),
        "api-resources" => info::api_resources(c, rest, &mut out),
        "api-versions" => info::api_versions(c, rest, &mut out),
        "proxy" => info::proxy(c, rest, &mut out),
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

use query::requests;

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
