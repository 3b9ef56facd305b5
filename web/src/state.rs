//! The page's handle on the simulated cluster: the cluster itself (plain data, not reactive), the
//! layout memory, and the signals the components read.

use leptos::prelude::*;
use podscape_core::view::{Layout, View};
use std::collections::BTreeMap;

use podscape_core::history::{Clock, History, LessonPlace};
use podscape_core::{Cluster, Config, SimDuration};

/// One console exchange, as the console panel shows it.
#[derive(Clone, PartialEq, Debug)]
pub struct Exchange {
    pub id: u64,
    pub line: String,
    pub stdout: String,
    pub stderr: String,
    pub ok: bool,
    /// A line replayed from saved work: its answer was not kept.
    pub replayed: bool,
    /// The prompt the line was typed at: the learner's machine's, or a container shell's.
    pub prompt: String,
}

/// The lesson being followed, as the lesson panel shows it.
#[derive(Clone, PartialEq, Debug)]
pub struct LessonView {
    pub title: String,
    pub step: usize,
    pub steps: usize,
    pub text: String,
    pub hint: Option<String>,
    /// Each check of the current step, and whether it has latched.
    pub checks: Vec<(String, bool)>,
    pub has_solution: bool,
    pub finished: bool,
}

/// The workload a learner points at (a Deployment card, or one of its ReplicaSets): the map
/// brings out its pods.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Group {
    pub deployment: String,
    pub replica_set: Option<String>,
}

impl Group {
    pub fn contains(&self, owner: &str, replica_set: &str) -> bool {
        owner == self.deployment && self.replica_set.as_deref().is_none_or(|r| r == replica_set)
    }
}

/// A lesson in progress: the scenario, the learner's progress, and the cluster as the current
/// step found it (what "Reset step" goes back to).
#[derive(Clone)]
struct Lesson {
    /// As the page was given it: a built-in lesson's name or a URL.
    name: String,
    text_hash: String,
    scenario: podscape_core::lesson::Scenario,
    progress: podscape_core::lesson::Progress,
    step_start: Cluster,
    /// When the current step began: the command log's length, and the simulated time.
    step_lines: usize,
    step_at: i64,
    /// The lines the lesson's own set-up ran, before the learner's.
    setup_lines: usize,
}

impl Lesson {
    fn new(name: &str, text_hash: String, scenario: podscape_core::lesson::Scenario, cluster: &Cluster) -> Lesson {
        Lesson {
            name: name.to_string(),
            text_hash,
            scenario,
            progress: Default::default(),
            step_start: cluster.clone(),
            step_lines: cluster.log().len(),
            step_at: cluster.now().millis(),
            setup_lines: cluster.log().len(),
        }
    }
}

/// Everything the components share. Cheap to copy: every field is an arena handle.
#[derive(Clone, Copy)]
pub struct Sim {
    cluster: StoredValue<Cluster>,
    layout: StoredValue<Layout>,
    pub view: RwSignal<View>,
    pub console: RwSignal<Vec<Exchange>>,
    /// The prompt before the next line (core's: a container's shell while attached).
    pub prompt: RwSignal<String>,
    pub playing: RwSignal<bool>,
    pub speed: RwSignal<u32>,
    pub selected: RwSignal<Option<String>>,
    /// The selected PersistentVolume's name.
    pub selected_volume: RwSignal<Option<String>>,
    /// The selected node's name.
    pub selected_node: RwSignal<Option<String>>,
    /// The selected Service's name (namespace/name).
    pub selected_service: RwSignal<Option<String>>,
    /// The workload pointed at, whose pods the map brings out.
    pub group: RwSignal<Option<Group>>,
    lesson_state: StoredValue<Option<Lesson>>,
    /// The lesson panel's view (None: no lesson), and why a lesson could not start.
    pub lesson: RwSignal<Option<LessonView>>,
    pub lesson_error: RwSignal<Option<String>>,
    /// Manifests pasted or uploaded, by name: what `kubectl apply -f NAME` reads on the page.
    files: StoredValue<BTreeMap<String, String>>,
    next_id: StoredValue<u64>,
    /// Where the work is kept between visits; None until the saved work has been looked at, so
    /// a fresh start never overwrites it.
    save_key: StoredValue<Option<String>>,
    /// Clock ticks since the last autosave.
    ticks_unsaved: StoredValue<u32>,
    /// A message about the learner's saved work (restored, or set aside and why).
    pub notice: RwSignal<Option<String>>,
    /// The host page's API, when the URL allows one (see `host_api`).
    api: StoredValue<Option<crate::host_api::HostApi>>,
    /// The last Event sequence number the host page was sent.
    events_sent: StoredValue<u64>,
    /// The newest load of a lesson or saved work; an older one still waiting gives up.
    loads: StoredValue<u64>,
}

