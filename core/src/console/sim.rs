//! Simulator verbs: what kubectl cannot do, because it is the world rather than the cluster.

use super::Output;
use crate::Cluster;
use crate::time::SimDuration;

/// How far `sim step` looks for the next scheduled event.
const STEP_HORIZON: SimDuration = SimDuration::seconds(24 * 3600);

pub fn run(c: &mut Cluster, words: &[String]) -> Output {
    let mut out = Output::default();
    match words.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["advance", d] => match SimDuration::parse(d) {
            Ok(d) if d.as_millis() >= 0 => {
                c.advance(d);
                out.outln(format!("time advanced {d} to {}", c.now().rfc3339()));
            }
            Ok(_) => out.fail("error: sim advance: the duration must not be negative"),
            Err(e) => out.fail(format!("error: sim advance: {e}")),
        },
        ["advance"] => out.fail("error: sim advance needs a duration, e.g. sim advance 30s"),
        ["step"] => {
            let before = c.now();
            if c.step(STEP_HORIZON) {
                out.outln(format!("stepped {} to {}", c.now() - before, c.now().rfc3339()));
            } else {
                out.outln(format!("nothing is scheduled; time stays at {}", c.now().rfc3339()));
            }
        }
        ["time"] => out.outln(c.now().rfc3339()),
        [] => out.fail("error: sim needs a verb: advance, step, time"),
        [verb, ..] => out.fail(format!("error: unknown sim verb \"{verb}\" (sim advance|step|time)")),
    }
    out
}
