//! The Kubernetes documentation's example manifests (tests/fixtures/k8s-examples, copied unchanged
//! from kubernetes/website) behave as on a real cluster: each applies alone with the objects it
//! defines, or is refused with the API server's own reason; groups that belong together run.

use std::path::PathBuf;

use podscape_core::api::{Kind, ObjectKey, Pod};
use podscape_core::{Cluster, Config, Files, NoFiles, SimDuration};

/// Reads the fixture folder, as `kubectl apply -f` reads a disk.
struct Examples;

impl Files for Examples {
    fn read(&self, path: &str) -> Result<String, String> {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/k8s-examples");
        std::fs::read_to_string(root.join(path)).map_err(|_| format!("the path \"{path}\" does not exist"))
    }
}

fn empty_cluster() -> Cluster {
    Cluster::new(Config { empty: true, ..Config::default() })
}

fn apply(c: &mut Cluster, path: &str) -> podscape_core::console::Output {
    c.run(&format!("kubectl apply -f {path}"), &Examples)
}

fn exists(c: &Cluster, kind: &str, namespace: &str, name: &str) -> bool {
    let kind = Kind::parse(kind).unwrap_or_else(|| panic!("unknown kind {kind}"));
    let ns = if kind.namespaced() { namespace } else { "" };
    c.store().get_object(kind, &ObjectKey::new(ns, name)).is_some()
}

fn pod(c: &Cluster, name: &str) -> Pod {
    c.store().get::<Pod>(&ObjectKey::new("default", name)).unwrap_or_else(|| panic!("pod {name}")).clone()
}

