//! Services and their EndpointSlices, against the EndpointSlice controller's rules and the API
//! server's validation: at most 100 endpoints per slice, named target ports resolved per pod,
//! publishNotReadyAddresses, the empty placeholder slice, ClusterIP and NodePort allocation, and
//! invalid input refused in Kubernetes' words without changing anything.

use std::collections::BTreeMap;

use podscape_core::api::{EndpointSlice, ObjectKey, Service};
use podscape_core::{Cluster, Config, NoFiles, SimDuration};

fn run(c: &mut Cluster, line: &str) -> String {
    let out = c.run(line, &NoFiles);
    assert!(out.ok(), "{line}: {out:?}");
    out.stdout
}

fn apply(c: &mut Cluster, yaml: &str) -> podscape_core::Output {
    let mut files = BTreeMap::new();
    files.insert("m.yaml".to_string(), yaml.to_string());
    c.run("kubectl apply -f m.yaml", &files)
}

fn slices(c: &Cluster, svc: &str) -> Vec<EndpointSlice> {
    c.store().slices_for_service(&ObjectKey::new("default", svc)).into_iter().cloned().collect()
}

/// `--max-endpoints-per-slice` defaults to 100.
#[test]
fn more_than_100_endpoints_spread_over_slices() {
    let mut c = Cluster::new(Config { nodes: 3, ..Config::default() });
    run(&mut c, "kubectl scale deployment backend --replicas=250");
    c.advance(SimDuration::seconds(30));
    let s = slices(&c, "backend");
    let mut sizes: Vec<usize> = s.iter().map(|s| s.endpoints.as_ref().map_or(0, Vec::len)).collect();
    sizes.sort();
    assert_eq!(sizes, [50, 100, 100]);
    assert!(run(&mut c, "kubectl get endpoints backend").contains("+ 247 more..."));
}

/// An endpoint stays in the slice that holds it (`reconcileByPortMapping` in
/// staging/src/k8s.io/endpointslice/reconciler.go): replacing one pod of 250 rewrites the slice
/// that listed it and the one that takes its replacement, never the rest, and no slice grows past
/// 100.
#[test]
fn replacing_a_pod_rewrites_only_the_slices_it_touches() {
    let mut c = Cluster::new(Config { nodes: 3, ..Config::default() });
    run(&mut c, "kubectl scale deployment backend --replicas=250");
    c.advance(SimDuration::seconds(30));
    let where_before: BTreeMap<String, String> = slices(&c, "backend")
        .iter()
        .flat_map(|s| {
            s.endpoints.iter().flatten().map(|e| (e.target_ref.as_ref().unwrap().name.clone(), s.metadata.name.clone()))
        })
        .collect();
    assert_eq!(where_before.len(), 250);
    let versions = |c: &Cluster| -> BTreeMap<String, String> {
        slices(c, "backend").iter().map(|s| (s.metadata.name.clone(), s.metadata.resource_version.clone())).collect()
    };
    let before = versions(&c);
    let victim = where_before.keys().nth(137).unwrap().clone();
    run(&mut c, &format!("kubectl delete pod {victim} --wait=false"));
    c.advance(SimDuration::seconds(60));
    let after = versions(&c);
    assert_eq!(before.keys().collect::<Vec<_>>(), after.keys().collect::<Vec<_>>(), "no slice made or removed");
    let rewritten = before.iter().filter(|(name, rv)| after[*name] != **rv).count();
    assert!((1..=2).contains(&rewritten), "{rewritten} slices rewritten for one pod");
    for s in slices(&c, "backend") {
        assert!(s.endpoints.as_ref().map_or(0, Vec::len) <= 100);
        for e in s.endpoints.iter().flatten() {
            let pod = &e.target_ref.as_ref().unwrap().name;
            if let Some(was) = where_before.get(pod) {
                assert_eq!(was, &s.metadata.name, "{pod} moved between slices");
            }
        }
    }
    assert!(
        !where_before.contains_key(&victim)
            || !slices(&c, "backend")
                .iter()
                .any(|s| { s.endpoints.iter().flatten().any(|e| e.target_ref.as_ref().unwrap().name == victim) })
    );
}

/// A named targetPort is looked up in each pod: pods that name the port differently get
/// endpoints with their own port, in a slice of their own.
#[test]
fn named_target_ports_resolve_per_pod() {
    let mut c = Cluster::new(Config::default());
    let out = apply(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: {role: web}}\nspec:\n  containers: [{name: c, image: nginx, ports: [{name: http, containerPort: 8080}]}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b, labels: {role: web}}\nspec:\n  containers: [{name: c, image: nginx, ports: [{name: http, containerPort: 9090}]}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {role: web}\n  ports: [{port: 80, targetPort: http}]\n",
    );
    assert!(out.ok(), "{out:?}");
    c.advance(SimDuration::seconds(10));
    let mut ports: Vec<i32> = slices(&c, "web").iter().map(|s| s.ports.as_ref().unwrap()[0].port.unwrap()).collect();
    ports.sort();
    assert_eq!(ports, [8080, 9090]);
}

