//! The garbage collector: deletes an object once every owner its ownerReferences name is gone
//! (background cascading deletion, kubectl's default).

use crate::api::{Kind, ObjectKey};
use crate::controllers::{Ctx, Op};

pub fn reconcile(ctx: &Ctx, kind: Kind, key: &ObjectKey) -> Vec<Op> {
    let Some(obj) = ctx.store.get_object(kind, key) else { return Vec::new() };
    let meta = obj.meta();
    if meta.is_terminating() || meta.owner_references.is_empty() {
        return Vec::new();
    }
    if ctx.store.owners_gone(&meta.uid) { vec![Op::Delete { kind, key: key.clone() }] } else { Vec::new() }
}
