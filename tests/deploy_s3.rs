//! `deploy` against a real S3 server: moto's, started on loopback by
//! `tests/s3/server.py` (`pip install "moto[server]"`); a second one with
//! request authentication on refuses unknown keys. Every deploy runs the `policypress` binary, as a user
//! would, with credentials in its environment only.
//!
//! When moto is missing the tests say so and pass on a developer's machine,
//! where `cargo test` must work with nothing installed by hand; under CI
//! (`CI` set, as `.ci/run` and GitHub Actions run), which installs moto,
//! they fail instead.

use crate::deploy_support;

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use deploy_support::{Site, changed, files};
use md5::{Digest, Md5};
use opendal::{Operator, services};
use policypress::deploy::headers::{Phase, phase};
use policypress::deploy::{MANIFEST_OBJECT, PENDING_OBJECT};

struct Server {
    endpoint: String,
    bucket: String,
    key_id: String,
    secret: String,
    // The server stops when this pipe closes, i.e. when the tests exit.
    _stdin: ChildStdin,
    _child: Child,
}

fn server() -> Option<&'static Server> {
    static SERVER: OnceLock<Option<Server>> = OnceLock::new();
    SERVER.get_or_init(|| started(start_server(&[]))).as_ref()
}

/// A server that checks keys.
fn authenticating_server() -> Option<&'static Server> {
    static SERVER: OnceLock<Option<Server>> = OnceLock::new();
    SERVER.get_or_init(|| started(start_server(&["--auth"]))).as_ref()
}

/// A server that answers 503 to the first request for every 25th distinct
/// method and path, and leaves the first upload among every 100th
/// unanswered for 10 s, then answers as if it had stored it (see
/// `tests/s3/server.py`).
fn faulty_server() -> Option<&'static Server> {
    static SERVER: OnceLock<Option<Server>> = OnceLock::new();
    let faults = ["--fail-every", "25", "--stall-every", "100", "--stall-seconds", "10"];
    SERVER.get_or_init(|| started(start_server(&faults))).as_ref()
}

fn started(started: Result<Server, String>) -> Option<Server> {
    match started {
        Ok(server) => Some(server),
        Err(why) if std::env::var_os("CI").is_none() => {
            eprintln!(
                "skipping the S3 deploy tests: {why}\n\
                 install moto (`pip install \"moto[server]\"`) to run them; under CI they fail instead"
            );
            None
        }
        Err(why) => panic!("cannot start the S3 test server: {why}\ninstall it with `pip install \"moto[server]\"`"),
    }
}

fn start_server(options: &[&str]) -> Result<Server, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/s3/server.py");
    let mut child = Command::new("python3")
        .arg(script)
        .args(["--seconds", "900"])
        .args(options)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|err| format!("python3: {err}"))?;
    let stdin = child.stdin.take().ok_or("no stdin")?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().ok_or("no stdout")?).read_line(&mut line).map_err(|err| err.to_string())?;
    let info: serde_json::Value =
        serde_json::from_str(&line).map_err(|_| format!("the server printed {line:?} (is moto installed?)"))?;
    let field = |name: &str| info[name].as_str().unwrap_or_default().to_string();
    Ok(Server {
        endpoint: field("endpoint"),
        bucket: field("bucket"),
        key_id: field("access_key_id"),
        secret: field("secret_access_key"),
        _stdin: stdin,
        _child: child,
    })
}

impl Server {
    /// A `[deploy.targets.s3]` table for this server under `prefix`.
    fn target(&self, prefix: &str, extra: &str) -> String {
        format!(
            "[deploy.targets.s3]\nkind = \"s3\"\nbucket = \"{}\"\nprefix = \"{prefix}\"\nendpoint = \"{}\"\nregion = \"us-east-1\"\n{extra}",
            self.bucket, self.endpoint
        )
    }

