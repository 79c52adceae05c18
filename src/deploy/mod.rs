//! `policypress deploy`: publishes `public/` to object storage (S3 and
//! S3-compatible stores, Aliyun OSS, Tencent COS) or a directory, uploading
//! only what changed.
//!
//! The target holds two bookkeeping objects beside the site:
//! [`MANIFEST_OBJECT`], the SHA-256 of every file the last deploy published,
//! and [`PENDING_OBJECT`], which exists while a deploy is changing the
//! target. A run reads the manifest and uploads the files whose hash
//! differs. When the manifest is missing, `--force` is given, or the pending
//! marker shows that the last deploy was interrupted, it instead lists the
//! target and compares sizes and MD5s (the ETag of an object uploaded in one
//! request), so a resumed deploy uploads only what is still missing or
//! wrong.
//!
//! Order: assets and search shards, then pages, then
//! `search/manifest.json`, then the manifest object, then deletes; a visitor
//! at any moment sees either the old or the new version of each page, and
//! every page finds what it links to.

pub mod headers;
pub mod local;
pub mod plan;
mod target;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use md5::{Digest, Md5};
use opendal::{ErrorKind, Operator};

use crate::config::{Config, ConfigError, DeployTarget, TargetKind};
use crate::layout::SiteLayout;
use plan::{MANIFEST_FORMAT, Manifest, Plan, Remote, RemoteObject};

/// The last deploy's file hashes, at the top of the target's prefix.
pub const MANIFEST_OBJECT: &str = ".policypress-deploy.json";
/// Present while a deploy is changing the target.
pub const PENDING_OBJECT: &str = ".policypress-deploy.pending";

#[derive(Debug, Clone)]
pub struct DeployOptions {
    /// Site root holding `config.toml` and `public/`.
    pub root: PathBuf,
    /// A name under `[deploy.targets]`; `None`: the default or only one.
    pub target: Option<String>,
    /// Print the plan; change nothing.
    pub dry_run: bool,
    /// Verify against the target's listing instead of trusting its manifest.
    pub force: bool,
    /// Most files the deploy may delete; `None`: [`plan::default_delete_cap`].
    pub max_deletes: Option<usize>,
    /// No progress bar.
    pub quiet: bool,
}

#[derive(Debug, Clone)]
pub struct DeployReport {
    pub target: String,
    pub plan: Plan,
    /// The plan came from the target's listing, not its manifest.
    pub verified: bool,
    /// The last deploy had been interrupted.
    pub resumed: bool,
    pub dry_run: bool,
    /// Requests that failed with a 5xx or a timeout and were sent again.
    pub retries: usize,
    pub elapsed: Duration,
}

impl DeployReport {
    /// One line: what was (or would be) uploaded and deleted.
    pub fn summary(&self) -> String {
        let plan = &self.plan;
        let verb = if self.dry_run { "would upload" } else { "uploaded" };
        let deleted = if self.dry_run { "would delete" } else { "deleted" };
        let search = match plan.superseded_search_files {
            0 => String::new(),
            n => format!(" ({n} of an old search generation)"),
        };
        let retried = match self.retries {
            0 => String::new(),
            1 => ", 1 request retried after a server error or timeout".to_string(),
            n => format!(", {n} requests retried after a server error or timeout"),
        };
        format!(
            "{}{}{verb} {} files ({} new, {} changed; {:.1} MB), {deleted} {}{search}, {} unchanged{retried}, in {:.2?}",
            if self.resumed { "resumed an interrupted deploy; " } else { "" },
            if self.verified { "compared with the target's listing; " } else { "" },
            plan.uploads.len(),
            plan.new_files(),
            plan.uploads.len() - plan.new_files(),
            plan.upload_bytes() as f64 / 1e6,
            plan.deletes.len(),
            plan.unchanged,
            self.elapsed
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("config.toml has no deploy target; add a [deploy.targets.NAME] table (see README, Deploy)")]
    NoTargets,
    #[error("config.toml has several deploy targets ({names}); choose one with --target or set deploy.default_target")]
    Ambiguous { names: String },
    #[error("config.toml has no deploy target `{name}`; targets: {names}")]
    UnknownTarget { name: String, names: String },
    #[error("deploy target `{name}`: {message}")]
    Target { name: String, message: String },
    #[error("{}: {message}", path.display())]
    Local { path: PathBuf, message: String },
    #[error("{}: no built site to deploy; run `policypress build` first", .0.display())]
    NoSite(PathBuf),
    #[error("deploy target `{target}`: access denied (403) while trying to {action}; {fix}")]
    Denied { target: String, action: String, fix: String },
    #[error("deploy target `{target}`: {what} does not exist; {fix}")]
    Missing { target: String, what: String, fix: String },
    #[error("deploy target `{target}`: cannot {action}: {message}")]
    Storage { target: String, action: String, message: String },
    #[error(
        "deploy target `{target}`: stopped before changing anything: the plan deletes {planned} files, more than the limit of {cap}; if that is intended, run again with --max-deletes {planned}"
    )]
    TooManyDeletes { target: String, planned: usize, cap: usize },
}

