//! The same command log gives the same event log in the browser as natively: the fixture's hash is
//! the one core's native test checks.

#![cfg(target_arch = "wasm32")]

use podscape_core::{Cluster, Config, NoFiles};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn the_fixture_log_hashes_as_it_does_natively() {
    let script = include_str!("../../tests/fixtures/determinism.txt");
    let want = include_str!("../../tests/fixtures/determinism.hash").trim();
    let mut c = Cluster::new(Config::default());
    for line in script.lines() {
        c.run(line, &NoFiles);
    }
    assert_eq!(format!("{:016x}", c.event_log_hash()), want);
}
