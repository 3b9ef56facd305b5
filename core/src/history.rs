//! A cluster's history: how it was started and every console line since, each with the simulated
//! time it ran.
//!
//! Core is deterministic (one configuration and one command log, at the same simulated times, give
//! one cluster), so a history is a complete save that stays small: the page keeps it in
//! `localStorage` and in the URL's hash, and exports it as a file; opening one replays it. Replay
//! moves time to each line's instant, runs the line, and ends at the time the history was taken;
//! advancing by a and then b equals advancing by a + b (see `time`), so the page's clock ticks need
//! not be recorded. A lesson's place (its progress, and where the current step began, which "Reset
//! step" goes back to) travels with the history.
//!
//! A history comes from outside (a link, a file, storage another version wrote): it is checked
//! before anything runs, and one that cannot be replayed is refused with the reason, never
//! half-applied.

use serde::{Deserialize, Serialize};

use crate::lesson::Progress;
use crate::time::{SimDuration, SimTime};
use crate::{Cluster, Config, LogLine};

/// The format this version reads and writes.
pub const FORMAT: &str = "podscape-history/1";
/// Bounds on what a history may ask a replay to do, so a crafted link cannot hang the page.
pub const MAX_LINES: usize = 5_000;
pub const MAX_NODES: usize = 100;
pub const MAX_SPAN: SimDuration = SimDuration::seconds(31 * 24 * 3600);

/// Everything needed to rebuild a cluster, and the page's place in it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct History {
    pub format: String,
    pub config: Config,
    /// Every console line the cluster ran, in order.
    pub lines: Vec<LogLine>,
    /// Simulated time when the history was taken, in milliseconds since the Unix epoch.
    pub now: i64,
    /// The lesson being followed, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lesson: Option<LessonPlace>,
    /// The page's clock: playing or paused, and its speed.
    #[serde(default)]
    pub clock: Clock,
}

/// Where a learner is in a lesson.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LessonPlace {
    /// The scenario as the page was given it: a built-in lesson's name or a URL.
    pub scenario: String,
    /// A hash of the scenario file's text: a place saved in another version of the lesson is not
    /// applied to this one (its steps may differ).
    pub text_hash: String,
    pub progress: Progress,
    /// When the current step began: how many lines had run, and the simulated time.
    pub step_lines: usize,
    pub step_at: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clock {
    pub playing: bool,
    pub speed: u32,
}

impl Default for Clock {
    fn default() -> Clock {
        Clock { playing: true, speed: 1 }
    }
}

/// Why a history cannot be opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryError(pub String);

impl std::fmt::Display for HistoryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A replayed history: the cluster, and (for a lesson) the cluster as the current step found it.
#[derive(Clone, Debug)]
pub struct Replayed {
    pub cluster: Cluster,
    pub step_start: Option<Cluster>,
}