    /// Runs `policypress deploy ARGS` in `site` with this server's keys.
    fn deploy(&self, site: &Site, args: &[&str]) -> Output {
        self.command(site, args, &self.key_id, &self.secret).output().unwrap()
    }

    fn command(&self, site: &Site, args: &[&str], key_id: &str, secret: &str) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_policypress"));
        command.env("LC_ALL", "C");
        command
            .args(["deploy", "--quiet", "--root"])
            .arg(&site.root)
            .args(args)
            .env("AWS_ACCESS_KEY_ID", key_id)
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .env_remove("AWS_SESSION_TOKEN");
        command
    }

    /// The server's answer to `GET /{name}`: its fault counts or request list.
    fn control(&self, name: &str) -> serde_json::Value {
        let address = self.endpoint.trim_start_matches("http://");
        let mut stream = TcpStream::connect(address).unwrap();
        write!(stream, "GET /{name} HTTP/1.0\r\nHost: {address}\r\n\r\n").unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (_, body) = response.split_once("\r\n\r\n").unwrap();
        serde_json::from_str(body).unwrap()
    }

    /// The bucket as the tests see it, under `prefix`.
    fn bucket(&self, prefix: &str) -> Bucket {
        policypress::deploy::install_transport();
        let builder = services::S3::default()
            .bucket(&self.bucket)
            .root(&format!("/{prefix}"))
            .endpoint(&self.endpoint)
            .region("us-east-1")
            .access_key_id(&self.key_id)
            .secret_access_key(&self.secret)
            .disable_config_load()
            .disable_ec2_metadata();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        Bucket { operator: Operator::new(builder).unwrap(), runtime }
    }
}

struct Bucket {
    operator: Operator,
    runtime: tokio::runtime::Runtime,
}

impl Bucket {
    /// Every object but the deploy's bookkeeping, with the MD5 its ETag reports.
    fn etags(&self) -> BTreeMap<String, String> {
        let entries = self.runtime.block_on(async { self.operator.list_with("/").recursive(true).await }).unwrap();
        entries
            .into_iter()
            .filter(|e| e.metadata().is_file() && !e.path().starts_with(".policypress-deploy"))
            .map(|e| (e.path().to_string(), e.metadata().etag().unwrap().trim_matches('"').to_string()))
            .collect()
    }

    fn holds(&self, path: &str) -> bool {
        self.runtime.block_on(self.operator.exists(path)).unwrap()
    }

    fn stat(&self, path: &str) -> opendal::Metadata {
        self.runtime.block_on(self.operator.stat(path)).unwrap()
    }

    fn read(&self, path: &str) -> Vec<u8> {
        self.runtime.block_on(self.operator.read(path)).unwrap().to_vec()
    }
}

fn md5s(files: &BTreeMap<String, Vec<u8>>) -> BTreeMap<String, String> {
    files.iter().map(|(k, v)| (k.clone(), Md5::digest(v).iter().map(|b| format!("{b:02x}")).collect())).collect()
}

fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "deploy failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The file count after `word` in the summary line ("uploaded 12 files").
fn count(summary: &str, word: &str) -> usize {
    let rest = summary.split(word).nth(1).unwrap_or_else(|| panic!("no `{word}` in {summary:?}"));
    rest.split_whitespace().next().unwrap().parse().unwrap()
}

/// Every request the server has received, in order of arrival.
fn requests(server: &Server) -> Vec<serde_json::Value> {
    server.control("__requests__").as_array().unwrap().clone()
}

