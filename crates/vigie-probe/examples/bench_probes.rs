//! Drives vigie's probe engine as hard as it goes: `bench_probes URL CHECKS CONCURRENCY`
//! runs CHECKS HTTP checks of URL (each a fresh connection, like a scheduled probe), at
//! most CONCURRENCY at once, and prints one JSON line with the checks per second and the
//! CPU seconds this process spent (user + system, from /proc/self/stat).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use vigie_probe::{check_for_target, Prober};

/// User + system CPU seconds of this process so far.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: bench_probes URL CHECKS CONCURRENCY";
    let url = args.next().ok_or(usage)?;
    let checks: usize = args
        .next()
        .ok_or(usage)?
        .parse()
        .map_err(|e| format!("CHECKS: {e}"))?;
    let concurrency: usize = args
        .next()
        .ok_or(usage)?
        .parse()
        .map_err(|e| format!("CONCURRENCY: {e}"))?;
    let spec =
        Arc::new(check_for_target(&url, Duration::from_secs(10)).map_err(|e| e.to_string())?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let prober = Arc::new(Prober::new());

    let ok = Arc::new(AtomicUsize::new(0));
    let cpu_before = cpu_seconds().ok_or("cannot read /proc/self/stat")?;
    let started = Instant::now();
    runtime.block_on(async {
        let semaphore = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..checks {
            let Ok(permit) = semaphore.clone().acquire_owned().await else {
                break;
            };
            let (prober, spec, ok) = (prober.clone(), spec.clone(), ok.clone());
            tasks.spawn(async move {
                if prober.run(&spec).await.ok {
                    ok.fetch_add(1, Ordering::Relaxed);
                }
                drop(permit);
            });
            // Reap finished tasks as we go so the set stays small.
            while tasks.try_join_next().is_some() {}
        }
        while tasks.join_next().await.is_some() {}
    });
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds().ok_or("cannot read /proc/self/stat")? - cpu_before;
    let ok = ok.load(Ordering::Relaxed);
    println!(
        "{{\"checks\":{checks},\"ok\":{ok},\"concurrency\":{concurrency},\"wall_s\":{wall:.3},\"cpu_s\":{cpu:.3},\"checks_per_s\":{:.1},\"cpu_s_per_1000\":{:.4}}}",
        checks as f64 / wall,
        cpu * 1000.0 / checks as f64
    );
    if ok != checks {
        return Err(format!("{} of {checks} checks failed", checks - ok));
    }
    Ok(())
}
