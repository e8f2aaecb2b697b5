//! A hostile Autotask stand-in: a tiny HTTP server on loopback that answers every request with a
//! body echoing the API secret every way it can (raw, XML-escaped, percent-encoded, Base64, the
//! request's own `Authorization` header), for the tests that no error or log line shows it. It
//! stops by itself when its handle is dropped, or after a minute at the latest.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// Escapes differently in XML, in a URL and in Base64.
pub const SECRET: &str = "p&ss<w\"rd%/+";
pub const USER: &str = "api@example.com";

/// How the server answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Echo {
    /// 200, the operation's response with `ReturnCode` -1 and ATWS errors quoting the secret.
    AtwsErrors,
    /// 200 holding a SOAP fault that quotes the secret.
    FaultIn200,
    /// 200 that is no XML at all.
    Unparseable,
    /// 400 whose text puts the secret across the cut of a 200-character excerpt, after a long
    /// run of whitespace.
    AcrossTheCut,
    /// 200 that says it is 1.5 GB long and sends 1 MiB of it.
    HugeDeclared,
    /// 200 without a length, chunk after chunk, up to 256 MiB or until the client hangs up.
    HugeStreamed,
}

pub const EVERY_ECHO: [Echo; 4] = [
    Echo::AtwsErrors,
    Echo::FaultIn200,
    Echo::Unparseable,
    Echo::AcrossTheCut,
];

/// Every form of the secret that must not show, and its start (what a cut would leave).
pub fn forbidden() -> Vec<String> {
    vec![
        SECRET.to_owned(),
        SECRET[..6].to_owned(),
        xml_escape(SECRET),
        "p%26ss%3Cw%22rd%25%2F%2B".to_owned(),
        STANDARD.encode(SECRET),
        STANDARD.encode(format!("{USER}:{SECRET}")),
    ]
}

/// Panics when `text` shows any form of the secret.
pub fn assert_clean(what: &str, text: &str) {
    for form in forbidden() {
        assert!(
            !text.contains(&form),
            "{what} shows the secret as {form:?}:\n{text}"
        );
    }
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Every way to echo: `authorization` is the request's header, as received.
fn echoes(authorization: &str) -> String {
    format!(
        "raw {SECRET} | escaped {} | url {} | b64 {} | header {authorization}",
        xml_escape(SECRET),
        "p%26ss%3Cw%22rd%25%2F%2B",
        STANDARD.encode(SECRET)
    )
}

fn answer(echo: Echo, action: &str, authorization: &str) -> (u16, String) {
    const ENVELOPE: &str = r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>"#;
    const END: &str = "</soap:Body></soap:Envelope>";
    // The text as the XML carries it, so that it reads back as `echoes`; and once more
    // escaped, so that it reads back as the escaped forms.
    let text = xml_escape(&echoes(authorization));
    let twice = xml_escape(&text);
    match echo {
        Echo::AtwsErrors => (
            200,
            format!(
                r#"{ENVELOPE}<{action}Response xmlns="http://autotask.net/ATWS/v1_6/"><{action}Result><ReturnCode>-1</ReturnCode><EntityResults /><Errors><ATWSError><Message>{text}</Message></ATWSError><ATWSError><Message>{twice}</Message></ATWSError></Errors><EntityReturnInfoResults /></{action}Result></{action}Response>{END}"#
            ),
        ),
        Echo::FaultIn200 => (
            200,
            format!(
                "{ENVELOPE}<soap:Fault><faultcode>soap:Client {text}</faultcode><faultstring>{text} {twice}</faultstring><detail>{text}</detail></soap:Fault>{END}"
            ),
        ),
        Echo::Unparseable => (200, format!("<oops {} </", echoes(authorization))),
        Echo::HugeDeclared | Echo::HugeStreamed => (200, String::new()),
        Echo::AcrossTheCut => (
            400,
            format!(
                "Bad request{}{}{SECRET} {}",
                " \r\n\t".repeat(5000),
                "x".repeat(182),
                echoes(authorization)
            ),
        ),
    }
}

/// The running server; dropping it stops it.
pub struct EchoServer {
    pub url: String,
    stop: Arc<AtomicBool>,
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl EchoServer {
    pub fn start(echo: Echo) -> EchoServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let url = format!(
            "http://{}/atservices/1.6/atws.asmx",
            listener.local_addr().expect("an address")
        );
        listener.set_nonblocking(true).expect("non-blocking");
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            while !stopped.load(Ordering::Relaxed) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        std::thread::spawn(move || serve(stream, echo));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        EchoServer { url, stop }
    }
}

/// One request, one answer, then the connection closes.
fn serve(mut stream: TcpStream, echo: Echo) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut request = Vec::new();
    let mut buffer = [0u8; 8192];
    let head_end = loop {
        if let Some(at) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buffer[..n]),
        }
    };
    let head = String::from_utf8_lossy(&request[..head_end]).into_owned();
    let header = |name: &str| {
        head.lines()
            .find_map(|line| {
                let (key, value) = line.split_once(':')?;
                key.trim()
                    .eq_ignore_ascii_case(name)
                    .then(|| value.trim().to_owned())
            })
            .unwrap_or_default()
    };
    let length: usize = header("Content-Length").parse().unwrap_or(0);
    while request.len() < head_end + length {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => request.extend_from_slice(&buffer[..n]),
        }
    }
    if matches!(echo, Echo::HugeDeclared | Echo::HugeStreamed) {
        huge(stream, echo);
        return;
    }
    let action = header("SOAPAction").trim_matches('"').to_owned();
    let action = action.rsplit('/').next().unwrap_or_default().to_owned();
    let (status, body) = answer(echo, &action, &header("Authorization"));
    let reason = if status == 200 { "OK" } else { "Bad Request" };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.flush();
}

fn huge(mut stream: TcpStream, echo: Echo) {
    let chunk = vec![b' '; 64 * 1024];
    if echo == Echo::HugeDeclared {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 1610612736\r\nConnection: close\r\n\r\n";
        if stream.write_all(head.as_bytes()).is_err() {
            return;
        }
        for _ in 0..16 {
            if stream.write_all(&chunk).is_err() {
                return;
            }
        }
        return;
    }
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    if stream.write_all(head.as_bytes()).is_err() {
        return;
    }
    let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
    framed.extend_from_slice(&chunk);
    framed.extend_from_slice(b"\r\n");
    for _ in 0..4096 {
        if stream.write_all(&framed).is_err() {
            return;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n");
}
