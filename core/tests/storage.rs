//! What survives: files in a container's writable layer and in each kind of volume, through each
//! way a pod can end, checked against the behaviour Kubernetes documents. Then the rules that get
//! there: claim binding, access modes, attach and detach, StatefulSets, and the kubectl verbs.

use std::collections::BTreeMap;

use podscape_core::api::{Event, ObjectKey, PersistentVolume, PersistentVolumeClaim, Pod};
use podscape_core::labels::Selector;
use podscape_core::{Cluster, Config, NoFiles, SimDuration};

fn run(c: &mut Cluster, line: &str) -> String {
    let out = c.run(line, &NoFiles);
    assert!(out.ok(), "{line}: {out:?}");
    out.stdout
}

/// Applies a manifest given as text.
fn apply(c: &mut Cluster, yaml: &str) {
    let files: BTreeMap<String, String> = [("m.yaml".to_string(), yaml.to_string())].into_iter().collect();
    let out = c.run("kubectl apply -f m.yaml", &files);
    assert!(out.ok(), "{out:?}");
}

fn pods(c: &Cluster, selector: &str) -> Vec<Pod> {
    let sel = Selector::parse(selector).unwrap();
    c.store().pods_matching("default", &sel).into_iter().cloned().collect()
}

fn pod(c: &Cluster, name: &str) -> Pod {
    c.store().get::<Pod>(&ObjectKey::new("default", name)).unwrap().clone()
}

fn claim(c: &Cluster, name: &str) -> PersistentVolumeClaim {
    c.store().get::<PersistentVolumeClaim>(&ObjectKey::new("default", name)).unwrap().clone()
}

fn volume(c: &Cluster, name: &str) -> Option<PersistentVolume> {
    c.store().get::<PersistentVolume>(&ObjectKey::cluster(name)).cloned()
}

fn events(c: &Cluster, reason: &str) -> Vec<Event> {
    c.store().list::<Event>(Some("default")).filter(|e| e.reason == reason).cloned().collect()
}

fn secs(s: i64) -> SimDuration {
    SimDuration::seconds(s)
}

/// Advances one second at a time until `done`, failing after `limit` seconds.
fn wait_for(c: &mut Cluster, limit: i64, what: &str, done: impl Fn(&Cluster) -> bool) {
    for _ in 0..limit {
        if done(c) {
            return;
        }
        c.advance(secs(1));
    }
    assert!(done(c), "{what}: not within {limit} s");
}

/// The one serving pod of `app=app`: running, ready, not terminating.
fn serving(c: &Cluster) -> Option<Pod> {
    pods(c, "app=app").into_iter().find(|p| p.is_ready() && p.metadata.deletion_timestamp.is_none())
}

