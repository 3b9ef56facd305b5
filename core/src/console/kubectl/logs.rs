//! `kubectl logs`.

use super::*;

const LOGS_FLAGS: &[Flag] = &[
    value("container", Some('c')),
    boolean("previous", Some('p')),
    value("tail", None),
    boolean("follow", Some('f')),
    boolean("timestamps", None),
    boolean("all-containers", None),
];

/// `kubectl logs POD|TYPE/NAME [-c CONTAINER] [--previous] [--tail=N]`.
pub(super) fn logs(c: &mut Cluster, words: &[String], out: &mut Output) {
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