impl History {
    /// The cluster's history as it stands, with the page's clock and no lesson.
    pub fn of(c: &Cluster, clock: Clock) -> History {
        History {
            format: FORMAT.to_string(),
            config: c.config().clone(),
            lines: c.log().to_vec(),
            now: c.now().millis(),
            lesson: None,
            clock,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a history is plain data")
    }

    /// Reads a history written by [`History::to_json`], checking it can be replayed.
    pub fn from_json(text: &str) -> Result<History, HistoryError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| HistoryError(format!("not a saved cluster (not JSON: {e})")))?;
        match value.get("format").and_then(|f| f.as_str()) {
            Some(FORMAT) => {}
            Some(other) => {
                return Err(HistoryError(format!(
                    "saved in format \"{other}\", which this version cannot read (it reads \"{FORMAT}\")"
                )));
            }
            None => return Err(HistoryError("not a saved cluster (format: Required value)".into())),
        }
        let h: History =
            serde_json::from_value(value).map_err(|e| HistoryError(format!("not a saved cluster: {e}")))?;
        h.validate()?;
        Ok(h)
    }

    /// Checks the bounds and the order of time, before anything runs.
    pub fn validate(&self) -> Result<(), HistoryError> {
        let bad = |m: String| Err(HistoryError(m));
        if self.format != FORMAT {
            return bad(format!("format: Unsupported value: \"{}\": supported values: \"{FORMAT}\"", self.format));
        }
        if !(1..=MAX_NODES).contains(&self.config.nodes) {
            return bad(format!(
                "config.nodes: Invalid value: {}: must be between 1 and {MAX_NODES}",
                self.config.nodes
            ));
        }
        // Each node takes the next /24 of the pod network (the first one stays free); a network
        // the cluster cannot use falls back to the default one.
        if let Some(net) = crate::ipam::Cidr::parse(&self.config.pod_cidr).filter(|c| c.prefix <= 24)
            && net.size() / 256 <= self.config.nodes as u64
        {
            return bad(format!(
                "config.podCidr: Invalid value: \"{}\": too small for {} nodes (one /24 each)",
                self.config.pod_cidr, self.config.nodes
            ));
        }
        if self.lines.len() > MAX_LINES {
            return bad(format!("lines: Too many: {}: must have at most {MAX_LINES} items", self.lines.len()));
        }
        let start = SimTime::SESSION_START.millis();
        let mut last = start;
        for (i, l) in self.lines.iter().enumerate() {
            if l.at < last {
                return bad(format!(
                    "lines[{i}].at: Invalid value: {}: before the line above it or the session's start",
                    l.at
                ));
            }
            last = l.at;
        }
        if self.now < last {
            return bad(format!("now: Invalid value: {}: before the last line ran", self.now));
        }
        if self.now - start > MAX_SPAN.as_millis() {
            return bad(format!("now: Invalid value: {}: more than 31 days after the session's start", self.now));
        }
        if !(1..=16).contains(&self.clock.speed) {
            return bad(format!("clock.speed: Invalid value: {}: must be between 1 and 16", self.clock.speed));
        }
        if let Some(place) = &self.lesson {
            if place.step_lines > self.lines.len() || place.step_at > self.now || place.step_at < start {
                return bad("lesson.stepLines: Invalid value: the step began outside the history".into());
            }
            let before = place.step_lines.checked_sub(1).map_or(start, |i| self.lines[i].at);
            let after = self.lines.get(place.step_lines).map_or(self.now, |l| l.at);
            if place.step_at < before || place.step_at > after {
                return bad("lesson.stepAt: Invalid value: not between the lines around it".into());
            }
        }
        Ok(())
    }

    /// Rebuilds the cluster: each line at its instant, then on to the history's time.
    pub fn replay(&self) -> Result<Replayed, HistoryError> {
        self.validate()?;
        let mut c = Cluster::new(self.config.clone());
        let mark = self.lesson.as_ref().map(|p| (p.step_lines, p.step_at));
        let mut step_start = None;
        for (i, l) in self.lines.iter().enumerate() {
            if let Some((_, at)) = mark.filter(|(n, _)| *n == i) {
                advance_to(&mut c, at);
                step_start = Some(c.clone());
            }
            advance_to(&mut c, l.at);
            c.run(&l.line, &l.files);
            // A line that moves time (sim advance, kubectl wait) ended before the next one ran;
            // one that runs past it means the history was not written by this cluster.
            let next = self.lines.get(i + 1).map_or(self.now, |n| n.at);
            if c.now().millis() > next {
                return Err(HistoryError(format!(
                    "lines[{i}]: `{}` moves time past the line after it: the history does not replay",
                    l.line
                )));
            }
        }
        if let Some((_, at)) = mark.filter(|_| step_start.is_none()) {
            advance_to(&mut c, at);
            step_start = Some(c.clone());
        }
        advance_to(&mut c, self.now);
        Ok(Replayed { cluster: c, step_start })
    }
}

/// A stable hash of a scenario file's text, for [`LessonPlace::text_hash`].
pub fn text_hash(text: &str) -> String {
    format!("{:016x}", crate::rng::fnv64a(crate::rng::FNV64_OFFSET, text.as_bytes()))
}

fn advance_to(c: &mut Cluster, at: i64) {
    let d = at - c.now().millis();
    if d > 0 {
        c.advance(SimDuration::millis(d));
    }
}
