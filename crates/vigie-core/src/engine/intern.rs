//! Interning of identifiers to dense indices, with a fast non-cryptographic hash.
//!
//! Service ids come from the operator's configuration or a scenario header, never from an
//! anonymous client, so a keyed hash (SipHash) buys nothing here and costs a third of the
//! per-signal work. The hash is the "Fx" multiply-rotate hash used inside rustc.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The multiply-rotate hash of rustc's `FxHasher`: fast, deterministic, not DoS-resistant.
#[derive(Clone, Copy, Default)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

pub type FxBuildHasher = BuildHasherDefault<FxHasher>;
pub type FxHashMap<K, V> = HashMap<K, V, FxBuildHasher>;

/// Ids to dense indices `0..n`, in insertion order.
#[derive(Clone, Debug, Default)]
pub struct Interner {
    map: FxHashMap<Box<str>, u32>,
}

impl Interner {
    pub fn with_capacity(n: usize) -> Self {
        Interner {
            map: FxHashMap::with_capacity_and_hasher(n, FxBuildHasher::default()),
        }
    }

    /// The index of `id`, adding it when new.
    pub fn intern(&mut self, id: &str) -> u32 {
        if let Some(&ix) = self.map.get(id) {
            return ix;
        }
        let ix = self.map.len() as u32;
        self.map.insert(id.into(), ix);
        ix
    }

    #[inline]
    pub fn get(&self, id: &str) -> Option<u32> {
        self.map.get(id).copied()
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}
