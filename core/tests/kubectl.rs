//! kubectl's verbs answer in kubectl's own shapes: golden checks on whole outputs where the shape
//! is the point (column alignment, section order), and on the lines that matter elsewhere.

use podscape_core::{Cluster, Config, NoFiles, SimDuration};

fn run(c: &mut Cluster, line: &str) -> String {
    let out = c.run(line, &NoFiles);
    assert!(out.ok(), "{line}: {out:?}");
    out.stdout
}

/// `kubectl describe pod`: the sections in kubectl's order, aligned by a tab writer, and the
/// Events that say why a pod is not running (pkg/describe/describe.go, describePod).
#[test]
fn describe_pod_shows_why_it_is_not_running() {
    let mut c = Cluster::new(Config { empty: true, ..Config::default() });
    run(&mut c, "kubectl run typo --image=ngnix --port=80");
    c.advance(SimDuration::seconds(20));
    let out = run(&mut c, "kubectl describe pod typo");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "Name:             typo");
    assert_eq!(lines[3], "Service Account:  default");
    let headings: Vec<&str> = lines.iter().copied().filter(|l| !l.starts_with(' ') && l.ends_with(':')).collect();
    assert_eq!(headings, ["IPs:", "Containers:", "Conditions:", "Events:"]);
    // describeVolumes writes "Volumes:\t<none>" on one line when the pod has none.
    // The line joins the tab writer's column block of Conditions, QoS Class and Tolerations, as in kubectl.
    assert!(out.contains("\nVolumes:                     <none>\nQoS Class:                   BestEffort\n"), "{out}");
    assert!(out.contains("    Port:           80/TCP\n"), "{out}");
    assert!(out.contains("    State:          Waiting\n      Reason:       ImagePullBackOff\n"), "{out}");
    assert!(out.contains("Tolerations:                 node.kubernetes.io/not-ready:NoExecute op=Exists for 300s\n                             node.kubernetes.io/unreachable:NoExecute op=Exists for 300s\n"), "{out}");
    let events = out.split("Events:\n").nth(1).unwrap();
    let header = events.lines().next().unwrap();
    assert!(header.starts_with("  Type     Reason     Age"), "{header}");
    assert!(events.contains("Warning  Failed") && events.contains("Error: ErrImagePull"), "{events}");
    assert!(events.contains(" (x2 over "), "repeated events are counted: {events}");
}

#[test]
fn describe_finds_by_prefix_and_says_what_is_missing() {
    let mut c = Cluster::new(Config::default());
    let out = run(&mut c, "kubectl describe pods backend");
    assert_eq!(out.matches("\nName:").count() + usize::from(out.starts_with("Name:")), 3, "three backend pods");
    assert!(out.contains("Controlled By:  ReplicaSet/backend-"), "{out}");
    let missing = c.run("kubectl describe pod nope", &NoFiles);
    assert_eq!(missing.stderr, "Error from server (NotFound): pods \"nope\" not found\n");
    let svc = run(&mut c, "kubectl describe svc backend");
    assert!(svc.contains("\nTargetPort:               8080/TCP\n"), "{svc}");
    assert_eq!(svc.lines().find(|l| l.starts_with("Endpoints:")).unwrap().matches(":8080").count(), 3);
    assert!(svc.ends_with("Events:                   <none>\n"), "{svc}");
}

/// `kubectl describe service` reads the service's EndpointSlices (formatEndpointSlices in
/// pkg/describe/describe.go): at most three ready endpoints, then "+ N more...".
#[test]
fn describe_service_lists_ready_endpoints_from_its_slices() {
    let mut c = Cluster::new(Config { empty: true, ..Config::default() });
    run(&mut c, "kubectl create deployment web --image=nginx --replicas=5 --port=80");
    run(&mut c, "kubectl expose deployment web --type=NodePort");
    c.advance(SimDuration::seconds(30));
    let out = run(&mut c, "kubectl describe service web");
    let endpoints = out.lines().find(|l| l.starts_with("Endpoints:")).unwrap();
    let listed = endpoints.trim_start_matches("Endpoints:").trim();
    let (first, more) = listed.split_once(" + ").expect(listed);
    assert_eq!(first.split(',').count(), 3, "{listed}");
    assert!(first.split(',').all(|ep| ep.starts_with("10.244.") && ep.ends_with(":80")), "{listed}");
    assert_eq!(more, "2 more...");
    assert!(out.contains("\nExternal Traffic Policy:  Cluster\n"), "{out}");

    run(&mut c, "kubectl scale deployment web --replicas=0");
    c.advance(SimDuration::seconds(40));
    let out = run(&mut c, "kubectl describe service web");
    let endpoints = out.lines().find(|l| l.starts_with("Endpoints:")).unwrap();
    assert_eq!(endpoints.trim_end(), "Endpoints:", "a slice with no ready endpoint lists none: {out}");
}

