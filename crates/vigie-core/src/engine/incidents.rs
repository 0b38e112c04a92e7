//! Service incidents: a period when one service is impaired, with its timeline.
//!
//! An incident opens when its service becomes impaired, records its peak, and resolves once
//! the service has stayed unimpaired for `FusionParams::incident_resolve_hold_ms`; an
//! impairment within that hold continues the same incident instead of opening a new one.

use crate::model::State;
use crate::output::IncidentId;
use crate::time::Timestamp;

/// One service incident and its timeline.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceIncident {
    pub id: IncidentId,
    pub service: String,
    /// The earliest evidence of the impairment (first failed probe of the failing run, or
    /// the start of the surging report window), never later than `detected`.
    pub first_signal: Timestamp,
    /// When the engine concluded the service was impaired (the incident opened).
    pub detected: Timestamp,
    /// The worst state reached and when it was first reached.
    pub peak_state: State,
    pub peak_at: Timestamp,
    /// The most distinct reporters seen in one detector window during the incident.
    pub peak_reporters: u32,
    /// When the service last stopped being impaired (cleared when it is impaired again).
    pub recovered: Option<Timestamp>,
    /// When the incident resolved.
    pub resolved: Option<Timestamp>,
    /// The cause of the latest impaired state.
    pub cause: String,
    /// A component incident explaining this one, set by attribution.
    pub parent: Option<IncidentId>,
}

impl ServiceIncident {
    pub fn is_open(&self) -> bool {
        self.resolved.is_none()
    }
}
