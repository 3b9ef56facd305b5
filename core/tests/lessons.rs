//! Lessons: scenario files parse, their solutions complete every step, checks latch in order,
//! and a step is never passed by doing nothing.

use podscape_core::lesson::{Check, Progress, Scenario, rehearse};
use podscape_core::{Cluster, NoFiles, SimDuration};

fn lessons() -> Vec<(String, String)> {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../lessons");
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| (e.file_name().to_string_lossy().to_string(), std::fs::read_to_string(e.path()).unwrap()))
        .collect();
    out.sort();
    out
}

#[test]
fn every_built_in_lesson_completes_with_its_solutions() {
    let all = lessons();
    assert!(!all.is_empty());
    for (name, text) in all {
        let s = Scenario::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let report = rehearse(&s).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(report.len(), s.steps.len(), "{name}");
    }
}

#[test]
fn a_step_is_not_passed_by_waiting() {
    let text = lessons().into_iter().find(|(n, _)| n == "stable-address.yaml").unwrap().1;
    let s = Scenario::parse(&text).unwrap();
    let mut c = s.start().unwrap();
    let mut p = Progress::default();
    assert!(p.evaluate(&s, &c).checks_passed.is_empty(), "no Service yet");
    c.run("kubectl expose deployment backend --port=80 --target-port=8080", &NoFiles);
    let first = p.evaluate(&s, &c);
    assert_eq!(first.steps_completed, vec![0]);
    // Step 2 starts with a deletion: ten quiet minutes pass nothing, although the Service has
    // three ready endpoints all along (its second check would hold on its own).
    for _ in 0..60 {
        c.advance(SimDuration::seconds(10));
        p.evaluate(&s, &c);
    }
    assert_eq!((p.step, p.passed), (1, 0));
    c.run("kubectl delete pod -l app=backend --wait=false", &NoFiles);
    let after = p.evaluate(&s, &c);
    assert_eq!(after.checks_passed, vec![(1, 0)], "the deletion latches; the endpoints are not ready yet");
    c.advance(SimDuration::seconds(30));
    let done = p.evaluate(&s, &c);
    assert_eq!(done.checks_passed, vec![(1, 1), (1, 2)]);
    assert!(p.finished(&s));
}

/// A check can name an Event: it holds only for an Event recorded after it became current, as
/// the Event log (`kubectl get events`) shows them: REASON and OBJECT (`node/node-2`).
#[test]
fn an_event_check_wants_an_event_after_it_became_current() {
    let text = "title: t\nsteps:\n  - text: crash it\n    checks:\n      - an event Killing about pod/backend-*\n      - an event NodeNotReady was recorded\n";
    let s = Scenario::parse(text).unwrap();
    let mut c = Cluster::new(podscape_core::Config::default());
    // Killing Events from before the check was current do not count.
    c.run("kubectl delete pod -l app=backend --wait=false", &NoFiles);
    c.advance(SimDuration::seconds(40));
    let mut p = Progress::default();
    assert!(p.evaluate(&s, &c).checks_passed.is_empty());
    c.advance(SimDuration::seconds(60));
    assert!(p.evaluate(&s, &c).checks_passed.is_empty(), "waiting records no Killing");
    c.run("kubectl delete pod -l app=frontend --wait=false", &NoFiles);
    assert!(p.evaluate(&s, &c).checks_passed.is_empty(), "a frontend pod is not pod/backend-*");
    let backend = c.run("kubectl get pods -l app=backend -o name", &NoFiles).stdout;
    let one = backend.lines().next().unwrap().trim_start_matches("pod/").to_string();
    c.run(&format!("kubectl delete pod {one} --wait=false"), &NoFiles);
    assert_eq!(p.evaluate(&s, &c).checks_passed, vec![(0, 0)]);
    c.run("sim fail node node-1", &NoFiles);
    c.advance(SimDuration::seconds(60));
    assert_eq!(p.evaluate(&s, &c).checks_passed, vec![(0, 1)]);

    for (phrase, want) in [
        ("an event Killing about backend", "backend: the object is KIND/NAME"),
        ("an event Killing about pod/*b", "pod/*b: the object is KIND/NAME, with at most a trailing *"),
        ("an event Killing about pod/é*x", "pod/é*x: the object is KIND/NAME, with at most a trailing *"),
    ] {
        let e = podscape_core::lesson::Check::parse(phrase).unwrap_err();
        assert!(e.starts_with(want), "{phrase}: {e}");
    }
}

/// A scenario can start from manifests (applied as `kubectl apply -f manifests.yaml`, before
/// its setup lines); manifests Kubernetes would refuse make the scenario unusable, with the line.
#[test]
fn a_scenario_starts_from_its_manifests() {
    let text = "title: t\ncluster: {empty: true}\nmanifests: |\n  apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: web}\n  spec:\n    replicas: 2\n    selector: {matchLabels: {app: web}}\n    template:\n      metadata: {labels: {app: web}}\n      spec: {containers: [{name: web, image: nginx}]}\n  ---\n  apiVersion: v1\n  kind: Service\n  metadata: {name: web}\n  spec: {selector: {app: web}, ports: [{port: 80}]}\nsetup:\n  - kubectl scale deployment web --replicas=3\nsteps:\n  - text: wait\n    checks: [service web has 3 ready endpoints]\n    solution: [sim advance 30s]\n";
    let s = Scenario::parse(text).unwrap();
    let c = s.start().unwrap();
    assert_eq!(c.log()[0].line, "kubectl apply -f manifests.yaml");
    assert!(c.log()[0].files["manifests.yaml"].contains("kind: Service"), "the log carries the manifests");
    rehearse(&s).unwrap();

    let bad = text.replace("replicas: 2", "replicas: -2");
    let e = Scenario::parse(&bad).unwrap().start().unwrap_err();
    assert_eq!(e.line, 3, "{e}");
    assert!(e.message.contains("spec.replicas: Invalid value: -2"), "{e}");
    let e =
        Scenario::parse("title: t\nmanifests: [1]\nsteps: [{text: x, checks: [pod count a=b is 0]}]\n").unwrap_err();
    assert_eq!((e.line, e.message.as_str()), (2, "manifests: YAML text (a block with one or more documents)"));
}

