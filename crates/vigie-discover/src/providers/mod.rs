//! The providers' published IP lists: which files the catalogue ships (`catalog/providers/`),
//! where each comes from, and how each format maps to components.
//!
//! Mapping (docs/discovery.md has the full table):
//! - AWS `ip-ranges.json`: `CLOUDFRONT`/`CLOUDFRONT_ORIGIN_FACING` → `aws/cloudfront`;
//!   `GLOBALACCELERATOR` → `aws/global-accelerator`; `ROUTE53` → `aws/route53`; other entries
//!   in region `GLOBAL` → `aws`; `AMAZON` and `EC2` in a region → `aws/<region>`; any other
//!   service in a region → `aws/<region>/<service>` (`S3` → `aws/us-east-1/s3`). When one prefix
//!   is listed several times, the specific service beats `EC2`, which beats `AMAZON`.
//! - Azure service tags: `AzureCloud.<region>` → `azure/<region>`, `AzureCloud` → `azure`,
//!   `AzureFrontDoor.Frontend` and `.FirstParty` → `azure/front-door`; other tags are ignored
//!   (and dropped from the shipped copy).
//! - Google Cloud `cloud.json`: scope → `google-cloud/<scope>`; Google `goog.json` → `google`
//!   (ranked below cloud.json, so "in goog.json but not cloud.json" is Google's own service).
//! - Oracle → `oracle-cloud/<region>`; Cloudflare, Fastly, Akamai, DigitalOcean, Linode and
//!   Vultr → the provider; GitHub meta `pages` → `github/pages`, `web`/`api`/`git` → `github`.

mod parse;

use vigie_core::ComponentSpec;

use crate::iptable::RangeEntry;
pub use parse::ParseError;

/// Largest provider file accepted (the full Azure list is about 5 MB).
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;
/// Most ranges accepted from one file.
pub const MAX_ENTRIES: usize = 500_000;

/// The format of a provider file, which decides its parser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    AwsIpRanges,
    AzureServiceTags,
    GoogleCloud,
    GoogleGoog,
    PlainList,
    FastlyList,
    AkamaiDerived,
    Oracle,
    GeofeedCsv,
    VultrGeofeed,
    GithubMeta,
}

/// How to refresh one file from the provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refresh {
    /// GET the official URL; the body is the file.
    Direct,
    /// GET the official page and follow its link to `ServiceTags_Public_*.json` (Azure).
    AzureDownloadPage,
    /// No live source this tool can read (Akamai publishes a zip of a different list).
    None,
}

/// One shipped provider file.
#[derive(Clone, Copy, Debug)]
pub struct ProviderSource {
    /// Short name used on the command line (`aws`, `cloudflare-v4`).
    pub name: &'static str,
    /// File name under `catalog/providers/`.
    pub file: &'static str,
    /// The official URL a refresh reads.
    pub url: &'static str,
    pub format: Format,
    pub refresh: Refresh,
    /// Provider component for formats that name one provider only.
    pub component: &'static str,
    /// Evidence weight of a match in this list: a provider's own published list is strong,
    /// a geofeed or a derived list less so.
    pub weight: f64,
    /// The shipped bytes.
    pub shipped: &'static str,
}

macro_rules! shipped {
    ($file:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../catalog/providers/",
            $file
        ))
    };
}

