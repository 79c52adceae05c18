//! `policypress serve` as a user runs it: the real binary on a free port,
//! fetched over HTTP while the site's files change under it.

use crate::build_support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
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
    /// Everything it printed on stderr so far.
    stderr: Arc<Mutex<String>>,
    /// Where it makes its workspace.
    temp: PathBuf,
}

impl Server {
    fn start(root: &Path) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_policypress"));
        command.env("LC_ALL", "C");
        command.args(["serve", "--root"]).arg(root);
        Server::launch(command)
    }

    /// Runs `command` (a `serve` without a port) on a free port.
    fn launch(mut command: Command) -> Server {
        let temp = std::env::temp_dir();
        Server::launch_in(&mut command, temp)
    }

    fn launch_in(command: &mut Command, temp: PathBuf) -> Server {
        let mut child = command
            .args(["--port", "0"])
            .env("TMPDIR", &temp)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
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
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().unwrap();
        let collected = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut buffer = [0; 4096];
            while let Ok(n @ 1..) = pipe.read(&mut buffer) {
                collected.lock().unwrap().push_str(&String::from_utf8_lossy(&buffer[..n]));
            }
        });
        let base = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(base) => base,
            Err(_) => {
                let _ = child.kill();
                panic!("serve printed no URL; stderr:\n{}", stderr.lock().unwrap());
            }
        };
        let port = base.rsplit(':').next().unwrap().parse().unwrap();
        assert!(base.starts_with("http://127.0.0.1:"), "{base}");
        Server { child, base, port, stderr, temp }
    }

    fn get(&self, path: &str) -> (u16, String, String) {
        get(self.port, path)
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    fn workspace(&self) -> PathBuf {
        self.temp.join(format!("policypress-serve-{}", self.pid()))
    }

    fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Sends `signal` and waits for the exit status.
    #[cfg(unix)]
    fn stop_with(&mut self, signal: &str) -> std::process::ExitStatus {
        let status = Command::new("kill").args([signal, &self.pid().to_string()]).status().unwrap();
        assert!(status.success());
        let mut exited = None;
        assert!(
            eventually(Duration::from_secs(10), || {
                exited = self.child.try_wait().unwrap();
                exited.is_some()
            }),
            "serve did not stop on {signal}"
        );
        exited.unwrap()
    }
}

