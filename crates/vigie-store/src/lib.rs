//! vigie-store owns persistence: the backend-neutral [`Store`] trait, its embedded SQLite
//! implementation, and a conformance suite every backend must pass.
