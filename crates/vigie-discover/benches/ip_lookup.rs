//! Lookups per second on the full shipped IP table (every provider, IPv4 and IPv6).
//!
//! Run: `cargo bench -p vigie-discover --bench ip_lookup`. Criterion reports time per batch of
//! `BATCH` lookups and the throughput in elements (lookups) per second. Addresses are a fixed
//! pseudo-random mix: 1/4 inside published ranges, the rest anywhere, 1/8 IPv6.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use vigie_discover::catalog::SHIPPED_COMPONENTS;
use vigie_discover::providers::SOURCES;
use vigie_discover::Catalog;

const BATCH: usize = 4096;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn addresses(catalog: &Catalog) -> Vec<IpAddr> {
    let inside: Vec<IpAddr> = catalog
        .ip_table()
        .prefixes()
        .map(|(n, _)| n.network())
        .collect();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    (0..BATCH)
        .map(|i| {
            let r = rng.next();
            if i % 4 == 0 {
                inside[(r % inside.len() as u64) as usize]
            } else if i % 8 == 1 {
                IpAddr::V6(Ipv6Addr::from(
                    ((0x2000u128 | (r as u128 & 0xfff)) << 112) | r as u128,
                ))
            } else {
                IpAddr::V4(Ipv4Addr::from(r as u32))
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let catalog = match Catalog::shipped() {
        Ok(c) => c,
        Err(e) => panic!("shipped catalogue: {e}"),
    };
    let table = catalog.ip_table();
    let addrs = addresses(&catalog);
    let (v4, v6) = table.len();
    eprintln!("table: {v4} IPv4 + {v6} IPv6 distinct prefixes");

    let mut group = c.benchmark_group("ip_lookup");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("flat_intervals", |b| {
        b.iter(|| {
            let mut hits = 0usize;
            for a in &addrs {
                hits += usize::from(table.lookup_component(black_box(*a)).is_some());
            }
            hits
        })
    });
    group.bench_function("flat_intervals_with_prefix", |b| {
        b.iter(|| {
            let mut hits = 0usize;
            for a in &addrs {
                hits += usize::from(table.lookup(black_box(*a)).is_some());
            }
            hits
        })
    });
    group.bench_function("prefix_trie_get_lpm", |b| {
        b.iter(|| {
            let mut hits = 0usize;
            for a in &addrs {
                hits += usize::from(table.lookup_trie(black_box(*a)).is_some());
            }
            hits
        })
    });
    group.finish();

    // What `Catalog::shipped()` costs once per process: parse ~3.7 MB of lists, build the table.
    let mut build = c.benchmark_group("catalog");
    build.sample_size(10);
    build.bench_function("build_shipped", |b| {
        b.iter(|| {
            let lists = SOURCES.iter().map(|s| (s, s.shipped.to_string()));
            Catalog::build(SHIPPED_COMPONENTS, lists).map(|c| c.components().len())
        })
    });
    build.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
