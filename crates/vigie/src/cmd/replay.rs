//! `vigie replay SCENARIO.jsonl`: runs the engine over a scenario with a simulated clock and
//! prints its conclusions as JSON lines (SCENARIO.md). Reading, pacing and printing live here;
//! the replay itself is `vigie_core::replay`, the same engine `vigie serve` runs.

use std::cell::RefCell;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use vigie_core::engine::{Engine, EngineParams};
use vigie_core::replay::{replay, ReplayOptions, DEFAULT_CADENCE_MS};
use vigie_core::scenario::{ScenarioError, ScenarioReader};
use vigie_core::{Signal, Timestamp};

#[derive(clap::Args)]
pub struct Args {
    /// The scenario file (SCENARIO.md); `-` reads standard input.
    scenario: PathBuf,
    /// Print only conclusions from this time on (RFC 3339); earlier signals still feed the
    /// engine's baselines.
    #[arg(long, value_parser = parse_time)]
    from: Option<Timestamp>,
    /// Stop at this time (RFC 3339): later signals are not read.
    #[arg(long, value_parser = parse_time)]
    until: Option<Timestamp>,
    /// Pace the replay in real time, N times faster than the recorded time (for demos).
    #[arg(long, value_parser = parse_speed)]
    speed: Option<f64>,
    /// Print counts and timings on stderr at the end.
    #[arg(long)]
    summary: bool,
    /// Simulated seconds between engine ticks.
    #[arg(long, default_value_t = DEFAULT_CADENCE_MS / 1000, value_parser = clap::value_parser!(i64).range(1..=3600))]
    tick_seconds: i64,
}

fn parse_time(text: &str) -> Result<Timestamp, String> {
    Timestamp::parse_rfc3339(text).map_err(|e| e.to_string())
}

fn parse_speed(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("{text:?} is not a positive number")),
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let name = args.scenario.display().to_string();
    let input: Box<dyn BufRead> = if args.scenario.as_os_str() == "-" {
        Box::new(BufReader::with_capacity(1 << 16, std::io::stdin().lock()))
    } else {
        let file = File::open(&args.scenario).with_context(|| format!("opening {name}"))?;
        Box::new(BufReader::with_capacity(1 << 16, file))
    };
    let started = Instant::now();
    let reader = ScenarioReader::new(input).with_context(|| format!("reading {name}"))?;
    let header = reader.header().clone();
    let mut engine = Engine::new(header.topology.clone(), EngineParams::default());
    let options = ReplayOptions {
        cadence_ms: args.tick_seconds * 1000,
        from: args.from,
        until: args.until,
        finish_at: header.end,
    };

    let stdout = std::io::stdout().lock();
    let out = RefCell::new(BufWriter::with_capacity(1 << 16, stdout));
    let write_error: RefCell<Option<std::io::Error>> = RefCell::new(None);
    let paced = args.speed.is_some();

    // The signal source stops early once stdout has failed (a closed pipe, say), and paces
    // itself when asked to.
    let mut pacer = args.speed.map(Pacer::new);
    let signals = reader
        .take_while(|_| write_error.borrow().is_none())
        .inspect(|s: &Result<Signal, ScenarioError>| {
            if let (Some(p), Ok(s)) = (pacer.as_mut(), s) {
                if let Err(e) = out.borrow_mut().flush() {
                    write_error.borrow_mut().get_or_insert(e);
                }
                p.wait_for(s.at());
            }
        });
    let result = replay(&mut engine, signals, &options, |o| {
        if write_error.borrow().is_some() {
            return;
        }
        let mut w = out.borrow_mut();
        let r = w
            .write_all(o.to_json_line().as_bytes())
            .and_then(|()| w.write_all(b"\n"))
            .and_then(|()| if paced { w.flush() } else { Ok(()) });
        if let Err(e) = r {
            write_error.borrow_mut().get_or_insert(e);
        }
    });
    let flushed = out.borrow_mut().flush();
    if let Some(e) = write_error.into_inner() {
        return Err(anyhow::Error::new(e).context("writing replay output"));
    }
    flushed.context("writing replay output")?;
    let summary = result.with_context(|| format!("reading {name}"))?;
    let elapsed = started.elapsed();

    if args.summary {
        let secs = elapsed.as_secs_f64().max(1e-9);
        let span = match (summary.first_signal, summary.last_signal) {
            (Some(a), Some(b)) => format!("{a} .. {b}"),
            _ => "no signals".into(),
        };
        eprintln!("scenario          {} ({name})", header.name);
        eprintln!("simulated span    {span}");
        eprintln!(
            "services          {} ({} components)",
            header.topology.services.len(),
            header.topology.components.len()
        );
        eprintln!("signals           {}", summary.signals);
        eprintln!(
            "ticks             {} (every {} s)",
            summary.ticks, args.tick_seconds
        );
        eprintln!("outputs           {}", summary.outputs);
        eprintln!("  service_state     {}", summary.service_states);
        eprintln!("  incident_opened   {}", summary.incidents_opened);
        eprintln!("  incident_updated  {}", summary.incidents_updated);
        eprintln!("  incident_resolved {}", summary.incidents_resolved);
        eprintln!("wall time         {:.3} s", secs);
        eprintln!(
            "throughput        {:.0} signals/s (reading, parsing and engine together)",
            summary.signals as f64 / secs
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Sleeps so that simulated time runs `speed` times faster than real time.
struct Pacer {
    speed: f64,
    origin: Option<(Timestamp, Instant)>,
}

impl Pacer {
    fn new(speed: f64) -> Self {
        Pacer {
            speed,
            origin: None,
        }
    }

    fn wait_for(&mut self, at: Timestamp) {
        let (t0, start) = *self.origin.get_or_insert((at, Instant::now()));
        let simulated_ms = at.millis_since(t0).max(0) as f64;
        let target = Duration::from_secs_f64(simulated_ms / 1000.0 / self.speed);
        let elapsed = start.elapsed();
        if target > elapsed {
            std::thread::sleep(target - elapsed);
        }
    }
}
