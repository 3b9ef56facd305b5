//! The page's frame: toolbar, the cluster map, the console; and the simulation clock.

use gloo_timers::callback::Interval;
use leptos::prelude::*;
use podscape_core::{Config, SimDuration};

use crate::cluster_map::{ClusterMap, PodInspector, VolumeInspector};
use crate::console_panel::ConsolePanel;
use crate::inspectors::{NodeInspector, ServiceInspector};
use crate::lesson_panel::LessonPanel;
use crate::state::Sim;
use crate::toolbar::Toolbar;
use crate::workloads::{EventLog, Workloads};

/// Real milliseconds between clock ticks; each tick moves simulated time by this times the speed.
const TICK_MS: u32 = 100;

#[component]
pub fn App() -> impl IntoView {
    let sim = Sim::new(Config::default());
    provide_context(sim);
    // `?scenario=NAME` opens a built-in lesson beside the cluster.
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    if let Some(name) =
        search.trim_start_matches('?').split('&').find_map(|kv| kv.strip_prefix("scenario=")).filter(|n| !n.is_empty())
    {
        sim.start_lesson(name);
    }

    // The clock is the one effect that touches the outside world: a browser interval that exists
    // while the simulation plays.
    let ticker: StoredValue<Option<Interval>, LocalStorage> = StoredValue::new_local(None);
    Effect::new(move |_| {
        let playing = sim.playing.get();
        ticker.set_value(None);
        if playing {
            let interval = Interval::new(TICK_MS, move || {
                let speed = sim.speed.get_untracked();
                sim.advance(SimDuration::millis(i64::from(TICK_MS) * i64::from(speed)));
            });
            ticker.set_value(Some(interval));
        }
    });
    on_cleanup(move || ticker.set_value(None));

    view! {
        <div class="app">
            <Toolbar/>
            <main class="workspace">
                <div class="stage">
                    <Workloads/>
                    <ClusterMap/>
                    <EventLog/>
                </div>
                // The inspectors share the side column with the console, so opening one never
                // moves or covers anything on the map.
                <div class="side">
                    <LessonPanel/>
                    <PodInspector/>
                    <VolumeInspector/>
                    <NodeInspector/>
                    <ServiceInspector/>
                    <ConsolePanel/>
                </div>
            </main>
        </div>
    }
}
