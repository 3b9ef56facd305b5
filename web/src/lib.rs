//! Podscape's page. It draws core's view of the cluster and turns every user action into a console
//! line that core runs, so the page holds no Kubernetes rules of its own: signals hold what the page
//! shows, and effects only touch the outside world (the animation clock).

mod app;
mod cluster_map;
mod console_panel;
pub mod host_api;
mod inspectors;
mod lesson_panel;
mod markdown;
mod saved;
mod state;
mod toolbar;
mod workloads;

pub use app::App;
pub use state::Sim;
