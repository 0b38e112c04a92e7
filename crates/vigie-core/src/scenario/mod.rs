//! Scenario files (SCENARIO.md, version 1): the header, a streaming reader of events and a
//! writer.
//!
//! This module owns the on-disk form of a scenario and nothing else. The reader works over any
//! [`std::io::BufRead`] one line at a time in constant memory (scenarios can be gigabytes):
//! [`ScenarioReader::new`] reads and validates the header, then the reader is an iterator of
//! [`Signal`](crate::Signal)s. Every problem is a [`ScenarioError`] naming the line and what is
//! wrong with it. The writer turns a header and signals back into lines, so generators and
//! recorders produce files the reader accepts.

mod error;
mod header;
mod reader;
mod writer;

pub use error::{Problem, ScenarioError};
pub use header::ScenarioHeader;
pub use reader::{ScenarioReader, MAX_EVENT_LINE_BYTES, MAX_HEADER_BYTES};
pub use writer::{header_line, signal_line, ScenarioWriter};