/// Clock ticks between autosaves while time runs (about three seconds at the page's tick).
const AUTOSAVE_TICKS: u32 = 30;

/// How many exchanges the console keeps on screen.
const CONSOLE_KEEP: usize = 200;
/// And at most this much of their output.
const CONSOLE_KEEP_BYTES: usize = 256 * 1024;

impl Sim {
    pub fn new(config: Config) -> Sim {
        let cluster = Cluster::new(config.clone());
        let mut layout = Layout::default();
        let view = cluster.view(&mut layout);
        Sim {
            cluster: StoredValue::new(cluster),
            layout: StoredValue::new(layout),
            view: RwSignal::new(view),
            console: RwSignal::new(Vec::new()),
            prompt: RwSignal::new(podscape_core::console::WORKSTATION_PROMPT.to_string()),
            playing: RwSignal::new(true),
            speed: RwSignal::new(1),
            selected: RwSignal::new(None),
            selected_volume: RwSignal::new(None),
            selected_node: RwSignal::new(None),
            selected_service: RwSignal::new(None),
            group: RwSignal::new(None),
            lesson_state: StoredValue::new(None),
            lesson: RwSignal::new(None),
            lesson_error: RwSignal::new(None),
            files: StoredValue::new(BTreeMap::new()),
            next_id: StoredValue::new(0),
            save_key: StoredValue::new(None),
            ticks_unsaved: StoredValue::new(0),
            notice: RwSignal::new(None),
            api: StoredValue::new(None),
            events_sent: StoredValue::new(0),
            loads: StoredValue::new(0),
        }
    }

    /// What Tab may complete the last word of `line` to (verbs, types, names that exist).
    pub fn complete(&self, line: &str) -> podscape_core::console::Completion {
        self.cluster.try_with_value(|c| c.complete(line)).unwrap_or_default()
    }

    /// Runs a console line against the cluster, shows it with its answer, and redraws.
    pub fn run(&self, line: &str) {
        let files = self.files.get_value();
        let ran = self.cluster.try_update_value(|c| {
            let prompt = c.console_prompt().to_string();
            let out = c.run(line, &files);
            (prompt, out, c.console_prompt().to_string())
        });
        let Some((prompt, out, next_prompt)) = ran else { return };
        self.prompt.set(next_prompt);
        let id = self.next_id.try_update_value(|n| {
            *n += 1;
            *n
        });
        let entry = Exchange {
            id: id.unwrap_or_default(),
            line: line.to_string(),
            stdout: out.stdout.clone(),
            stderr: out.stderr.clone(),
            ok: out.ok(),
            replayed: false,
            prompt,
        };
        self.console.update(|c| {
            c.push(entry);
            if c.len() > CONSOLE_KEEP {
                let extra = c.len() - CONSOLE_KEEP;
                c.drain(..extra);
            }
            // A scrollback bounded in size as well as in count: long listings push old ones out.
            let mut bytes: usize = c.iter().map(|e| e.stdout.len() + e.stderr.len()).sum();
            while bytes > CONSOLE_KEEP_BYTES && c.len() > 1 {
                let gone = c.remove(0);
                bytes -= gone.stdout.len() + gone.stderr.len();
            }
        });
        self.refresh();
        self.persist();
        self.api.with_value(|api| {
            if let Some(api) = api {
                api.output(line, &out);
            }
        });
    }

    /// Keeps a manifest under `name` for `kubectl apply -f NAME`, replacing one of that name.
    pub fn add_file(&self, name: &str, text: String) {
        self.files.update_value(|f| {
            f.insert(name.to_string(), text);
        });
    }

    /// The learner's objects as YAML a real cluster accepts (`sim export`).
    pub fn export(&self) -> String {
        self.cluster.try_with_value(|c| podscape_core::export::export(c.store(), &[])).unwrap_or_default()
    }

