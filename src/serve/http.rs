//! The preview's HTTP/1.1 server, on std alone.
//!
//! It replaces tiny_http, which reads a request line and headers of any
//! length into memory (a 64 MiB request line grew the server by 140 MB) and
//! has no setting to stop it. Here a request head is read through a bounded
//! reader, within a deadline, and a connection beyond the cap is refused, so
//! no client can make the server hold more than a fixed amount per
//! connection. It speaks only what a preview needs: GET and HEAD, keep-alive,
//! and responses that keep the connection for server-sent events.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// Longest request line (method, target, version) accepted; longer is 414.
const MAX_REQUEST_LINE: usize = 8 * 1024;
/// Longest header block accepted; longer is 431.
const MAX_HEADERS: usize = 64 * 1024;
/// Open connections beyond this are answered 503 and closed, so a flood of
/// clients cannot exhaust threads or memory.
const MAX_CONNECTIONS: usize = 1024;
/// How long a kept-alive connection may sit idle before it is closed.
const IDLE_TIMEOUT: Duration = Duration::from_secs(15);
/// A request head must arrive completely within this, however slowly its
/// bytes trickle in, so slow clients cannot hold a connection forever.
const HEAD_DEADLINE: Duration = Duration::from_secs(10);
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// Each connection's thread only parses a head and copies a file; the
/// default 2 MiB stack would reserve far more than it needs per client.
const CONNECTION_STACK: usize = 256 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The request target as sent, e.g. `/articles/a/?q=1`.
    pub target: String,
}

pub struct Response {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response { status, headers: vec![("Content-Type", content_type.to_string())], body: body.into() }
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Response {
        self.headers.push((name, value.into()));
        self
    }
}

/// Writes to a connection that stays open until it returns; the server
/// sends the head first and closes the connection afterwards.
pub type Stream = Box<dyn FnOnce(&mut dyn Write) -> io::Result<()> + Send>;

pub enum Reply {
    Full(Response),
    /// A head without a length, then whatever the stream writes.
    Stream(Response, Stream),
}

pub type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

/// A listening server; [`Server::stop`] ends it.
pub struct Server {
    addr: SocketAddr,
    stopping: Arc<AtomicBool>,
    acceptor: Option<thread::JoinHandle<()>>,
}

impl Server {
    pub fn bind(addr: SocketAddr) -> io::Result<(TcpListener, SocketAddr)> {
        let listener = TcpListener::bind(addr)?;
        let bound = listener.local_addr()?;
        Ok((listener, bound))
    }

    /// Accepts connections on `listener` on a thread of its own, one thread
    /// per connection.
    pub fn start(listener: TcpListener, handler: Arc<Handler>) -> io::Result<Server> {
        let addr = listener.local_addr()?;
        let stopping = Arc::new(AtomicBool::new(false));
        let open = Arc::new(AtomicUsize::new(0));
        let acceptor = {
            let stopping = Arc::clone(&stopping);
            thread::Builder::new().name("http-accept".into()).spawn(move || {
                for stream in listener.incoming() {
                    if stopping.load(Ordering::SeqCst) {
                        break;
                    }
                    // A connection that failed before it was accepted.
                    let Ok(stream) = stream else { continue };
                    accept(stream, &handler, &open);
                }
            })?
        };
        Ok(Server { addr, stopping, acceptor: Some(acceptor) })
    }

    /// Stops accepting connections. Open ones end on their own: they are
    /// bounded by the timeouts above.
    pub fn stop(mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        // `accept` has no timeout; a connection of our own wakes it.
        let wake = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => SocketAddr::new(Ipv4Addr::LOCALHOST.into(), self.addr.port()),
            IpAddr::V6(ip) if ip.is_unspecified() => SocketAddr::new(Ipv6Addr::LOCALHOST.into(), self.addr.port()),
            _ => self.addr,
        };
        if TcpStream::connect_timeout(&wake, Duration::from_secs(1)).is_ok()
            && let Some(acceptor) = self.acceptor.take()
        {
            let _ = acceptor.join();
        }
    }
}