/// What each file gives on a cluster that has only its system parts: the objects it creates
/// (kind, namespace, name), or the error a real API server answers.
/// (kind, namespace, name) of an object a file creates.
type Made = (&'static str, &'static str, &'static str);

const ALONE: &[(&str, Result<&[Made], &str>)] = &[
    (
        "application/cassandra/cassandra-statefulset.yaml",
        Ok(&[("statefulset", "default", "cassandra"), ("storageclass", "", "fast")]),
    ),
    ("application/deployment.yaml", Ok(&[("deployment", "default", "nginx-deployment")])),
    ("debug/counter-pod.yaml", Ok(&[("pod", "default", "counter")])),
    ("pods/commands.yaml", Ok(&[("pod", "default", "command-demo")])),
    ("pods/probe/exec-liveness.yaml", Ok(&[("pod", "default", "liveness-exec")])),
    ("pods/two-container-pod.yaml", Ok(&[("pod", "default", "two-containers")])),
    ("application/deployment-scale.yaml", Ok(&[("deployment", "default", "nginx-deployment")])),
    ("application/deployment-update.yaml", Ok(&[("deployment", "default", "nginx-deployment")])),
    ("application/guestbook/frontend-deployment.yaml", Ok(&[("deployment", "default", "frontend")])),
    ("application/guestbook/frontend-service.yaml", Ok(&[("service", "default", "frontend")])),
    ("application/mysql/mysql-configmap.yaml", Ok(&[("configmap", "default", "mysql")])),
    (
        "application/mysql/mysql-deployment.yaml",
        Ok(&[("service", "default", "mysql"), ("deployment", "default", "mysql")]),
    ),
    (
        "application/mysql/mysql-services.yaml",
        Ok(&[("service", "default", "mysql"), ("service", "default", "mysql-read")]),
    ),
    ("application/mysql/mysql-statefulset.yaml", Ok(&[("statefulset", "default", "mysql")])),
    (
        "application/php-apache.yaml",
        Ok(&[("deployment", "default", "php-apache"), ("service", "default", "php-apache")]),
    ),
    ("application/web/web.yaml", Ok(&[("service", "default", "nginx"), ("statefulset", "default", "web")])),
    ("application/web/web-parallel.yaml", Ok(&[("service", "default", "nginx"), ("statefulset", "default", "web")])),
    (
        "application/wordpress/mysql-deployment.yaml",
        Ok(&[
            ("service", "default", "wordpress-mysql"),
            ("pvc", "default", "mysql-pv-claim"),
            ("deployment", "default", "wordpress-mysql"),
        ]),
    ),
    (
        "application/wordpress/wordpress-deployment.yaml",
        Ok(&[
            ("service", "default", "wordpress"),
            ("pvc", "default", "wp-pv-claim"),
            ("deployment", "default", "wordpress"),
        ]),
    ),
    (
        "application/zookeeper/zookeeper.yaml",
        Ok(&[
            ("service", "default", "zk-hs"),
            ("service", "default", "zk-cs"),
            ("pdb", "default", "zk-pdb"),
            ("statefulset", "default", "zk"),
        ]),
    ),
    (
        "configmap/configmaps.yaml",
        Ok(&[("configmap", "default", "special-config"), ("configmap", "default", "env-config")]),
    ),
    ("configmap/immutable-configmap.yaml", Ok(&[("configmap", "default", "company-name-20150801")])),
    ("controllers/daemonset.yaml", Ok(&[("daemonset", "kube-system", "fluentd-elasticsearch")])),
    ("controllers/frontend.yaml", Ok(&[("replicaset", "default", "frontend")])),
    ("controllers/hpa-rs.yaml", Ok(&[("hpa", "default", "frontend-scaler")])),
    ("controllers/nginx-deployment.yaml", Ok(&[("deployment", "default", "nginx-deployment")])),
    ("pods/config/redis-pod.yaml", Ok(&[("pod", "default", "redis")])),
    ("pods/init-containers.yaml", Ok(&[("pod", "default", "init-demo")])),
    ("pods/multi-container/shared-volume.yaml", Ok(&[("pod", "default", "shared-volume-example")])),
    ("pods/pod-configmap-volume.yaml", Ok(&[("pod", "default", "dapi-test-pod")])),
    // The ServiceAccount admission plugin refuses a pod naming an account that does not exist.
    (
        "pods/pod-projected-svc-token.yaml",
        Err(
            "pods \"nginx\" is forbidden: error looking up service account default/build-robot: serviceaccount \"build-robot\" not found",
        ),
    ),
    ("pods/storage/projected-secret-downwardapi-configmap.yaml", Ok(&[("pod", "default", "volume-test")])),
    ("pods/storage/projected.yaml", Ok(&[("pod", "default", "test-projected-volume")])),
    ("pods/storage/pv-claim.yaml", Ok(&[("pvc", "default", "task-pv-claim")])),
    ("pods/storage/pv-pod.yaml", Ok(&[("pod", "default", "task-pv-pod")])),
    ("pods/storage/pv-volume.yaml", Ok(&[("pv", "", "task-pv-volume")])),
    ("pods/storage/redis.yaml", Ok(&[("pod", "default", "redis")])),
    (
        "secret/dotfile-secret.yaml",
        Ok(&[("secret", "default", "dotfile-secret"), ("pod", "default", "secret-dotfiles-pod")]),
    ),
    // Its placeholder values are not base64: the API server cannot decode the Secret.
    (
        "secret/tls-auth-secret.yaml",
        Err("Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input byte 7"),
    ),
    ("security/podsecurity-baseline.yaml", Ok(&[("namespace", "", "my-baseline-namespace")])),
    ("service/access/backend-deployment.yaml", Ok(&[("deployment", "default", "backend")])),
    ("service/access/backend-service.yaml", Ok(&[("service", "default", "hello")])),
    ("service/access/frontend-service.yaml", Ok(&[("service", "default", "frontend")])),
    ("service/explore-graceful-termination-nginx.yaml", Ok(&[("service", "default", "nginx-service")])),
    ("service/load-balancer-example.yaml", Ok(&[("deployment", "default", "hello-world")])),
    ("service/networking/curlpod.yaml", Ok(&[("deployment", "default", "curl-deployment")])),
    ("service/networking/minimal-ingress.yaml", Ok(&[("ingress", "default", "minimal-ingress")])),
    ("service/networking/networkpolicy.yaml", Ok(&[("networkpolicy", "default", "test-network-policy")])),
    (
        "service/networking/nginx-secure-app.yaml",
        Ok(&[("service", "default", "my-nginx"), ("deployment", "default", "my-nginx")]),
    ),
    ("service/networking/nginx-svc.yaml", Ok(&[("service", "default", "my-nginx")])),
    ("service/networking/run-my-nginx.yaml", Ok(&[("deployment", "default", "my-nginx")])),
    ("service/nginx-service.yaml", Ok(&[("service", "default", "nginx-service")])),
    ("service/simple-service.yaml", Ok(&[("service", "default", "my-service")])),
    ("storage/storageclass/storageclass-aws-ebs.yaml", Ok(&[("storageclass", "", "ebs-sc")])),
];

#[test]
fn every_example_applies_alone_as_on_a_real_cluster() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/k8s-examples");
    let mut on_disk = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "yaml") {
                on_disk.push(p.strip_prefix(&root).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    on_disk.sort();
    let mut listed: Vec<String> = ALONE.iter().map(|(p, _)| p.to_string()).collect();
    listed.sort();
    assert_eq!(listed, on_disk, "every example is in the table");

    for (path, expect) in ALONE {
        let mut c = empty_cluster();
        let before = c.store().size();
        let out = apply(&mut c, path);
        match expect {
            Ok(objects) => {
                assert!(out.ok(), "{path}: {out:?}");
                for (kind, ns, name) in *objects {
                    assert!(exists(&c, kind, ns, name), "{path}: {kind} {ns}/{name} missing");
                }
                let unsimulated = objects.iter().any(|(k, ..)| Kind::parse(k).is_some_and(|k| !k.simulated()));
                assert_eq!(out.stderr.contains("are stored, not simulated"), unsimulated, "{path}: {}", out.stderr);
            }
            Err(message) => {
                assert!(!out.ok(), "{path} applied");
                assert!(out.stderr.contains(message), "{path}: {}", out.stderr);
                // A refused document changes nothing (settling may add Events only).
                let after: usize = c.store().size() - c.store().list::<podscape_core::api::Event>(None).count();
                assert!(after <= before, "{path} left objects behind");
            }
        }
    }
}

/// Re-applying an unchanged file changes nothing; a Pod's spec cannot change once created
/// (ValidatePodUpdate); a Deployment's selector is immutable.
#[test]
fn reapplying_examples_follows_the_update_rules() {
    let mut c = empty_cluster();
    assert!(apply(&mut c, "application/web/web.yaml").ok());
    let again = apply(&mut c, "application/web/web.yaml");
    assert_eq!(again.stdout, "service/nginx unchanged\nstatefulset.apps/web unchanged\n");
    // Two different pods named redis in the docs: the second is an update of the first's spec.
    assert!(apply(&mut c, "pods/storage/redis.yaml").ok());
    let out = apply(&mut c, "pods/config/redis-pod.yaml");
    assert!(out.stderr.contains("The Pod \"redis\" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`"), "{out:?}");
    // Two Deployments named nginx-deployment with different selectors.
    assert!(apply(&mut c, "controllers/nginx-deployment.yaml").ok());
    let out = apply(&mut c, "application/deployment.yaml");
    assert!(out.stderr.contains("The Deployment \"nginx-deployment\" is invalid: spec.selector"), "{out:?}");
    assert!(out.stderr.contains("field is immutable"));
}

/// The "Configure a Pod to Use a PersistentVolume for Storage" task: a hostPath volume, a claim
/// that binds to it by class, and an nginx pod serving from it.
#[test]
fn the_persistent_volume_task_runs() {
    let mut c = empty_cluster();
    for f in ["pods/storage/pv-volume.yaml", "pods/storage/pv-claim.yaml", "pods/storage/pv-pod.yaml"] {
        assert!(apply(&mut c, f).ok(), "{f}");
    }
    c.advance(SimDuration::seconds(30));
    let get = c.run("kubectl get pvc task-pv-claim -o jsonpath={.status.phase}/{.spec.volumeName}", &NoFiles);
    assert_eq!(get.stdout, "Bound/task-pv-volume");
    assert!(pod(&c, "task-pv-pod").is_ready());
    let w = c.run(
        "kubectl exec task-pv-pod -- sh -c \"echo 'Hello from Kubernetes storage' > /usr/share/nginx/html/index.html\"",
        &NoFiles,
    );
    assert!(w.ok(), "{w:?}");
    assert!(c.run("kubectl run client --image=busybox -- sleep 3600", &NoFiles).ok());
    c.advance(SimDuration::seconds(10));
    let ip = pod(&c, "task-pv-pod").status.pod_ip;
    let got = c.run(&format!("kubectl exec client -- wget -qO- http://{ip}/"), &NoFiles);
    assert_eq!(got.stdout, "Hello from Kubernetes storage\n");
}

/// The ConfigMap examples: a pod mounting `special-config` sees its keys as files, and one taking
/// variables from a Secret that does not exist waits in CreateContainerConfigError until it does.
#[test]
fn config_examples_feed_their_pods() {
    let mut c = empty_cluster();
    assert!(apply(&mut c, "configmap/configmaps.yaml").ok());
    assert!(apply(&mut c, "application/wordpress/mysql-deployment.yaml").ok());
    c.advance(SimDuration::seconds(30));
    let mysql =
        c.store().pods_matching("default", &podscape_core::labels::Selector::parse("tier=mysql").unwrap())[0].clone();
    let st = &mysql.status.container_statuses[0];
    let waiting = st.state.waiting.as_ref().expect("waiting");
    assert_eq!(waiting.reason, "CreateContainerConfigError");
    assert_eq!(waiting.message, "secret \"mysql-pass\" not found");
    assert!(
        c.run(&format!("kubectl get pod {}", mysql.metadata.name), &NoFiles)
            .stdout
            .contains("CreateContainerConfigError")
    );
    assert!(c.run("kubectl create secret generic mysql-pass --from-literal=password=hunter2", &NoFiles).ok());
    c.advance(SimDuration::seconds(30));
    let mysql = pod(&c, &mysql.metadata.name);
    assert!(mysql.is_ready(), "starts once the Secret exists");
    let env = c.run(&format!("kubectl exec {} -- printenv MYSQL_ROOT_PASSWORD", mysql.metadata.name), &NoFiles);
    assert_eq!(env.stdout, "hunter2\n");
}

/// Kinds Podscape does not simulate are kept and listed, and say so.
#[test]
fn unsimulated_kinds_are_stored_and_listed() {
    let mut c = empty_cluster();
    assert!(apply(&mut c, "service/networking/minimal-ingress.yaml").ok());
    assert!(apply(&mut c, "controllers/hpa-rs.yaml").ok());
    let out = c.run("kubectl get ingress,hpa", &NoFiles);
    assert!(out.stdout.contains("ingress.networking.k8s.io/minimal-ingress"), "{out:?}");
    assert!(out.stdout.contains("horizontalpodautoscaler.autoscaling/frontend-scaler"));
    assert!(out.stderr.contains("Warning: ingresses.networking.k8s.io are stored, not simulated"));
    // Its fields come back as written, in the version it was written in.
    let yaml = c.run("kubectl get hpa frontend-scaler -o yaml", &NoFiles).stdout;
    assert!(yaml.starts_with("apiVersion: autoscaling/v1\n"), "{yaml}");
    assert!(yaml.contains("targetCPUUtilizationPercentage: 50"), "{yaml}");
    assert!(c.run("kubectl delete ingress minimal-ingress", &NoFiles).ok());
    assert!(!exists(&c, "ingress", "default", "minimal-ingress"));
}

/// Every namespace gets a `default` ServiceAccount, and pods run as it.
#[test]
fn namespaces_get_a_default_service_account() {
    let mut c = empty_cluster();
    assert!(apply(&mut c, "security/podsecurity-baseline.yaml").ok());
    assert!(exists(&c, "sa", "my-baseline-namespace", "default"));
    let run = c.run("kubectl run p --image=nginx -n my-baseline-namespace", &NoFiles);
    assert!(run.ok(), "{run:?}");
    let sa = c.run("kubectl get pod p -n my-baseline-namespace -o jsonpath={.spec.serviceAccountName}", &NoFiles);
    assert_eq!(sa.stdout, "default");
}
