//! Histories: a cluster saved as its configuration and command log replays to the same cluster,
//! a lesson's place comes back with it, and anything else is refused with the reason.

use podscape_core::history::{Clock, FORMAT, History, LessonPlace, text_hash};
use podscape_core::lesson::{BUILT_IN, Progress, Scenario};
use podscape_core::{Cluster, Config, NoFiles, SimDuration};
use proptest::prelude::*;

/// What a learner sees of a cluster, to compare two clusters by.
fn looks(c: &Cluster) -> String {
    let mut copy = c.clone();
    let pods = copy.run("kubectl get pods,svc,endpointslices -A -o wide", &NoFiles).stdout;
    format!("{}\n{}\n{pods}", c.now().millis(), c.event_log_hash())
}

#[test]
fn a_history_replays_to_the_same_cluster_whatever_the_clock_ticks() {
    let mut c = Cluster::new(Config { seed: 7, ..Config::default() });
    // The page's clock moves time in ticks that are not recorded; only each line's instant is.
    for _ in 0..37 {
        c.advance(SimDuration::millis(100));
    }
    c.run("kubectl scale deployment backend --replicas=5", &NoFiles);
    for _ in 0..123 {
        c.advance(SimDuration::millis(400));
    }
    c.run("kubectl delete pod -l app=backend --wait=false", &NoFiles);
    c.run("sim traffic frontend backend", &NoFiles);
    c.advance(SimDuration::millis(2_345));
    c.run("sim fail node node-2", &NoFiles);
    c.advance(SimDuration::seconds(61));
    let mut files = std::collections::BTreeMap::new();
    files.insert(
        "cm.yaml".to_string(),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {a: b}\n".to_string(),
    );
    c.run("kubectl apply -f cm.yaml", &files);
    c.advance(SimDuration::millis(1_100));

    let h = History::of(&c, Clock { playing: false, speed: 4 });
    let text = h.to_json();
    let back = History::from_json(&text).expect("a history reads back");
    assert_eq!(back, h);
    let replayed = back.replay().expect("replays").cluster;
    assert_eq!(looks(&replayed), looks(&c));
    assert_eq!(replayed.log(), c.log());
}

#[test]
fn a_lesson_place_brings_back_the_step_and_where_it_began() {
    let text = BUILT_IN.iter().find(|(n, _)| *n == "stable-address").unwrap().1;
    let s = Scenario::parse(text).unwrap();
    let mut c = s.start().unwrap();
    let mut progress = Progress::default();
    let mut step_start = c.clone();
    let mut step_lines = c.log().len();
    let mut step_at = c.now().millis();
    progress.evaluate(&s, &c);
    for line in &s.steps[0].solution {
        c.run(line, &NoFiles);
    }
    for _ in 0..100 {
        c.advance(SimDuration::millis(100));
        let before = progress.step;
        progress.evaluate(&s, &c);
        if progress.step != before {
            step_start = c.clone();
            step_lines = c.log().len();
            step_at = c.now().millis();
        }
    }
    assert_eq!(progress.step, 1, "the first step completed");
    c.run("kubectl get pods", &NoFiles);
    c.advance(SimDuration::seconds(3));

    let mut h = History::of(&c, Clock::default());
    h.lesson = Some(LessonPlace {
        scenario: "stable-address".into(),
        text_hash: text_hash(text),
        progress: progress.clone(),
        step_lines,
        step_at,
    });
    let back = History::from_json(&h.to_json()).unwrap();
    assert_eq!(back.lesson.as_ref().unwrap().progress, progress);
    let r = back.replay().unwrap();
    assert_eq!(looks(&r.cluster), looks(&c));
    assert_eq!(looks(&r.step_start.expect("the step's start")), looks(&step_start));
}

#[test]
fn histories_that_cannot_be_replayed_are_refused_with_the_reason() {
    let good = History::of(&Cluster::new(Config::default()), Clock::default());
    let cases: Vec<(String, &str)> = vec![
        ("{not json".into(), "not a saved cluster (not JSON"),
        ("{\"hello\": 1}".into(), "format: Required value"),
        (good.to_json().replace(FORMAT, "podscape-history/9"), "saved in format \"podscape-history/9\""),
        (good.to_json().replace("\"clock\"", "\"surprise\":1,\"clock\""), "unknown field `surprise`"),
        (good.to_json().replace("\"nodes\":3", "\"nodes\":100000"), "config.nodes: Invalid value: 100000"),
        (good.to_json().replace("\"speed\":1", "\"speed\":1000"), "clock.speed: Invalid value: 1000"),
        (
            good.to_json().replace("10.244.0.0/16", "10.0.0.0/24"),
            "config.podCidr: Invalid value: \"10.0.0.0/24\": too small for 3 nodes",
        ),
    ];
    for (text, want) in cases {
        let e = History::from_json(&text).expect_err(&text);
        assert!(e.0.contains(want), "{text}\n→ {e}");
    }
    let mut h = good.clone();
    h.lines.push(podscape_core::LogLine { at: h.now + 10, line: "kubectl get pods".into(), files: Default::default() });
    h.lines.push(podscape_core::LogLine { at: h.now + 5, line: "kubectl get pods".into(), files: Default::default() });
    h.now += 20;
    assert!(History::from_json(&h.to_json()).unwrap_err().0.starts_with("lines[1].at: Invalid value"));
    // A line that moves time further than the history says refuses the replay, before the page
    // would show a cluster that differs from the one saved.
    let mut h = good.clone();
    h.lines.push(podscape_core::LogLine { at: h.now, line: "sim advance 1h".into(), files: Default::default() });
    h.now += 10_000;
    let e = History::from_json(&h.to_json()).unwrap().replay().unwrap_err();
    assert!(e.0.starts_with("lines[0]: `sim advance 1h` moves time past the line after it"), "{e}");
    // However long a line asks to wait, it moves time a day at most.
    let mut c = Cluster::new(Config::default());
    let out = c.run("sim advance 100000h", &NoFiles);
    assert_eq!(out.stderr.trim(), "error: sim advance: at most 24h0m0s at a time");
    let pod = c.run("kubectl get pods -o name", &NoFiles).stdout.lines().next().unwrap().to_string();
    let out = c.run(&format!("kubectl wait --for=jsonpath={{.status.phase}}=Nope {pod} --timeout=100000h"), &NoFiles);
    assert!(c.now().millis() - podscape_core::SimTime::SESSION_START.millis() <= 24 * 3600 * 1000, "{out:?}");
    let mut h = good.clone();
    h.now += 40 * 24 * 3600 * 1000;
    assert!(History::from_json(&h.to_json()).unwrap_err().0.contains("more than 31 days"));
}

proptest! {
    /// Whatever arrives in a link or a file, reading it fails cleanly or yields a valid history.
    #[test]
    fn reading_any_text_never_panics(text in ".{0,200}") {
        let _ = History::from_json(&text);
    }

    /// A saved cluster's JSON with one byte changed is refused or replays; it never panics.
    #[test]
    fn a_damaged_history_is_refused_or_replays(pos in 0usize..400, byte in 32u8..127) {
        let mut c = Cluster::new(Config::default());
        c.run("kubectl scale deployment backend --replicas=4", &NoFiles);
        c.advance(SimDuration::seconds(5));
        let mut text = History::of(&c, Clock::default()).to_json().into_bytes();
        let i = pos % text.len();
        text[i] = byte;
        if let Ok(text) = String::from_utf8(text) && let Ok(h) = History::from_json(&text) {
            prop_assert!(h.replay().is_ok());
        }
    }
}
