//! Address management: pod IPs from each node's pod CIDR (as the host-local CNI plugin hands them
//! out) and ClusterIPs from the service CIDR (as the API server's allocator does).

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use crate::rng::SimRng;

/// An IPv4 CIDR block.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Cidr {
    pub base: u32,
    pub prefix: u8,
}

impl Cidr {
    pub fn parse(text: &str) -> Option<Cidr> {
        let (ip, prefix) = text.split_once('/')?;
        let ip: Ipv4Addr = ip.parse().ok()?;
        let prefix: u8 = prefix.parse().ok()?;
        if prefix > 32 {
            return None;
        }
        let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
        Some(Cidr { base: u32::from(ip) & mask, prefix })
    }

    pub fn size(self) -> u64 {
        1u64 << (32 - self.prefix)
    }

    pub fn contains(self, ip: u32) -> bool {
        u64::from(ip.wrapping_sub(self.base)) < self.size() && ip >= self.base
    }

    /// The `offset`-th address of the block.
    pub fn nth(self, offset: u32) -> u32 {
        self.base.wrapping_add(offset)
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", Ipv4Addr::from(self.base), self.prefix)
    }
}

pub fn ip_string(ip: u32) -> String {
    Ipv4Addr::from(ip).to_string()
}

pub fn parse_ip(text: &str) -> Option<u32> {
    text.parse::<Ipv4Addr>().ok().map(u32::from)
}

/// One node's pod addresses. Like host-local IPAM it hands out the next free address after the last
/// one it gave, so a replacement pod gets a new IP rather than the one just freed: the ephemerality
/// of pod IPs the course text talks about. `.0` (network), `.1` (the bridge gateway) and the
/// broadcast address are never given.
#[derive(Clone, Debug)]
pub struct PodCidrAllocator {
    pub cidr: Cidr,
    used: BTreeSet<u32>,
    last: u32,
}

impl PodCidrAllocator {
    pub fn new(cidr: Cidr) -> Self {
        PodCidrAllocator { cidr, used: BTreeSet::new(), last: 1 }
    }

    pub fn allocate(&mut self) -> Option<String> {
        let size = self.cidr.size().min(u64::from(u32::MAX)) as u32;
        if size < 4 {
            return None;
        }
        // Usable offsets are 2 ..= size-2.
        let usable = i64::from(size - 3);
        for step in 1..=usable {
            let off = 2 + (i64::from(self.last) - 2 + step).rem_euclid(usable) as u32;
            let ip = self.cidr.nth(off);
            if self.used.insert(ip) {
                self.last = off;
                return Some(ip_string(ip));
            }
        }
        None
    }

    pub fn release(&mut self, ip: &str) {
        if let Some(ip) = parse_ip(ip) {
            self.used.remove(&ip);
        }
    }

    pub fn in_use(&self) -> usize {
        self.used.len()
    }
}

/// ClusterIPs from the service CIDR, as `ipallocator` does: the range is split into a lower band
/// (for addresses users ask for) and an upper band that dynamic allocation draws from at random,
/// so requested addresses rarely collide with allocated ones (KEP-3070).
#[derive(Clone, Debug)]
pub struct ServiceIpAllocator {
    pub cidr: Cidr,
    used: BTreeSet<u32>,
}

impl ServiceIpAllocator {
    pub fn new(cidr: Cidr) -> Self {
        ServiceIpAllocator { cidr, used: BTreeSet::new() }
    }

    /// `calculateRangeOffset`: min(max(16, size/16), 256) addresses form the lower band.
    fn band_offset(&self) -> u64 {
        (self.cidr.size() / 16).clamp(16, 256)
    }

    /// The first address: the `kubernetes` service's.
    pub fn first(&self) -> String {
        ip_string(self.cidr.nth(1))
    }

    /// Allocates a requested address; errors in the API server's words.
    pub fn allocate_specific(&mut self, text: &str) -> Result<(), String> {
        let range =
            format!("the provided IP ({text}) is not in the valid range. The range of valid IPs is {}", self.cidr);
        let ip = parse_ip(text).ok_or_else(|| format!("failed to allocate IP {text}: {range}"))?;
        let off = u64::from(ip.wrapping_sub(self.cidr.base));
        if !self.cidr.contains(ip) || off == 0 || off == self.cidr.size() - 1 {
            return Err(format!("failed to allocate IP {text}: {range}"));
        }
        if !self.used.insert(ip) {
            return Err(format!("failed to allocate IP {text}: provided IP is already allocated"));
        }
        Ok(())
    }