fn accept(stream: TcpStream, handler: &Arc<Handler>, open: &Arc<AtomicUsize>) {
    if open.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
        open.fetch_sub(1, Ordering::SeqCst);
        refuse(stream, 503, "too many connections\n");
        return;
    }
    let (handler, guard) = (Arc::clone(handler), OpenConnection(Arc::clone(open)));
    let spawned = thread::Builder::new().stack_size(CONNECTION_STACK).spawn(move || {
        let _guard = guard;
        serve_connection(stream, &*handler);
    });
    // Out of threads: the connection is dropped, and the count with it.
    drop(spawned);
}

/// Counts a connection as open until its thread ends, however it ends.
struct OpenConnection(Arc<AtomicUsize>);

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn refuse(mut stream: TcpStream, status: u16, message: &str) {
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    let response = Response::new(status, "text/plain; charset=utf-8", message);
    let _ = write_response(&mut stream, &response, false, false);
    let _ = stream.shutdown(Shutdown::Both);
}

fn serve_connection(stream: TcpStream, handler: &Handler) {
    // Responses go out in two writes (head, body); without this the body
    // would wait for the client's delayed ACK.
    let _ = stream.set_nodelay(true);
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    loop {
        let head = match read_head(&mut reader) {
            Ok(head) => head,
            Err(HeadError::Closed) => return,
            Err(HeadError::Reject(status, message)) => {
                let response = Response::new(status, "text/plain; charset=utf-8", message);
                if write_response(&mut writer, &response, false, false).is_ok() {
                    let _ = writer.shutdown(Shutdown::Write);
                    linger(&mut reader);
                }
                return;
            }
        };
        let head_only = head.request.method == "HEAD";
        let written = match handler(&head.request) {
            Reply::Full(response) => write_response(&mut writer, &response, head.keep_alive, head_only),
            Reply::Stream(response, stream) => {
                let _ = write_stream_head(&mut writer, &response).and_then(|()| stream(&mut writer));
                let _ = writer.shutdown(Shutdown::Both);
                return;
            }
        };
        if written.is_err() {
            return;
        }
        if !head.keep_alive {
            // The client may have sent a body or another request; closing on
            // those unread bytes would reset the connection and could cut
            // the response short.
            let _ = writer.shutdown(Shutdown::Write);
            linger(&mut reader);
            return;
        }
    }
}

/// Reads and drops what the client is still sending, for a moment, before
/// the connection closes: closing with unread data makes the kernel reset
/// the connection, and the client may then lose the error response.
fn linger(reader: &mut BufReader<TcpStream>) {
    const MOST: usize = 1024 * 1024;
    let deadline = Instant::now() + Duration::from_secs(1);
    let mut drained = 0;
    while drained < MOST {
        let Some(left) = deadline.checked_duration_since(Instant::now()) else { return };
        reader.set_timeout(left);
        match reader.fill_buf() {
            Ok([]) | Err(_) => return,
            Ok(available) => {
                let taken = available.len();
                reader.consume(taken);
                drained += taken;
            }
        }
    }
}

struct Head {
    request: Request,
    keep_alive: bool,
}