fn names(c: &mut Cluster, selector: &str) -> Vec<String> {
    run(c, &format!("kubectl get pods -l {selector} -o name"))
        .lines()
        .map(|l| l.trim_start_matches("pod/").to_string())
        .collect()
}

/// `kubectl label` takes a pod out of its ReplicaSet's selector: the controller-ref manager
/// releases it (it runs on, unmanaged, and leaves the Service's endpoints) and the ReplicaSet makes
/// a replacement; a bare pod that matches is adopted, and the surplus deleted (ClaimPods).
#[test]
fn relabelling_releases_a_pod_and_a_matching_orphan_is_adopted() {
    let mut c = Cluster::new(Config::default());
    let before = names(&mut c, "app=backend");
    let quarantined = before[0].clone();
    let refused = c.run(&format!("kubectl label pod {quarantined} app=debug"), &NoFiles);
    assert_eq!(refused.stderr, "error: 'app' already has a value (backend), and --overwrite is false\n");
    assert_eq!(
        run(&mut c, &format!("kubectl label pod {quarantined} app=debug --overwrite")),
        format!("pod/{quarantined} labeled\n")
    );
    c.advance(SimDuration::seconds(10));
    let after = names(&mut c, "app=backend");
    assert_eq!(after.len(), 3, "a replacement: {after:?}");
    assert!(!after.contains(&quarantined));
    let owners = run(&mut c, &format!("kubectl get pod {quarantined} -o jsonpath={{.metadata.ownerReferences}}"));
    assert_eq!(owners, "", "released");
    assert_eq!(run(&mut c, &format!("kubectl get pod {quarantined} -o jsonpath={{.status.phase}}")), "Running");
    let eps = run(&mut c, "kubectl get endpoints backend -o jsonpath={.subsets[*].addresses[*].targetRef.name}");
    assert!(!eps.contains(&quarantined), "{eps}");
    // Putting the label back makes it an orphan that matches: adopted, and one pod too many goes.
    let hash = run(&mut c, &format!("kubectl get pod {} -o jsonpath={{.metadata.labels.pod-template-hash}}", after[0]));
    assert!(!hash.is_empty());
    run(&mut c, &format!("kubectl label pod {quarantined} app=backend --overwrite"));
    c.advance(SimDuration::seconds(40));
    assert_eq!(names(&mut c, "app=backend").len(), 3);
    let events = run(&mut c, "kubectl get events");
    assert!(events.contains("SuccessfulDelete"), "{events}");
    // Annotations take the same forms; `key-` removes.
    assert_eq!(run(&mut c, "kubectl annotate deployment backend team=web"), "deployment.apps/backend annotated\n");
    assert_eq!(run(&mut c, "kubectl annotate deployment backend team-"), "deployment.apps/backend annotated\n");
    assert_eq!(run(&mut c, "kubectl annotate deployment backend team-"), "deployment.apps/backend not annotated\n");
    let bad = c.run("kubectl label node node-1 'bad key=x'", &NoFiles);
    assert!(bad.stderr.starts_with("error: invalid label spec: bad key=x"), "{bad:?}");
}

