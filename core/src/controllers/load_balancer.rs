//! The cloud's service controller: gives a `LoadBalancer` Service an external IP from the
//! simulated cloud's pool after a provisioning delay (until then kubectl shows `<pending>`), and
//! takes it back when the Service stops being a LoadBalancer.

use crate::api::service::LoadBalancerIngress;
use crate::api::{Kind, ObjectKey, Resource, Service};
use crate::controllers::{Ctx, EventDraft, Op, Work, jitter, reference};
use crate::time::SimDuration;

const COMPONENT: &str = "service-controller";

pub fn reconcile(ctx: &Ctx, key: &ObjectKey) -> Vec<Op> {
    let Some(svc) = ctx.store.get::<Service>(key) else { return Vec::new() };
    let sref = reference(Kind::Service, &svc.metadata);
    let has_ingress = !svc.status.load_balancer.ingress.is_empty();
    if svc.type_or_default() != "LoadBalancer" || svc.metadata.is_terminating() {
        if has_ingress {
            let mut s = svc.clone();
            s.status.load_balancer.ingress.clear();
            return vec![
                Op::Update(s.into_object()),
                Op::Event(EventDraft::normal(sref, COMPONENT, "DeletedLoadBalancer", "Deleted load balancer".into())),
            ];
        }
        return Vec::new();
    }
    if has_ingress {
        return Vec::new();
    }
    // Provisioning takes a while in every cloud; 8 to 15 s keeps `<pending>` visible.
    let created = svc.metadata.creation_timestamp.map_or(ctx.now, |t| t.0);
    let ready_at = created + SimDuration(i64::from(8000 + jitter(&svc.metadata.uid, "lb", 7000)));
    if ctx.now < ready_at {
        let mut ops = vec![Op::WakeAt(ready_at, Work::LoadBalancer(key.clone()))];
        if ctx.now == created {
            ops.push(Op::Event(EventDraft::normal(
                sref,
                COMPONENT,
                "EnsuringLoadBalancer",
                "Ensuring load balancer".into(),
            )));
        }
        return ops;
    }
    vec![
        Op::AssignLoadBalancerIp { service: key.clone() },
        Op::Event(EventDraft::normal(sref, COMPONENT, "EnsuredLoadBalancer", "Ensured load balancer".into())),
    ]
}

/// The ingress entry for an assigned address.
pub fn ingress(ip: &str) -> LoadBalancerIngress {
    LoadBalancerIngress { ip: ip.to_string(), hostname: String::new(), ip_mode: "VIP".into() }
}
