//! `serve`: builds the site into a private temporary directory, serves it
//! over HTTP (loopback by default), rebuilds when the sources change and
//! reloads open pages through a script injected only into served HTML.
//!
//! A failed build never stops the server: the error is printed, shown as an
//! overlay in open pages, and the last good build keeps being served until
//! the sources are fixed.

mod http;

use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::{Duration, Instant};

use notify_debouncer_full::notify::{EventKind, RecommendedWatcher, RecursiveMode, event::ModifyKind};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};
use serde::Serialize;

use crate::layout::SiteLayout;

use http::{Reply, Request, Response};

/// Open live-reload connections beyond this are refused, so a runaway
/// client cannot exhaust threads.
const MAX_EVENT_STREAMS: usize = 64;
/// Stack of each build thread. Deeply nested input recurses deeply in the
/// Markdown and HTML code; a stack overflow aborts the whole process, and
/// with it the server, so builds get far more room than the 2 MiB of a
/// rayon thread (it is address space; only pages actually used cost
/// memory). Depth limits in the build keep input from needing it.
const BUILD_STACK: usize = 256 * 1024 * 1024;
const WORKSPACE_PREFIX: &str = "policypress-serve-";
/// Held locked by the running server, so the next one can tell a live
/// workspace from the leftover of a killed one.
const WORKSPACE_LOCK: &str = ".lock";
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How long a request for a file that is missing during a rebuild waits for
/// the rebuild to finish before it is answered 404.
const REBUILD_WAIT: Duration = Duration::from_secs(10);
const DEBOUNCE: Duration = Duration::from_millis(200);
const EVENTS_PATH: &str = "/__policypress/events";
const STATUS_PATH: &str = "/__policypress/status";

#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub root: PathBuf,
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// Open the site in the default browser once it is built.
    pub open: bool,
}