/// `--field-selector` over the fields the API server indexes (pods: spec.nodeName, status.phase,
/// …), with its error for any other; `--sort-by` a JSONPath field.
#[test]
fn field_selectors_and_sorting() {
    let mut c = Cluster::new(Config::default());
    let on_node: Vec<String> = run(&mut c, "kubectl get pods -A --field-selector spec.nodeName=node-1 -o wide")
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().nth(7).unwrap_or("").to_string())
        .collect();
    assert!(!on_node.is_empty() && on_node.iter().all(|n| n == "node-1"), "{on_node:?}");
    let not_running = c.run("kubectl get pods --field-selector status.phase!=Running", &NoFiles);
    assert_eq!(not_running.stderr, "No resources found in default namespace.\n");
    let both = run(&mut c, "kubectl get pods --field-selector status.phase=Running,spec.nodeName=node-2 -o name");
    assert!(!both.is_empty());
    let bad = c.run("kubectl get pods --field-selector foo=bar", &NoFiles);
    assert_eq!(
        bad.stderr,
        "Error from server (BadRequest): Unable to find \"/v1, Resource=pods\" that match label selector \"\", field selector \"foo=bar\": field label not supported: foo\n"
    );
    let ips = run(&mut c, "kubectl get pods --sort-by=.status.podIP -o jsonpath={.items[*].status.podIP}");
    let list: Vec<&str> = ips.split(' ').collect();
    let mut sorted = list.clone();
    sorted.sort();
    assert_eq!(list, sorted);
    let names = run(&mut c, "kubectl get pods --sort-by={.metadata.name} -o name");
    assert!(names.starts_with("pod/backend-"), "{names}");
}

/// `kubectl config set-context --current --namespace` sets the namespace later lines use;
/// `kubectl delete -f` deletes what a manifest names.
#[test]
fn context_namespace_and_delete_from_a_file() {
    let mut c = Cluster::new(Config::default());
    assert_eq!(
        run(&mut c, "kubectl config set-context --current --namespace=kube-system"),
        "Context \"podscape\" modified.\n"
    );
    assert!(run(&mut c, "kubectl get pods").contains("coredns-"));
    run(&mut c, "kubectl config set-context --current --namespace=default");
    let url = "https://k8s.io/examples/application/web/web.yaml";
    run(&mut c, &format!("kubectl apply -f {url}"));
    let out = run(&mut c, &format!("kubectl delete -f {url}"));
    assert_eq!(
        out,
        "service \"nginx\" deleted from default namespace\nstatefulset.apps \"web\" deleted from default namespace\n"
    );
    assert!(c.run("kubectl get sts web", &NoFiles).stderr.contains("NotFound"));
}

/// `kubectl logs`: an image's start-up lines, a web server's access log of the requests it
/// answered, a command's echoes; `--previous` for the instance before a restart; the API
/// server's errors for a container that has not started.
#[test]
fn logs_show_what_containers_printed() {
    let mut c = Cluster::new(Config { empty: true, ..Config::default() });
    run(&mut c, "kubectl run web --image=nginx:1.27");
    run(&mut c, "kubectl run client --image=busybox -- sh -c 'echo hello from client; sleep 3600'");
    c.advance(SimDuration::seconds(10));
    let ip = run(&mut c, "kubectl get pod web -o jsonpath={.status.podIP}");
    let client_ip = run(&mut c, "kubectl get pod client -o jsonpath={.status.podIP}");
    // nginx has no /healthz: a real one answers 404, and logs it so.
    let missing = c.run(&format!("kubectl exec client -- wget -qO- http://{ip}/healthz"), &NoFiles);
    assert!(missing.stderr.starts_with("wget: server returned error: HTTP/1.1 404"), "{missing:?}");
    run(&mut c, &format!("kubectl exec client -- wget -qO- http://{ip}/"));
    let log = run(&mut c, "kubectl logs web");
    assert!(log.contains("\"GET /healthz HTTP/1.1\" 404 153 "), "{log}");
    assert!(log.starts_with("/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty"), "{log}");
    assert!(log.contains("/docker-entrypoint.sh: Configuration complete; ready for start up\n"));
    let last = log.lines().last().unwrap();
    assert!(last.starts_with(&format!("{client_ip} - - [01/Jan/2026:00:00:1")), "{last}");
    assert!(last.contains("\"GET / HTTP/1.1\" 200 615 "), "{last}");
    assert_eq!(run(&mut c, "kubectl logs web --tail=1"), format!("{last}\n"));
    assert_eq!(run(&mut c, "kubectl logs client"), "hello from client\n");
    let none = c.run("kubectl logs web --previous", &NoFiles);
    assert_eq!(
        none.stderr,
        "Error from server (BadRequest): previous terminated container \"web\" in pod \"web\" not found\n"
    );
    // After a restart the access log starts again; the old one is --previous.
    c.run("kubectl exec web -- kill 1", &NoFiles);
    c.advance(SimDuration::seconds(15));
    assert!(!run(&mut c, "kubectl logs web").contains("GET /"));
    assert!(run(&mut c, "kubectl logs web -p").contains("GET /healthz"));
    run(&mut c, "kubectl run typo --image=ngnix");
    c.advance(SimDuration::seconds(5));
    let waiting = c.run("kubectl logs typo", &NoFiles);
    assert_eq!(
        waiting.stderr,
        "Error from server (BadRequest): container \"typo\" in pod \"typo\" is waiting to start: trying and failing to pull image\n"
    );
}

