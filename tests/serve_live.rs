//! `policypress serve` as a user runs it: the real binary on a free port,
//! fetched over HTTP while the site's files change under it.

mod build_support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const ARTICLE: &str = "content/articles/yi-di-jiu-yi-bei-an.md";

/// A small site: config, the bundled topics and two articles.
fn small_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    build_support::copy_dir(&manifest.join("content/topics.yaml"), &root.join("content/topics.yaml"));
    std::fs::create_dir_all(root.join("content/articles")).unwrap();
    std::fs::write(root.join("config.toml"), "title = \"预览测试\"\n").unwrap();
    std::fs::write(
        root.join(ARTICLE),
        "---\ntitle: 异地就医怎么备案\nslug: yi-di-jiu-yi-bei-an\ndate: 2025-04-20\ntopics: [异地就医]\n---\n第一版正文：在国家医保服务平台备案。\n",
    )
    .unwrap();
    std::fs::write(
        root.join("content/articles/yi-bao-ka-ji-huo.md"),
        "---\ntitle: 医保卡怎么激活\nslug: yi-bao-ka-ji-huo\ndate: 2025-04-21\n---\n到银行网点激活。\n",
    )
    .unwrap();
    dir
}

/// The running server, stopped (and waited for) when dropped so that a
/// failing test leaves no process behind.
struct Server {
    child: Child,
    base: String,
    port: u16,
}