impl ServeOptions {
    pub fn new(root: impl Into<PathBuf>) -> ServeOptions {
        ServeOptions { root: root.into(), bind: IpAddr::V4(Ipv4Addr::LOCALHOST), port: 1111, open: false }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {message}")]
    Bind { addr: SocketAddr, message: String },
    #[error("cannot watch {}: {message}", path.display())]
    Watch { path: PathBuf, message: String },
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("cannot install the Ctrl-C handler: {0}")]
    Signal(#[from] ctrlc::Error),
    #[error("cannot start the build threads: {0}")]
    Threads(#[from] rayon::ThreadPoolBuildError),
}

/// What a build is asked to do: `root` into `out`, with links to `base_url`.
#[derive(Debug, Clone, Copy)]
pub struct BuildRequest<'a> {
    pub root: &'a Path,
    pub out: &'a Path,
    pub base_url: &'a str,
}

/// Builds a site: a one-line summary, or the error as the terminal shows it.
/// A failed build must leave `out` as it was (as [`crate::render::build`]
/// does), since the server keeps serving it.
pub type Builder = dyn Fn(&BuildRequest<'_>) -> Result<String, String> + Sync;

/// Serves the site under `options.root` until Ctrl-C, built by
/// [`crate::render::build`].
pub fn serve(options: &ServeOptions) -> Result<(), ServeError> {
    // What one build loaded and left, for the next: a rebuild reads only
    // the content files that changed, and lists only the served site.
    let memory = Mutex::new(crate::render::Resident::default());
    serve_with(options, &move |request: &BuildRequest<'_>| {
        let mut build = crate::render::BuildOptions::new(request.root);
        build.out = Some(request.out.to_path_buf());
        build.base_url = Some(request.base_url.to_string());
        build.quiet = true;
        // The preview shows what an editor is still writing.
        build.drafts = true;
        let mut memory = memory.lock().unwrap_or_else(|e| e.into_inner());
        crate::render::build_remembering(&build, &mut memory)
            .map(|report| {
                crate::text!("serve-built-summary", pages = report.pages, articles = report.articles).to_string()
            })
            .map_err(|err| err.to_string())
    })
}

/// Serves the site under `options.root` until Ctrl-C, building it with
/// `build`. Prints `serving at http://ADDR/` on stdout once the first build
/// is done.
pub fn serve_with(options: &ServeOptions, build: &Builder) -> Result<(), ServeError> {
    // Notify reports absolute paths; a relative root (the default `.`)
    // would never match them, and no change would ever rebuild.
    let root = options.root.canonicalize().map_err(|source| ServeError::Io { path: options.root.clone(), source })?;
    let requested = SocketAddr::new(options.bind, options.port);
    let (listener, addr) =
        http::Server::bind(requested).map_err(|err| ServeError::Bind { addr: requested, message: err.to_string() })?;
    let base_url = format!("http://{addr}");
    if !options.bind.is_loopback() {
        eprintln!("{}", crate::text!("serve-exposed", address = options.bind.to_string()));
    }

    let workspace = Workspace::create()?;
    // Before the first build, so that stopping during it still removes the
    // workspace, and a change saved during it still rebuilds. With ctrlc's
    // `termination` feature this also catches SIGTERM and SIGHUP (a closed
    // terminal).
    let (tx, rx) = mpsc::channel::<Message>();
    let _debouncer = watch(&root, tx.clone())?;
    ctrlc::set_handler(move || {
        let _ = tx.send(Message::Stop);
    })?;

    let state = Arc::new(State::default());
    let builds = Builds {
        root: &root,
        out: workspace.path.join("site"),
        base_url: &base_url,
        threads: rayon::ThreadPoolBuilder::new().stack_size(BUILD_STACK).build()?,
    };
    builds.run(build, &state);

    let handler = {
        let state = Arc::clone(&state);
        Arc::new(move |request: &Request| handle(&state, request))
    };
    let server = http::Server::start(listener, handler)
        .map_err(|err| ServeError::Bind { addr: requested, message: err.to_string() })?;

    // Scripts and tests read this line; it stays the same in every language.
    println!("serving at {base_url}/");
    let _ = io::stdout().flush();
    eprintln!("{}", crate::text!("serve-watching", path = printable(&root)));
    if options.open {
        open_in_browser(&format!("{base_url}/"));
    }

    while let Ok(message) = rx.recv() {
        match message {
            Message::Changed(paths) => {
                let shown: Vec<String> = paths.iter().take(3).map(|p| printable(p)).collect();
                let changed =
                    crate::text!("serve-changed", paths = shown.join(", "), more = paths.len().saturating_sub(3));
                eprintln!("{changed}");
                builds.run(build, &state);
            }
            Message::WatchError(message) => {
                eprintln!("{}", crate::text!("serve-watch-error", error = escape_controls(&message)));
            }
            Message::Stop => break,
        }
    }

    server.stop();
    drop(workspace);
    eprintln!("{}", crate::text!("serve-stopped"));
    Ok(())
}

/// A path as one terminal line: control characters (a newline that would
/// forge a second message, an ESC that would drive the terminal) are
/// escaped.
fn printable(path: &Path) -> String {
    escape_controls(&path.display().to_string())
}

fn escape_controls(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect()
}

enum Message {
    Changed(Vec<PathBuf>),
    WatchError(String),
    Stop,
}

/// The build output directory for this process, removed when dropped —
/// on Ctrl-C, SIGTERM, SIGHUP and on every error path. A process killed
/// outright leaves it behind; the next server removes it.
struct Workspace {
    path: PathBuf,
    /// Locked for as long as this server runs.
    lock: Option<std::fs::File>,
}

impl Workspace {
    fn create() -> Result<Workspace, ServeError> {
        let temp = std::env::temp_dir();
        remove_leftover_workspaces(&temp);
        let path = temp.join(format!("{WORKSPACE_PREFIX}{}", std::process::id()));
        // A previous process with the same id cannot be running any more.
        let _ = std::fs::remove_dir_all(&path);
        let io_error = |source| ServeError::Io { path: path.clone(), source };
        std::fs::create_dir_all(&path).map_err(io_error)?;
        // Locked before it gets its name, so that another server starting
        // now never finds it unlocked.
        let unnamed = path.join(format!("{WORKSPACE_LOCK}.new"));
        let lock = std::fs::File::create(&unnamed).map_err(io_error)?;
        lock.try_lock().map_err(|err| io_error(err.into()))?;
        std::fs::rename(&unnamed, path.join(WORKSPACE_LOCK)).map_err(io_error)?;
        Ok(Workspace { path, lock: Some(lock) })
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        // Closed first: some systems refuse to delete an open file.
        drop(self.lock.take());
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Removes the workspaces of servers that are no longer running: those
/// whose lock nobody holds, and those without a lock file (from a server
/// killed before it made one) whose process is gone.
fn remove_leftover_workspaces(temp: &Path) {
    let Ok(entries) = std::fs::read_dir(temp) else { return };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let Some(pid) =
            name.to_str().and_then(|n| n.strip_prefix(WORKSPACE_PREFIX)).and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == std::process::id() || !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let dir = entry.path();
        let abandoned = match std::fs::File::open(dir.join(WORKSPACE_LOCK)) {
            Ok(lock) => lock.try_lock().is_ok(),
            Err(err) if err.kind() == io::ErrorKind::NotFound => process_is_gone(pid),
            Err(_) => false,
        };
        if abandoned {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}

/// Whether no process `pid` runs; `false` where that cannot be told.
fn process_is_gone(pid: u32) -> bool {
    let proc = Path::new("/proc");
    proc.join("self").exists() && !proc.join(pid.to_string()).exists()
}

/// Runs builds into the one output directory, so that the builder's
/// incremental cache can reuse unchanged pages from one rebuild to the next.
struct Builds<'a> {
    root: &'a Path,
    out: PathBuf,
    base_url: &'a str,
    /// The build, and the parallel work inside it, runs on these threads.
    threads: rayon::ThreadPool,
}

impl Builds<'_> {
    fn run(&self, build: &Builder, state: &State) {
        let started = Instant::now();
        state.set_building(true);
        let request = BuildRequest { root: self.root, out: &self.out, base_url: self.base_url };
        let result = catch_unwind(AssertUnwindSafe(|| self.threads.install(|| build(&request))))
            .unwrap_or_else(|_| Err(crate::text!("serve-build-crashed").to_string()));
        let elapsed = started.elapsed().as_millis();
        match result {
            Ok(summary) => {
                eprintln!("{}", crate::text!("serve-built", ms = elapsed as usize, summary = summary));
                *state.site.write().unwrap_or_else(|e| e.into_inner()) = Some(self.out.clone());
                state.publish(Ok(()));
            }
            Err(error) => {
                // The error spans lines; only other control characters (an
                // ESC from a file name) are escaped.
                let shown: String = error.lines().map(escape_controls).collect::<Vec<_>>().join("\n");
                eprintln!("{}\n{shown}", crate::text!("serve-build-failed", ms = elapsed as usize));
                state.publish(Err(error));
            }
        }
        state.set_building(false);
    }
}

/// Whether the last build worked, as the injected script receives it.
#[derive(Debug, Clone, Default, Serialize)]
struct Status {
    ok: bool,
    /// Number of successful builds; a page reloads when it was served from
    /// an older one.
    generation: u64,
    error: Option<String>,
}

#[derive(Default)]
struct State {
    /// The last good build, if any.
    site: RwLock<Option<PathBuf>>,
    status: Mutex<Status>,
    /// Open live-reload connections.
    subscribers: Mutex<Vec<Sender<String>>>,
    streams: AtomicUsize,
    /// Whether a build is running; `built` is notified when it ends.
    building: Mutex<bool>,
    built: Condvar,
}

impl State {
    fn set_building(&self, building: bool) {
        *self.building.lock().unwrap_or_else(|e| e.into_inner()) = building;
        if !building {
            self.built.notify_all();
        }
    }