/// Every provider file, in the order their ranges are loaded.
pub const SOURCES: &[ProviderSource] = &[
    ProviderSource {
        name: "aws",
        file: "aws-ip-ranges.json",
        url: "https://ip-ranges.amazonaws.com/ip-ranges.json",
        format: Format::AwsIpRanges,
        refresh: Refresh::Direct,
        component: "aws",
        weight: 0.9,
        shipped: shipped!("aws-ip-ranges.json"),
    },
    ProviderSource {
        name: "azure",
        file: "azure-service-tags.json",
        url: "https://www.microsoft.com/en-us/download/details.aspx?id=56519",
        format: Format::AzureServiceTags,
        refresh: Refresh::AzureDownloadPage,
        component: "azure",
        weight: 0.9,
        shipped: shipped!("azure-service-tags.json"),
    },
    ProviderSource {
        name: "gcp",
        file: "gcp-cloud.json",
        url: "https://www.gstatic.com/ipranges/cloud.json",
        format: Format::GoogleCloud,
        refresh: Refresh::Direct,
        component: "google-cloud",
        weight: 0.9,
        shipped: shipped!("gcp-cloud.json"),
    },
    ProviderSource {
        name: "google",
        file: "google-goog.json",
        url: "https://www.gstatic.com/ipranges/goog.json",
        format: Format::GoogleGoog,
        refresh: Refresh::Direct,
        component: "google",
        weight: 0.8,
        shipped: shipped!("google-goog.json"),
    },
    ProviderSource {
        name: "cloudflare-v4",
        file: "cloudflare-ips-v4.txt",
        url: "https://www.cloudflare.com/ips-v4",
        format: Format::PlainList,
        refresh: Refresh::Direct,
        component: "cloudflare",
        weight: 0.9,
        shipped: shipped!("cloudflare-ips-v4.txt"),
    },
    ProviderSource {
        name: "cloudflare-v6",
        file: "cloudflare-ips-v6.txt",
        url: "https://www.cloudflare.com/ips-v6",
        format: Format::PlainList,
        refresh: Refresh::Direct,
        component: "cloudflare",
        weight: 0.9,
        shipped: shipped!("cloudflare-ips-v6.txt"),
    },
    ProviderSource {
        name: "fastly",
        file: "fastly-public-ip-list.json",
        url: "https://api.fastly.com/public-ip-list",
        format: Format::FastlyList,
        refresh: Refresh::Direct,
        component: "fastly",
        weight: 0.9,
        shipped: shipped!("fastly-public-ip-list.json"),
    },
    ProviderSource {
        name: "akamai",
        file: "akamai-derived.json",
        url: "https://techdocs.akamai.com/property-manager/pdfs/akamai_ipv4_ipv6_CIDRs-txt.zip",
        format: Format::AkamaiDerived,
        refresh: Refresh::None,
        component: "akamai",
        weight: 0.7,
        shipped: shipped!("akamai-derived.json"),
    },
    ProviderSource {
        name: "oracle",
        file: "oracle-public-ip-ranges.json",
        url: "https://docs.oracle.com/en-us/iaas/tools/public_ip_ranges.json",
        format: Format::Oracle,
        refresh: Refresh::Direct,
        component: "oracle-cloud",
        weight: 0.9,
        shipped: shipped!("oracle-public-ip-ranges.json"),
    },
    ProviderSource {
        name: "digitalocean",
        file: "digitalocean-geo-google.csv",
        url: "https://digitalocean.com/geo/google.csv",
        format: Format::GeofeedCsv,
        refresh: Refresh::Direct,
        component: "digitalocean",
        weight: 0.85,
        shipped: shipped!("digitalocean-geo-google.csv"),
    },
    ProviderSource {
        name: "linode",
        file: "linode-geofeed.csv",
        url: "https://geoip.linode.com/",
        format: Format::GeofeedCsv,
        refresh: Refresh::Direct,
        component: "linode",
        weight: 0.85,
        shipped: shipped!("linode-geofeed.csv"),
    },
    ProviderSource {
        name: "vultr",
        file: "vultr-geofeed.json",
        url: "https://geofeed.constant.com/?json",
        format: Format::VultrGeofeed,
        refresh: Refresh::Direct,
        component: "vultr",
        weight: 0.85,
        shipped: shipped!("vultr-geofeed.json"),
    },
    ProviderSource {
        name: "github",
        file: "github-meta.json",
        url: "https://api.github.com/meta",
        format: Format::GithubMeta,
        refresh: Refresh::Direct,
        component: "github",
        weight: 0.9,
        shipped: shipped!("github-meta.json"),
    },
];

/// Finds a source by its short name.
pub fn source(name: &str) -> Option<&'static ProviderSource> {
    SOURCES.iter().find(|s| s.name == name)
}

/// What one provider file holds once parsed.
#[derive(Clone, Debug, Default)]
pub struct ParsedList {
    pub entries: Vec<RangeEntry>,
    /// Components the entries name that the static catalogue may not define (regions,
    /// regional services); the catalogue adds those it lacks.
    pub components: Vec<ComponentSpec>,
    /// The version or date written inside the file, if any (`createDate 2026-08-22-15-17-05`).
    pub snapshot: String,
    /// Special-purpose ranges (documentation, private…) the list holds and the parser skipped.
    pub skipped: usize,
}

impl ProviderSource {
    /// Parses this source's format from `text`; errors name the file and the place.
    pub fn parse(&self, text: &str) -> Result<ParsedList, ParseError> {
        parse::parse(self, text)
    }

    /// The bytes to store for a freshly fetched file: the body as served, except Azure's list,
    /// which keeps only the tags the mapping uses (the full list is 4–5 MB, the kept part ~0.5 MB).
    pub fn stored_form(&self, text: &str) -> Result<String, ParseError> {
        match self.format {
            Format::AzureServiceTags => parse::azure_compact(self, text),
            _ => Ok(text.to_string()),
        }
    }
}
