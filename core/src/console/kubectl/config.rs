//! `kubectl config`: the console's one context and its namespace.

use super::*;

const CONFIG_FLAGS: &[Flag] = &[boolean("current", None), boolean("minify", None)];

/// `kubectl config set-context --current --namespace=NS`, `current-context`, `get-contexts`: the
/// console has one context, `podscape`, whose namespace is the default for every line.
pub(super) fn config(c: &mut Cluster, words: &[String], out: &mut Output) {
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
