//! The cluster's one source of randomness: a PCG generator seeded by the user.
//!
//! Everything Kubernetes leaves to chance (generated name suffixes, UIDs, the ClusterIP picked from
//! the dynamic band) draws from here, in command order, so one seed and one command log always give
//! one cluster.

use rand_core::{Rng, SeedableRng};
use rand_pcg::Pcg32;

/// The alphabet of `k8s.io/apimachinery/pkg/util/rand.String`: no vowels (no accidental words),
/// and no characters that look alike (0/o, 1/l, 3/e).
pub const NAME_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

#[derive(Clone, Debug)]
pub struct SimRng(Pcg32);

impl SimRng {
    pub fn new(seed: u64) -> Self {
        SimRng(Pcg32::seed_from_u64(seed))
    }

    /// A number in `0..n` without modulo bias (Lemire's method is overkill here; rejection keeps it
    /// obviously uniform). `n` must be at least 1.
    pub fn below(&mut self, n: u32) -> u32 {
        let n = n.max(1);
        let zone = u32::MAX - (u32::MAX % n);
        loop {
            let x = self.0.next_u32();
            if x < zone {
                return x % n;
            }
        }
    }

    /// The 5-character suffix the API server appends to `metadata.generateName`.
    pub fn name_suffix(&mut self) -> String {
        (0..5).map(|_| NAME_ALPHABET[self.below(NAME_ALPHABET.len() as u32) as usize] as char).collect()
    }

    /// A version-4 UUID, the shape of `metadata.uid`.
    pub fn uuid(&mut self) -> String {
        let mut b = [0u8; 16];
        for chunk in b.chunks_mut(4) {
            chunk.copy_from_slice(&self.0.next_u32().to_le_bytes());
        }
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
        format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
    }
}

/// FNV-1a, 32 bits: the hash Kubernetes uses for `pod-template-hash` (`hash/fnv.New32a`). The
/// `fnv` crate offers only the 64-bit variant, and the whole algorithm is these few lines.
pub fn fnv32a(bytes: &[u8]) -> u32 {
    fnv32a_more(0x811c_9dc5, bytes)
}

/// Continues an FNV-1a hash with more bytes, as if they had been appended.
pub fn fnv32a_more(mut h: u32, bytes: &[u8]) -> u32 {
    for b in bytes {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// FNV-1a, 64 bits: folds the event log into one number that two runs can compare.
pub fn fnv64a(state: u64, bytes: &[u8]) -> u64 {
    let mut h = state;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

pub const FNV64_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// `rand.SafeEncodeString` from apimachinery: maps each character onto [`NAME_ALPHABET`] so a hash
/// printed in decimal becomes a label value that cannot spell a word.
pub fn safe_encode(s: &str) -> String {
    s.chars().map(|c| NAME_ALPHABET[(c as usize) % NAME_ALPHABET.len()] as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence() {
        let mut a = SimRng::new(7);
        let mut b = SimRng::new(7);
        let xs: Vec<_> = (0..20).map(|_| a.below(1000)).collect();
        let ys: Vec<_> = (0..20).map(|_| b.below(1000)).collect();
        assert_eq!(xs, ys);
        assert_ne!(SimRng::new(8).name_suffix(), SimRng::new(7).name_suffix());
    }

    #[test]
    fn suffix_and_uuid_have_kubernetes_shapes() {
        let mut r = SimRng::new(1);
        let s = r.name_suffix();
        assert_eq!(s.len(), 5);
        assert!(s.bytes().all(|c| NAME_ALPHABET.contains(&c)));
        let u = r.uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }

    #[test]
    fn fnv32a_matches_reference_vectors() {
        // Test vectors from the FNV reference (draft-eastlake-fnv).
        assert_eq!(fnv32a(b""), 0x811c_9dc5);
        assert_eq!(fnv32a(b"a"), 0xe40c_292c);
        assert_eq!(fnv32a(b"foobar"), 0xbf9c_f968);
        assert_eq!(fnv64a(FNV64_OFFSET, b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn safe_encode_maps_digits_into_the_alphabet() {
        // '0' is 48 and 48 % 27 = 21, the '4'; '1' is 49, the '5'.
        assert_eq!(safe_encode("01"), "45");
    }
}