/// `cat` in a pod: the file's contents, or None for "No such file or directory".
fn read(c: &mut Cluster, pod: &str, path: &str) -> Option<String> {
    let out = c.run(&format!("kubectl exec {pod} -- cat {path}"), &NoFiles);
    if out.ok() {
        return Some(out.stdout);
    }
    assert!(out.stderr.contains(&format!("cat: {path}: No such file or directory")), "{out:?}");
    None
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Storage {
    Layer,
    EmptyDir,
    HostPath,
    ClaimRwo,
    ClaimRwx,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mishap {
    ContainerCrash,
    PodDeleted,
    Rollout,
    NodeFailure,
    Drain,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    Kept,
    Lost,
    /// Kept if the replacement runs on the same node, otherwise it sees that node's (empty) directory.
    KeptOnSameNode,
}

impl Storage {
    /// A one-replica Deployment (Recreate, as the docs' MySQL example uses for its ReadWriteOnce
    /// claim) writing to `/data` on this kind of storage, with its claim.
    fn manifest(self) -> String {
        let (volume, claim) = match self {
            Storage::Layer => ("", ""),
            Storage::EmptyDir => ("emptyDir: {}", ""),
            Storage::HostPath => ("hostPath: {path: /var/lib/app, type: DirectoryOrCreate}", ""),
            Storage::ClaimRwo => ("persistentVolumeClaim: {claimName: data}", "ReadWriteOnce"),
            Storage::ClaimRwx => ("persistentVolumeClaim: {claimName: data}", "ReadWriteMany"),
        };
        let mut m = String::new();
        if !claim.is_empty() {
            m += &format!(
                "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: data}}\nspec:\n  accessModes: [{claim}]\n  resources: {{requests: {{storage: 1Gi}}}}\n---\n"
            );
        }
        m += "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  replicas: 1\n  strategy: {type: Recreate}\n  selector: {matchLabels: {app: app}}\n  template:\n    metadata: {labels: {app: app}}\n    spec:\n      containers:\n      - name: app\n        image: nginx:1.27\n";
        if !volume.is_empty() {
            m += &format!(
                "        volumeMounts: [{{name: data, mountPath: /data}}]\n      volumes:\n      - name: data\n        {volume}\n"
            );
        }
        m
    }

    fn path(self) -> &'static str {
        if self == Storage::Layer { "/tmp/f" } else { "/data/f" }
    }
}

/// The expected table, from the Kubernetes documentation:
/// - A container's files "are lost when a container crashes or is stopped" (concepts/storage/volumes):
///   a restarted container gets a fresh writable layer.
/// - emptyDir: "A container crashing does not remove a Pod from a node. The data in an emptyDir
///   volume is safe across container crashes", but "when a Pod is removed from a node for any
///   reason, the data in the emptyDir is deleted permanently".
/// - hostPath mounts a directory of the node: it outlives pods, but a pod on another node sees
///   that node's directory ("Pods with identical configuration may behave differently on different
///   nodes").
/// - PersistentVolumes "have a lifecycle independent of any individual Pod"
///   (concepts/storage/persistent-volumes); a lost node's ReadWriteOnce disk is force-detached
///   after maxWaitForUnmountDuration (6 min, attachdetach controller) and attached where the
///   replacement runs.
fn expected(s: Storage, m: Mishap) -> Expect {
    use Expect::*;
    use Mishap::*;
    match (s, m) {
        (Storage::Layer, _) => Lost,
        (Storage::EmptyDir, ContainerCrash) => Kept,
        (Storage::EmptyDir, _) => Lost,
        (Storage::HostPath, ContainerCrash) => Kept,
        (Storage::HostPath, PodDeleted | Rollout) => KeptOnSameNode,
        // The replacement cannot land on a failed or cordoned node.
        (Storage::HostPath, NodeFailure | Drain) => Lost,
        (Storage::ClaimRwo | Storage::ClaimRwx, _) => Kept,
    }
}

/// Writes a file, injects the mishap, waits for the replacement, and reads the file there.
/// Returns what happened and whether the replacement ran on the same node.
fn survive(s: Storage, m: Mishap) -> (bool, bool) {
    let mut c = Cluster::new(Config::default());
    apply(&mut c, &s.manifest());
    wait_for(&mut c, 60, "the first pod", |c| serving(c).is_some());
    let first = serving(&c).unwrap();
    let (name, node) = (first.metadata.name.clone(), first.spec.node_name.clone());
    run(&mut c, &format!("kubectl exec {name} -- sh -c 'echo kept > {}'", s.path()));
    assert_eq!(read(&mut c, &name, s.path()).as_deref(), Some("kept\n"));
    let uid = first.metadata.uid.clone();
    match m {
        Mishap::ContainerCrash => {
            // `kill 1` ends the container's main process: the container exits with 137.
            let out = c.run(&format!("kubectl exec {name} -- kill 1"), &NoFiles);
            assert!(out.stderr.contains("command terminated with exit code 137"), "{out:?}");
            wait_for(&mut c, 60, "the restart", |c| serving(c).is_some_and(|p| p.restarts() == 1));
        }
        Mishap::PodDeleted => {
            run(&mut c, &format!("kubectl delete pod {name}"));
        }
        Mishap::Rollout => {
            run(&mut c, "kubectl set image deployment/app app=nginx:1.28");
        }
        Mishap::NodeFailure => {
            run(&mut c, &format!("sim fail node {node}"));
        }
        Mishap::Drain => {
            run(&mut c, &format!("kubectl drain {node} --ignore-daemonsets --delete-emptydir-data"));
        }
    }
    if m != Mishap::ContainerCrash {
        // Node failure: 50 s to NotReady, 300 s to eviction, up to 6 min more for a disk to detach.
        wait_for(&mut c, 1200, &format!("{s:?}/{m:?}: the replacement"), |c| {
            serving(c).is_some_and(|p| p.metadata.uid != uid)
        });
    }
    let now = serving(&c).unwrap();
    let kept = match read(&mut c, &now.metadata.name, s.path()) {
        Some(text) => {
            assert_eq!(text, "kept\n");
            true
        }
        None => false,
    };
    (kept, now.spec.node_name == node)
}

#[test]
fn what_survives_each_mishap_matches_kubernetes() {
    let storages = [Storage::Layer, Storage::EmptyDir, Storage::HostPath, Storage::ClaimRwo, Storage::ClaimRwx];
    let mishaps = [Mishap::ContainerCrash, Mishap::PodDeleted, Mishap::Rollout, Mishap::NodeFailure, Mishap::Drain];
    let mut wrong = Vec::new();
    for s in storages {
        for m in mishaps {
            let (kept, same_node) = survive(s, m);
            let ok = match expected(s, m) {
                Expect::Kept => kept,
                Expect::Lost => !kept,
                Expect::KeptOnSameNode => kept == same_node,
            };
            if matches!(m, Mishap::NodeFailure | Mishap::Drain) {
                assert!(!same_node, "{s:?}/{m:?}: the replacement must run elsewhere");
            }
            if !ok {
                wrong.push(format!("{s:?} × {m:?}: expected {:?}, kept={kept} same_node={same_node}", expected(s, m)));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// hostPath data belongs to the node: a pod pinned back to the same node finds it, a pod on
/// another node finds that node's directory instead.
#[test]
fn host_path_data_stays_on_its_node() {
    let mut c = Cluster::new(Config::default());
    let pod_on = |node: &str, name: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec:\n  nodeName: {node}\n  containers:\n  - name: c\n    image: nginx\n    volumeMounts: [{{name: h, mountPath: /h}}]\n  volumes:\n  - name: h\n    hostPath: {{path: /srv/share, type: DirectoryOrCreate}}\n"
        )
    };
    apply(&mut c, &pod_on("node-1", "a"));
    apply(&mut c, &pod_on("node-2", "b"));
    c.advance(secs(20));
    run(&mut c, "kubectl exec a -- sh -c 'echo from-node-1 > /h/note'");
    assert_eq!(read(&mut c, "b", "/h/note"), None, "node-2 has its own /srv/share");
    run(&mut c, "kubectl delete pod a");
    c.advance(secs(40));
    apply(&mut c, &pod_on("node-1", "a2"));
    c.advance(secs(20));
    assert_eq!(read(&mut c, "a2", "/h/note").as_deref(), Some("from-node-1\n"));
}

/// `kubectl drain` refuses pods with emptyDir volumes unless told their data may go
/// (kubectl/pkg/drain/filters.go, localStorageFilter), and changes nothing but the cordon.
#[test]
fn drain_needs_delete_emptydir_data_for_emptydir_pods() {
    let mut c = Cluster::new(Config::default());
    apply(&mut c, &Storage::EmptyDir.manifest());
    wait_for(&mut c, 60, "the pod", |c| serving(c).is_some());
    let p = serving(&c).unwrap();
    let node = p.spec.node_name.clone();
    let out = c.run(&format!("kubectl drain {node} --ignore-daemonsets"), &NoFiles);
    assert!(!out.ok());
    assert!(
        out.stderr.contains(&format!(
            "cannot delete Pods with local storage (use --delete-emptydir-data to override): default/{}",
            p.metadata.name
        )),
        "{out:?}"
    );
    c.advance(secs(30));
    assert!(pod(&c, &p.metadata.name).metadata.deletion_timestamp.is_none(), "nothing was evicted");
    let out = c.run(&format!("kubectl drain {node} --ignore-daemonsets --delete-emptydir-data"), &NoFiles);
    assert!(out.ok(), "{out:?}");
    assert!(out.stderr.contains("Warning: deleting Pods with local storage"), "{out:?}");
}

/// Containers of one pod that mount the same volume see the same files; a read-only mount
/// refuses writes; subPath mounts a directory inside the volume.
#[test]
fn containers_share_a_pods_volumes() {
    let mut c = Cluster::new(Config::default());
    apply(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: two}\nspec:\n  volumes: [{name: shared, emptyDir: {}}]\n  containers:\n  - name: writer\n    image: nginx\n    volumeMounts: [{name: shared, mountPath: /out}]\n  - name: reader\n    image: busybox\n    command: [sleep, infinity]\n    volumeMounts:\n    - {name: shared, mountPath: /in, readOnly: true}\n    - {name: shared, mountPath: /logs, subPath: logs}\n",
    );
    c.advance(secs(20));
    run(&mut c, "kubectl exec two -c writer -- sh -c 'echo hi > /out/msg && mkdir /out/logs && echo l > /out/logs/1'");
    assert_eq!(run(&mut c, "kubectl exec two -c reader -- cat /in/msg"), "hi\n");
    assert_eq!(run(&mut c, "kubectl exec two -c reader -- ls /logs"), "1\n");
    let out = c.run("kubectl exec two -c reader -- sh -c 'echo x > /in/msg'", &NoFiles);
    assert!(out.stderr.contains("can't create /in/msg: Read-only file system"), "{out:?}");
    assert!(out.stderr.ends_with("command terminated with exit code 1\n"));
    // The writer's own files outside the volume are its alone.
    run(&mut c, "kubectl exec two -c writer -- touch /tmp/mine");
    let out = c.run("kubectl exec two -c reader -- ls /tmp/mine", &NoFiles);
    assert!(out.stderr.contains("ls: /tmp/mine: No such file or directory"), "{out:?}");
    let mounts = run(&mut c, "kubectl exec two -c reader -- mount");
    assert!(mounts.contains(" on /in type ext4 (ro,") && mounts.contains(" on /logs type ext4 (rw,"), "{mounts}");
}

/// The exec shell answers as sh does: errors with their exit codes, `&&` stopping at a failure,
/// `;` going on, and expansions.
#[test]
fn the_exec_shell_answers_like_sh() {
    let mut c = Cluster::new(Config::default());
    run(&mut c, "kubectl run box --image=nginx");
    c.advance(secs(15));
    let out = c.run("kubectl exec box -- cat /nope", &NoFiles);
    assert_eq!(out.stderr, "cat: /nope: No such file or directory\ncommand terminated with exit code 1\n");
    let out = c.run("kubectl exec box -- sh -c 'cat /nope && echo never; echo always'", &NoFiles);
    assert_eq!(out.stdout, "always\n");
    assert!(out.ok(), "the last command decides the exit code");
    assert_eq!(run(&mut c, "kubectl exec box -- sh -c 'echo \"$(hostname) $HOSTNAME\"'"), "box box\n");
    assert_eq!(
        run(&mut c, "kubectl exec box -- sh -c 'echo one > /tmp/a; echo two >> /tmp/a; cat /tmp/a'"),
        "one\ntwo\n"
    );
    let out = c.run("kubectl exec box -- rm /tmp", &NoFiles);
    assert!(out.stderr.starts_with("rm: cannot remove '/tmp': Is a directory"), "{out:?}");
    let out = c.run("kubectl exec box -- frobnicate", &NoFiles);
    assert!(out.stderr.contains("\"frobnicate\": executable file not found in $PATH"), "{out:?}");
    // A redirect typed outside quotes belongs to the console's own shell, as on a terminal: the
    // output lands on the learner's machine, and the container is left as it was.
    let out = c.run("kubectl exec box -- echo hi > /tmp/b", &NoFiles);
    assert!(out.ok() && out.stdout.is_empty(), "{out:?}");
    assert_eq!(run(&mut c, "cat /tmp/b"), "hi\n");
    assert_eq!(read(&mut c, "box", "/tmp/b"), None);
}

/// configMap and secret volumes show the object's keys as read-only files; a pod whose ConfigMap
/// is missing waits in ContainerCreating with FailedMount until it appears.
#[test]
fn config_maps_and_secrets_are_read_only_files() {
    let mut c = Cluster::new(Config::default());
    apply(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: cfg}\nspec:\n  containers:\n  - name: c\n    image: nginx\n    volumeMounts:\n    - {name: conf, mountPath: /etc/app}\n    - {name: creds, mountPath: /etc/creds}\n  volumes:\n  - {name: conf, configMap: {name: app-config}}\n  - {name: creds, secret: {secretName: app-secret}}\n",
    );
    c.advance(secs(15));
    assert_eq!(pod(&c, "cfg").display_status(), "ContainerCreating");
    let failed = events(&c, "FailedMount");
    assert!(
        failed
            .iter()
            .any(|e| e.message == "MountVolume.SetUp failed for volume \"conf\" : configmap \"app-config\" not found"),
        "{failed:?}"
    );
    assert_eq!(
        run(&mut c, "kubectl create configmap app-config --from-literal=mode=fast --from-literal=level=3"),
        "configmap/app-config created\n"
    );
    assert_eq!(
        run(&mut c, "kubectl create secret generic app-secret --from-literal=token=s3cr3t"),
        "secret/app-secret created\n"
    );
    c.advance(secs(15));
    assert!(pod(&c, "cfg").is_ready());
    assert_eq!(run(&mut c, "kubectl exec cfg -- ls /etc/app"), "level\nmode\n");
    assert_eq!(run(&mut c, "kubectl exec cfg -- cat /etc/creds/token"), "s3cr3t");
    let out = c.run("kubectl exec cfg -- sh -c 'echo slow > /etc/app/mode'", &NoFiles);
    assert!(out.stderr.contains("Read-only file system"), "{out:?}");
    // The API stores Secret values base64-encoded.
    assert_eq!(run(&mut c, "kubectl get secret app-secret -o jsonpath={.data.token}"), "czNjcjN0");
}

#[test]
fn kubectl_create_rejects_bad_literals_and_changes_nothing() {
    let mut c = Cluster::new(Config::default());
    let out = c.run("kubectl create configmap x --from-literal=novalue", &NoFiles);
    assert_eq!(out.stderr, "error: invalid literal source novalue, expected key=value\n");
    let out = c.run("kubectl create configmap x --from-literal=a=1 --from-literal=a=2", &NoFiles);
    assert!(out.stderr.contains("cannot add key \"a\", another key by that name already exists"), "{out:?}");
    let out = c.run("kubectl create configmap x --from-literal=bad/key=1", &NoFiles);
    assert!(out.stderr.contains("\"bad/key\" is not a valid key name for a ConfigMap"), "{out:?}");
    let out = c.run("kubectl create secret generic s --from-literal=k=v --from-literal=k=w", &NoFiles);
    assert!(!out.ok());
    assert!(c.run("kubectl get configmap x", &NoFiles).stderr.contains("NotFound"));
    assert!(c.run("kubectl get secret s", &NoFiles).stderr.contains("NotFound"));
}

/// Binding rules (persistentvolume controller, `findMatchingVolume`): capacity at least the
/// request, access modes a superset, the same class and volume mode; the smallest fit wins.
#[test]
fn claims_bind_to_the_tightest_matching_volume() {
    struct Case {
        what: &'static str,
        claim: &'static str,
        /// (name, capacity, modes, class, volumeMode)
        volumes: &'static [(&'static str, &'static str, &'static str, &'static str, &'static str)],
        binds_to: Option<&'static str>,
    }
    let cases = [
        Case {
            what: "the smallest volume that is big enough",
            claim: "5Gi RWO manual",
            volumes: &[
                ("big", "20Gi", "RWO", "manual", "Filesystem"),
                ("fit", "10Gi", "RWO", "manual", "Filesystem"),
                ("small", "1Gi", "RWO", "manual", "Filesystem"),
            ],
            binds_to: Some("fit"),
        },
        Case {
            what: "access modes must be a superset",
            claim: "1Gi RWX manual",
            volumes: &[
                ("rwo", "1Gi", "RWO", "manual", "Filesystem"),
                ("both", "5Gi", "RWO,RWX", "manual", "Filesystem"),
            ],
            binds_to: Some("both"),
        },
        Case {
            what: "the class must be equal",
            claim: "1Gi RWO manual",
            volumes: &[("other", "1Gi", "RWO", "slow", "Filesystem")],
            binds_to: None,
        },
        Case {
            what: "the volume mode must be equal",
            claim: "1Gi RWO manual",
            volumes: &[("block", "1Gi", "RWO", "manual", "Block")],
            binds_to: None,
        },
        Case {
            what: "too small never binds",
            claim: "10Gi RWO manual",
            volumes: &[("small", "9Gi", "RWO", "manual", "Filesystem")],
            binds_to: None,
        },
        Case {
            what: "quantities compare by value (1Gi = 1024Mi)",
            claim: "1Gi RWO manual",
            volumes: &[("mebi", "1024Mi", "RWO", "manual", "Filesystem")],
            binds_to: Some("mebi"),
        },
    ];
    let modes = |s: &str| {
        s.split(',')
            .map(|m| match m {
                "RWO" => "ReadWriteOnce",
                "RWX" => "ReadWriteMany",
                "ROX" => "ReadOnlyMany",
                _ => "ReadWriteOncePod",
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    for case in cases {
        let mut c = Cluster::new(Config::default());
        for (name, cap, m, class, mode) in case.volumes {
            apply(
                &mut c,
                &format!(
                    "apiVersion: v1\nkind: PersistentVolume\nmetadata: {{name: {name}}}\nspec:\n  capacity: {{storage: {cap}}}\n  accessModes: [{}]\n  storageClassName: {class}\n  volumeMode: {mode}\n  hostPath: {{path: /mnt/{name}}}\n",
                    modes(m)
                ),
            );
        }
        let [size, m, class]: [&str; 3] = case.claim.split(' ').collect::<Vec<_>>().try_into().unwrap();
        apply(
            &mut c,
            &format!(
                "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: c}}\nspec:\n  accessModes: [{}]\n  storageClassName: {class}\n  resources: {{requests: {{storage: {size}}}}}\n",
                modes(m)
            ),
        );
        c.advance(secs(5));
        let pvc = claim(&c, "c");
        match case.binds_to {
            Some(v) => {
                assert_eq!(pvc.spec.volume_name, v, "{}", case.what);
                assert_eq!(pvc.status.phase, "Bound", "{}", case.what);
                assert_eq!(volume(&c, v).unwrap().status.phase, "Bound", "{}", case.what);
            }
            None => {
                assert_eq!(pvc.status.phase, "Pending", "{}", case.what);
                for (name, ..) in case.volumes {
                    assert_eq!(volume(&c, name).unwrap().status.phase, "Available", "{}", case.what);
                }
            }
        }
    }
}

/// Reclaim policies: Delete removes the volume and its data with the claim; Retain keeps both and
/// leaves the volume Released, never Available again by itself.
#[test]
fn reclaim_delete_and_retain() {
    let mut c = Cluster::new(Config::default());
    apply(
        &mut c,
        "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: keep}\nprovisioner: podscape.io/network-disk\nreclaimPolicy: Retain\nvolumeBindingMode: Immediate\n",
    );
    for (name, class) in [("gone", "standard"), ("kept", "keep")] {
        apply(
            &mut c,
            &format!(
                "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: {name}}}\nspec:\n  storageClassName: {class}\n  accessModes: [ReadWriteOnce]\n  resources: {{requests: {{storage: 1Gi}}}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec:\n  containers: [{{name: c, image: nginx, volumeMounts: [{{name: d, mountPath: /d}}]}}]\n  volumes: [{{name: d, persistentVolumeClaim: {{claimName: {name}}}}}]\n"
            ),
        );
    }
    c.advance(secs(30));
    let gone_pv = claim(&c, "gone").spec.volume_name;
    let kept_pv = claim(&c, "kept").spec.volume_name;
    assert!(!gone_pv.is_empty() && !kept_pv.is_empty());
    run(&mut c, "kubectl exec kept -- sh -c 'echo precious > /d/f'");
    run(&mut c, "kubectl delete pod gone kept");
    // kubernetes.io/pvc-protection: a claim in use by a pod is not removed until the pod is gone.
    run(&mut c, "kubectl delete pvc gone kept --wait=false");
    c.advance(secs(60));
    assert!(volume(&c, &gone_pv).is_none(), "Delete removes the volume");
    let kept = volume(&c, &kept_pv).unwrap();
    assert_eq!(kept.status.phase, "Released");
    // A new claim does not get the Released volume back by itself.
    apply(
        &mut c,
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: again}\nspec:\n  storageClassName: keep\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n",
    );
    c.advance(secs(30));
    assert_ne!(claim(&c, "again").spec.volume_name, kept_pv);
    assert_eq!(volume(&c, &kept_pv).unwrap().status.phase, "Released");
    // Its data is still there: an administrator can clear the claimRef and bind it again.
    let files: Vec<_> = c.view(&mut Default::default()).volumes.into_iter().find(|v| v.name == kept_pv).unwrap().files;
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].preview, "precious");
}

