//! The object graph: owner references as edges, owner → dependent, as Kubernetes' garbage
//! collector keeps them (its `GraphBuilder`). It answers "what does this object own" without a scan,
//! and "is this dependent's owner gone" for cascading deletion.
//!
//! Graph indices stay inside this module; callers speak in [`Uid`]s and [`ObjRef`]s.

use std::collections::BTreeMap;

use petgraph::Direction;
use petgraph::stable_graph::{NodeIndex, StableDiGraph};
use petgraph::visit::EdgeRef;

use crate::api::{Kind, ObjectKey, Uid};

/// An object as the graph knows it.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub struct ObjRef {
    pub kind: Kind,
    pub key: ObjectKey,
    pub uid: Uid,
}

#[derive(Clone, Debug)]
struct Vertex {
    obj: ObjRef,
    /// False for an owner that dependents name but that does not exist (yet, or any more): the
    /// garbage collector's "virtual" node.
    present: bool,
}

#[derive(Clone, Debug, Default)]
pub struct ObjectGraph {
    graph: StableDiGraph<Vertex, ()>,
    by_uid: BTreeMap<Uid, NodeIndex>,
}

impl ObjectGraph {
    /// Records an object and its owners (replacing the owners it had before).
    pub fn upsert(&mut self, obj: ObjRef, owners: &[(Kind, ObjectKey, Uid)]) {
        let idx = self.vertex(obj.clone());
        self.graph[idx] = Vertex { obj, present: true };
        let old_owners = self.detach_owners(idx);
        for (kind, key, uid) in owners {
            let owner = match self.by_uid.get(uid) {
                Some(&i) => i,
                None => self.vertex(ObjRef { kind: *kind, key: key.clone(), uid: uid.clone() }),
            };
            self.graph.update_edge(owner, idx, ());
        }
        self.forget_if_unneeded(&old_owners);
    }

    /// Forgets an object. It stays as an absent vertex while dependents still point at it, so
    /// the garbage collector can see their owner is gone.
    pub fn remove(&mut self, uid: &Uid) {
        let Some(&idx) = self.by_uid.get(uid) else { return };
        self.graph[idx].present = false;
        let owners = self.detach_owners(idx);
        self.forget_if_unneeded(&[idx]);
        self.forget_if_unneeded(&owners);
    }

    /// The objects that name `uid` among their owners.
    pub fn dependents(&self, uid: &Uid) -> Vec<ObjRef> {
        self.dependent_refs(uid).into_iter().cloned().collect()
    }

    /// The same, borrowed, sorted.
    pub fn dependent_refs(&self, uid: &Uid) -> Vec<&ObjRef> {
        let Some(&idx) = self.by_uid.get(uid) else { return Vec::new() };
        let mut out: Vec<&ObjRef> = self
            .graph
            .neighbors_directed(idx, Direction::Outgoing)
            .filter(|&d| self.graph[d].present)
            .map(|d| &self.graph[d].obj)
            .collect();
        out.sort();
        out
    }

    /// True when every owner `uid` names is gone: what makes a dependent garbage.
    pub fn all_owners_gone(&self, uid: &Uid) -> bool {
        let Some(&idx) = self.by_uid.get(uid) else { return false };
        let mut owners = self.graph.neighbors_directed(idx, Direction::Incoming).peekable();
        owners.peek().is_some() && owners.all(|o| !self.graph[o].present)
    }

    /// The object with this uid, if it exists.
    pub fn get(&self, uid: &Uid) -> Option<&ObjRef> {
        self.by_uid.get(uid).map(|&i| &self.graph[i]).filter(|v| v.present).map(|v| &v.obj)
    }

    pub fn contains(&self, uid: &Uid) -> bool {
        self.by_uid.get(uid).is_some_and(|&i| self.graph[i].present)
    }

    fn vertex(&mut self, obj: ObjRef) -> NodeIndex {
        if let Some(&i) = self.by_uid.get(&obj.uid) {
            return i;
        }
        let uid = obj.uid.clone();
        let i = self.graph.add_node(Vertex { obj, present: false });
        self.by_uid.insert(uid, i);
        i
    }

    fn drop_vertex(&mut self, idx: NodeIndex) {
        if let Some(v) = self.graph.remove_node(idx) {
            self.by_uid.remove(&v.obj.uid);
        }
    }

    /// Removes the edges from `idx`'s owners and returns those owners.
    fn detach_owners(&mut self, idx: NodeIndex) -> Vec<NodeIndex> {
        let edges: Vec<_> = self.graph.edges_directed(idx, Direction::Incoming).map(|e| e.id()).collect();
        let mut owners = Vec::with_capacity(edges.len());
        for e in edges {
            if let Some((o, _)) = self.graph.edge_endpoints(e) {
                owners.push(o);
            }
            self.graph.remove_edge(e);
        }
        owners
    }

    /// Absent vertices that nothing points at any more are forgotten, so the graph stays the size
    /// of the cluster. Only the vertices a change touched are looked at: cost follows change.
    fn forget_if_unneeded(&mut self, candidates: &[NodeIndex]) {
        for &i in candidates {
            let unneeded = self.graph.node_weight(i).is_some_and(|v| !v.present)
                && self.graph.neighbors_directed(i, Direction::Outgoing).next().is_none();
            if unneeded {
                self.drop_vertex(i);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(kind: Kind, name: &str) -> ObjRef {
        ObjRef { kind, key: ObjectKey::new("default", name), uid: Uid(format!("uid-{name}")) }
    }

    #[test]
    fn dependents_and_owner_loss() {
        let mut g = ObjectGraph::default();
        let d = r(Kind::Deployment, "web");
        let rs = r(Kind::ReplicaSet, "web-1");
        let pod = r(Kind::Pod, "web-1-a");
        g.upsert(d.clone(), &[]);
        g.upsert(rs.clone(), &[(Kind::Deployment, d.key.clone(), d.uid.clone())]);
        g.upsert(pod.clone(), &[(Kind::ReplicaSet, rs.key.clone(), rs.uid.clone())]);
        assert_eq!(g.dependents(&d.uid), vec![rs.clone()]);
        assert_eq!(g.dependents(&rs.uid), vec![pod.clone()]);
        assert!(!g.all_owners_gone(&rs.uid));
        g.remove(&d.uid);
        assert!(g.all_owners_gone(&rs.uid), "the ReplicaSet's only owner is gone");
        assert!(!g.all_owners_gone(&pod.uid));
        g.remove(&rs.uid);
        g.remove(&pod.uid);
        assert!(!g.contains(&d.uid));
        assert!(g.by_uid.is_empty(), "absent owners with no dependents are forgotten");
    }

    #[test]
    fn an_owner_created_after_its_dependent_is_linked() {
        let mut g = ObjectGraph::default();
        let svc = r(Kind::Service, "db");
        let slice = r(Kind::EndpointSlice, "db-x");
        g.upsert(slice.clone(), &[(Kind::Service, svc.key.clone(), svc.uid.clone())]);
        assert!(g.all_owners_gone(&slice.uid));
        g.upsert(svc.clone(), &[]);
        assert!(!g.all_owners_gone(&slice.uid));
        assert_eq!(g.dependents(&svc.uid), vec![slice]);
    }
}