/// `sim export` gives the learner's objects as YAML a real cluster accepts: nothing the cluster
/// made by itself, nothing the API server fills in. Applied to a fresh cluster it recreates them.
#[test]
fn an_export_applies_to_a_fresh_cluster() {
    let mut c = Cluster::new(Config::default());
    run(&mut c, "kubectl create configmap app --from-literal=mode=fast");
    run(&mut c, "kubectl apply -f https://k8s.io/examples/application/web/web.yaml");
    run(&mut c, "kubectl expose deployment frontend --port=80 --type=NodePort");
    run(&mut c, "kubectl run solo --image=nginx");
    c.advance(SimDuration::seconds(30));
    let yaml = run(&mut c, "sim export");
    for managed in [
        "uid:",
        "resourceVersion:",
        "creationTimestamp:",
        "status:",
        "clusterIP: 10.",
        "nodePort:",
        "nodeName:",
        "last-applied",
    ] {
        assert!(!yaml.contains(managed), "{managed} in\n{yaml}");
    }
    for absent in [
        "kind: ReplicaSet",
        "kind: EndpointSlice",
        "kind: Event",
        "kind: Node",
        "kube-root-ca.crt",
        "name: www-web-0",
        "pvc-",
    ] {
        assert!(!yaml.contains(absent), "{absent} in\n{yaml}");
    }
    let mut fresh = Cluster::new(Config { empty: true, ..Config::default() });
    let files: std::collections::BTreeMap<String, String> =
        [("export.yaml".to_string(), yaml.clone())].into_iter().collect();
    let applied = fresh.run("kubectl apply -f export.yaml", &files);
    assert!(applied.ok(), "{applied:?}");
    assert_eq!(
        applied.stdout,
        "configmap/app created\nservice/backend created\nservice/frontend created\nservice/nginx created\npod/solo created\ndeployment.apps/backend created\ndeployment.apps/frontend created\nstatefulset.apps/web created\n"
    );
    fresh.advance(SimDuration::seconds(60));
    // The same objects, so the same export (the new cluster allocates its own IPs and names).
    assert_eq!(run(&mut fresh, "sim export"), yaml);
    assert_eq!(run(&mut fresh, "kubectl get pods -l app=nginx -o name"), "pod/web-0\npod/web-1\n");
}

/// A selection exports only what it names: objects by TYPE/NAME, or by label selector.
#[test]
fn an_export_can_be_a_selection() {
    let mut c = Cluster::new(Config::default());
    run(&mut c, "kubectl create configmap app --from-literal=mode=fast");
    let kinds_and_names = |yaml: &str| -> Vec<String> {
        yaml.split("---\n")
            .map(|doc| {
                let kind = doc.lines().find_map(|l| l.strip_prefix("kind: ")).unwrap_or("");
                let name = doc.lines().find_map(|l| l.strip_prefix("  name: ")).unwrap_or("");
                format!("{kind}/{name}")
            })
            .collect()
    };
    assert_eq!(
        kinds_and_names(&run(&mut c, "sim export deployment/frontend cm/app")),
        ["ConfigMap/app", "Deployment/frontend"]
    );
    assert_eq!(kinds_and_names(&run(&mut c, "sim export -l app=backend")), ["Service/backend", "Deployment/backend"]);
    assert_eq!(kinds_and_names(&run(&mut c, "sim export services")), ["Service/backend"]);
    let missing = c.run("sim export deployment/nope", &NoFiles);
    assert_eq!(missing.stderr, "Error from server (NotFound): deployments.apps \"nope\" not found\n");
}