/// WaitForFirstConsumer (the default class) provisions only once a pod using the claim is
/// scheduled, and in that pod's node's reach; Immediate provisions at once.
#[test]
fn binding_modes_immediate_and_wait_for_first_consumer() {
    let mut c = Cluster::new(Config::default());
    apply(
        &mut c,
        "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: now}\nprovisioner: podscape.io/network-disk\nvolumeBindingMode: Immediate\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: eager}\nspec:\n  storageClassName: now\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: lazy}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n",
    );
    c.advance(secs(10));
    assert_eq!(claim(&c, "eager").status.phase, "Bound");
    assert_eq!(
        claim(&c, "lazy").spec.storage_class_name.as_deref(),
        Some("standard"),
        "the default class is set on create"
    );
    assert_eq!(claim(&c, "lazy").status.phase, "Pending");
    assert!(
        events(&c, "WaitForFirstConsumer")
            .iter()
            .any(|e| e.message == "waiting for first consumer to be created before binding")
    );
    apply(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: user}\nspec:\n  containers: [{name: c, image: nginx, volumeMounts: [{name: d, mountPath: /d}]}]\n  volumes: [{name: d, persistentVolumeClaim: {claimName: lazy}}]\n",
    );
    c.advance(secs(20));
    let lazy = claim(&c, "lazy");
    assert_eq!(lazy.status.phase, "Bound");
    assert_eq!(
        lazy.metadata.annotations.get("volume.kubernetes.io/selected-node"),
        Some(&pod(&c, "user").spec.node_name)
    );
    assert!(pod(&c, "user").is_ready());
}