/// With nothing selected, the controller keeps one empty placeholder slice; publishNotReadyAddresses
/// lists pods as ready before they are.
#[test]
fn placeholder_slice_and_publish_not_ready_addresses() {
    let mut c = Cluster::new(Config::default());
    let out = apply(
        &mut c,
        "apiVersion: v1\nkind: Service\nmetadata: {name: empty}\nspec:\n  selector: {app: nothing}\n  ports: [{port: 80}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: eager}\nspec:\n  publishNotReadyAddresses: true\n  selector: {app: backend}\n  ports: [{port: 80, targetPort: 8080}]\n",
    );
    assert!(out.ok(), "{out:?}");
    let placeholder = slices(&c, "empty");
    assert_eq!(placeholder.len(), 1);
    assert!(placeholder[0].endpoints.is_none());
    assert!(run(&mut c, "kubectl get endpointslices").contains("<unset>"));
    let pod = c.store().pods_matching("default", &podscape_core::labels::Selector::parse("app=backend").unwrap())[0]
        .metadata
        .name
        .clone();
    run(&mut c, &format!("sim unready pod {pod}"));
    let eager = slices(&c, "eager");
    assert!(eager[0].endpoints.as_ref().unwrap().iter().all(|e| e.is_ready()), "published as ready regardless");
}

/// Names are checked as Kubernetes checks them (a Service name is a DNS-1035 label); a rejected
/// command answers in the API server's words and changes nothing.
#[test]
fn invalid_names_are_refused_and_change_nothing() {
    let mut c = Cluster::new(Config::default());
    let services = c.store().count::<Service>();
    let hash = c.event_log_hash();
    let out = c.run("kubectl expose deployment backend --port=80 --name=1abc", &NoFiles);
    assert_eq!(out.exit_code, 1);
    assert_eq!(
        out.stderr,
        "The Service \"1abc\" is invalid: metadata.name: Invalid value: \"1abc\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')\n"
    );
    let out = c.run("kubectl expose deployment backend --port=0 --name=zero", &NoFiles);
    // targetPort defaults to the port, so both are invalid, and the API server lists both.
    assert_eq!(
        out.stderr,
        "The Service \"zero\" is invalid: [spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive, spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive]\n"
    );
    let out = apply(
        &mut c,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: Bad_Name}\nspec:\n  selector: {matchLabels: {app: x}}\n  template: {metadata: {labels: {app: other}}, spec: {containers: [{name: c, image: nginx}]}}\n",
    );
    assert!(out.stderr.contains("The Deployment \"Bad_Name\" is invalid: [metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain"), "{}", out.stderr);
    assert!(out.stderr.contains("spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"other\"}: `selector` does not match template `labels`"), "{}", out.stderr);
    assert_eq!(c.store().count::<Service>(), services);
    assert_eq!(c.event_log_hash(), hash);
}

/// ClusterIPs: a requested address in range is honoured, a taken or out-of-range one refused;
/// NodePorts come from 30000-32767.
#[test]
fn cluster_ips_and_node_ports_are_allocated_and_checked() {
    let mut c = Cluster::new(Config::default());
    let out = apply(
        &mut c,
        "apiVersion: v1\nkind: Service\nmetadata: {name: fixed}\nspec:\n  clusterIP: 10.96.100.100\n  selector: {app: backend}\n  ports: [{port: 80}]\n",
    );
    assert!(out.ok(), "{out:?}");
    assert!(run(&mut c, "kubectl get svc fixed").contains("10.96.100.100"));
    let out = apply(
        &mut c,
        "apiVersion: v1\nkind: Service\nmetadata: {name: clash}\nspec:\n  clusterIP: 10.96.100.100\n  ports: [{port: 80}]\n",
    );
    assert!(out.stderr.contains("spec.clusterIPs: Invalid value: []string{\"10.96.100.100\"}: failed to allocate IP 10.96.100.100: provided IP is already allocated"), "{}", out.stderr);
    let out = apply(
        &mut c,
        "apiVersion: v1\nkind: Service\nmetadata: {name: far}\nspec:\n  clusterIP: 192.168.0.1\n  ports: [{port: 80}]\n",
    );
    assert!(
        out.stderr.contains(
            "the provided IP (192.168.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12"
        ),
        "{}",
        out.stderr
    );
    run(&mut c, "kubectl expose deployment backend --name=np --type=NodePort --port=80 --target-port=8080");
    let np = c.store().get::<Service>(&ObjectKey::new("default", "np")).unwrap().spec.ports[0].node_port.unwrap();
    assert!((30000..=32767).contains(&np));
    let out = apply(
        &mut c,
        &format!(
            "apiVersion: v1\nkind: Service\nmetadata: {{name: np2}}\nspec:\n  type: NodePort\n  ports: [{{port: 80, nodePort: {np}}}]\n"
        ),
    );
    assert!(
        out.stderr
            .contains(&format!("spec.ports[0].nodePort: Invalid value: {np}: provided port is already allocated")),
        "{}",
        out.stderr
    );
}

/// `kubectl get -l` takes set-based selectors, as labels.Parse does.
#[test]
fn get_filters_by_any_selector() {
    let mut c = Cluster::new(Config::default());
    let names = |out: String| out.lines().filter(|l| !l.starts_with("NAME")).count();
    assert_eq!(names(run(&mut c, "kubectl get pods -l app=backend")), 3);
    assert_eq!(names(run(&mut c, "kubectl get pods -l 'app in (backend,frontend)'")), 5);
    assert_eq!(names(run(&mut c, "kubectl get pods -l app!=backend")), 2);
    // CoreDNS's pods carry k8s-app, not app: they are the ones without the label.
    assert_eq!(names(run(&mut c, "kubectl get pods -A -l '!app'")), 2);
    let out = c.run("kubectl get pods -l 'app in backend'", &NoFiles);
    assert!(out.stderr.contains("found 'backend', expected: '('"), "{}", out.stderr);
}