impl Server {
    fn start(root: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_policypress"))
            .args(["serve", "--root"])
            .arg(root)
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("serving at ") {
                    let _ = tx.send(url.trim_end_matches('/').to_string());
                }
            }
        });
        let base = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(base) => base,
            Err(_) => {
                let _ = child.kill();
                panic!("serve printed no URL");
            }
        };
        let port = base.rsplit(':').next().unwrap().parse().unwrap();
        assert!(base.starts_with("http://127.0.0.1:"), "{base}");
        Server { child, base, port }
    }

    fn get(&self, path: &str) -> (u16, String, String) {
        get(self.port, path)
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    /// Ctrl-C first, so the server removes its build directory as a user
    /// would see it do; a hard kill only if it does not stop.
    fn drop(&mut self) {
        if cfg!(unix) {
            let _ = Command::new("kill").args(["-INT", &self.child.id().to_string()]).status();
            if eventually(Duration::from_secs(5), || self.child.try_wait().ok().flatten().is_some()) {
                return;
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 GET: (status, headers, body).
fn get(port: u16, path: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, head.to_string(), body.to_string())
}

/// Polls until `ready` holds, for at most `limit`.
fn eventually(limit: Duration, mut ready: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if ready() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

fn workspace_of(pid: u32) -> PathBuf {
    std::env::temp_dir().join(format!("policypress-serve-{pid}"))
}

#[test]
fn serves_rebuilds_and_reloads_and_survives_a_broken_file() {
    let site = small_site();
    let server = Server::start(site.path());

    let (status, head, home) = server.get("/");
    assert_eq!(status, 200, "{head}");
    assert!(head.to_ascii_lowercase().contains("content-type: text/html; charset=utf-8"), "{head}");
    assert!(home.contains("/__policypress/events"), "live-reload script injected: {home}");

    let (status, _, page) = server.get("/articles/yi-di-jiu-yi-bei-an/");
    assert_eq!(status, 200);
    assert!(page.contains("第一版正文"), "{page}");
    let (status, head, _) = server.get("/articles/yi-di-jiu-yi-bei-an");
    assert_eq!(status, 301, "a directory without its slash is redirected: {head}");

    // The served pages carry the script; the built files do not, and the
    // user's own public/ is never written.
    assert!(!site.path().join("public").exists());
    let built: Vec<PathBuf> = walkdir::WalkDir::new(workspace_of(server.pid()))
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .collect();
    assert!(!built.is_empty());
    for file in &built {
        assert!(!std::fs::read_to_string(file).unwrap().contains("__policypress"), "{}", file.display());
    }

    let (status, head, body) = server.get("/no/such/page/");
    assert_eq!(status, 404, "{head}");
    assert!(body.contains("/__policypress/events"), "the 404 page is HTML with the script");

    // An edit shows up without restarting.
    let article = site.path().join(ARTICLE);
    let text = std::fs::read_to_string(&article).unwrap();
    std::fs::write(&article, text.replace("第一版正文", "第二版正文")).unwrap();
    assert!(
        eventually(Duration::from_secs(2), || server.get("/articles/yi-di-jiu-yi-bei-an/").2.contains("第二版正文")),
        "the edited article was not rebuilt within 2 s"
    );
    // The new site is swapped in a moment before its status is published.
    let mut status = serde_json::Value::Null;
    assert!(
        eventually(Duration::from_secs(2), || {
            status = serde_json::from_str(&server.get("/__policypress/status").2).unwrap();
            status["ok"] == true && status["generation"].as_u64() >= Some(2)
        }),
        "{status}"
    );
    let generation = status["generation"].as_u64().unwrap();

    // A broken file: the server keeps answering with the last good site and
    // reports the error to the page.
    std::fs::write(&article, text.replace("title:", "titel:")).unwrap();
    let mut broken = serde_json::Value::Null;
    assert!(
        eventually(Duration::from_secs(2), || {
            broken = serde_json::from_str(&server.get("/__policypress/status").2).unwrap();
            broken["ok"] == false
        }),
        "the build error was not reported"
    );
    let error = broken["error"].as_str().unwrap();
    assert!(error.contains("yi-di-jiu-yi-bei-an.md") && error.contains("titel"), "{error}");
    let (status, _, page) = server.get("/articles/yi-di-jiu-yi-bei-an/");
    assert_eq!(status, 200);
    assert!(page.contains("第二版正文"), "the last good build is still served");

    // Fixed again: a newer generation, which makes open pages reload.
    std::fs::write(&article, text.replace("第一版正文", "第三版正文")).unwrap();
    assert!(eventually(Duration::from_secs(2), || {
        let status: serde_json::Value = serde_json::from_str(&server.get("/__policypress/status").2).unwrap();
        status["ok"] == true && status["generation"].as_u64() > Some(generation)
    }));
    assert!(server.get("/articles/yi-di-jiu-yi-bei-an/").2.contains("第三版正文"));
}

#[test]
fn paths_outside_the_site_cannot_be_requested() {
    let site = small_site();
    let server = Server::start(site.path());
    for hostile in [
        "/..%2f..%2fetc/passwd",
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/articles/..%5c..%5c..%5cetc%5cpasswd",
        "/index.html%00",
    ] {
        let (status, _, body) = server.get(hostile);
        assert!(status == 400 || status == 404, "{hostile}: {status}");
        assert!(!body.contains("root:"), "{hostile}");
    }
}

#[test]
fn the_events_stream_sends_the_build_status() {
    let site = small_site();
    let server = Server::start(site.path());
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(stream, "GET /__policypress/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut received = String::new();
    let mut buffer = [0; 1024];
    while !received.contains("\n\n") || !received.contains("event: status") {
        let n = stream.read(&mut buffer).unwrap();
        assert!(n > 0, "stream closed: {received}");
        received.push_str(&String::from_utf8_lossy(&buffer[..n]));
    }
    assert!(received.starts_with("HTTP/1.1 200 OK\r\n"), "{received}");
    assert!(received.contains("text/event-stream"), "{received}");
    assert!(received.contains("event: status\ndata: {\"ok\":true"), "{received}");
    assert_eq!(server.base, format!("http://127.0.0.1:{}", server.port));
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_server_and_removes_its_build_directory() {
    let site = small_site();
    let mut server = Server::start(site.path());
    let workspace = workspace_of(server.pid());
    assert!(workspace.is_dir());
    let status = Command::new("kill").args(["-INT", &server.pid().to_string()]).status().unwrap();
    assert!(status.success());
    let mut exited = None;
    assert!(eventually(Duration::from_secs(5), || {
        exited = server.child.try_wait().unwrap();
        exited.is_some()
    }));
    assert!(exited.unwrap().success(), "{exited:?}");
    assert!(!workspace.exists(), "{} left behind", workspace.display());
}
