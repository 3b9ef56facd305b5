//! The serviceaccounts controller: every active namespace has a ServiceAccount named `default`,
//! made again if it is deleted.

use crate::api::{Namespace, ObjectKey, ObjectMeta, Resource, ServiceAccount};
use crate::controllers::{Ctx, Op};

pub fn reconcile(ctx: &Ctx, namespace: &str) -> Vec<Op> {
    let Some(ns) = ctx.store.get::<Namespace>(&ObjectKey::cluster(namespace)) else { return Vec::new() };
    if ns.metadata.is_terminating() || ctx.store.get::<ServiceAccount>(&ObjectKey::new(namespace, "default")).is_some()
    {
        return Vec::new();
    }
    let sa = ServiceAccount {
        metadata: ObjectMeta { name: "default".into(), namespace: namespace.into(), ..Default::default() },
        ..Default::default()
    };
    vec![Op::Create(sa.into_object())]
}
