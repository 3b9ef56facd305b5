//! Simulated time: the only clock core knows.
//!
//! Nothing in core reads a wall clock. The cluster owns a [`SimTime`] that moves only when a command
//! moves it, and a [`Timers`] queue of wake-ups that controllers ask for ("look at this pod again at
//! t"). Advancing time fires due timers in order, so advancing by a and then b is the same as
//! advancing by a + b.

use std::collections::BTreeMap;
use std::fmt;

/// A point in simulated time: milliseconds since the Unix epoch.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct SimTime(pub i64);

/// A span of simulated time in milliseconds.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct SimDuration(pub i64);

impl SimTime {
    /// 2026-01-01T00:00:00Z: where every console session starts (see DESIGN.md's console conventions).
    pub const SESSION_START: SimTime = SimTime(1_767_225_600_000);

    pub fn millis(self) -> i64 {
        self.0
    }

    /// RFC 3339 with second precision, as Kubernetes serialises `metav1.Time`.
    pub fn rfc3339(self) -> String {
        let secs = self.0.div_euclid(1000);
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
    }

    /// RFC 1123 with a numeric zone, as `kubectl describe` prints times: `Thu, 01 Jan 2026 00:00:00 +0000`.
    pub fn rfc1123z(self) -> String {
        const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
        const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        let secs = self.0.div_euclid(1000);
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        format!(
            "{}, {d:02} {} {y:04} {:02}:{:02}:{:02} +0000",
            DAYS[days.rem_euclid(7) as usize],
            MONTHS[(m - 1) as usize],
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    }

    /// As `date` prints it in a UTC shell: `Thu Jan  1 00:00:00 UTC 2026`.
    pub fn unix_date(self) -> String {
        // `Thu, 01 Jan 2026 00:00:00 +0000` → the same fields in date(1)'s order.
        let r = self.rfc1123z();
        let f: Vec<&str> = r.split_whitespace().collect();
        let day: u32 = f[1].parse().unwrap_or(1);
        format!("{} {} {day:>2} {} UTC {}", f[0].trim_end_matches(','), f[2], f[4], f[3])
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, the forms `metav1.Time` accepts.
    pub fn parse_rfc3339(text: &str) -> Option<SimTime> {
        let b = text.as_bytes();
        if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<i64> {
            let s = text.get(r)?;
            if !s.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            s.parse().ok()
        };
        let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        if b[13] != b':' || b[16] != b':' {
            return None;
        }
        let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
            return None;
        }
        let mut rest = &text[19..];
        let mut millis = 0;
        if let Some(frac) = rest.strip_prefix('.') {
            let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            let ms: String = frac[..digits].chars().chain("000".chars()).take(3).collect();
            millis = ms.parse().ok()?;
            rest = &frac[digits..];
        }
        let offset_secs = match rest {
            "Z" | "z" => 0,
            _ if rest.len() == 6 && (rest.starts_with('+') || rest.starts_with('-')) => {
                let oh: i64 = rest.get(1..3)?.parse().ok()?;
                let om: i64 = rest.get(4..6)?.parse().ok()?;
                let sign = if rest.starts_with('-') { -1 } else { 1 };
                sign * (oh * 3600 + om * 60)
            }
            _ => return None,
        };
        let days = days_from_civil(y, mo, d);
        let secs = days * 86_400 + h * 3600 + mi * 60 + s - offset_secs;
        Some(SimTime(secs * 1000 + millis))
    }
}

impl std::ops::Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl std::ops::Sub for SimTime {
    type Output = SimDuration;
    fn sub(self, other: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(other.0))
    }
}