#[test]
fn file_and_traffic_checks_read_the_cluster() {
    let mut c = Cluster::new(podscape_core::Config::default());
    let pod = c
        .store()
        .list::<podscape_core::api::Pod>(Some("default"))
        .find(|p| p.metadata.name.starts_with("frontend"))
        .unwrap()
        .metadata
        .name
        .clone();
    let s = Scenario::parse(&format!(
        "title: t\nsteps:\n  - text: write\n    checks:\n      - file /tmp/x in pod {pod} contains \"hello\"\n"
    ))
    .unwrap();
    let mut p = Progress::default();
    assert!(p.evaluate(&s, &c).checks_passed.is_empty());
    c.run(&format!("kubectl exec {pod} -- sh -c 'echo hello > /tmp/x'"), &NoFiles);
    assert_eq!(p.evaluate(&s, &c).steps_completed, vec![0]);

    // The last request from frontend: answered by a backend on whichever node kube-proxy chose.
    c.run(&format!("kubectl exec {pod} -- curl -s http://backend"), &NoFiles);
    let answered_by = c.run(&format!("kubectl exec {pod} -- curl -s http://backend"), &NoFiles).stdout;
    let node = c
        .store()
        .list::<podscape_core::api::Pod>(Some("default"))
        .find(|p| answered_by.contains(&p.metadata.name))
        .map(|p| p.spec.node_name.clone())
        .unwrap();
    let other = if node == "node-1" { "node-2" } else { "node-1" };
    for (n, expected) in [(node.as_str(), true), (other, false)] {
        let s = Scenario::parse(&format!(
            "title: t\nsteps:\n  - text: t\n    checks:\n      - last request from frontend was answered by a pod on {n}\n"
        ))
        .unwrap();
        let mut p = Progress::default();
        p.evaluate(&s, &c);
        assert_eq!(p.finished(&s), expected, "{n}: {answered_by}");
    }
}

#[test]
fn broken_scenarios_are_refused_with_where_and_what() {
    let e =
        Scenario::parse("title: t\ncluster:\n  nodes: 99\nsteps:\n  - text: x\n    checks: [pod count app=x is 1]\n")
            .unwrap_err();
    assert_eq!(e.line, 3);
    assert!(e.message.starts_with("cluster.nodes: invalid value 99"), "{}", e.message);
    let e = Scenario::parse("title: t\nstpes: []\n").unwrap_err();
    assert_eq!((e.line, e.message.as_str()), (2, "unknown field \"stpes\""));
    let s = Scenario::parse(
        "title: t\nsetup:\n  - kubectl get pod nope\nsteps:\n  - text: x\n    checks: [pod count app=x is 0]\n",
    )
    .unwrap();
    let e = s.start().unwrap_err();
    assert!(
        e.message.contains("setup[0]: `kubectl get pod nope` failed: Error from server (NotFound)"),
        "{}",
        e.message
    );
    assert_eq!(e.line, 3, "the failing setup line's place in the file");
    assert_eq!(
        Check::parse("pod count app=backend is 3"),
        Ok(Check::PodCount { selector: "app=backend".into(), count: 3 })
    );
    // A selector in a phrase is one word (`app=backend,tier!=db`); spaces make another phrase.
    assert!(Check::parse("pod count app in (a) is 3").unwrap_err().starts_with("unknown check"));
    assert!(Check::parse("pod count app=a=b is 3").unwrap_err().starts_with("selector app=a=b"));
}

/// The page offers every lesson in `lessons/` by name: none is left out of `BUILT_IN`.
#[test]
fn every_lesson_file_is_built_in() {
    let built_in: Vec<String> = podscape_core::lesson::BUILT_IN.iter().map(|(n, _)| format!("{n}.yaml")).collect();
    let mut files: Vec<String> = lessons().into_iter().map(|(n, _)| n).collect();
    let mut expected = built_in.clone();
    files.sort();
    expected.sort();
    assert_eq!(files, expected);
    for (name, text) in podscape_core::lesson::BUILT_IN {
        let file = lessons().into_iter().find(|(n, _)| *n == format!("{name}.yaml")).unwrap().1;
        assert_eq!(*text, file, "{name}");
    }
}

/// The README's scenario example is a working lesson: it parses, and its solutions complete it.
#[test]
fn the_readme_example_is_a_working_lesson() {
    let readme = include_str!("../../README.md");
    let lessons = &readme[readme.find("## Lessons").expect("a Lessons section")..];
    let start = lessons.find("```yaml\n").expect("a YAML example") + "```yaml\n".len();
    let text = &lessons[start..start + lessons[start..].find("```").expect("the block ends")];
    let s = Scenario::parse(text).unwrap_or_else(|e| panic!("{e}"));
    assert!(s.manifests.is_some() && !s.setup.is_empty(), "the example shows manifests and setup");
    let report = rehearse(&s).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.len(), s.steps.len());
}