#[derive(Debug, PartialEq, Eq)]
enum HeadError {
    /// The client went away, stayed idle too long or was too slow: nothing
    /// useful can be said to it.
    Closed,
    Reject(u16, &'static str),
}

/// Reads one request head: the request line, then headers up to the blank
/// line. Never buffers more than the limits allow, and gives up at the
/// deadline.
fn read_head<R: TimedRead>(reader: &mut R) -> Result<Head, HeadError> {
    // Waiting for the next request on a kept-alive connection.
    reader.set_timeout(IDLE_TIMEOUT);
    match reader.fill_buf() {
        Ok([]) | Err(_) => return Err(HeadError::Closed),
        Ok(_) => {}
    }
    let deadline = Instant::now() + HEAD_DEADLINE;
    let mut line = Vec::new();
    // Clients may send blank lines between requests (RFC 9112 §2.2).
    loop {
        read_line(reader, &mut line, MAX_REQUEST_LINE, deadline)
            .map_err(|limit| limit.or(414, "request line longer than 8 KB\n"))?;
        if !line.is_empty() {
            break;
        }
    }
    let request_line = std::str::from_utf8(&line).map_err(|_| HeadError::Reject(400, "bad request line\n"))?;
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(HeadError::Reject(400, "bad request line\n"));
    };
    if method.is_empty() || target.is_empty() {
        return Err(HeadError::Reject(400, "bad request line\n"));
    }
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err(HeadError::Reject(505, "only HTTP/1.0 and HTTP/1.1 are supported\n")),
    };
    let request = Request { method: method.to_string(), target: target.to_string() };

    let mut connection = String::new();
    let mut has_body = false;
    let mut header_bytes = 0;
    loop {
        let left = MAX_HEADERS.saturating_sub(header_bytes);
        read_line(reader, &mut line, left, deadline).map_err(|limit| limit.or(431, "headers longer than 64 KB\n"))?;
        header_bytes += line.len() + 2;
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = std::str::from_utf8(&line).ok().and_then(|l| l.split_once(':')) else {
            return Err(HeadError::Reject(400, "bad header line\n"));
        };
        // Obsolete line folding and whitespace before the colon are how
        // request smuggling starts; RFC 9112 says to reject them.
        if name.is_empty() || name.starts_with([' ', '\t']) || name.ends_with([' ', '\t']) {
            return Err(HeadError::Reject(400, "bad header line\n"));
        }
        let value = value.trim_matches([' ', '\t']);
        if name.eq_ignore_ascii_case("connection") {
            connection = value.to_ascii_lowercase();
        } else if name.eq_ignore_ascii_case("transfer-encoding")
            || (name.eq_ignore_ascii_case("content-length") && value != "0")
        {
            has_body = true;
        }
    }
    let wants = |token: &str| connection.split(',').any(|t| t.trim() == token);
    // A body is never read (GET and HEAD need none), so the connection
    // cannot be reused after it: its bytes would be taken for a request.
    let keep_alive = !has_body && if http10 { wants("keep-alive") } else { !wants("close") };
    Ok(Head { request, keep_alive })
}

/// A reader whose blocking reads can be bounded in time.
trait TimedRead: BufRead {
    fn set_timeout(&mut self, timeout: Duration);
}

impl TimedRead for BufReader<TcpStream> {
    fn set_timeout(&mut self, timeout: Duration) {
        let _ = self.get_ref().set_read_timeout(Some(timeout.max(Duration::from_millis(1))));
    }
}

/// Why a head line could not be read.
#[derive(Debug, PartialEq, Eq)]
enum LineError {
    TooLong,
    Closed,
}

impl LineError {
    fn or(self, status: u16, message: &'static str) -> HeadError {
        match self {
            LineError::TooLong => HeadError::Reject(status, message),
            LineError::Closed => HeadError::Closed,
        }
    }
}

