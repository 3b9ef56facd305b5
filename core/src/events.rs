//! The event recorder: turns [`EventDraft`]s into `core/v1` Events (aggregating repeats into a
//! count, as client-go's EventCorrelator does), keeps a bounded log the page can follow, and folds
//! every recorded event into one hash so two runs can be compared.

use std::collections::{BTreeMap, VecDeque};

use serde::Serialize;

use crate::api::event::EventSource;
use crate::api::meta::Time;
use crate::api::{Event, ObjectKey, ObjectMeta, Uid};
use crate::controllers::EventDraft;
use crate::rng::{FNV64_OFFSET, fnv64a};
use crate::time::SimTime;

/// How many Event objects the store keeps (the oldest go first), and how many log entries.
pub const MAX_EVENTS: usize = 1000;

/// One event as the page's event log shows it.
#[derive(Clone, PartialEq, Debug, Serialize)]
pub struct LogEntry {
    pub seq: u64,
    pub time: String,
    pub warning: bool,
    pub reason: String,
    /// `pod/backend-5d8c7b9f4-x2kqz`, as `kubectl get events` prints the OBJECT column.
    pub object: String,
    pub namespace: String,
    pub message: String,
}

#[derive(Clone, Debug)]
pub struct Recorder {
    seq: u64,
    hash: u64,
    log: VecDeque<LogEntry>,
    /// (involved uid, reason, message) → the Event object that counts it.
    aggregate: BTreeMap<(Uid, String, String), ObjectKey>,
    /// Event objects in creation order with their aggregation key, for eviction.
    order: VecDeque<(ObjectKey, (Uid, String, String))>,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder {
            seq: 0,
            hash: FNV64_OFFSET,
            log: VecDeque::new(),
            aggregate: BTreeMap::new(),
            order: VecDeque::new(),
        }
    }
}

/// What recording asks the store to do.
pub enum Write {
    Put(Box<Event>),
    Remove(ObjectKey),
}

impl Recorder {
    /// Records a draft at `now`; returns the store writes (the new or updated Event, and any
    /// evicted one).
    pub fn record(
        &mut self,
        draft: EventDraft,
        now: SimTime,
        existing: impl Fn(&ObjectKey) -> Option<Event>,
    ) -> Vec<Write> {
        self.seq += 1;
        let inv = &draft.involved;
        let object = format!("{}/{}", inv.kind.to_ascii_lowercase(), inv.name);
        let line = format!("{} {} {} {} {}", now.millis(), draft.reason, object, inv.namespace, draft.message);
        self.hash = fnv64a(self.hash, line.as_bytes());
        self.hash = fnv64a(self.hash, b"\n");
        self.log.push_back(LogEntry {
            seq: self.seq,
            time: now.rfc3339(),
            warning: draft.warning,
            reason: draft.reason.clone(),
            object,
            namespace: inv.namespace.clone(),
            message: draft.message.clone(),
        });
        while self.log.len() > MAX_EVENTS {
            self.log.pop_front();
        }

        let agg_key = (inv.uid.clone(), draft.reason.clone(), draft.message.clone());
        if let Some(key) = self.aggregate.get(&agg_key)
            && let Some(mut ev) = existing(key)
        {
            ev.count += 1;
            ev.last_timestamp = Some(Time(now));
            return vec![Write::Put(Box::new(ev))];
        }
        let namespace = if inv.namespace.is_empty() { "default".to_string() } else { inv.namespace.clone() };
        // client-go names events `<object>.<unix nanos in hex>`; the sequence number keeps two
        // events in the same millisecond apart.
        let name = format!("{}.{:x}", inv.name, (now.millis() as u64) * 1_000_000 + self.seq % 1_000_000);
        let key = ObjectKey::new(namespace.as_str(), name.as_str());
        let ev = Event {
            metadata: ObjectMeta { name, namespace, ..Default::default() },
            involved_object: inv.clone(),
            reason: draft.reason,
            message: draft.message,
            source: EventSource { component: draft.component.into(), host: draft.host },
            first_timestamp: Some(Time(now)),
            last_timestamp: Some(Time(now)),
            count: 1,
            type_: if draft.warning { "Warning" } else { "Normal" }.into(),
            reporting_component: draft.component.into(),
            reporting_instance: String::new(),
        };
        self.aggregate.insert(agg_key.clone(), key.clone());
        self.order.push_back((key, agg_key));
        let mut writes = vec![Write::Put(Box::new(ev))];
        while self.order.len() > MAX_EVENTS {
            if let Some((old, agg)) = self.order.pop_front() {
                self.aggregate.remove(&agg);
                writes.push(Write::Remove(old));
            }
        }
        writes
    }

    /// The FNV-64a hash of every event recorded so far, in order.
    pub fn hash(&self) -> u64 {
        self.hash
    }

    /// How many events have been recorded.
    pub fn count(&self) -> u64 {
        self.seq
    }

    /// Log entries after `seq` (those still kept).
    pub fn since(&self, seq: u64) -> impl Iterator<Item = &LogEntry> {
        self.log.iter().filter(move |e| e.seq > seq)
    }
}
