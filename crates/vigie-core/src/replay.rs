//! The replay driver: pushes a stream of signals through an [`Engine`] with a simulated
//! clock. Pure: no files, no clock reads, no sleeping (pacing belongs to the binary).
//!
//! Time advances on a fixed grid of [`ReplayOptions::cadence_ms`] (10 s of simulated time
//! by default, aligned to multiples of the cadence since the epoch). Before a signal is
//! ingested, the engine is ticked at every grid point before the signal's time; a grid point
//! equal to it is ticked once every signal of that instant is in (when a later signal comes,
//! or at the end). After the last signal it is ticked on through
//! [`ReplayOptions::finish_at`] and once more at the end. So every output's `at` is at or
//! after the last signal the engine had seen when it concluded it, and earlier than one
//! cadence after the evidence that caused it (a minute's report batch, stamped on the minute,
//! is judged at that instant).

use crate::engine::Engine;
use crate::output::Output;
use crate::signal::Signal;
use crate::time::{Timestamp, SECOND_MS};

/// Simulated time between ticks, by default: the cadence `vigie serve` ticks the engine at
/// (its engine task uses this constant), so a replay dates each conclusion when production
/// would have drawn it. A coarser grid only delays conclusions (by half its step on average).
pub const DEFAULT_CADENCE_MS: i64 = SECOND_MS;

/// How to replay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayOptions {
    /// Simulated time between ticks (at least 1 ms).
    pub cadence_ms: i64,
    /// Outputs before this time are computed but not passed to the sink; the signals before
    /// it still feed the engine (they are the history its baselines learn from).
    pub from: Option<Timestamp>,
    /// Signals after this time are not read; replay ends here.
    pub until: Option<Timestamp>,
    /// Keep ticking after the last signal up to this time (e.g. the scenario's `end`).
    pub finish_at: Option<Timestamp>,
}

impl Default for ReplayOptions {
    fn default() -> Self {
        ReplayOptions {
            cadence_ms: DEFAULT_CADENCE_MS,
            from: None,
            until: None,
            finish_at: None,
        }
    }
}

/// What a replay did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReplaySummary {
    /// Signals ingested.
    pub signals: u64,
    pub ticks: u64,
    /// Outputs passed to the sink, in total and by type: service_state, incident_opened,
    /// incident_updated, incident_resolved.
    pub outputs: u64,
    pub service_states: u64,
    pub incidents_opened: u64,
    pub incidents_updated: u64,
    pub incidents_resolved: u64,
    pub first_signal: Option<Timestamp>,
    pub last_signal: Option<Timestamp>,
    /// The time of the last tick.
    pub last_tick: Option<Timestamp>,
}

struct Driver<'e, F> {
    engine: &'e mut Engine,
    options: ReplayOptions,
    sink: F,
    next_tick: Option<Timestamp>,
    summary: ReplaySummary,
}

impl<F: FnMut(&Output)> Driver<'_, F> {
    fn tick(&mut self, now: Timestamp) {
        let outputs = self.engine.tick(now);
        self.summary.ticks += 1;
        self.summary.last_tick = Some(now);
        for o in &outputs {
            if self.options.from.is_some_and(|from| o.at() < from) {
                continue;
            }
            self.summary.outputs += 1;
            match o {
                Output::ServiceState { .. } => self.summary.service_states += 1,
                Output::IncidentOpened { .. } => self.summary.incidents_opened += 1,
                Output::IncidentUpdated { .. } => self.summary.incidents_updated += 1,
                Output::IncidentResolved { .. } => self.summary.incidents_resolved += 1,
            }
            (self.sink)(o);
        }
    }

    /// Ticks at every grid point before `t` (`inclusive`: up to and including `t`). The
    /// first call only places the grid: its first point is the first at or after `t`.
    fn advance(&mut self, t: Timestamp, inclusive: bool) {
        let cadence = self.options.cadence_ms;
        let mut next = match self.next_tick {
            Some(n) => n,
            None => {
                let first = t.as_millis().div_euclid(cadence) * cadence;
                let first = if first < t.as_millis() {
                    first + cadence
                } else {
                    first
                };
                self.next_tick = Some(Timestamp::from_millis(first));
                return;
            }
        };
        while next < t || (inclusive && next == t) {
            self.tick(next);
            next = next.plus_millis(cadence);
        }
        self.next_tick = Some(next);
    }
}

/// Replays `signals` through `engine`, passing every output to `sink` in order. Stops at the
/// first error from the signal source and returns it.
pub fn replay<I, E, F>(
    engine: &mut Engine,
    signals: I,
    options: &ReplayOptions,
    sink: F,
) -> Result<ReplaySummary, E>
where
    I: IntoIterator<Item = Result<Signal, E>>,
    F: FnMut(&Output),
{
    let mut options = options.clone();
    options.cadence_ms = options.cadence_ms.max(1);
    let mut d = Driver {
        engine,
        options,
        sink,
        next_tick: None,
        summary: ReplaySummary::default(),
    };
    for signal in signals {
        let signal = signal?;
        let at = signal.at();
        if d.options.until.is_some_and(|until| at > until) {
            break;
        }
        // A grid point at exactly `at` is ticked once every signal of that instant is in.
        d.advance(at, false);
        d.engine.ingest(signal);
        d.summary.signals += 1;
        d.summary.first_signal.get_or_insert(at);
        d.summary.last_signal = Some(at);
    }
    // Finish: tick on through the requested end, then once at the very end.
    let mut end = d.summary.last_signal;
    if let Some(finish) = d.options.finish_at {
        end = Some(end.map_or(finish, |e| e.max(finish)));
    }
    if let (Some(until), Some(e)) = (d.options.until, end) {
        end = Some(e.min(until).max(d.summary.last_signal.unwrap_or(until)));
    }
    if let Some(end) = end {
        if d.next_tick.is_some() {
            d.advance(end, true);
        }
        if d.summary.last_tick != Some(end) {
            d.tick(end);
        }
    }
    Ok(d.summary)
}