/// Runs a deploy; see the module doc.
pub fn deploy(options: &DeployOptions) -> Result<DeployReport, DeployError> {
    let started = Instant::now();
    let layout = SiteLayout::new(&options.root);
    let config = Config::load(&layout)?;
    let (name, target) = choose_target(&config, options.target.as_deref())?;
    let public = layout.output();
    let files = local::list(&public).map_err(|_| DeployError::NoSite(public.clone()))?;
    if !files.iter().any(|(key, _)| key == "index.html") {
        // An empty or half-built directory would delete the whole site.
        return Err(DeployError::NoSite(public));
    }
    if target.kind == TargetKind::Fs
        && let Some(dir) = &target.dir
        && !options.root.join(dir).is_dir()
    {
        return Err(DeployError::Missing {
            target: name,
            what: format!("directory {}", options.root.join(dir).display()),
            fix: "create it (or mount the share) first".into(),
        });
    }
    let retries = Arc::new(AtomicUsize::new(0));
    let operator = target::operator(&name, &target, &options.root, retries.clone())?;
    install_transport();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|err| {
        DeployError::Target { name: name.clone(), message: format!("cannot start the I/O runtime: {err}") }
    })?;
    let deployer = Deployer { name: &name, target: &target, operator, options, public: &public };
    let mut report = runtime.block_on(deployer.run(&files))?;
    report.retries = retries.load(Ordering::Relaxed);
    report.elapsed = started.elapsed();
    Ok(report)
}

fn choose_target(config: &Config, wanted: Option<&str>) -> Result<(String, DeployTarget), DeployError> {
    let targets = &config.deploy.targets;
    let names = || targets.keys().map(String::as_str).collect::<Vec<_>>().join(", ");
    let name = match wanted.or(config.deploy.default_target.as_deref()) {
        Some(name) => name.to_string(),
        None if targets.is_empty() => return Err(DeployError::NoTargets),
        None if targets.len() > 1 => return Err(DeployError::Ambiguous { names: names() }),
        None => targets.keys().next().cloned().unwrap_or_default(),
    };
    match targets.get(&name) {
        Some(target) => Ok((name, target.clone())),
        None if targets.is_empty() => Err(DeployError::NoTargets),
        None => Err(DeployError::UnknownTarget { name, names: names() }),
    }
}

/// Installs the HTTP client OpenDAL's services use (reqwest) and the TLS
/// library's cryptography (ring, which needs no C++/CMake toolchain, unlike
/// rustls' default). OpenDAL leaves both to the application.
pub fn install_transport() {
    // Fails only when a provider is already installed, which is as good.
    let _ = rustls::crypto::ring::default_provider().install_default();
    opendal::HttpTransporter::install_default(opendal_http_transport_reqwest::ReqwestTransport::default());
}

struct Deployer<'a> {
    name: &'a str,
    target: &'a DeployTarget,
    operator: Operator,
    options: &'a DeployOptions,
    public: &'a Path,
}