    /// Waits, for at most `limit`, until no build is running; `false` when
    /// none was.
    fn wait_for_build(&self, limit: Duration) -> bool {
        let building = self.building.lock().unwrap_or_else(|e| e.into_inner());
        if !*building {
            return false;
        }
        drop(self.built.wait_timeout_while(building, limit, |building| *building));
        true
    }

    fn status(&self) -> Status {
        self.status.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn publish(&self, result: Result<(), String>) {
        let json = {
            let mut status = self.status.lock().unwrap_or_else(|e| e.into_inner());
            match result {
                Ok(()) => {
                    status.generation += 1;
                    status.ok = true;
                    status.error = None;
                }
                Err(error) => {
                    status.ok = false;
                    status.error = Some(error);
                }
            }
            serde_json::to_string(&*status).unwrap_or_default()
        };
        let mut subscribers = self.subscribers.lock().unwrap_or_else(|e| e.into_inner());
        subscribers.retain(|s| s.send(json.clone()).is_ok());
    }
}

fn watch(root: &Path, tx: Sender<Message>) -> Result<Debouncer<RecommendedWatcher, RecommendedCache>, ServeError> {
    // The directories and file under the site root a rebuild depends on.
    let layout = SiteLayout::new(root);
    let watched_dirs: Vec<PathBuf> =
        [layout.content().to_path_buf(), layout.themes_dir(), layout.static_dir(), layout.templates_dir()]
            .into_iter()
            .filter(|d| d.is_dir())
            .collect();
    let config = layout.config_file();
    let relevant = {
        let (dirs, config) = (watched_dirs.clone(), config.clone());
        move |path: &Path| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            // Editors' swap and backup files, and our own atomic-write temporaries.
            let scratch = name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp");
            !scratch && (path == config || dirs.iter().any(|d| path.starts_with(d)))
        }
    };
    let mut debouncer = new_debouncer(DEBOUNCE, None, move |result: DebounceEventResult| {
        let message = match result {
            Ok(events) => {
                let mut paths: Vec<PathBuf> = events
                    .iter()
                    // Reads (and the access times they update) are not changes;
                    // without this the build's own reads would trigger rebuilds.
                    .filter(|e| {
                        matches!(e.kind, EventKind::Create(_) | EventKind::Remove(_) | EventKind::Modify(_))
                            && !matches!(e.kind, EventKind::Modify(ModifyKind::Metadata(_)))
                    })
                    .flat_map(|e| e.paths.iter().filter(|p| relevant(p)).cloned())
                    .collect();
                paths.sort();
                paths.dedup();
                if paths.is_empty() {
                    return;
                }
                Message::Changed(paths)
            }
            Err(errors) => Message::WatchError(errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ")),
        };
        let _ = tx.send(message);
    })
    .map_err(|err| ServeError::Watch { path: root.to_path_buf(), message: err.to_string() })?;
    for dir in &watched_dirs {
        debouncer
            .watch(dir, RecursiveMode::Recursive)
            .map_err(|err| ServeError::Watch { path: dir.clone(), message: err.to_string() })?;
    }
    // The root itself, not the file: editors that save by renaming a new
    // file over the old one would end a watch on the file itself.
    debouncer
        .watch(root, RecursiveMode::NonRecursive)
        .map_err(|err| ServeError::Watch { path: root.to_path_buf(), message: err.to_string() })?;
    Ok(debouncer)
}

fn open_in_browser(url: &str) {
    let command = if cfg!(target_os = "macos") {
        std::process::Command::new("open").arg(url).spawn()
    } else if cfg!(windows) {
        std::process::Command::new("cmd").args(["/C", "start", "", url]).spawn()
    } else {
        std::process::Command::new("xdg-open").arg(url).spawn()
    };
    if let Err(err) = command {
        eprintln!("{}", crate::text!("serve-no-browser", error = err.to_string(), url = url));
    }
}

fn handle(state: &Arc<State>, request: &Request) -> Reply {
    if !matches!(request.method.as_str(), "GET" | "HEAD") {
        return Reply::Full(text(405, "only GET and HEAD are supported\n").with_header("Allow", "GET, HEAD"));
    }
    let path = request.target.split(['?', '#']).next().unwrap_or_default();
    if path == EVENTS_PATH {
        return stream_events(state);
    }
    if path == STATUS_PATH {
        let json = serde_json::to_string(&state.status()).unwrap_or_default();
        return Reply::Full(response(200, "application/json; charset=utf-8", json));
    }
    let site = state.site.read().unwrap_or_else(|e| e.into_inner()).clone();
    let Some(site) = site else {
        let page =
            inject(&state.status(), "<!doctype html><meta charset=utf-8><title>build failed</title><body></body>");
        return Reply::Full(response(503, HTML, page));
    };
    // A rebuild moves files into and out of the site, so a page can be
    // missing for a moment while one runs: it is looked up again after.
    let found = lookup(state, &site, path)
        .or_else(|| state.wait_for_build(REBUILD_WAIT).then(|| lookup(state, &site, path)).flatten());
    Reply::Full(found.unwrap_or_else(|| {
        let page = match resolve(&site, "/404.html") {
            Resolved::File(file) => respond_file(state, &file, 404),
            _ => None,
        };
        page.unwrap_or_else(|| text(404, "not found\n"))
    }))
}

/// The answer for `path`, or `None` when there is no such file.
fn lookup(state: &State, site: &Path, path: &str) -> Option<Response> {
    match resolve(site, path) {
        Resolved::File(file) => respond_file(state, &file, 200),
        Resolved::Redirect(location) => Some(text(301, "moved\n").with_header("Location", location)),
        Resolved::NotFound => None,
        Resolved::BadRequest => Some(text(400, "bad request path\n")),
    }
}

const HTML: &str = "text/html; charset=utf-8";

/// `None` when the file cannot be read: a rebuild may have removed it
/// between lookup and read.
fn respond_file(state: &State, file: &Path, status: u16) -> Option<Response> {
    let mut bytes = std::fs::read(file).ok()?;
    let content_type = content_type(file);
    if content_type == HTML {
        bytes = match String::from_utf8(bytes) {
            Ok(page) => inject(&state.status(), &page).into_bytes(),
            Err(not_utf8) => not_utf8.into_bytes(),
        };
    }
    Some(response(status, content_type, bytes))
}

/// Sends status updates as server-sent events until the page goes away.
fn stream_events(state: &Arc<State>) -> Reply {
    if state.streams.fetch_add(1, Ordering::SeqCst) >= MAX_EVENT_STREAMS {
        state.streams.fetch_sub(1, Ordering::SeqCst);
        return Reply::Full(text(503, "too many open pages\n"));
    }
    let (tx, rx) = mpsc::channel();
    let first = serde_json::to_string(&state.status()).unwrap_or_default();
    state.subscribers.lock().unwrap_or_else(|e| e.into_inner()).push(tx);
    let state = Arc::clone(state);
    let head = Response::new(200, "text/event-stream; charset=utf-8", "").with_header("Cache-Control", "no-store");
    Reply::Stream(
        head,
        Box::new(move |writer| {
            let mut send = |chunk: &str| writer.write_all(chunk.as_bytes()).and_then(|()| writer.flush());
            let mut result = send(&format!("event: status\ndata: {first}\n\n"));
            while result.is_ok() {
                result = match rx.recv_timeout(KEEP_ALIVE) {
                    Ok(json) => send(&format!("event: status\ndata: {json}\n\n")),
                    Err(RecvTimeoutError::Timeout) => send(": keep-alive\n\n"),
                    Err(RecvTimeoutError::Disconnected) => break,
                };
            }
            state.streams.fetch_sub(1, Ordering::SeqCst);
            result
        }),
    )
}

/// The live-reload client: reloads when a newer build exists and shows the
/// build error over the page while there is one.
const CLIENT_SCRIPT: &str = r#"<script>
(() => {
  const served = __GENERATION__;
  const show = (status) => {
    let box = document.getElementById("__policypress_error");
    if (status.ok) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("pre");
      box.id = "__policypress_error";
      box.style.cssText = "position:fixed;inset:0;z-index:2147483647;margin:0;padding:2em;overflow:auto;background:rgba(20,20,20,.94);color:#ffb4b4;font:14px/1.5 monospace;white-space:pre-wrap";
      document.body.appendChild(box);
    }
    box.textContent = __HEADING__ + "\n\n" + status.error;
  };
  const update = (status) => {
    if (status.ok && status.generation !== served) location.reload();
    else show(status);
  };
  const events = new EventSource("/__policypress/events");
  events.addEventListener("status", (e) => update(JSON.parse(e.data)));
  events.onerror = () => setTimeout(() => fetch("/__policypress/status").then((r) => r.json()).then(update, () => {}), 1000);
})();
</script>
"#;

/// Adds the live-reload script before `</body>` (or at the end). Only
/// responses get it; the built files stay as `build` wrote them.
fn inject(status: &Status, page: &str) -> String {
    let heading = serde_json::to_string(&crate::text!("serve-overlay-heading").to_string()).unwrap_or_default();
    let script =
        CLIENT_SCRIPT.replace("__GENERATION__", &status.generation.to_string()).replace("__HEADING__", &heading);
    let at = page.to_ascii_lowercase().rfind("</body").unwrap_or(page.len());
    let mut out = String::with_capacity(page.len() + script.len());
    out.push_str(&page[..at]);
    out.push_str(&script);
    out.push_str(&page[at..]);
    out
}

#[derive(Debug, PartialEq, Eq)]
enum Resolved {
    File(PathBuf),
    /// A directory asked for without its trailing slash: relative links
    /// in its index page only work from `dir/`.
    Redirect(String),
    NotFound,
    BadRequest,
}

/// Maps a request path to a file inside `site`. Anything that could
/// name a file outside it — `..`, backslashes, NUL, drive prefixes, in
/// plain or percent-encoded form — is a bad request, and a symlink out
/// of the site is not found. Repeated slashes are collapsed by a redirect:
/// a redirect to `//articles/` would send the browser to a host named
/// `articles`.
fn resolve(site: &Path, raw: &str) -> Resolved {
    // Browsers drop tabs and newlines from a Location, which could turn
    // `/<TAB>/host` into `//host`; no valid request path has them.
    if !raw.starts_with('/') || raw.bytes().any(|b| b.is_ascii_control() || b == b' ') {
        return Resolved::BadRequest;
    }
    if raw.contains("//") {
        let mut collapsed = String::with_capacity(raw.len());
        for c in raw.chars() {
            if !(c == '/' && collapsed.ends_with('/')) {
                collapsed.push(c);
            }
        }
        return Resolved::Redirect(collapsed);
    }
    let Some(decoded) = percent_decode(raw) else { return Resolved::BadRequest };
    if decoded.contains(['\0', '\\']) {
        return Resolved::BadRequest;
    }
    let mut path = site.to_path_buf();
    for segment in decoded.split('/').filter(|s| !s.is_empty()) {
        if segment == "." || segment == ".." || segment.contains(':') {
            return Resolved::BadRequest;
        }
        path.push(segment);
    }
    if path.is_dir() {
        if !decoded.ends_with('/') {
            return Resolved::Redirect(format!("{raw}/"));
        }
        path.push("index.html");
    }
    let inside = match (path.canonicalize(), site.canonicalize()) {
        (Ok(file), Ok(site)) => file.starts_with(site) && file.is_file(),
        _ => false,
    };
    if inside { Resolved::File(path) } else { Resolved::NotFound }
}

/// `%XX` → byte; `None` for a malformed escape or a result that is not UTF-8.
fn percent_decode(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = raw.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn content_type(path: &Path) -> &'static str {
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or_default().to_ascii_lowercase();
    match extension.as_str() {
        "html" | "htm" => HTML,
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json; charset=utf-8",
        "xml" => "application/xml; charset=utf-8",
        "svg" => "image/svg+xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "pdf" => "application/pdf",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

fn response(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
    // Never cached: a reload must show the latest build.
    Response::new(status, content_type, body).with_header("Cache-Control", "no-store")
}

fn text(status: u16, body: &str) -> Response {
    response(status, "text/plain; charset=utf-8", body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("articles/a")).unwrap();
        std::fs::write(dir.path().join("index.html"), "<html><body>home</body></html>").unwrap();
        std::fs::write(dir.path().join("articles/a/index.html"), "a").unwrap();
        dir
    }

    #[test]
    fn paths_resolve_inside_the_site_only() {
        let site = site();
        let root = site.path();
        assert_eq!(resolve(root, "/"), Resolved::File(root.join("index.html")));
        assert_eq!(resolve(root, "/articles/a/"), Resolved::File(root.join("articles/a/index.html")));
        assert_eq!(resolve(root, "/articles/a"), Resolved::Redirect("/articles/a/".into()));
        assert_eq!(resolve(root, "/%61rticles/a/index.html"), Resolved::File(root.join("articles/a/index.html")));
        assert_eq!(resolve(root, "/missing/"), Resolved::NotFound);
        assert_eq!(resolve(root, "//articles"), Resolved::Redirect("/articles".into()));
        assert_eq!(resolve(root, "//articles//a/"), Resolved::Redirect("/articles/a/".into()));
        assert_eq!(resolve(root, "///evil.example/"), Resolved::Redirect("/evil.example/".into()));
        for hostile in [
            "/../../etc/passwd",
            "/..%2f..%2fetc/passwd",
            "/%2e%2e/%2e%2e/etc/passwd",
            "/articles/..%5c..%5cetc",
            "/a\\..\\b",
            "/index.html%00.txt",
            "/%zz",
            "/C:/Windows",
            "relative",
            "/\t/evil.example",
            "/\r\nSet-Cookie: a=b",
        ] {
            assert_eq!(resolve(root, hostile), Resolved::BadRequest, "{hostile}");
        }
    }

    #[test]
    fn the_script_goes_before_the_closing_body_tag() {
        let status = Status { ok: true, generation: 7, error: None };
        let page = inject(&status, "<html><BODY>x</BODY></html>");
        assert!(page.starts_with("<html><BODY>x<script>"), "{page}");
        assert!(page.ends_with("</script>\n</BODY></html>"), "{page}");
        assert!(page.contains("const served = 7;"));
        assert!(inject(&status, "fragment").starts_with("fragment<script>"));
    }

    #[test]
    fn text_formats_are_served_as_utf8() {
        for name in ["a.html", "a.css", "a.js", "a.json", "a.xml", "a.svg", "a.txt"] {
            assert!(content_type(Path::new(name)).ends_with("charset=utf-8"), "{name}");
        }
        assert_eq!(content_type(Path::new("a.png")), "image/png");
    }
}