impl Drop for Server {
    /// Ctrl-C first, so the server removes its build directory as a user
    /// would see it do; a hard kill only if it does not stop.
    fn drop(&mut self) {
        if !self.is_running() {
            return;
        }
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
    let built: Vec<PathBuf> = walkdir::WalkDir::new(server.workspace())
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
fn ctrl_c_sigterm_and_sighup_stop_the_server_and_remove_its_build_directory() {
    let site = small_site();
    for signal in ["-INT", "-TERM", "-HUP"] {
        let mut server = Server::start(site.path());
        let workspace = server.workspace();
        assert!(workspace.is_dir());
        let exited = server.stop_with(signal);
        assert!(exited.success(), "{signal}: {exited:?}");
        assert!(!workspace.exists(), "{signal}: {} left behind", workspace.display());
    }
}

/// How long a rebuild may take to show before a test gives up on it: long
/// enough for a loaded machine, as it only bounds a failing test.
const REBUILD_LIMIT: Duration = Duration::from_secs(20);

/// Appends to an article, adds one and edits config.toml while `server`
/// serves `site`, and sees each change announced and served.
fn rebuilds_on_every_kind_of_change(server: &Server, site: &Path) {
    let article = site.join(ARTICLE);
    let mut file = std::fs::OpenOptions::new().append(true).open(&article).unwrap();
    file.write_all("\n追加的一段：备案后直接结算。\n".as_bytes()).unwrap();
    drop(file);
    assert!(
        eventually(REBUILD_LIMIT, || server.get("/articles/yi-di-jiu-yi-bei-an/").2.contains("追加的一段")),
        "the appended text was not served; stderr:\n{}",
        server.stderr()
    );
    let stderr = server.stderr();
    assert!(
        stderr.lines().any(|l| l.starts_with("changed: ") && l.contains("yi-di-jiu-yi-bei-an.md")),
        "no `changed:` line for the article:\n{stderr}"
    );

    std::fs::write(
        site.join("content/articles/men-zhen-bao-xiao.md"),
        "---\ntitle: 门诊费用怎么报销\nslug: men-zhen-bao-xiao\ndate: 2025-04-22\n---\n持医保卡在定点医院直接结算。\n",
    )
    .unwrap();
    assert!(
        eventually(REBUILD_LIMIT, || server.get("/articles/men-zhen-bao-xiao/").0 == 200),
        "the new article was not served; stderr:\n{}",
        server.stderr()
    );

    std::fs::write(site.join("config.toml"), "title = \"改名后的预览站\"\n").unwrap();
    assert!(
        eventually(REBUILD_LIMIT, || server.get("/").2.contains("改名后的预览站")),
        "the config.toml change was not served; stderr:\n{}",
        server.stderr()
    );
    assert!(server.stderr().lines().any(|l| l.starts_with("changed: ") && l.contains("config.toml")));
}

/// `serve` keeps what it read in memory and reads again only files whose
/// stamp changed: after edits, a new file and a removed one, the preview
/// is byte for byte what a clean build of the same files makes.
#[test]
fn a_preview_after_edits_is_the_site_a_clean_build_makes() {
    let site = small_site();
    // A file's stamp is trusted only if it changed at least two seconds
    // before the build that read it; older files are what memory serves.
    std::thread::sleep(Duration::from_millis(2_500));
    let server = Server::start(site.path());
    let article = site.path().join(ARTICLE);
    let text = std::fs::read_to_string(&article).unwrap();
    std::fs::write(&article, text.replace("第一版正文", "第二版正文")).unwrap();
    assert!(eventually(REBUILD_LIMIT, || server.get("/articles/yi-di-jiu-yi-bei-an/").2.contains("第二版正文")));
    std::fs::remove_file(site.path().join("content/articles/yi-bao-ka-ji-huo.md")).unwrap();
    assert!(eventually(REBUILD_LIMIT, || server.get("/articles/yi-bao-ka-ji-huo/").0 == 404));
    std::fs::write(
        site.path().join("content/articles/men-zhen-bao-xiao.md"),
        "---\ntitle: 门诊费用怎么报销\nslug: men-zhen-bao-xiao\ndate: 2025-04-22\n---\n持医保卡直接结算。\n",
    )
    .unwrap();
    assert!(eventually(REBUILD_LIMIT, || server.get("/articles/men-zhen-bao-xiao/").0 == 200));

    let clean = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_policypress"))
        .args(["build", "--fresh", "--drafts", "--quiet", "--base-url", &server.base, "--root"])
        .arg(site.path())
        .arg("--out")
        .arg(clean.path())
        .status()
        .unwrap();
    assert!(status.success());
    let served = build_support::read_tree(&server.workspace().join("site"));
    let built = build_support::read_tree(clean.path());
    assert_eq!(served.keys().collect::<Vec<_>>(), built.keys().collect::<Vec<_>>());
    let differing: Vec<&String> =
        served.iter().filter(|(rel, bytes)| built[*rel] != **bytes).map(|(rel, _)| rel).collect();
    assert!(differing.is_empty(), "served and clean differ in {differing:?}");
}

#[test]
fn rebuilds_when_started_in_the_site_root_as_the_readme_says() {
    let site = small_site();
    let mut command = Command::new(env!("CARGO_BIN_EXE_policypress"));
    command.env("LC_ALL", "C");
    command.arg("serve").current_dir(site.path());
    let server = Server::launch(command);
    rebuilds_on_every_kind_of_change(&server, site.path());
}

#[test]
fn rebuilds_with_a_relative_root() {
    let site = small_site();
    let mut command = Command::new(env!("CARGO_BIN_EXE_policypress"));
    command.env("LC_ALL", "C");
    command.args(["serve", "--root"]).arg(site.path().file_name().unwrap()).current_dir(site.path().parent().unwrap());
    let server = Server::launch(command);
    rebuilds_on_every_kind_of_change(&server, site.path());
}

#[test]
fn a_doubled_slash_redirects_within_the_site() {
    let site = small_site();
    let server = Server::start(site.path());
    let mut path = "//articles//yi-di-jiu-yi-bei-an".to_string();
    for _ in 0..3 {
        let (status, head, body) = server.get(&path);
        if status == 200 {
            assert!(body.contains("第一版正文"), "{path}: {body}");
            return;
        }
        assert_eq!(status, 301, "{path}: {head}");
        let location = head
            .lines()
            .find_map(|l| l.strip_prefix("Location: "))
            .unwrap_or_else(|| panic!("no Location: {head}"))
            .to_string();
        assert!(location.starts_with('/') && !location.starts_with("//"), "{path} → {location} leaves the site");
        path = location;
    }
    panic!("no page after three redirects, at {path}");
}

/// Sends `request` as is and reads the whole answer.
fn send_raw(port: u16, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.write_all(request).unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    String::from_utf8_lossy(&response).into_owned()
}

#[cfg(target_os = "linux")]
fn peak_memory_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn oversized_request_lines_and_headers_are_refused_without_being_buffered() {
    let site = small_site();
    let server = Server::start(site.path());

    let long_line = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(9 * 1024));
    let response = send_raw(server.port, long_line.as_bytes());
    assert!(response.starts_with("HTTP/1.1 414 "), "{response}");

    let filler = format!("X-Filler: {}\r\n", "b".repeat(1000));
    let many_headers = format!("GET / HTTP/1.1\r\nHost: x\r\n{}\r\n", filler.repeat(70));
    let response = send_raw(server.port, many_headers.as_bytes());
    assert!(response.starts_with("HTTP/1.1 431 "), "{response}");

    // Just under the limits is still a normal request.
    let near =
        format!("GET /?{} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{}\r\n", "c".repeat(8000), filler.repeat(60));
    let response = send_raw(server.port, near.as_bytes());
    assert!(response.starts_with("HTTP/1.1 200 "), "{}", &response[..response.len().min(200)]);

    // A 64 MiB request line is cut off after the limit, not held in memory.
    #[cfg(target_os = "linux")]
    {
        let before = peak_memory_kb(server.pid());
        let port = server.port;
        let sender = std::thread::spawn(move || {
            let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
            stream.set_write_timeout(Some(Duration::from_secs(30))).unwrap();
            stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
            let chunk = vec![b'a'; 1024 * 1024];
            let _ = stream.write_all(b"GET /");
            for _ in 0..64 {
                if stream.write_all(&chunk).is_err() {
                    break;
                }
            }
            let _ = stream.write_all(b" HTTP/1.1\r\n\r\n");
            let _ = stream.read_to_end(&mut Vec::new());
        });
        sender.join().unwrap();
        let grown_mb = peak_memory_kb(server.pid()).saturating_sub(before) / 1024;
        assert!(grown_mb < 16, "the server's memory grew by {grown_mb} MB");
    }
    assert_eq!(server.get("/").0, 200, "the server still answers");
}

#[cfg(unix)]
#[test]
fn the_next_server_removes_build_directories_that_killed_servers_left() {
    let temp = tempfile::tempdir().unwrap();
    let site = small_site();
    let serve = || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_policypress"));
        command.env("LC_ALL", "C");
        command.args(["serve", "--root"]).arg(site.path());
        command
    };

