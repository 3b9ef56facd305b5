//! `kubectl rollout status|history|undo|restart|pause|resume`.

use super::*;
use crate::console::Look;

mod statefulset;

const ROLLOUT_FLAGS: &[Flag] = &[
    value("timeout", None),
    boolean("watch", Some('w')),
    value("revision", None),
    value("to-revision", None),
    value("selector", Some('l')),
];

/// `kubectl rollout status|history|undo|restart|pause|resume deployment/NAME`.
pub(super) fn rollout(c: &mut Cluster, words: &[String], out: &mut Output) {
    let Some((sub, rest)) = words.split_first() else {
        return out.fail("error: Required subcommand: status, history, undo, restart, pause, resume");
    };
    let verb = format!("rollout {sub}");
    let Some(args) = parse(&verb, rest, ROLLOUT_FLAGS, out) else { return };
    let Some(target) = one_target(c, &args, &verb, sub, out) else { return };
    let d = match target {
        Object::Deployment(d) => d,
        Object::StatefulSet(ss) => return statefulset::rollout(c, &ss, sub, &args, out),
        _ => return,
    };
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

/// Resolves `TYPE NAME` or `TYPE/NAME` to the one Deployment or StatefulSet a rollout verb acts on,
/// with kubectl's errors for kinds that have no rollout.
fn one_target(c: &Cluster, args: &Args, verb: &str, sub: &str, out: &mut Output) -> Option<Object> {
    let reqs = requests(&args.positional, verb, out)?;
    let [(kind, Some(name))] = reqs.as_slice() else {
        out.fail(format!("error: required resource not specified\nSee 'kubectl {verb} -h' for help and examples"));
        return None;
    };
    if !matches!(kind, Kind::Deployment | Kind::StatefulSet) {
        let what = match sub {
            "status" => "status viewer",
            "history" => "history viewer",
            "undo" => "rollbacker",
            _ => "rollout",
        };
        let hint = if *kind == Kind::DaemonSet { " (DaemonSets are stored, not simulated)" } else { "" };
        out.fail(format!("error: no {what} has been implemented for {:?}{hint}", kind.name()));
        return None;
    }
    let ns = namespace(c, args);
    let o = c.store.get_object(*kind, &ObjectKey::new(ns.as_str(), name.as_str()));
    if o.is_none() {
        out.fail(ApiError::not_found(*kind, name).to_string());
    }
    o
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
    let deadline = c.now + limit;
    let mut last = String::new();
    let mut failed = None;
    let done = c.advance_until(|c| match message(c) {
        Err(e) => {
            failed = Some(format!("error: {e}"));
            Look::Done
        }
        Ok((msg, done)) => {
            if msg != last {
                out.outln(&msg);
                last = msg;
            }
            if done || !watch { Look::Done } else { Look::WaitUntil(deadline) }
        }
    });
    if let Some(e) = failed {
        out.fail(e);
    } else if !done {
        out.fail("error: timed out waiting for the condition");
    }
}