    /// Nothing selected: every inspector closes.
    pub fn clear_selection(&self) {
        self.selected.set(None);
        self.selected_volume.set(None);
        self.selected_node.set(None);
        self.selected_service.set(None);
    }

    /// Starts a built-in lesson by name: its cluster, its setup, its first step.
    pub fn start_lesson(&self, name: &str) {
        let Some((_, text)) = podscape_core::lesson::BUILT_IN.iter().find(|(n, _)| *n == name) else {
            let names: Vec<&str> = podscape_core::lesson::BUILT_IN.iter().map(|(n, _)| *n).collect();
            self.lesson_error.set(Some(format!("There is no lesson \"{name}\". Lessons: {}.", names.join(", "))));
            return;
        };
        self.start_lesson_text(name, text);
    }

    /// Starts a lesson from a scenario file's text (a built-in one, or one fetched from a URL).
    pub fn start_lesson_text(&self, name: &str, text: &str) {
        let started = podscape_core::lesson::Scenario::parse(text)
            .and_then(|s| s.start().map(|c| (s, c)))
            .map_err(|e| e.to_string());
        match started {
            Err(e) => self.lesson_error.set(Some(format!("The lesson \"{name}\" cannot start: {e}"))),
            Ok((scenario, cluster)) => {
                self.lesson_error.set(None);
                let hash = podscape_core::history::text_hash(text);
                self.lesson_state.set_value(Some(Lesson::new(name, hash, scenario, &cluster)));
                self.replace_cluster(cluster);
            }
        }
    }

    /// Puts the cluster back as it was when the current step began.
    pub fn reset_step(&self) {
        let Some(cluster) = self.lesson_state.try_update_value(|l| {
            l.as_mut().map(|l| {
                l.progress.restart_step();
                l.step_start.clone()
            })
        }) else {
            return;
        };
        if let Some(c) = cluster {
            self.replace_cluster(c);
            self.persist();
        }
    }

    /// Runs the current step's solution lines, each shown in the console.
    pub fn run_solution(&self) {
        let lines = self
            .lesson_state
            .with_value(|l| l.as_ref().and_then(|l| l.scenario.steps.get(l.progress.step).map(|s| s.solution.clone())))
            .unwrap_or_default();
        for line in lines {
            self.run(&line);
        }
    }

    fn replace_cluster(&self, cluster: Cluster) {
        // Another cluster's Events are numbered afresh: the host hears those recorded from now on.
        self.events_sent.set_value(cluster.last_event_seq());
        self.prompt.set(cluster.console_prompt().to_string());
        self.cluster.set_value(cluster);
        self.layout.set_value(Layout::default());
        self.console.set(Vec::new());
        self.clear_selection();
        self.refresh();
    }

    /// Latches what the cluster now satisfies and updates the lesson panel.
    fn follow_lesson(&self) {
        let Some(view) = self
            .cluster
            .try_with_value(|c| {
                self.lesson_state.try_update_value(|l| {
                    let l = l.as_mut()?;
                    let before = l.progress.step;
                    let news = l.progress.evaluate(&l.scenario, c);
                    if l.progress.step != before {
                        l.step_start = c.clone();
                        l.step_lines = c.log().len();
                        l.step_at = c.now().millis();
                    }
                    self.api.with_value(|api| {
                        if let Some(api) = api {
                            api.announce(&l.scenario, &news);
                        }
                    });
                    let s = &l.scenario;
                    let step = s.steps.get(l.progress.step);
                    Some(LessonView {
                        title: s.title.clone(),
                        step: l.progress.step,
                        steps: s.steps.len(),
                        text: step.map(|st| st.text.clone()).unwrap_or_default(),
                        hint: step.and_then(|st| st.hint.clone()),
                        checks: step
                            .map(|st| {
                                st.checks
                                    .iter()
                                    .enumerate()
                                    .map(|(i, ch)| (ch.describe(), i < l.progress.passed))
                                    .collect()
                            })
                            .unwrap_or_default(),
                        has_solution: step.is_some_and(|st| !st.solution.is_empty()),
                        finished: l.progress.finished(s),
                    })
                })
            })
            .flatten()
            .flatten()
        else {
            return;
        };
        if self.lesson.with_untracked(|v| v.as_ref() != Some(&view)) {
            self.lesson.set(Some(view));
        }
    }

