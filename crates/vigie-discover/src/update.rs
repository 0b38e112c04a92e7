//! Refreshing `catalog/providers/` from the providers' official URLs (or from a directory of
//! raw files, which is how the shipped snapshot is made reproducibly).
//!
//! Every file is fetched and validated with the same parser the catalogue uses before anything
//! is written; then each file is written to a temporary name and renamed over the old one. A
//! source that fails leaves every file as it was.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::fetch;
use crate::providers::{ProviderSource, Refresh, MAX_FILE_BYTES, SOURCES};

/// What to refresh and where.
#[derive(Clone, Debug)]
pub struct UpdateOptions {
    /// The directory to write (`catalog/providers`).
    pub dir: PathBuf,
    /// Source names to refresh (`aws`, `cloudflare-v4`, …); empty means all that can be.
    pub only: Vec<String>,
    /// Replacement URLs by source name (tests point these at a local server).
    pub urls: BTreeMap<String, String>,
    /// Bound on each download.
    pub timeout: Duration,
}

impl UpdateOptions {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        UpdateOptions {
            dir: dir.into(),
            only: Vec::new(),
            urls: BTreeMap::new(),
            timeout: Duration::from_secs(60),
        }
    }
}

/// What happened to one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileUpdate {
    pub source: &'static str,
    pub file: &'static str,
    /// Where the bytes came from (URL or path).
    pub from: String,
    pub ranges: usize,
    /// The version or date inside the new file.
    pub snapshot: String,
    /// Whether the stored bytes changed.
    pub changed: bool,
}

/// Why a refresh failed; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error("unknown provider source `{0}` (known: {known})", known = known_sources())]
    UnknownSource(String),
    #[error("`{0}` has no live source this tool can read; its shipped copy stays")]
    NotRefreshable(String),
    #[error("{source_name}: {message}")]
    Fetch {
        source_name: String,
        message: String,
    },
    #[error(transparent)]
    Invalid(#[from] crate::providers::ParseError),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

fn known_sources() -> String {
    SOURCES
        .iter()
        .map(|s| s.name)
        .collect::<Vec<_>>()
        .join(", ")
}

fn selected(only: &[String], live: bool) -> Result<Vec<&'static ProviderSource>, UpdateError> {
    if only.is_empty() {
        return Ok(SOURCES
            .iter()
            .filter(|s| !live || s.refresh != Refresh::None)
            .collect());
    }
    only.iter()
        .map(|name| {
            let source = crate::providers::source(name)
                .ok_or_else(|| UpdateError::UnknownSource(name.clone()))?;
            if live && source.refresh == Refresh::None {
                return Err(UpdateError::NotRefreshable(name.clone()));
            }
            Ok(source)
        })
        .collect()
}

/// Downloads the selected lists from their official URLs, validates them all, then replaces
/// the files in `options.dir`.
pub async fn update_from_urls(options: &UpdateOptions) -> Result<Vec<FileUpdate>, UpdateError> {
    let mut fetched = Vec::new();
    for source in selected(&options.only, true)? {
        let url = options
            .urls
            .get(source.name)
            .cloned()
            .unwrap_or_else(|| source.url.to_string());
        tracing::info!(source = source.name, %url, "fetching");
        let body = fetch_source(source, &url, options.timeout).await?;
        fetched.push((source, url, body));
    }
    store(&options.dir, fetched)
}

/// Reads the selected lists as raw files (named as in `catalog/providers/`) from `from`,
/// validates them all, then replaces the files in `options.dir`. This is how the shipped
/// snapshot is made from the raw downloads (see catalog/providers/SOURCES.md).
pub fn update_from_dir(
    from: &Path,
    options: &UpdateOptions,
) -> Result<Vec<FileUpdate>, UpdateError> {
    let mut read = Vec::new();
    for source in selected(&options.only, false)? {
        let path = from.join(source.file);
        let text = read_limited(&path)?;
        read.push((source, path.display().to_string(), text));
    }
    store(&options.dir, read)
}

fn read_limited(path: &Path) -> Result<String, UpdateError> {
    let io = |source| UpdateError::Io {
        path: path.display().to_string(),
        source,
    };
    let len = std::fs::metadata(path).map_err(io)?.len();
    if len > MAX_FILE_BYTES as u64 {
        return Err(io(std::io::Error::other(format!(
            "{len} bytes is more than the {MAX_FILE_BYTES}-byte limit"
        ))));
    }
    std::fs::read_to_string(path).map_err(io)
}