/// A pod whose claim does not exist is not scheduled: `persistentvolumeclaim "x" not found`.
#[test]
fn a_missing_claim_keeps_the_pod_pending() {
    let mut c = Cluster::new(Config::default());
    apply(
        &mut c,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: nginx, volumeMounts: [{name: d, mountPath: /d}]}]\n  volumes: [{name: d, persistentVolumeClaim: {claimName: nope}}]\n",
    );
    c.advance(secs(10));
    assert_eq!(pod(&c, "p").status.phase, "Pending");
    assert!(pod(&c, "p").spec.node_name.is_empty());
    let failed = events(&c, "FailedScheduling");
    assert!(failed.iter().any(|e| e.message.contains("persistentvolumeclaim \"nope\" not found")), "{failed:?}");
    apply(
        &mut c,
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: nope}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n",
    );
    c.advance(secs(20));
    assert!(pod(&c, "p").is_ready());
}

/// A ReadWriteOnce disk is attached to one node at a time: a second pod on another node waits in
/// ContainerCreating with a Multi-Attach error; ReadWriteMany attaches to both; ReadWriteOncePod
/// admits one pod only.
#[test]
fn access_modes_are_enforced() {
    for (mode, second_runs) in [("ReadWriteOnce", false), ("ReadWriteMany", true)] {
        let mut c = Cluster::new(Config::default());
        apply(
            &mut c,
            &format!(
                "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: d}}\nspec:\n  accessModes: [{mode}]\n  resources: {{requests: {{storage: 1Gi}}}}\n"
            ),
        );
        for (name, node) in [("one", "node-1"), ("two", "node-2")] {
            apply(
                &mut c,
                &format!(
                    "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec:\n  nodeSelector: {{kubernetes.io/hostname: {node}}}\n  containers: [{{name: c, image: nginx, volumeMounts: [{{name: d, mountPath: /d}}]}}]\n  volumes: [{{name: d, persistentVolumeClaim: {{claimName: d}}}}]\n"
                ),
            );
            c.advance(secs(20));
        }
        assert!(pod(&c, "one").is_ready(), "{mode}");
        assert_eq!(pod(&c, "two").is_ready(), second_runs, "{mode}");
        if !second_runs {
            assert_eq!(pod(&c, "two").display_status(), "ContainerCreating");
            assert!(
                events(&c, "FailedAttachVolume").iter().any(|e| e.message.starts_with("Multi-Attach error for volume"))
            );
            // When the first pod goes, the disk moves.
            run(&mut c, "kubectl delete pod one");
            c.advance(secs(60));
            assert!(pod(&c, "two").is_ready(), "{mode}: attaches once the first node lets go");
        } else {
            run(&mut c, "kubectl exec one -- sh -c 'echo shared > /d/f'");
            assert_eq!(read(&mut c, "two", "/d/f").as_deref(), Some("shared\n"));
        }
    }
    // ReadWriteOncePod: the scheduler admits a second pod nowhere (VolumeRestrictions plugin,
    // ErrReasonReadWriteOncePodConflict).
    let mut c = Cluster::new(Config::default());
    apply(
        &mut c,
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: d}\nspec:\n  accessModes: [ReadWriteOncePod]\n  resources: {requests: {storage: 1Gi}}\n",
    );
    for name in ["one", "two"] {
        apply(
            &mut c,
            &format!(
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec:\n  containers: [{{name: c, image: nginx, volumeMounts: [{{name: d, mountPath: /d}}]}}]\n  volumes: [{{name: d, persistentVolumeClaim: {{claimName: d}}}}]\n"
            ),
        );
        c.advance(secs(20));
    }
    assert!(pod(&c, "one").is_ready());
    assert!(pod(&c, "two").spec.node_name.is_empty());
    assert!(events(&c, "FailedScheduling").iter().any(|e| {
        e.message
            .contains("node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode")
    }));
}