/// Asserts that one deploy's requests under `prefix` came in the order
/// that never shows a broken site: the pending marker; every asset and
/// search shard before any page; pages before `search/manifest.json`; that
/// before the deploy manifest; then the deletes; the marker's removal last.
fn assert_never_broken(requests: &[serde_json::Value], prefix: &str) {
    let objects = format!("/policypress-site/{prefix}/");
    let mut steps = Vec::new();
    for request in requests {
        let (method, path) = (request[0].as_str().unwrap(), request[1].as_str().unwrap());
        let key = path.strip_prefix(&objects);
        let step = match (method, key) {
            ("PUT", Some(PENDING_OBJECT)) => "pending marker",
            ("PUT", Some(MANIFEST_OBJECT)) => "deploy manifest",
            ("PUT", Some(key)) => match phase(key) {
                Phase::Assets => "asset",
                Phase::Pages => "page",
                Phase::SearchManifest => "search manifest",
            },
            ("POST", None)
                if request[2].as_array().unwrap().iter().any(|k| k.as_str().unwrap().starts_with(prefix)) =>
            {
                "delete"
            }
            ("DELETE", Some(PENDING_OBJECT)) => "marker removed",
            _ => continue,
        };
        if steps.last() != Some(&step) {
            steps.push(step);
        }
    }
    let order = ["pending marker", "asset", "page", "search manifest", "deploy manifest", "delete", "marker removed"];
    assert_eq!(steps, order);
}

#[test]
fn first_deploy_edit_and_removal_against_s3() {
    let Some(server) = server() else { return };
    let site = Site::bundled(&server.target("cases", ""));
    let bucket = server.bucket("cases");

    // First deploy of the bundled site.
    let first = stdout(&server.deploy(&site, &[]));
    let public = files(&site.public());
    assert_eq!(count(&first, "uploaded"), public.len(), "{first}");
    assert_eq!(bucket.etags(), md5s(&public));

    // A one-article edit uploads only the pages and search files that changed.
    let slug = site.edit_article();
    let edited = files(&site.public());
    let (uploads, deletes) = changed(&public, &edited);
    let dry = stdout(&server.deploy(&site, &["--dry-run"]));
    assert_eq!(bucket.etags(), md5s(&public), "--dry-run changed the bucket");
    let planned: Vec<&str> = dry.lines().filter_map(|l| l.strip_prefix("upload ")).collect();
    assert_eq!(planned.len(), uploads.len(), "{dry}");
    let logged = requests(server).len();
    let second = stdout(&server.deploy(&site, &[]));
    assert_eq!(count(&second, "uploaded"), uploads.len(), "{second}");
    assert_eq!(count(&second, "deleted"), deletes.len(), "{second}");
    assert!(!deletes.is_empty(), "the edit replaced no search generation");
    assert_never_broken(&requests(server)[logged..], "cases");
    assert!(uploads.contains(&format!("articles/{slug}/index.html")));
    let search = uploads.iter().filter(|p| p.starts_with("search/")).count();
    println!(
        "s3, one-article edit: {} of {} files uploaded, {search} of them search files",
        uploads.len(),
        edited.len()
    );
    assert_eq!(bucket.etags(), md5s(&edited));

    // A removed article is deleted; past --max-deletes nothing changes.
    let removed = site.remove_article();
    let page = format!("articles/{removed}/index.html");
    let refused = server.deploy(&site, &["--max-deletes", "0"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--max-deletes"));
    assert!(bucket.holds(&page));
    stdout(&server.deploy(&site, &[]));
    assert!(!bucket.holds(&page));
    assert_eq!(bucket.etags(), md5s(&files(&site.public())));
}

#[test]
fn html_and_search_shards_carry_their_headers() {
    let Some(server) = server() else { return };
    let site = Site::bundled(&server.target("headers", ""));
    stdout(&server.deploy(&site, &[]));
    let bucket = server.bucket("headers");
    let page = bucket.stat("index.html");
    assert_eq!(page.content_type(), Some("text/html; charset=utf-8"));
    assert_eq!(page.cache_control(), Some("no-cache"));
    let shard = files(&site.public()).into_keys().find(|p| p.starts_with("search/") && p.contains("/t/")).unwrap();
    let shard = bucket.stat(&shard);
    assert_eq!(shard.content_type(), Some("application/json; charset=utf-8"));
    assert_eq!(shard.cache_control(), Some("public, max-age=31536000, immutable"));
    assert_eq!(bucket.stat("search/manifest.json").cache_control(), Some("no-cache"));

    // With gzip = true, text is stored compressed and says so.
    let gzipped = Site::bundled(&server.target("gzip", "gzip = true\n"));
    stdout(&server.deploy(&gzipped, &[]));
    let bucket = server.bucket("gzip");
    assert_eq!(bucket.stat("index.html").content_encoding(), Some("gzip"));
    let stored = bucket.read("index.html");
    let mut html = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&stored[..]), &mut html).unwrap();
    assert_eq!(html.as_bytes(), fs::read(gzipped.public().join("index.html")).unwrap());
}

