//! A configured target as an OpenDAL operator, with credentials from the
//! environment only, and storage errors as messages a user can act on.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use opendal::layers::{RetryEvent, RetryLayer, TimeoutLayer};
use opendal::{ErrorKind, Operator, services};

use super::DeployError;
use crate::config::{DeployTarget, TargetKind};

/// The environment variables holding a kind's key ID and secret.
pub fn credential_vars(kind: TargetKind) -> Option<[&'static str; 2]> {
    match kind {
        TargetKind::S3 => Some(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]),
        TargetKind::Oss => Some(["ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"]),
        TargetKind::Cos => Some(["TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY"]),
        TargetKind::Fs => None,
    }
}

/// Builds the operator for target `name`; `root` is the site root that an
/// `fs` target's `dir` is relative to. Every retried request adds one to
/// `retries`.
pub fn operator(
    name: &str,
    target: &DeployTarget,
    root: &Path,
    retries: Arc<AtomicUsize>,
) -> Result<Operator, DeployError> {
    let invalid = |message: String| DeployError::Target { name: name.to_string(), message };
    if target.kind != TargetKind::Fs && target.bucket.is_empty() {
        return Err(invalid("set `bucket` in its [deploy.targets] table in config.toml".into()));
    }
    if matches!(target.kind, TargetKind::Oss | TargetKind::Cos) && target.endpoint.is_empty() {
        return Err(invalid(format!(
            "set `endpoint` in config.toml, e.g. {}",
            if target.kind == TargetKind::Oss {
                "https://oss-cn-hangzhou.aliyuncs.com"
            } else {
                "https://cos.ap-guangzhou.myqcloud.com"
            }
        )));
    }
    if target.gzip && matches!(target.kind, TargetKind::Cos | TargetKind::Fs) {
        return Err(invalid("`gzip = true` needs a target that stores Content-Encoding (s3 or oss); remove it".into()));
    }
    if target.concurrency == 0 {
        return Err(invalid("`concurrency` must be at least 1".into()));
    }
    if target.timeout == 0 {
        return Err(invalid("`timeout` must be at least 1 (seconds)".into()));
    }
    let prefix = format!("/{}", target.prefix.trim_matches('/'));
    let built = match target.kind {
        TargetKind::Fs => {
            let Some(dir) = &target.dir else {
                return Err(invalid("set `dir`, the directory to publish into, in config.toml".into()));
            };
            let dir = root.join(dir);
            let dir = dir.join(target.prefix.trim_matches('/'));
            Operator::new(services::Fs::default().root(&dir.to_string_lossy()))
        }
        TargetKind::S3 => {
            let (id, secret) = env_credentials(name, target.kind)?;
            let mut builder = services::S3::default()
                .bucket(&target.bucket)
                .root(&prefix)
                .region(if target.region.is_empty() { "us-east-1" } else { &target.region })
                .access_key_id(&id)
                .secret_access_key(&secret)
                // Credentials from ~/.aws or instance metadata would deploy
                // with keys the user did not choose for this site.
                .disable_config_load()
                .disable_ec2_metadata();
            if let Ok(token) = std::env::var("AWS_SESSION_TOKEN") {
                builder = builder.session_token(&token);
            }
            if !target.endpoint.is_empty() {
                builder = builder.endpoint(&target.endpoint);
            }
            Operator::new(builder)
        }
        TargetKind::Oss => {
            let (id, secret) = env_credentials(name, target.kind)?;
            Operator::new(
                services::Oss::default()
                    .bucket(&target.bucket)
                    .root(&prefix)
                    .endpoint(&target.endpoint)
                    .access_key_id(&id)
                    .access_key_secret(&secret),
            )
        }
        TargetKind::Cos => {
            let (id, secret) = env_credentials(name, target.kind)?;
            Operator::new(
                services::Cos::default()
                    .bucket(&target.bucket)
                    .root(&prefix)
                    .endpoint(&target.endpoint)
                    .secret_id(&id)
                    .secret_key(&secret)
                    .disable_config_load(),
            )
        }
    };
    let operator = built.map_err(|err| invalid(one_line(&err.to_string())))?;
    // A request that hangs is cancelled and, like a 5xx, retried with
    // exponential backoff (1 s, 2 s, 4 s… with jitter). The timeout sits
    // inside the retry so that a retry starts the clock again.
    let timeout = Duration::from_secs(target.timeout);
    let count = move |_: RetryEvent<'_>| {
        retries.fetch_add(1, Ordering::Relaxed);
    };
    Ok(operator
        .layer(TimeoutLayer::new().with_timeout(timeout).with_io_timeout(timeout))
        .layer(RetryLayer::new().with_jitter().with_max_times(5).with_notify(count)))
}

/// The key ID and secret for `kind` from the environment.
fn env_credentials(name: &str, kind: TargetKind) -> Result<(String, String), DeployError> {
    let [id_var, secret_var] = credential_vars(kind).unwrap_or(["", ""]);
    match (std::env::var(id_var), std::env::var(secret_var)) {
        (Ok(id), Ok(secret)) if !id.is_empty() && !secret.is_empty() => Ok((id, secret)),
        _ => Err(DeployError::Target {
            name: name.to_string(),
            message: format!(
                "set {id_var} and {secret_var} in the environment (credentials are never read from files)"
            ),
        }),
    }
}

/// A storage error as one line naming what failed and what to do.
pub fn storage_error(name: &str, kind: TargetKind, action: &str, err: &opendal::Error) -> DeployError {
    let target = name.to_string();
    match err.kind() {
        ErrorKind::PermissionDenied => {
            let vars = credential_vars(kind).map_or_else(
                || "check that the directory is writable".to_string(),
                |[id, secret]| format!("check {id} and {secret}, and that the key may write to the bucket"),
            );
            DeployError::Denied { target, action: action.to_string(), fix: vars }
        }
        _ => DeployError::Storage { target, action: action.to_string(), message: one_line(&err.to_string()) },
    }
}

/// OpenDAL's messages carry the response body and context on several
/// lines; the deploy's error is printed on one.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
