//! The garbage collector (pkg/controller/garbagecollector): follows owner references.
//!
//! - An object every owner of which is gone is deleted (background cascading deletion,
//!   kubectl's default), and so is a dependent of an owner being deleted in the foreground.
//! - An owner deleted with `propagationPolicy: Orphan` carries the `orphan` finalizer: its
//!   dependents lose their references to it, then the finalizer goes and the owner with it
//!   (`kubectl delete --cascade=orphan`; a controller may then adopt them again).
//! - An owner deleted with `propagationPolicy: Foreground` carries `foregroundDeletion`: its
//!   dependents are deleted first (in the foreground themselves), and the owner goes once none
//!   is left (`kubectl delete --cascade=foreground`).

use crate::api::{Kind, ObjectKey};
use crate::apiserver::{DeleteOptions, FINALIZER_FOREGROUND, FINALIZER_ORPHAN, Propagation};
use crate::controllers::{Ctx, Op};

pub fn reconcile(ctx: &Ctx, kind: Kind, key: &ObjectKey) -> Vec<Op> {
    let Some(obj) = ctx.store.get_object(kind, key) else { return Vec::new() };
    let meta = obj.meta();
    let has = |f: &str| meta.finalizers.iter().any(|x| x == f);
    if meta.is_terminating() && has(FINALIZER_ORPHAN) {
        return orphan_dependents(ctx, obj);
    }
    if meta.is_terminating() && has(FINALIZER_FOREGROUND) {
        return delete_dependents_first(ctx, obj);
    }
    if meta.is_terminating() || meta.owner_references.is_empty() {
        return Vec::new();
    }
    let owner_in_foreground = meta.owner_references.iter().any(|r| {
        ctx.store
            .object_by_uid(&r.uid)
            .is_some_and(|o| o.deletion_timestamp.is_some() && o.finalizers.iter().any(|f| f == FINALIZER_FOREGROUND))
    });
    if owner_in_foreground {
        let opts = DeleteOptions { grace: None, propagation: Propagation::Foreground };
        return vec![Op::DeleteWith { kind, key: key.clone(), opts }];
    }
    if ctx.store.owners_gone(&meta.uid) { vec![Op::Delete { kind, key: key.clone() }] } else { Vec::new() }
}

/// Removes the owner's reference from each dependent, then its own `orphan` finalizer.
fn orphan_dependents(ctx: &Ctx, owner: crate::api::Object) -> Vec<Op> {
    let uid = owner.meta().uid.clone();
    let mut ops = Vec::new();
    for d in ctx.store.dependents(&uid) {
        let Some(mut dep) = ctx.store.get_object(d.kind, &d.key) else { continue };
        dep.meta_mut().owner_references.retain(|r| r.uid != uid);
        ops.push(Op::Update(dep));
    }
    let mut o = owner;
    o.meta_mut().finalizers.retain(|f| f != FINALIZER_ORPHAN);
    ops.push(Op::Update(o));
    ops
}

/// Deletes the dependents (in the foreground themselves); once none is left, lets the owner go.
fn delete_dependents_first(ctx: &Ctx, owner: crate::api::Object) -> Vec<Op> {
    let deps = ctx.store.dependents(&owner.meta().uid);
    if deps.is_empty() {
        let mut o = owner;
        o.meta_mut().finalizers.retain(|f| f != FINALIZER_FOREGROUND);
        return vec![Op::Update(o)];
    }
    let opts = DeleteOptions { grace: None, propagation: Propagation::Foreground };
    deps.into_iter()
        .filter(|d| ctx.store.meta_of(d.kind, &d.key).is_some_and(|m| !m.is_terminating()))
        .map(|d| Op::DeleteWith { kind: d.kind, key: d.key, opts })
        .collect()
}
