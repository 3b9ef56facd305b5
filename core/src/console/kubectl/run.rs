//! `kubectl run`: one pod.

use super::*;

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
    boolean("attach", None),
    boolean("quiet", Some('q')),
    value("image-pull-policy", None),
];

/// `kubectl run NAME --image=IMAGE [--port] [--labels] [--restart] [--env] [--command] [-- ARGS]`.
pub(super) fn run_pod(c: &mut Cluster, words: &[String], out: &mut Output) {
    let Some(args) = parse("run", words, RUN_FLAGS, out) else { return };
    let [name] = args.positional.as_slice() else {
        return out.fail("error: NAME is required for run\nSee 'kubectl run -h' for help and examples");
    };
    let Some(image) = args.get("image").filter(|i| !i.is_empty()) else {
        return out.fail("error: required flag(s) \"image\" not set");
    };
    let attach = args.flag("stdin") || args.flag("attach");
    if args.flag("rm") && !attach {
        return out.fail("error: --rm should only be used for attached containers");
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
    if attach {
        container.stdin = Some(true);
        container.stdin_once = Some(true);
        container.tty = args.flag("tty").then_some(true);
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
    let key = pod.key();
    match c.api_create(pod.into_object()) {
        Ok(_) if !attach => out.outln(format!("pod/{name} created")),
        Ok(_) => run_attached(c, &key, &args, out),
        Err(e) => out.fail(e.to_string()),
    }
}

/// `kubectl run -i [-t] [--rm] NAME --image=IMAGE [-- COMMAND]`: waits for the container to run,
/// then either runs the command and prints what it prints, or opens its shell for the console's
/// next lines; `--rm` deletes the pod when that ends.
fn run_attached(c: &mut Cluster, key: &ObjectKey, args: &Args, out: &mut Output) {
    let name = key.name.clone();
    let running = c.run_until(SimDuration::seconds(300), |c| {
        c.container_running(key, &name) || c.store.get::<crate::api::Pod>(key).is_none_or(|p| p.is_terminal())
    });
    if !running || !c.container_running(key, &name) {
        out.fail("error: timed out waiting for the condition");
        return;
    }
    let ctx = crate::exec::Context { pod: key.clone(), container: name.clone() };
    if args.rest.is_empty() || crate::console::attach::is_interactive_shell(&args.rest) {
        if !args.flag("quiet") {
            out.errln("If you don't see a command prompt, try pressing enter.");
        }
        let shell = args.rest.first().map_or("sh", String::as_str).to_string();
        c.attach(key, &name, &shell, args.flag("rm"));
        return;
    }
    let r = c.exec(&ctx, &args.rest);
    out.out(&r.stdout);
    out.stderr.push_str(&r.stderr);
    if args.flag("rm") {
        let uid = c.store.get::<crate::api::Pod>(key).map(|p| p.metadata.uid.clone());
        if c.api_delete(Kind::Pod, key, crate::DeleteOptions::default()).is_ok() {
            out.outln(format!("pod \"{name}\" deleted from {} namespace", key.namespace));
            c.run_until(SimDuration::seconds(90), |c| {
                c.store.get::<crate::api::Pod>(key).is_none_or(|p| Some(&p.metadata.uid) != uid.as_ref())
            });
        }
    }
    if r.code != 0 {
        out.fail(format!("pod {}/{name} terminated (Error)", key.namespace));
    }
}