impl std::ops::Sub<SimDuration> for SimTime {
    type Output = SimTime;
    fn sub(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_sub(d.0))
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rfc3339())
    }
}

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);

    pub const fn millis(ms: i64) -> SimDuration {
        SimDuration(ms)
    }

    pub const fn seconds(s: i64) -> SimDuration {
        SimDuration(s * 1000)
    }

    pub fn as_millis(self) -> i64 {
        self.0
    }

    pub fn as_secs(self) -> i64 {
        self.0.div_euclid(1000)
    }

    /// Parses a Go duration as kubectl's flags take them: `30s`, `2m`, `1h30m`, `500ms`, `1.5s`.
    /// A bare number is refused, as `time.ParseDuration` refuses it (except `0`).
    pub fn parse(text: &str) -> Result<SimDuration, String> {
        let bad = || format!("time: invalid duration \"{text}\"");
        if text == "0" {
            return Ok(SimDuration::ZERO);
        }
        if text.is_empty() {
            return Err(bad());
        }
        let mut rest = text;
        let mut total: f64 = 0.0;
        while !rest.is_empty() {
            let n = rest.bytes().take_while(|c| c.is_ascii_digit() || *c == b'.').count();
            if n == 0 {
                return Err(bad());
            }
            let value: f64 = rest[..n].parse().map_err(|_| bad())?;
            rest = &rest[n..];
            let u = rest.bytes().take_while(|c| c.is_ascii_alphabetic() || *c == 0xC2 || *c == 0xB5).count();
            let unit_ms = match &rest[..u] {
                "ms" => 1.0,
                "s" => 1000.0,
                "m" => 60_000.0,
                "h" => 3_600_000.0,
                "us" | "µs" | "ns" => 0.0,
                "" => return Err(format!("time: missing unit in duration \"{text}\"")),
                other => return Err(format!("time: unknown unit \"{other}\" in duration \"{text}\"")),
            };
            rest = &rest[u..];
            total += value * unit_ms;
        }
        if !total.is_finite() || total > 1e15 {
            return Err(format!("time: invalid duration \"{text}\""));
        }
        Ok(SimDuration(total.round() as i64))
    }
}

impl fmt::Display for SimDuration {
    /// Go's `time.Duration` String form, which kubectl prints for timeouts: `1m30s`, `500ms`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        if ms == 0 {
            return f.write_str("0s");
        }
        if ms.abs() < 1000 {
            return write!(f, "{ms}ms");
        }
        let sign = if ms < 0 { "-" } else { "" };
        let ms = ms.abs();
        let (h, m, s, frac) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
        let secs = if frac == 0 {
            format!("{s}s")
        } else {
            let f = format!("{frac:03}");
            format!("{s}.{}s", f.trim_end_matches('0'))
        };
        if h > 0 {
            write!(f, "{sign}{h}h{m}m{secs}")
        } else if m > 0 {
            write!(f, "{sign}{m}m{secs}")
        } else {
            write!(f, "{sign}{secs}")
        }
    }
}

/// kubectl's AGE column: `duration.HumanDuration` from k8s.io/apimachinery/pkg/util/duration.
pub fn human_duration(d: SimDuration) -> String {
    // Go's int(d.Seconds()) truncates toward zero, as Rust's integer division does.
    let secs = d.0 / 1000;
    if secs < -1 {
        return "<invalid>".into();
    }
    if secs < 0 {
        return "0s".into();
    }
    if secs < 60 * 2 {
        return format!("{secs}s");
    }
    let minutes = secs / 60;
    if minutes < 10 {
        let s = secs % 60;
        return if s == 0 { format!("{minutes}m") } else { format!("{minutes}m{s}s") };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 { format!("{hours}h") } else { format!("{hours}h{m}m") };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 { format!("{}d", hours / 24) } else { format!("{}d{h}h", hours / 24) };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        return if dy == 0 { format!("{}y", hours / 24 / 365) } else { format!("{}y{dy}d", hours / 24 / 365) };
    }
    format!("{}y", hours / 24 / 365)
}

/// A queue of wake-ups, ordered by time and then by the order they were asked for, so that two
/// timers due at the same instant always fire in the same order.
#[derive(Clone, Debug)]
pub struct Timers<T> {
    queue: BTreeMap<(SimTime, u64), T>,
    seq: u64,
    limit: usize,
}

impl<T> Timers<T> {
    pub fn new(limit: usize) -> Self {
        Timers { queue: BTreeMap::new(), seq: 0, limit }
    }

    /// Schedules `item` at `at`. Returns false (and drops it) when the queue is full: a bound on
    /// everything keeps a runaway controller from eating the page's memory.
    pub fn schedule(&mut self, at: SimTime, item: T) -> bool {
        if self.queue.len() >= self.limit {
            return false;
        }
        self.seq += 1;
        self.queue.insert((at, self.seq), item);
        true
    }

    /// The time of the next timer, if any.
    pub fn next_due(&self) -> Option<SimTime> {
        self.queue.keys().next().map(|(t, _)| *t)
    }

