//! vigie-server owns the HTTP edge (pages, JSON API, report intake, SSE, metrics) and the
//! `serve` runtime that wires probes, the engine and the store together.