    /// Allocates a random free address from the upper band, then from the lower one when the upper
    /// band is full.
    pub fn allocate_dynamic(&mut self, rng: &mut SimRng) -> Option<String> {
        let size = self.cidr.size();
        if size < 4 {
            return None;
        }
        let lo = self.band_offset() + 1;
        let hi = size - 1; // exclusive: the broadcast address
        let span = hi.saturating_sub(lo);
        if span > 0 {
            let start = u64::from(rng.below(span.min(u64::from(u32::MAX)) as u32));
            for i in 0..span {
                let off = lo + (start + i) % span;
                let ip = self.cidr.nth(off as u32);
                if self.used.insert(ip) {
                    return Some(ip_string(ip));
                }
            }
        }
        for off in 1..lo.min(hi) {
            let ip = self.cidr.nth(off as u32);
            if self.used.insert(ip) {
                return Some(ip_string(ip));
            }
        }
        None
    }

    pub fn release(&mut self, ip: &str) {
        if let Some(ip) = parse_ip(ip) {
            self.used.remove(&ip);
        }
    }

    pub fn is_allocated(&self, ip: &str) -> bool {
        parse_ip(ip).is_some_and(|ip| self.used.contains(&ip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pod_ips_are_handed_out_round_robin_and_never_reused_at_once() {
        let mut a = PodCidrAllocator::new(Cidr::parse("10.244.1.0/24").unwrap());
        let x = a.allocate().unwrap();
        let y = a.allocate().unwrap();
        assert_eq!((x.as_str(), y.as_str()), ("10.244.1.2", "10.244.1.3"));
        a.release(&x);
        assert_eq!(a.allocate().unwrap(), "10.244.1.4", "a freed address is not the next one given");
    }

    #[test]
    fn pod_cidr_never_gives_network_gateway_or_broadcast() {
        let mut a = PodCidrAllocator::new(Cidr::parse("10.0.0.0/29").unwrap());
        let ips: Vec<_> = std::iter::from_fn(|| a.allocate()).collect();
        assert_eq!(ips, ["10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"]);
    }

    /// KEP-3070: dynamic ClusterIPs come from the upper band; the first 256 addresses of a /12 are
    /// left for addresses users request.
    #[test]
    fn cluster_ips_come_from_the_upper_band() {
        let mut a = ServiceIpAllocator::new(Cidr::parse("10.96.0.0/12").unwrap());
        assert_eq!(a.first(), "10.96.0.1");
        a.allocate_specific("10.96.0.1").unwrap();
        let mut rng = SimRng::new(1);
        for _ in 0..50 {
            let ip = parse_ip(&a.allocate_dynamic(&mut rng).unwrap()).unwrap();
            let off = ip - a.cidr.base;
            assert!(off > 256 && u64::from(off) < a.cidr.size() - 1, "{}", ip_string(ip));
        }
    }

    #[test]
    fn requested_cluster_ips_are_checked() {
        let mut a = ServiceIpAllocator::new(Cidr::parse("10.96.0.0/12").unwrap());
        a.allocate_specific("10.96.0.10").unwrap();
        assert_eq!(
            a.allocate_specific("10.96.0.10").unwrap_err(),
            "failed to allocate IP 10.96.0.10: provided IP is already allocated"
        );
        for bad in ["10.0.0.1", "10.96.0.0", "10.111.255.255", "nope"] {
            assert!(a.allocate_specific(bad).unwrap_err().contains("not in the valid range"), "{bad}");
        }
    }

    #[test]
    fn a_tiny_range_fills_up_without_panicking() {
        let mut a = ServiceIpAllocator::new(Cidr::parse("10.0.0.0/29").unwrap());
        let mut rng = SimRng::new(3);
        let got: Vec<_> = std::iter::from_fn(|| a.allocate_dynamic(&mut rng)).collect();
        assert_eq!(got.len(), 6);
    }
}
