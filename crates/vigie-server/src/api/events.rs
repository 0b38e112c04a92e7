//! `GET /api/v1/events`: server-sent events of the engine's outputs as they happen.
//!
//! Each event's name is the output's `type` (`service_state`, `incident_opened`,
//! `incident_updated`, `incident_resolved`) and its data the output as JSON (the replay
//! line format). A subscriber that falls behind by more than the broadcast capacity gets a
//! `lagged` event saying how many it missed, then continues (pages reload their data). A
//! keep-alive comment goes out every 15 s so proxies keep the connection open.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{Stream, StreamExt};
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::BroadcastStream;
use vigie_core::Output;

use crate::state::AppState;

fn event_name(output: &Output) -> &'static str {
    match output {
        Output::ServiceState { .. } => "service_state",
        Output::IncidentOpened { .. } => "incident_opened",
        Output::IncidentUpdated { .. } => "incident_updated",
        Output::IncidentResolved { .. } => "incident_resolved",
    }
}

/// The SSE response.
pub async fn stream(
    State(state): State<AppState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = state.subscribe();
    let metrics_state = state.clone();
    let events = BroadcastStream::new(receiver).map(move |item| {
        let event = match item {
            Ok(output) => Event::default()
                .event(event_name(&output))
                .data(output.to_json_line()),
            Err(BroadcastStreamRecvError::Lagged(n)) => {
                metrics_state.metrics().sse_lagged(n);
                Event::default()
                    .event("lagged")
                    .data(format!("{{\"missed\":{n}}}"))
            }
        };
        Ok(event)
    });
    let hello =
        futures_util::stream::once(async { Ok(Event::default().event("hello").data("{}")) });
    Sse::new(hello.chain(events)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