/// Reads one line into `line` without its CRLF (or bare LF), holding at
/// most `limit` bytes of it.
fn read_line<R: TimedRead>(
    reader: &mut R,
    line: &mut Vec<u8>,
    limit: usize,
    deadline: Instant,
) -> Result<(), LineError> {
    line.clear();
    loop {
        let left = deadline.checked_duration_since(Instant::now()).ok_or(LineError::Closed)?;
        reader.set_timeout(left);
        let available = match reader.fill_buf() {
            Ok([]) => return Err(LineError::Closed),
            Ok(available) => available,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return Err(LineError::Closed),
        };
        let (taken, done) = match available.iter().position(|&b| b == b'\n') {
            Some(end) => (end + 1, true),
            None => (available.len(), false),
        };
        if line.len() + taken > limit + 2 {
            return Err(LineError::TooLong);
        }
        line.extend_from_slice(&available[..taken]);
        reader.consume(taken);
        if done {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            return if line.len() > limit { Err(LineError::TooLong) } else { Ok(()) };
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        414 => "URI Too Long",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

fn write_head(out: &mut dyn Write, response: &Response, extra: &str) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", response.status, reason(response.status));
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(extra);
    head.push_str("\r\n");
    out.write_all(head.as_bytes())
}

fn write_response(out: &mut dyn Write, response: &Response, keep_alive: bool, head_only: bool) -> io::Result<()> {
    let connection = if keep_alive { "keep-alive" } else { "close" };
    let extra = format!("Content-Length: {}\r\nConnection: {connection}\r\n", response.body.len());
    write_head(out, response, &extra)?;
    if !head_only {
        out.write_all(&response.body)?;
    }
    out.flush()
}

fn write_stream_head(out: &mut dyn Write, response: &Response) -> io::Result<()> {
    write_head(out, response, "Connection: close\r\n")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    impl TimedRead for BufReader<Cursor<Vec<u8>>> {
        fn set_timeout(&mut self, _: Duration) {}
    }

    fn head(raw: &[u8]) -> Result<(Request, bool), HeadError> {
        // A small buffer, so lines arrive in pieces as from a socket.
        let mut reader = BufReader::with_capacity(7, Cursor::new(raw.to_vec()));
        read_head(&mut reader).map(|head| (head.request, head.keep_alive))
    }

    fn get(target: &str) -> Request {
        Request { method: "GET".into(), target: target.into() }
    }

    #[test]
    fn a_request_head_is_parsed_with_its_keep_alive_choice() {
        assert_eq!(head(b"GET /a/ HTTP/1.1\r\nHost: x\r\n\r\n"), Ok((get("/a/"), true)));
        assert_eq!(head(b"\r\nGET /a/ HTTP/1.1\nHost: x\n\n"), Ok((get("/a/"), true)));
        assert_eq!(head(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n"), Ok((get("/"), false)));
        assert_eq!(head(b"GET / HTTP/1.0\r\n\r\n"), Ok((get("/"), false)));
        assert_eq!(head(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"), Ok((get("/"), true)));
        assert_eq!(head(b"GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"), Ok((get("/"), false)));
        assert_eq!(head(b""), Err(HeadError::Closed));
        assert_eq!(head(b"GET / HTTP/1.1\r\nHost: x\r\n"), Err(HeadError::Closed));
    }

    #[test]
    fn oversized_request_lines_and_headers_are_refused_at_the_limit() {
        let line = |target_len: usize| format!("GET /{} HTTP/1.1", "a".repeat(target_len - 1));
        let fits = line(MAX_REQUEST_LINE - "GET  HTTP/1.1".len());
        assert_eq!(fits.len(), MAX_REQUEST_LINE);
        assert!(head(format!("{fits}\r\n\r\n").as_bytes()).is_ok());
        let over = line(MAX_REQUEST_LINE + 1 - "GET  HTTP/1.1".len());
        assert!(matches!(head(format!("{over}\r\n\r\n").as_bytes()), Err(HeadError::Reject(414, _))));

        let headers =
            |count: usize| format!("GET / HTTP/1.1\r\n{}\r\n", "X-Filler: 0123456789012345\r\n".repeat(count));
        let per_line = "X-Filler: 0123456789012345\r\n".len();
        assert!(head(headers(MAX_HEADERS / per_line - 1).as_bytes()).is_ok());
        assert!(matches!(head(headers(MAX_HEADERS / per_line + 1).as_bytes()), Err(HeadError::Reject(431, _))));
    }

    #[test]
    fn malformed_heads_are_bad_requests() {
        for raw in [
            &b"GET /\r\n\r\n"[..],
            b"GET  / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1 x\r\n\r\n",
            b"GET / HTTP/1.1\r\nno colon\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost : x\r\n\r\n",
            b"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
            b"GET /\xff HTTP/1.1\r\n\r\n",
        ] {
            assert!(matches!(head(raw), Err(HeadError::Reject(400, _))), "{}", String::from_utf8_lossy(raw));
        }
        assert!(matches!(head(b"GET / HTTP/2.0\r\n\r\n"), Err(HeadError::Reject(505, _))));
    }
}