    /// Starts again from the cluster the page opened with: same seed, empty console.
    pub fn reset(&self) {
        if self.lesson_state.with_value(Option::is_some) {
            let restart = self.lesson_state.with_value(|l| {
                l.as_ref().map(|l| (l.name.clone(), l.text_hash.clone(), l.scenario.clone(), l.scenario.start()))
            });
            if let Some((name, hash, scenario, Ok(cluster))) = restart {
                self.lesson_state.set_value(Some(Lesson::new(&name, hash, scenario, &cluster)));
                self.replace_cluster(cluster);
                self.persist();
                return;
            }
        }
        // The cluster as it began: the page's, or the one a saved history was made with.
        let Some(config) = self.cluster.try_with_value(|c| c.config().clone()) else { return };
        self.replace_cluster(Cluster::new(config));
        self.persist();
    }

    /// The object's YAML, for an inspector.
    pub fn yaml_of(&self, kind: podscape_core::api::Kind, namespace: &str, name: &str) -> String {
        self.cluster.try_with_value(|c| c.object_yaml(kind, namespace, name)).flatten().unwrap_or_default()
    }

    /// The Events about an object, oldest first.
    pub fn events_about(&self, kind: podscape_core::api::Kind, name: &str) -> Vec<podscape_core::view::EventView> {
        self.cluster.try_with_value(|c| c.events_about(kind, name)).unwrap_or_default()
    }

    /// Moves simulated time forward and redraws.
    pub fn advance(&self, d: SimDuration) {
        self.cluster.update_value(|c| c.advance(d));
        self.refresh();
        // The clock's own progress is kept every few seconds; commands are kept at once.
        let due = self.ticks_unsaved.try_update_value(|n| {
            *n += 1;
            *n >= AUTOSAVE_TICKS
        });
        if due == Some(true) {
            self.persist();
        }
    }

    /// Recomputes core's view; unchanged parts keep their DOM (the lists are keyed).
    pub fn refresh(&self) {
        self.follow_lesson();
        let Some(view) = self.cluster.try_with_value(|c| self.layout.try_update_value(|l| c.view(l))).flatten() else {
            return;
        };
        if self.view.with_untracked(|v| v != &view) {
            self.view.set(view);
        }
        self.send_events();
    }

    /// The cluster's history with the lesson's place and the clock: what autosave, the link and
    /// a saved file hold.
    pub fn history(&self) -> History {
        let clock = Clock { playing: self.playing.get_untracked(), speed: self.speed.get_untracked() };
        let mut h = self.cluster.with_value(|c| History::of(c, clock));
        h.lesson = self.lesson_state.with_value(|l| {
            l.as_ref().map(|l| LessonPlace {
                scenario: l.name.clone(),
                text_hash: l.text_hash.clone(),
                progress: l.progress.clone(),
                step_lines: l.step_lines,
                step_at: l.step_at,
            })
        });
        h
    }

    /// The lesson a history belongs to, when it is not the one open now: what must be opened first.
    pub fn lesson_needed(&self, h: &History) -> Option<String> {
        let open = self.lesson_state.with_value(|l| l.as_ref().map(|l| l.name.clone()));
        h.lesson.as_ref().map(|p| p.scenario.clone()).filter(|s| Some(s) != open.as_ref())
    }