#[test]
fn a_deploy_killed_halfway_is_resumed_and_ends_equal_to_public() {
    let Some(server) = server() else { return };
    // One request at a time, so that the kill lands part-way.
    let site = Site::bundled(&server.target("killed", "concurrency = 1\n"));
    let bucket = server.bucket("killed");
    let public = files(&site.public());
    let mut child = server.command(&site, &[], &server.key_id, &server.secret).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while bucket.etags().len() < 10 {
        assert!(child.try_wait().unwrap().is_none(), "the deploy finished before it could be killed");
        assert!(Instant::now() < deadline, "the deploy uploaded nothing");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // The server may still be storing the upload the kill cut off.
    let mut held = bucket.etags();
    loop {
        std::thread::sleep(Duration::from_millis(300));
        let now = bucket.etags();
        if now == held {
            break;
        }
        held = now;
    }
    let expected = md5s(&public);
    let missing = expected.iter().filter(|(k, v)| held.get(*k) != Some(*v)).count();
    assert!(missing > 0, "every file was uploaded before the kill");

    let resumed = stdout(&server.deploy(&site, &[]));
    assert!(resumed.contains("resumed an interrupted deploy"), "{resumed}");
    assert_eq!(count(&resumed, "uploaded"), missing, "{resumed}");
    assert_eq!(bucket.etags(), expected);
}

#[test]
fn bad_credentials_and_a_missing_bucket_give_one_line_and_exit_1() {
    let Some(auth) = authenticating_server() else { return };
    let site = Site::bundled(&auth.target("denied", ""));
    let output = auth.command(&site, &[], "AKIAIOSFODNN7EXAMPLE", "wrong-secret").output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: ") && stderr.contains("403") && stderr.contains("AWS_ACCESS_KEY_ID"),
        "{stderr}"
    );

    let Some(server) = server() else { return };
    let site = Site::bundled(&server.target("missing", ""));
    let config = fs::read_to_string(site.root.join("config.toml")).unwrap();
    fs::write(site.root.join("config.toml"), config.replace(&server.bucket, "no-such-bucket")).unwrap();
    let output = server.deploy(&site, &[]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("bucket `no-such-bucket` does not exist"), "{stderr}");
}

#[test]
fn server_errors_and_timeouts_are_retried_until_the_deploy_completes() {
    let Some(server) = faulty_server() else { return };
    // The server's 10 s silences outlast a 2 s timeout; a deploy that waited
    // them out would be told its file was stored when it was not.
    let site = Site::bundled(&server.target("faults", "timeout = 2\n"));
    let summary = stdout(&server.deploy(&site, &[]));
    let faults = server.control("__faults__");
    let (failed, stalled) = (faults["failed"].as_u64().unwrap(), faults["stalled"].as_u64().unwrap());
    assert!(failed >= 5 && stalled >= 2, "{faults}");
    let retried: u64 = summary
        .split(" requests retried")
        .next()
        .and_then(|before| before.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no retries reported: {summary}"));
    println!("faulty server: {failed} answered 503, {stalled} timed out; the deploy retried {retried}");
    // A request slowed by a busy machine may time out too, never fewer.
    assert!(retried >= failed + stalled, "{summary}\n{faults}");
    assert_eq!(server.bucket("faults").etags(), md5s(&files(&site.public())));
}