/// After a node failure, a ReadWriteOnce disk stays attached to the lost node until 6 minutes
/// after its pod was deleted (maxWaitForUnmountDuration); the replacement waits with a
/// Multi-Attach error, then gets the disk with its data.
#[test]
fn a_lost_nodes_disk_is_force_detached_after_six_minutes() {
    let mut c = Cluster::new(Config::default());
    apply(&mut c, &Storage::ClaimRwo.manifest());
    wait_for(&mut c, 60, "the pod", |c| serving(c).is_some());
    let first = serving(&c).unwrap();
    run(&mut c, &format!("kubectl exec {} -- sh -c 'echo kept > /data/f'", first.metadata.name));
    run(&mut c, &format!("sim fail node {}", first.spec.node_name));
    wait_for(&mut c, 400, "eviction", |c| pod(c, &first.metadata.name).metadata.deletion_timestamp.is_some());
    let deleted_at = c.now();
    wait_for(&mut c, 60, "a replacement elsewhere", |c| {
        pods(c, "app=app").iter().any(|p| p.metadata.uid != first.metadata.uid && !p.spec.node_name.is_empty())
    });
    c.advance(secs(30));
    assert!(events(&c, "FailedAttachVolume").iter().any(|e| e.message.starts_with("Multi-Attach error")));
    wait_for(&mut c, 600, "the replacement", |c| serving(c).is_some());
    let waited = (c.now().0 - deleted_at.0) / 1000;
    assert!(waited >= 360, "attached only after 6 minutes, not {waited} s");
    assert!(!events(&c, "ForceDetach").is_empty() || c.store().list::<Event>(None).any(|e| e.reason == "ForceDetach"));
    let now = serving(&c).unwrap();
    assert_eq!(read(&mut c, &now.metadata.name, "/data/f").as_deref(), Some("kept\n"));
}