/// `kubectl create secret tls` keeps the PEM files as `tls.crt` and `tls.key` in a
/// `kubernetes.io/tls` Secret, and refuses a certificate input with no PEM block in it
/// (kubectl's `tls.X509KeyPair` error), creating nothing.
#[test]
fn create_secret_tls_takes_pem_files() {
    let mut c = Cluster::new(Config::default());
    let files: std::collections::BTreeMap<String, String> = [
        ("c.pem".to_string(), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".to_string()),
        ("k.pem".to_string(), "-----BEGIN PRIVATE KEY-----\nMC4C\n-----END PRIVATE KEY-----\n".to_string()),
    ]
    .into();
    let bad = c.run("kubectl create secret tls swapped --cert=k.pem --key=c.pem", &files);
    assert_eq!(bad.stderr, "error: failed to load key pair tls: failed to find any PEM data in certificate input\n");
    assert!(!c.run("kubectl get secret swapped", &NoFiles).ok());
    let out = c.run("kubectl create secret tls site --cert=c.pem --key=k.pem", &files);
    assert_eq!(out.stdout, "secret/site created\n");
    let t = run(&mut c, "kubectl get secret site -o jsonpath={.type}");
    assert_eq!(t, "kubernetes.io/tls");
    let keys = run(&mut c, "kubectl get secret site -o jsonpath={.data}");
    assert!(keys.contains("\"tls.crt\"") && keys.contains("\"tls.key\""), "{keys}");
    let missing = c.run("kubectl create secret tls x --cert=c.pem", &files);
    assert_eq!(missing.stderr, "error: required flag(s) \"key\" not set\n");
}

/// `kubectl wait` moves simulated time until the condition holds, and times out as kubectl does
/// when it never does (an image the registry lacks never becomes Ready).
#[test]
fn wait_moves_time_until_the_condition_or_the_timeout() {
    let mut c = Cluster::new(Config::default());
    run(&mut c, "kubectl run web --image=nginx");
    let before = c.now();
    assert_eq!(run(&mut c, "kubectl wait --for=condition=Ready pod/web"), "pod/web condition met\n");
    assert!(c.now() > before, "time moved to the pod's readiness");
    run(&mut c, "kubectl run typo --image=ngnix");
    let before = c.now();
    let out = c.run("kubectl wait --for=condition=Ready pod/typo --timeout=20s", &NoFiles);
    assert_eq!(out.stderr, "error: timed out waiting for the condition on pods/typo\n");
    assert_eq!(c.now() - before, SimDuration::seconds(20));
    run(&mut c, "kubectl delete pod web --wait=false");
    assert_eq!(run(&mut c, "kubectl wait --for=delete pod/web --timeout=60s"), "pod/web condition met\n");
    assert!(!c.run("kubectl get pod web", &NoFiles).ok());
}

/// `kubectl top` follows what the learner does: traffic costs CPU on the pods that answer it,
/// and a file written into a container's writable layer holds memory.
#[test]
fn top_follows_traffic_and_written_files() {
    let mut c = Cluster::new(Config::default());
    c.advance(SimDuration::seconds(30));
    let column = |out: &str, pod_prefix: &str, col: usize| -> u64 {
        out.lines()
            .filter(|l| l.starts_with(pod_prefix))
            .map(|l| l.split_whitespace().nth(col).unwrap().trim_end_matches(['m', 'M', 'i']).parse::<u64>().unwrap())
            .sum()
    };
    let idle = run(&mut c, "kubectl top pods");
    run(&mut c, "sim traffic deploy/frontend http://backend --rate 5");
    c.advance(SimDuration::seconds(60));
    let busy = run(&mut c, "kubectl top pods");
    assert!(column(&busy, "backend", 1) >= column(&idle, "backend", 1) + 20, "{idle}\n{busy}");
    let pod = run(&mut c, "kubectl get pods -l app=frontend -o jsonpath={.items[0].metadata.name}");
    let before = column(&run(&mut c, &format!("kubectl top pod {pod}")), &pod, 2);
    let big = "x".repeat(60_000);
    for i in 0..40 {
        run(&mut c, &format!("kubectl exec {pod} -- sh -c 'echo {big} > /tmp/f{i}'"));
    }
    let after = column(&run(&mut c, &format!("kubectl top pod {pod}")), &pod, 2);
    assert!(after >= before + 2, "2.4 MB written: {before}Mi → {after}Mi");
    // A node whose kubelet stopped answering has no figures: kubectl prints <unknown>.
    run(&mut c, "sim fail node node-3");
    let nodes = run(&mut c, "kubectl top nodes");
    assert!(nodes.contains("node-3   <unknown>    <unknown>   <unknown>       <unknown>"), "{nodes}");
}