    /// Removes and returns the earliest timer due at or before `now`.
    pub fn pop_due(&mut self, now: SimTime) -> Option<(SimTime, T)> {
        let (&(at, seq), _) = self.queue.iter().next()?;
        if at > now {
            return None;
        }
        self.queue.remove(&(at, seq)).map(|t| (at, t))
    }

    pub fn len(&self) -> usize {
        self.queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}

// Howard Hinnant's days-from-civil algorithms (public domain), valid for the proleptic Gregorian
// calendar; used because core may not ask the platform for a calendar.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_start_is_new_year_2026() {
        assert_eq!(SimTime::SESSION_START.rfc3339(), "2026-01-01T00:00:00Z");
        assert_eq!(SimTime::parse_rfc3339("2026-01-01T00:00:00Z"), Some(SimTime::SESSION_START));
        assert_eq!(SimTime::parse_rfc3339("2026-01-01T01:00:00+01:00"), Some(SimTime::SESSION_START));
        assert_eq!(SimTime::parse_rfc3339("2024-02-29T12:30:05.250Z").unwrap().rfc3339(), "2024-02-29T12:30:05Z");
        assert_eq!(SimTime::parse_rfc3339("2026-13-01T00:00:00Z"), None);
        assert_eq!(SimTime::parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn durations_parse_as_go_parses_them() {
        let cases = [("30s", 30_000), ("2m", 120_000), ("1h30m", 5_400_000), ("500ms", 500), ("1.5s", 1500), ("0", 0)];
        for (text, ms) in cases {
            assert_eq!(SimDuration::parse(text), Ok(SimDuration(ms)), "{text}");
        }
        for bad in ["", "5", "s", "3x", "1..2s", "-"] {
            assert!(SimDuration::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations_print_as_go_prints_them() {
        assert_eq!(SimDuration(0).to_string(), "0s");
        assert_eq!(SimDuration(500).to_string(), "500ms");
        assert_eq!(SimDuration(90_000).to_string(), "1m30s");
        assert_eq!(SimDuration(3_600_000).to_string(), "1h0m0s");
        assert_eq!(SimDuration(1500).to_string(), "1.5s");
    }

    /// kubectl's AGE column, case by case from apimachinery's duration_test.go.
    #[test]
    fn human_duration_matches_apimachinery() {
        let s = |x: i64| SimDuration::seconds(x);
        let cases = [
            (s(0), "0s"),
            (s(119), "119s"),
            (s(120), "2m"),
            (s(150), "2m30s"),
            (s(600), "10m"),
            (s(3 * 3600 - 1), "179m"),
            (s(3 * 3600), "3h"),
            (s(3 * 3600 + 600), "3h10m"),
            (s(8 * 3600), "8h"),
            (s(47 * 3600), "47h"),
            (s(48 * 3600), "2d"),
            (s(50 * 3600), "2d2h"),
            (s(8 * 86_400), "8d"),
            (s(2 * 365 * 86_400), "2y"),
            (s(2 * 365 * 86_400 + 86_400), "2y1d"),
            (s(9 * 365 * 86_400), "9y"),
            (SimDuration(-1500), "0s"),
            (SimDuration(-5000), "<invalid>"),
        ];
        for (d, want) in cases {
            assert_eq!(human_duration(d), want, "{d:?}");
        }
    }

    #[test]
    fn timers_fire_in_time_then_request_order() {
        let mut t = Timers::new(10);
        t.schedule(SimTime(20), "b");
        t.schedule(SimTime(10), "a");
        t.schedule(SimTime(20), "c");
        assert_eq!(t.next_due(), Some(SimTime(10)));
        assert_eq!(t.pop_due(SimTime(5)), None);
        let fired: Vec<_> = std::iter::from_fn(|| t.pop_due(SimTime(20)).map(|x| x.1)).collect();
        assert_eq!(fired, ["a", "b", "c"]);
    }

    #[test]
    fn timers_are_bounded() {
        let mut t = Timers::new(2);
        assert!(t.schedule(SimTime(1), ()));
        assert!(t.schedule(SimTime(1), ()));
        assert!(!t.schedule(SimTime(1), ()));
        assert_eq!(t.len(), 2);
    }
}
