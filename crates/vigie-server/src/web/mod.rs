//! The web edge people see: HTML pages (overview, service, component, incident), status
//! badges, the Atom feed of incidents, the Atlassian Statuspage v2 JSON documents, and the
//! static assets (style sheet, the small enhancement script).
//!
//! Rendering is pure: handlers build view models ([`view`]) from the server's state and the
//! store, then call a renderer. Every user-controlled string goes through [`html::esc`].
//! Words come from the message catalogues ([`i18n`]).

pub mod assets;
pub mod atom;
pub mod badge;
pub mod html;
pub mod i18n;
pub mod pages;
pub mod routes;
pub mod statuspage;
pub mod svg;
pub mod view;

pub use routes::routes;