    let mut killed = Server::launch_in(&mut serve(), temp.path().to_path_buf());
    let killed_workspace = killed.workspace();
    killed.child.kill().unwrap();
    killed.child.wait().unwrap();
    assert!(killed_workspace.is_dir(), "a killed server cannot clean up");

    // One killed before it made its lock (or by an older version), whose
    // process is gone.
    let mut finished = Command::new("true").spawn().unwrap();
    let gone_pid = finished.id();
    finished.wait().unwrap();
    let unlocked = temp.path().join(format!("policypress-serve-{gone_pid}"));
    std::fs::create_dir_all(unlocked.join("site")).unwrap();
    std::fs::write(unlocked.join("site/index.html"), "old").unwrap();
    // Not a workspace: left alone.
    let unrelated = temp.path().join("policypress-serve-notes");
    std::fs::create_dir_all(&unrelated).unwrap();

    let running = Server::launch_in(&mut serve(), temp.path().to_path_buf());
    assert!(!killed_workspace.exists(), "{} left behind", killed_workspace.display());
    assert!(!unlocked.exists(), "{} left behind", unlocked.display());
    assert!(unrelated.is_dir());

    // A second server leaves the running one's directory alone.
    let second = Server::launch_in(&mut serve(), temp.path().to_path_buf());
    assert!(running.workspace().is_dir());
    assert_eq!(running.get("/").0, 200);
    drop(second);
}

#[test]
fn a_deeply_nested_file_never_stops_the_server() {
    let site = small_site();
    let mut server = Server::start(site.path());
    let generation = |server: &Server| -> serde_json::Value {
        serde_json::from_str(&server.get("/__policypress/status").2).unwrap()
    };
    assert_eq!(generation(&server)["generation"], 1);
    std::fs::write(
        site.path().join("content/articles/qian-tao.md"),
        // Today's Markdown and HTML code recurse once per level of this:
        // it overflows a thread's usual stack.
        format!("---\ntitle: 嵌套\nslug: qian-tao\ndate: 2025-04-22\n---\n{}\n", "*a".repeat(2_000)),
    )
    .unwrap();
    let mut done = false;
    eventually(REBUILD_LIMIT, || {
        if !server.is_running() {
            return true;
        }
        let status = generation(&server);
        done = status["ok"] == false || status["generation"].as_u64() > Some(1);
        done
    });
    assert!(server.is_running(), "serve died; stderr:\n{}", server.stderr());
    assert!(done, "the rebuild did not finish; stderr:\n{}", server.stderr());
    assert_eq!(server.get("/").0, 200);
}

#[test]
fn changed_lines_escape_control_characters_in_file_names() {
    let site = small_site();
    let server = Server::start(site.path());
    let forged = site.path().join("content/articles/a\nchanged: forged\u{1b}[2J.md");
    std::fs::write(&forged, "---\ntitle: 伪造\nslug: a\n---\n正文\n").unwrap();
    assert!(
        eventually(REBUILD_LIMIT, || server.stderr().contains("changed: ")),
        "no change was reported:\n{}",
        server.stderr()
    );
    let stderr = server.stderr();
    assert!(stderr.contains(r"a\nchanged: forged\u{1b}[2J.md"), "{stderr}");
    assert!(!stderr.lines().any(|l| l.starts_with("changed: forged")), "a forged line:\n{stderr}");
    assert!(!stderr.contains('\u{1b}'), "an escape sequence reached the terminal:\n{stderr}");
}