    /// Replays a history into the page: the cluster, the lesson's place, the clock. A history for
    /// another lesson (or another version of this one) is refused, and nothing changes.
    /// Returns how many of the learner's lines it replayed.
    pub fn open_history(&self, h: &History) -> Result<usize, String> {
        let open = self.lesson_state.with_value(|l| l.as_ref().map(|l| (l.name.clone(), l.text_hash.clone())));
        match (&h.lesson, &open) {
            (Some(place), Some((name, hash))) if &place.scenario == name && &place.text_hash != hash => {
                return Err(format!("it was saved in an earlier version of the lesson \"{name}\""));
            }
            (Some(place), Some((name, _))) if &place.scenario != name => {
                return Err(format!("it belongs to the lesson \"{}\", not \"{name}\"", place.scenario));
            }
            (Some(place), None) => return Err(format!("it belongs to the lesson \"{}\"", place.scenario)),
            (None, Some((name, _))) => return Err(format!("it was saved outside the lesson \"{name}\"")),
            _ => {}
        }
        let replayed = h.replay().map_err(|e| e.to_string())?;
        if let (Some(place), Some(start)) = (&h.lesson, replayed.step_start) {
            self.lesson_state.update_value(|l| {
                if let Some(l) = l {
                    l.progress = place.progress.clone();
                    l.step_start = start;
                    l.step_lines = place.step_lines;
                    l.step_at = place.step_at;
                }
            });
        }
        self.replace_cluster(replayed.cluster);
        // The learner's lines come back to the console, marked as replayed, so they see the way
        // here (their answers are not part of the saved work; the lesson's set-up is not theirs).
        let setup = self.lesson_state.with_value(|l| l.as_ref().map_or(0, |l| l.setup_lines)).min(h.lines.len());
        let theirs = &h.lines[setup..];
        let first = self.next_id.get_value();
        let shown = theirs.len().saturating_sub(CONSOLE_KEEP);
        let entries: Vec<Exchange> = theirs[shown..]
            .iter()
            .enumerate()
            .map(|(i, l)| Exchange {
                id: first + 1 + i as u64,
                line: l.line.clone(),
                stdout: String::new(),
                stderr: String::new(),
                ok: true,
                replayed: true,
                prompt: podscape_core::console::WORKSTATION_PROMPT.to_string(),
            })
            .collect();
        self.next_id.set_value(first + entries.len() as u64);
        self.console.set(entries);
        self.playing.set(h.clock.playing);
        self.speed.set(h.clock.speed);
        Ok(theirs.len())
    }

    /// Starts a load (of a lesson or saved work) and returns its number.
    pub fn begin_load(&self) -> u64 {
        self.loads
            .try_update_value(|n| {
                *n += 1;
                *n
            })
            .unwrap_or_default()
    }

    /// Whether load `n` is still the newest.
    pub fn is_current_load(&self, n: u64) -> bool {
        self.loads.try_get_value() == Some(n)
    }

    /// Tells the host page something it asked for could not be done.
    pub fn report_to_host(&self, message: String) {
        self.api.with_value(|api| {
            if let Some(api) = api {
                api.error(message);
            }
        });
    }

    /// Whether the page still holds this `Sim` (an awaited fetch may outlive it).
    pub fn alive(&self) -> bool {
        self.cluster.try_with_value(|_| ()).is_some()
    }

    /// Tells the host page the frame is ready for its messages.
    pub fn announce_ready(&self, scenario: Option<&str>) {
        self.api.with_value(|api| {
            if let Some(api) = api {
                api.ready(scenario);
            }
        });
    }

    /// Stops keeping the work, while another lesson opens; returns where it was kept.
    pub fn stop_keeping(&self) -> Option<String> {
        self.save_key.try_update_value(Option::take).flatten()
    }

    /// From now on, keeps the work under `key` after every command.
    pub fn keep_under(&self, key: String) {
        self.save_key.set_value(Some(key));
        self.persist();
    }

    /// Saves the history to `localStorage` and into the URL's hash.
    pub fn persist(&self) {
        self.ticks_unsaved.set_value(0);
        let Some(key) = self.save_key.get_value() else { return };
        let json = self.history().to_json();
        crate::saved::store(&key, &json);
        leptos::task::spawn_local(crate::saved::write_link(json));
    }

    /// Lets the host page drive the cluster and hear about it.
    pub fn connect_host(&self, api: crate::host_api::HostApi) {
        // Events from now on: the host asked for what happens, not for the history.
        self.events_sent.set_value(self.cluster.with_value(Cluster::last_event_seq));
        self.api.set_value(Some(api));
    }

    /// Sends the host page the Events recorded since the last ones it was sent.
    fn send_events(&self) {
        if self.api.with_value(Option::is_none) {
            return;
        }
        let since = self.events_sent.get_value();
        let fresh = self.cluster.with_value(|c| c.events_since(since));
        if let Some(last) = fresh.last() {
            self.events_sent.set_value(last.seq);
        }
        self.api.with_value(|api| {
            if let Some(api) = api {
                for e in &fresh {
                    api.event(e);
                }
            }
        });
    }
}