const WEB: &str = include_str!("../../tests/fixtures/k8s-examples/application/web/web.yaml");

/// The StatefulSet tutorial (docs' application/web/web.yaml): stable names, one claim per pod
/// that follows it through deletion and rescheduling, stable DNS names through the headless
/// Service; the page written on each pod's volume is what nginx serves.
#[test]
fn statefulset_pods_keep_their_names_claims_and_data() {
    let mut c = Cluster::new(Config::default());
    apply(&mut c, WEB);
    wait_for(&mut c, 120, "web-1", |c| {
        c.store().get::<Pod>(&ObjectKey::new("default", "web-1")).is_some_and(Pod::is_ready)
    });
    // OrderedReady: web-1 was created only after web-0 was Ready.
    let (w0, w1) = (pod(&c, "web-0"), pod(&c, "web-1"));
    assert!(
        w1.metadata.creation_timestamp
            >= w0.status.conditions.iter().find(|c| c.type_ == "Ready").unwrap().last_transition_time
    );
    assert_eq!(claim(&c, "www-web-0").status.phase, "Bound");
    assert_eq!(claim(&c, "www-web-1").status.phase, "Bound");
    for i in 0..2 {
        run(
            &mut c,
            &format!("kubectl exec web-{i} -- sh -c 'echo \"$(hostname)\" > /usr/share/nginx/html/index.html'"),
        );
    }
    run(&mut c, "kubectl run client --image=busybox -- sleep 3600");
    c.advance(secs(10));
    assert_eq!(run(&mut c, "kubectl exec client -- wget -qO- web-1.nginx"), "web-1\n");
    let ns = run(&mut c, "kubectl exec client -- nslookup web-0.nginx");
    assert!(ns.contains("Name:\tweb-0.nginx.default.svc.cluster.local"), "{ns}");
    run(&mut c, "kubectl delete pod web-0");
    wait_for(&mut c, 120, "web-0 again", |c| {
        c.store()
            .get::<Pod>(&ObjectKey::new("default", "web-0"))
            .is_some_and(|p| p.metadata.uid != w0.metadata.uid && p.is_ready())
    });
    assert_eq!(run(&mut c, "kubectl exec client -- wget -qO- web-0.nginx"), "web-0\n", "same claim, same data");
    // Scaling down keeps the claims (persistentVolumeClaimRetentionPolicy defaults to Retain).
    run(&mut c, "kubectl scale statefulset web --replicas=1");
    c.advance(secs(60));
    assert!(c.store().get::<Pod>(&ObjectKey::new("default", "web-1")).is_none());
    assert_eq!(claim(&c, "www-web-1").status.phase, "Bound");
    run(&mut c, "kubectl scale statefulset web --replicas=2");
    wait_for(&mut c, 120, "web-1 back", |c| {
        c.store().get::<Pod>(&ObjectKey::new("default", "web-1")).is_some_and(Pod::is_ready)
    });
    assert_eq!(read(&mut c, "web-1", "/usr/share/nginx/html/index.html").as_deref(), Some("web-1\n"));
}

