//! The machines behind the nodes: the world outside the API. A machine can be powered off (its
//! containers die with it) or cut off from the network (it keeps running but nothing reaches it and
//! its kubelet cannot reach the API server). Only `sim` verbs change this; controllers read it the
//! way the real ones learn it: through missing heartbeats.

use std::collections::BTreeMap;

use crate::time::SimTime;

#[derive(Clone, Debug, Default)]
pub struct Machines {
    by_node: BTreeMap<String, Machine>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Machine {
    /// Powered off since then.
    pub down_since: Option<SimTime>,
    /// Cut off from the network since then.
    pub partitioned_since: Option<SimTime>,
    /// How many times it has booted; a pod started under an earlier boot lost its containers.
    pub boot: u32,
}

impl Machine {
    /// The kubelet can talk to the API server.
    pub fn reachable(&self) -> bool {
        self.down_since.is_none() && self.partitioned_since.is_none()
    }

    /// Powered on (its containers run, whether or not anyone can reach them).
    pub fn up(&self) -> bool {
        self.down_since.is_none()
    }

    /// When the API server last heard from it, if it is out of contact.
    pub fn lost_contact_at(&self) -> Option<SimTime> {
        match (self.down_since, self.partitioned_since) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

impl Machines {
    pub fn get(&self, node: &str) -> Machine {
        self.by_node.get(node).cloned().unwrap_or_default()
    }

    pub fn add(&mut self, node: &str) {
        self.by_node.entry(node.to_string()).or_default();
    }

    pub fn remove(&mut self, node: &str) {
        self.by_node.remove(node);
    }

    pub fn contains(&self, node: &str) -> bool {
        self.by_node.contains_key(node)
    }

    /// When the longest-running partition began: kube-proxy keeps rule versions from then on.
    pub fn earliest_partition(&self) -> Option<SimTime> {
        self.by_node.values().filter_map(|m| m.partitioned_since).min()
    }

    /// Powers a machine off. Returns false if it already was.
    pub fn power_off(&mut self, node: &str, now: SimTime) -> bool {
        let m = self.by_node.entry(node.to_string()).or_default();
        if m.down_since.is_some() {
            return false;
        }
        m.down_since = Some(now);
        true
    }

    /// Cuts a machine off the network. Returns false if it already was.
    pub fn partition(&mut self, node: &str, now: SimTime) -> bool {
        let m = self.by_node.entry(node.to_string()).or_default();
        if m.partitioned_since.is_some() {
            return false;
        }
        m.partitioned_since = Some(now);
        true
    }

    /// Powers a machine back on (a new boot) and reconnects it. Returns false if it was healthy.
    pub fn recover(&mut self, node: &str) -> bool {
        let m = self.by_node.entry(node.to_string()).or_default();
        if m.reachable() {
            return false;
        }
        if m.down_since.take().is_some() {
            m.boot += 1;
        }
        m.partitioned_since = None;
        true
    }
}