impl Deployer<'_> {
    async fn run(&self, files: &[(String, PathBuf)]) -> Result<DeployReport, DeployError> {
        // One listing of the top level: it tells a missing bucket (404) and
        // bad credentials (403) apart from an empty target, and whether the
        // last deploy finished.
        let top = self.operator.list("/").await.map_err(|err| self.list_error(&err))?;
        let holds = |name: &str| top.iter().any(|e| e.path() == name);
        let resumed = holds(PENDING_OBJECT);
        let manifest =
            if holds(MANIFEST_OBJECT) && !resumed && !self.options.force { self.read_manifest().await? } else { None };
        let site_objects =
            top.iter().filter(|e| !matches!(e.path(), "/" | "" | MANIFEST_OBJECT | PENDING_OBJECT)).count();
        let (remote, verified) = match manifest {
            Some(manifest) => (Remote::Manifest(manifest), false),
            None if site_objects == 0 => (Remote::Listing(Vec::new()), false),
            None => (Remote::Listing(self.listing().await?), true),
        };
        let gzip = self.target.gzip;
        let local_files = local::describe(files, gzip, verified)?;
        let plan = plan::plan(&local_files, &remote, gzip);
        let cap = self.options.max_deletes.unwrap_or_else(|| plan::default_delete_cap(plan.remote_files));
        let mut report = DeployReport {
            target: self.name.to_string(),
            plan,
            verified,
            resumed,
            dry_run: self.options.dry_run,
            retries: 0,
            elapsed: Duration::ZERO,
        };
        let over_cap = report.plan.capped_deletes() > cap;
        if over_cap && !self.options.dry_run {
            return Err(DeployError::TooManyDeletes {
                target: self.name.to_string(),
                planned: report.plan.capped_deletes(),
                cap,
            });
        }
        if self.options.dry_run {
            if over_cap {
                eprintln!(
                    "warning: a deploy would stop: it deletes {} files, more than the limit of {cap} (--max-deletes)",
                    report.plan.capped_deletes()
                );
            }
            return Ok(report);
        }
        if report.plan.is_empty() && !resumed && manifest_current(&remote, gzip) {
            return Ok(report);
        }
        self.write(PENDING_OBJECT, Vec::new(), "application/octet-stream").await?;
        self.upload_all(&report.plan).await?;
        let manifest = Manifest {
            format: MANIFEST_FORMAT,
            gzip,
            files: local_files.into_iter().map(|f| (f.path, f.sha256)).collect(),
        };
        let json = serde_json::to_vec(&manifest).map_err(|err| self.storage("encode the manifest", err))?;
        self.write(MANIFEST_OBJECT, json, "application/json").await?;
        self.delete_all(&report.plan.deletes).await?;
        self.operator.delete(PENDING_OBJECT).await.map_err(|err| self.error("delete the pending marker", &err))?;
        report.resumed = resumed;
        Ok(report)
    }

    async fn read_manifest(&self) -> Result<Option<Manifest>, DeployError> {
        let bytes = self.operator.read(MANIFEST_OBJECT).await.map_err(|err| self.error("read the manifest", &err))?;
        // A manifest that does not parse (another tool's, a newer format) is
        // replaced after verifying against the listing.
        Ok(serde_json::from_slice(&bytes.to_vec()).ok())
    }

    /// Every object under the prefix, with its MD5 from the ETag, or from
    /// its bytes where the store gives none (a directory target).
    async fn listing(&self) -> Result<Vec<RemoteObject>, DeployError> {
        let entries = self.operator.list_with("/").recursive(true).await.map_err(|err| self.list_error(&err))?;
        let wanted: Vec<_> = entries
            .into_iter()
            .filter(|e| e.metadata().is_file() && e.path() != MANIFEST_OBJECT && e.path() != PENDING_OBJECT)
            .collect();
        let objects = futures_util::stream::iter(wanted)
            .map(|entry| async move {
                let meta = entry.metadata();
                let md5 = meta.etag().map(|e| e.trim_matches('"').to_ascii_lowercase());
                match md5.filter(|e| e.len() == 32 && e.bytes().all(|b| b.is_ascii_hexdigit())) {
                    Some(md5) => {
                        Ok(RemoteObject { path: entry.path().to_string(), size: meta.content_length(), md5: Some(md5) })
                    }
                    None if meta.etag().is_none() => {
                        let bytes = self
                            .operator
                            .read(entry.path())
                            .await
                            .map_err(|err| self.error(&format!("read {}", entry.path()), &err))?
                            .to_vec();
                        Ok(RemoteObject {
                            path: entry.path().to_string(),
                            size: bytes.len() as u64,
                            md5: Some(crate::text::hex(&Md5::digest(&bytes))),
                        })
                    }
                    // A multipart ETag is no content hash: upload again.
                    None => Ok(RemoteObject { path: entry.path().to_string(), size: meta.content_length(), md5: None }),
                }
            })
            .buffer_unordered(self.target.concurrency)
            .collect::<Vec<Result<RemoteObject, DeployError>>>()
            .await;
        objects.into_iter().collect()
    }

    async fn upload_all(&self, plan: &Plan) -> Result<(), DeployError> {
        let bar = progress(plan.uploads.len(), self.options.quiet);
        let mut start = 0;
        // Each phase finishes before the next begins.
        while start < plan.uploads.len() {
            let phase = plan.uploads[start].phase;
            let end =
                plan.uploads[start..].iter().position(|u| u.phase != phase).map_or(plan.uploads.len(), |n| start + n);
            let mut uploads = futures_util::stream::iter(&plan.uploads[start..end])
                .map(|upload| self.upload(&upload.path))
                .buffer_unordered(self.target.concurrency);
            while let Some(result) = uploads.next().await {
                result?;
                bar.inc(1);
            }
            start = end;
        }
        bar.finish_and_clear();
        Ok(())
    }

    async fn upload(&self, key: &str) -> Result<(), DeployError> {
        let bytes = local::read(&self.public.join(key))?;
        let headers = headers::headers(key);
        let compressed = self.target.gzip && headers.compressible;
        let body = local::body(key, bytes, self.target.gzip);
        let mut write =
            self.operator.write_with(key, body).content_type(headers.content_type).cache_control(headers.cache_control);
        if compressed {
            write = write.content_encoding("gzip");
        }
        write.await.map_err(|err| self.error(&format!("upload {key}"), &err))?;
        Ok(())
    }

    async fn write(&self, key: &str, body: Vec<u8>, content_type: &str) -> Result<(), DeployError> {
        self.operator
            .write_with(key, body)
            .content_type(content_type)
            .cache_control(headers::NO_CACHE)
            .await
            .map_err(|err| self.error(&format!("write {key}"), &err))?;
        Ok(())
    }

    async fn delete_all(&self, paths: &[String]) -> Result<(), DeployError> {
        if paths.is_empty() {
            return Ok(());
        }
        // Stores that take batch deletes (S3 DeleteObjects, up to 1,000 keys
        // a request) get them; OpenDAL splits the batches.
        self.operator
            .delete_iter(paths.iter().map(String::as_str))
            .await
            .map_err(|err| self.error("delete old files", &err))
    }

    fn list_error(&self, err: &opendal::Error) -> DeployError {
        // S3, OSS and COS all answer `NoSuchBucket`; OpenDAL files it under
        // ConfigInvalid rather than NotFound.
        if err.kind() == ErrorKind::NotFound || err.to_string().contains("NoSuchBucket") {
            let (what, fix) = match self.target.kind {
                TargetKind::Fs => ("the directory".to_string(), "create it (or mount the share) first"),
                _ => (
                    format!("bucket `{}`", self.target.bucket),
                    "create it, or fix `bucket` and `endpoint` in config.toml",
                ),
            };
            return DeployError::Missing { target: self.name.to_string(), what, fix: fix.to_string() };
        }
        self.error("list the target", err)
    }

    fn error(&self, action: &str, err: &opendal::Error) -> DeployError {
        target::storage_error(self.name, self.target.kind, action, err)
    }

    fn storage(&self, action: &str, err: impl std::fmt::Display) -> DeployError {
        DeployError::Storage { target: self.name.to_string(), action: action.to_string(), message: err.to_string() }
    }
}

/// Whether the target's manifest already describes this deploy's settings,
/// so that a deploy with nothing to upload or delete need not rewrite it.
fn manifest_current(remote: &Remote, gzip: bool) -> bool {
    matches!(remote, Remote::Manifest(m) if m.format == MANIFEST_FORMAT && m.gzip == gzip)
}

fn progress(len: usize, quiet: bool) -> indicatif::ProgressBar {
    if quiet || len == 0 {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} uploads") {
        bar.set_style(style);
    }
    bar
}
