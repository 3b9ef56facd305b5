//! The page's handle on the simulated cluster: the cluster itself (plain data, not reactive), the
//! layout memory, and the signals the components read.

use leptos::prelude::*;
use podscape_core::view::{Layout, View};
use std::collections::BTreeMap;

use podscape_core::{Cluster, Config, SimDuration};

/// One console exchange, as the console panel shows it.
#[derive(Clone, PartialEq, Debug)]
pub struct Exchange {
    pub id: u64,
    pub line: String,
    pub stdout: String,
    pub stderr: String,
    pub ok: bool,
}

/// Everything the components share. Cheap to copy: every field is an arena handle.
#[derive(Clone, Copy)]
pub struct Sim {
    cluster: StoredValue<Cluster>,
    layout: StoredValue<Layout>,
    pub view: RwSignal<View>,
    pub console: RwSignal<Vec<Exchange>>,
    pub playing: RwSignal<bool>,
    pub speed: RwSignal<u32>,
    pub selected: RwSignal<Option<String>>,
    /// The selected PersistentVolume's name.
    pub selected_volume: RwSignal<Option<String>>,
    /// The selected node's name.
    pub selected_node: RwSignal<Option<String>>,
    /// The selected Service's name (namespace/name).
    pub selected_service: RwSignal<Option<String>>,
    config: StoredValue<Config>,
    /// Manifests pasted or uploaded, by name: what `kubectl apply -f NAME` reads on the page.
    files: StoredValue<BTreeMap<String, String>>,
    next_id: StoredValue<u64>,
}

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
            playing: RwSignal::new(true),
            speed: RwSignal::new(1),
            selected: RwSignal::new(None),
            selected_volume: RwSignal::new(None),
            selected_node: RwSignal::new(None),
            selected_service: RwSignal::new(None),
            config: StoredValue::new(config),
            files: StoredValue::new(BTreeMap::new()),
            next_id: StoredValue::new(0),
        }
    }

    /// What Tab may complete the last word of `line` to (verbs, types, names that exist).
    pub fn complete(&self, line: &str) -> podscape_core::console::Completion {
        self.cluster.try_with_value(|c| c.complete(line)).unwrap_or_default()
    }

    /// Runs a console line against the cluster, shows it with its answer, and redraws.
    pub fn run(&self, line: &str) {
        let files = self.files.get_value();
        let out = self.cluster.try_update_value(|c| c.run(line, &files));
        let Some(out) = out else { return };
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

    /// Starts again from the cluster the page opened with: same seed, empty console.
    pub fn reset(&self) {
        let config = self.config.get_value();
        self.cluster.set_value(Cluster::new(config));
        self.layout.set_value(Layout::default());
        self.console.set(Vec::new());
        self.clear_selection();
        self.refresh();
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
    }

    /// Recomputes core's view; unchanged parts keep their DOM (the lists are keyed).
    pub fn refresh(&self) {
        let Some(view) = self.cluster.try_with_value(|c| self.layout.try_update_value(|l| c.view(l))).flatten() else {
            return;
        };
        if self.view.with_untracked(|v| v != &view) {
            self.view.set(view);
        }
    }
}