/// A StatefulSet pod on a lost node is not replaced: it stays Terminating there until the node
/// returns, is deleted, or is tainted out-of-service (at most one pod per identity, so the
/// controller waits; docs: "Non-graceful node shutdown handling").
#[test]
fn a_statefulset_pod_on_a_lost_node_waits_for_the_out_of_service_taint() {
    let mut c = Cluster::new(Config::default());
    apply(&mut c, WEB);
    wait_for(&mut c, 120, "web-1", |c| {
        c.store().get::<Pod>(&ObjectKey::new("default", "web-1")).is_some_and(Pod::is_ready)
    });
    run(&mut c, "kubectl exec web-0 -- sh -c 'echo zero > /usr/share/nginx/html/index.html'");
    let w0 = pod(&c, "web-0");
    let node = w0.spec.node_name.clone();
    run(&mut c, &format!("sim fail node {node}"));
    c.advance(secs(20 * 60));
    let stuck = pod(&c, "web-0");
    assert_eq!(stuck.metadata.uid, w0.metadata.uid, "not replaced");
    assert!(stuck.metadata.deletion_timestamp.is_some());
    assert_eq!(stuck.spec.node_name, node);
    assert!(run(&mut c, "kubectl get pod web-0").contains("Terminating"));
    run(&mut c, &format!("kubectl taint nodes {node} node.kubernetes.io/out-of-service=nodeshutdown:NoExecute"));
    wait_for(&mut c, 180, "web-0 elsewhere", |c| {
        c.store()
            .get::<Pod>(&ObjectKey::new("default", "web-0"))
            .is_some_and(|p| p.metadata.uid != w0.metadata.uid && p.is_ready())
    });
    assert_ne!(pod(&c, "web-0").spec.node_name, node);
    assert_eq!(read(&mut c, "web-0", "/usr/share/nginx/html/index.html").as_deref(), Some("zero\n"));
}

