//! `kubectl exec`: a command in a container.

use super::*;

const EXEC_FLAGS: &[Flag] = &[
    value("container", Some('c')),
    boolean("stdin", Some('i')),
    boolean("tty", Some('t')),
    boolean("quiet", Some('q')),
];

/// `kubectl exec (POD | TYPE/NAME) [-c CONTAINER] -- COMMAND [ARGS...]`.
pub(super) fn exec(c: &mut Cluster, words: &[String], out: &mut Output) {
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
    let ctx = crate::exec::Context { pod: key, container };
    // `kubectl exec -it POD -- sh`: a shell to type into; the console's next lines go there.
    if args.flag("stdin") && crate::console::attach::is_interactive_shell(&args.rest) {
        if !c.has_shell(&ctx, &args.rest[0]) {
            out.errln(format!(
                "error: Internal error occurred: Internal error occurred: error executing command in container: failed to exec in container: failed to start exec: OCI runtime exec failed: exec failed: unable to start container process: exec: \"{}\": executable file not found in $PATH: unknown",
                args.rest[0]
            ));
            out.exit_code = 1;
            return;
        }
        c.attach(&ctx.pod, &ctx.container, &args.rest[0], false);
        return;
    }
    let r = c.exec(&ctx, &args.rest);
    out.out(&r.stdout);
    out.stderr.push_str(&r.stderr);
    if r.code != 0 {
        out.fail(format!("command terminated with exit code {}", r.code));
    }
}