async fn fetch_source(
    source: &ProviderSource,
    url: &str,
    timeout: Duration,
) -> Result<String, UpdateError> {
    let fail = |message: String| UpdateError::Fetch {
        source_name: source.name.to_string(),
        message,
    };
    let get = |url: String| async move {
        let body = fetch::get(&url, timeout, MAX_FILE_BYTES)
            .await
            .map_err(|e| e.to_string())?;
        String::from_utf8(body.to_vec()).map_err(|e| format!("GET {url}: body is not UTF-8: {e}"))
    };
    let direct = source.refresh == Refresh::Direct
        || url
            .split(['?', '#'])
            .next()
            .is_some_and(|path| path.ends_with(".json"));
    if direct {
        return get(url.to_string()).await.map_err(fail);
    }
    // Azure: the download page links to this week's ServiceTags_Public_YYYYMMDD.json.
    let page = get(url.to_string()).await.map_err(fail)?;
    let link = azure_download_link(&page).ok_or_else(|| {
        fail(format!(
            "the page at {url} links to no ServiceTags_Public_*.json (page layout changed?)"
        ))
    })?;
    tracing::info!(source = source.name, %link, "following the download link");
    get(link).await.map_err(fail)
}

/// The first `http(s)://…ServiceTags_Public_….json` link in a page.
pub fn azure_download_link(page: &str) -> Option<String> {
    let mut rest = page;
    while let Some(at) = rest.find("ServiceTags_Public") {
        let before = &rest[..at];
        let start = before
            .rfind(['"', '\'', ' ', '(', '>'])
            .map_or(0, |i| i + 1);
        let after = &rest[at..];
        let end = after
            .find(['"', '\'', ' ', ')', '<'])
            .unwrap_or(after.len());
        let candidate = format!("{}{}", &before[start..], &after[..end]);
        if (candidate.starts_with("https://") || candidate.starts_with("http://"))
            && candidate.ends_with(".json")
        {
            return Some(candidate);
        }
        rest = &after["ServiceTags_Public".len()..];
    }
    None
}

fn store(
    dir: &Path,
    inputs: Vec<(&'static ProviderSource, String, String)>,
) -> Result<Vec<FileUpdate>, UpdateError> {
    // Validate and transform everything before touching the directory.
    let mut ready = Vec::with_capacity(inputs.len());
    for (source, from, text) in inputs {
        let stored = source.stored_form(&text)?;
        let parsed = source.parse(&stored)?;
        ready.push((source, from, stored, parsed));
    }
    std::fs::create_dir_all(dir).map_err(|e| UpdateError::Io {
        path: dir.display().to_string(),
        source: e,
    })?;
    let mut report = Vec::with_capacity(ready.len());
    for (source, from, stored, parsed) in ready {
        let path = dir.join(source.file);
        let io = |e| UpdateError::Io {
            path: path.display().to_string(),
            source: e,
        };
        let old = std::fs::read(&path).ok();
        let changed = old.as_deref() != Some(stored.as_bytes());
        if changed {
            let tmp = dir.join(format!(".{}.tmp", source.file));
            std::fs::write(&tmp, stored.as_bytes()).map_err(io)?;
            std::fs::rename(&tmp, &path).map_err(io)?;
        }
        report.push(FileUpdate {
            source: source.name,
            file: source.file,
            from,
            ranges: parsed.entries.len(),
            snapshot: parsed.snapshot,
            changed,
        });
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_azure_download_link() {
        let page = r#"<a href="https://download.microsoft.com/download/7/1/d/71d86715-5596-4529-9b13-da13a5de5b63/ServiceTags_Public_20261116.json" class="x">Download</a>"#;
        assert_eq!(
            azure_download_link(page).as_deref(),
            Some("https://download.microsoft.com/download/7/1/d/71d86715-5596-4529-9b13-da13a5de5b63/ServiceTags_Public_20261116.json")
        );
        assert_eq!(
            azure_download_link("<p>ServiceTags_Public is great</p>"),
            None
        );
    }

    #[test]
    fn unknown_and_unrefreshable_sources_are_named() {
        let err = selected(&["nope".into()], true).expect_err("unknown");
        assert!(err.to_string().contains("nope"), "{err}");
        let err = selected(&["akamai".into()], true).expect_err("no live source");
        assert!(err.to_string().contains("akamai"), "{err}");
        assert!(selected(&["akamai".into()], false).is_ok());
    }
}