/// The view lists each pod's layers and volumes with their files, and each PersistentVolume with
/// where it is attached, so the page can show data surviving or vanishing.
#[test]
fn the_view_shows_volumes_mounts_and_files() {
    let mut c = Cluster::new(Config::default());
    apply(&mut c, &Storage::ClaimRwo.manifest());
    wait_for(&mut c, 60, "the pod", |c| serving(c).is_some());
    let p = serving(&c).unwrap();
    run(&mut c, &format!("kubectl exec {} -- sh -c 'echo hello > /data/f; echo tmp > /tmp/t'", p.metadata.name));
    let view = c.view(&mut Default::default());
    let pv = view.nodes.iter().flat_map(|n| &n.pods).find(|v| v.name == p.metadata.name).unwrap();
    let layer = pv.storage.iter().find(|s| s.kind == "layer").unwrap();
    assert_eq!((layer.lives_with.as_str(), layer.files[0].path.as_str()), ("container", "/tmp/t"));
    let data = pv.storage.iter().find(|s| s.kind == "persistentVolumeClaim").unwrap();
    assert_eq!(data.mounts, ["app:/data"]);
    assert_eq!(data.lives_with, "volume");
    assert_eq!((data.files[0].path.as_str(), data.files[0].preview.as_str(), data.files[0].bytes), ("/f", "hello", 6));
    let vol = view.volumes.iter().find(|v| v.claim == "default/data").unwrap();
    assert_eq!(vol.attached_to, std::slice::from_ref(&p.spec.node_name));
    assert_eq!(vol.phase, "Bound");
    assert_eq!(vol.access_modes, "RWO");
}

/// A Delete policy needs a plugin that can delete the storage: a hostPath volume outside /tmp
/// cannot be, so it goes Failed and keeps its data (hostPathDeleter, deleteVolumeOperation).
#[test]
fn a_volume_that_cannot_be_deleted_goes_failed() {
    let mut c = Cluster::new(Config::default());
    apply(
        &mut c,
        "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: hand-made}\nspec:\n  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n  persistentVolumeReclaimPolicy: Delete\n  storageClassName: manual\n  hostPath: {path: /mnt/data}\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c}\nspec:\n  storageClassName: manual\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n",
    );
    c.advance(secs(5));
    assert_eq!(volume(&c, "hand-made").unwrap().status.phase, "Bound");
    run(&mut c, "kubectl delete pvc c");
    c.advance(secs(5));
    let pv = volume(&c, "hand-made").unwrap();
    assert_eq!(pv.status.phase, "Failed");
    assert_eq!(pv.status.message, "host_path deleter only supports /tmp/.+ but received provided /mnt/data");
    assert!(run(&mut c, "kubectl get pv hand-made").contains("Failed"));
    assert_eq!(events(&c, "VolumeFailedDelete").len(), 1);
}

/// The other two ways out for a StatefulSet pod on a lost node: the node comes back (its kubelet
/// confirms the pod stopped), or the Node object is deleted (the pod GC removes its pods).
#[test]
fn a_statefulset_pod_on_a_lost_node_is_replaced_when_the_node_returns_or_is_deleted() {
    for way_out in ["recover", "delete"] {
        let mut c = Cluster::new(Config::default());
        apply(&mut c, WEB);
        wait_for(&mut c, 120, "web-1", |c| {
            c.store().get::<Pod>(&ObjectKey::new("default", "web-1")).is_some_and(Pod::is_ready)
        });
        run(&mut c, "kubectl exec web-0 -- sh -c 'echo zero > /usr/share/nginx/html/index.html'");
        let w0 = pod(&c, "web-0");
        let node = w0.spec.node_name.clone();
        run(&mut c, &format!("sim fail node {node}"));
        c.advance(secs(15 * 60));
        assert_eq!(pod(&c, "web-0").metadata.uid, w0.metadata.uid, "{way_out}: still the old pod");
        match way_out {
            "recover" => run(&mut c, &format!("sim recover node {node}")),
            _ => run(&mut c, &format!("kubectl delete node {node}")),
        };
        wait_for(&mut c, 600, &format!("{way_out}: web-0 again"), |c| {
            c.store()
                .get::<Pod>(&ObjectKey::new("default", "web-0"))
                .is_some_and(|p| p.metadata.uid != w0.metadata.uid && p.is_ready())
        });
        assert_eq!(read(&mut c, "web-0", "/usr/share/nginx/html/index.html").as_deref(), Some("zero\n"), "{way_out}");
    }
}
