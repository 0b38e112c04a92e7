-- vigie schema, version 1. Times are INTEGER milliseconds since the Unix epoch (UTC).
-- Applied once, inside one transaction, by the SQLite backend's migration runner; never
-- edit a released migration: add 0002_*.sql instead.

-- Raw probe results, kept for the raw retention (48 h by default).
CREATE TABLE probe_result (
    id          INTEGER PRIMARY KEY,
    service     TEXT    NOT NULL,
    check_id    TEXT    NOT NULL,
    vantage     TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    ok          INTEGER NOT NULL,
    slow        INTEGER NOT NULL,
    latency_ms  REAL,
    error       TEXT,
    status      INTEGER,
    detail      TEXT
);
CREATE INDEX probe_result_service_at ON probe_result (service, at);
CREATE INDEX probe_result_at ON probe_result (at);

-- Per-minute aggregates per service, check and vantage, kept 90 days by default.
-- lat_hist holds the latency histogram of vigie_store::latency (little-endian u32 counts).
CREATE TABLE probe_minute (
    service     TEXT    NOT NULL,
    check_id    TEXT    NOT NULL,
    vantage     TEXT    NOT NULL,
    minute      INTEGER NOT NULL,
    count       INTEGER NOT NULL,
    failures    INTEGER NOT NULL,
    slow        INTEGER NOT NULL,
    lat_count   INTEGER NOT NULL,
    lat_sum     REAL    NOT NULL,
    lat_min     REAL,
    lat_max     REAL,
    lat_hist    BLOB    NOT NULL,
    PRIMARY KEY (service, minute, check_id, vantage)
) WITHOUT ROWID;
CREATE INDEX probe_minute_minute ON probe_minute (minute);

-- The latest result of each check from each vantage, whatever the raw retention.
CREATE TABLE probe_last (
    service     TEXT    NOT NULL,
    check_id    TEXT    NOT NULL,
    vantage     TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    ok          INTEGER NOT NULL,
    slow        INTEGER NOT NULL,
    latency_ms  REAL,
    error       TEXT,
    status      INTEGER,
    detail      TEXT,
    PRIMARY KEY (service, check_id, vantage)
) WITHOUT ROWID;

CREATE TABLE state_transition (
    id          INTEGER PRIMARY KEY,
    service     TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    state       TEXT    NOT NULL,
    previous    TEXT    NOT NULL,
    cause       TEXT    NOT NULL
);
CREATE INDEX state_transition_service_at ON state_transition (service, at, id);

CREATE TABLE incident (
    id          INTEGER PRIMARY KEY,
    scope       TEXT    NOT NULL,
    service     TEXT,
    component   TEXT,
    title       TEXT    NOT NULL,
    opened_at   INTEGER NOT NULL,
    detected_at INTEGER NOT NULL,
    peak_at     INTEGER,
    resolved_at INTEGER,
    confidence  REAL,
    services    TEXT    NOT NULL, -- JSON array of service ids, in order
    parent      INTEGER,
    explanation TEXT
);
CREATE INDEX incident_opened ON incident (opened_at, id);

-- One row per (incident, affected service), for the service filter.
CREATE TABLE incident_service (
    incident_id INTEGER NOT NULL REFERENCES incident (id) ON DELETE CASCADE,
    service     TEXT    NOT NULL,
    PRIMARY KEY (service, incident_id)
) WITHOUT ROWID;

CREATE TABLE incident_timeline (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incident (id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    text        TEXT    NOT NULL
);
CREATE INDEX incident_timeline_incident ON incident_timeline (incident_id, at, id);

-- Crowd reports. AUTOINCREMENT so an id is never reused, even after the newest rows are
-- deleted. reporter is an opaque salted hash, never an IP address.
CREATE TABLE report (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    service     TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    region      TEXT,
    note        TEXT,
    reporter    TEXT    NOT NULL,
    counted     INTEGER NOT NULL
);
CREATE INDEX report_service_at ON report (service, at);
CREATE INDEX report_counted_at ON report (at) WHERE counted = 1;

-- Running totals per service (duplicates included), so reports_total is O(1).
CREATE TABLE report_total (
    service     TEXT    PRIMARY KEY,
    total       INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE dependency (
    service     TEXT    NOT NULL,
    target      TEXT    NOT NULL,
    origin      TEXT    NOT NULL,
    confidence  REAL    NOT NULL,
    evidence    TEXT    NOT NULL, -- JSON array of strings
    first_seen  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    PRIMARY KEY (service, target, origin)
) WITHOUT ROWID;

CREATE TABLE dependency_change (
    id              INTEGER PRIMARY KEY,
    at              INTEGER NOT NULL,
    service         TEXT    NOT NULL,
    target          TEXT    NOT NULL,
    origin          TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    old_confidence  REAL,
    new_confidence  REAL,
    evidence        TEXT    NOT NULL -- JSON array of strings
);
CREATE INDEX dependency_change_at ON dependency_change (at, id);
CREATE INDEX dependency_change_service ON dependency_change (service, at, id);

CREATE TABLE meta (
    key         TEXT    PRIMARY KEY,
    value       TEXT    NOT NULL
) WITHOUT ROWID;
