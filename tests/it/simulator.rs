//! The Autotask SOAP simulator, exercised over loopback HTTP the way real
//! clients talk to Autotask: raw HTTP/1.1 requests, SOAP envelopes written
//! by hand, responses read with the project's own SOAP response reader.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use fieldmap::autotask::simulator::{
    ACTION_CHARS_KEPT, CallRecord, DEMO_INTEGRATION_CODE, DEMO_PASSWORD, DEMO_USER, Fault,
    SimConfig, SimError, SimHandle, THRESHOLD_EXCEEDED_MESSAGE, serve,
};
use fieldmap::autotask::soap::{
    CollectedEntity, EntityCollector, QueryOutcome, SoapError, WriteOperation, WriteOutcome,
    collect_entities, read_threshold_and_usage_response, read_write_response,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ATWS: &str = "http://autotask.net/ATWS/v1_6/";
const ENDPOINT: &str = "/atservices/1.6/atws.asmx";
/// No single exchange with a local simulator takes this long.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(20);

const FIXTURES: [(&str, &str); 8] = [
    (
        "Account",
        include_str!("../../mappings/fixtures/accounts.xml"),
    ),
    (
        "Contact",
        include_str!("../../mappings/fixtures/contacts.xml"),
    ),
    (
        "AccountPhysicalLocation",
        include_str!("../../mappings/fixtures/locations.xml"),
    ),
    (
        "Project",
        include_str!("../../mappings/fixtures/projects.xml"),
    ),
    (
        "Resource",
        include_str!("../../mappings/fixtures/resources.xml"),
    ),
    (
        "ServiceCall",
        include_str!("../../mappings/fixtures/service-calls.xml"),
    ),
    ("Task", include_str!("../../mappings/fixtures/tasks.xml")),
    (
        "Ticket",
        include_str!("../../mappings/fixtures/tickets.xml"),
    ),
];

// ---------------------------------------------------------------------------
// A raw HTTP/1.1 client and SOAP helpers
// ---------------------------------------------------------------------------

async fn start() -> SimHandle {
    start_with(SimConfig::default()).await
}

async fn start_with(config: SimConfig) -> SimHandle {
    let addr: SocketAddr = "127.0.0.1:0".parse().expect("loopback address");
    tokio::time::timeout(EXCHANGE_TIMEOUT, serve(config, addr))
        .await
        .expect("the simulator starts in time")
        .expect("the simulator starts")
}

#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The texts of every `<name>…</name>` in the body (no nesting of the same name).
    fn texts(&self, name: &str) -> Vec<String> {
        element_texts(&self.body, name)
    }

    fn return_code(&self) -> Option<i32> {
        self.texts("ReturnCode").first()?.parse().ok()
    }
}

fn element_texts(xml: &str, name: &str) -> Vec<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let mut found = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(&close) else { break };
        found.push(unescape(&after[..end]));
        rest = &after[end + close.len()..];
    }
    found
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// One request on a fresh connection (`Connection: close`), read to the end.
async fn http(addr: SocketAddr, head: &str, body: &[u8]) -> Reply {
    tokio::time::timeout(EXCHANGE_TIMEOUT, http_exchange(addr, head, body))
        .await
        .expect("the simulator answers in time")
}

async fn http_exchange(addr: SocketAddr, head: &str, body: &[u8]) -> Reply {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let mut request = format!(
        "{head}\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    stream.write_all(&request).await.expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("receive");
    parse_reply(&raw)
}

fn parse_reply(raw: &[u8]) -> Reply {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete HTTP head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Reply {
        status,
        headers,
        body: String::from_utf8(body).expect("a UTF-8 body"),
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&data[..line_end]);
        let size = usize::from_str_radix(size_text.trim(), 16).expect("a chunk size");
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        out.extend_from_slice(&data[start..start + size]);
        data = &data[start + size + 2..];
    }
    out
}

/// A SOAP 1.1 envelope as a .NET-generated client writes it.
fn envelope(integration_code: Option<&str>, body: &str) -> String {
    let header = integration_code.map_or_else(String::new, |code| {
        format!(
            r#"<soap:Header><AutotaskIntegrations xmlns="{ATWS}"><IntegrationCode>{code}</IntegrationCode></AutotaskIntegrations></soap:Header>"#
        )
    });
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="utf-8"?>"#,
            r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" "#,
            r#"xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">"#,
            "{}<soap:Body>{}</soap:Body></soap:Envelope>"
        ),
        header, body
    )
}

/// A QueryXML document.
fn qx(entity: &str, query: &str) -> String {
    format!("<queryxml><entity>{entity}</entity><query>{query}</query></queryxml>")
}

/// One `<field>` test.
fn f(field: &str, op: &str, value: &str) -> String {
    format!(
        r#"<field>{field}<expression op="{op}">{}</expression></field>"#,
        escape(value)
    )
}

/// One `<field udf="true">` test.
fn udf(field: &str, op: &str, value: &str) -> String {
    format!(
        r#"<field udf="true">{field}<expression op="{op}">{}</expression></field>"#,
        escape(value)
    )
}

/// The simulator's demo credentials.
struct Client {
    addr: SocketAddr,
    user: String,
    password: String,
    integration_code: Option<String>,
}

impl Client {
    fn new(sim: &SimHandle) -> Self {
        Client {
            addr: sim.addr(),
            user: DEMO_USER.to_owned(),
            password: DEMO_PASSWORD.to_owned(),
            integration_code: Some(DEMO_INTEGRATION_CODE.to_owned()),
        }
    }

    /// POSTs a whole document with this SOAPAction operation.
    async fn post(&self, operation: &str, document: &str) -> Reply {
        let credentials = base64(format!("{}:{}", self.user, self.password).as_bytes());
        let head = format!(
            "POST {ENDPOINT} HTTP/1.1\r\nContent-Type: text/xml; charset=utf-8\r\nSOAPAction: \"{ATWS}{operation}\"\r\nAuthorization: Basic {credentials}"
        );
        http(self.addr, &head, document.as_bytes()).await
    }

    /// Calls an operation with this body content, header included.
    async fn call(&self, operation: &str, body: &str) -> Reply {
        let document = envelope(self.integration_code.as_deref(), body);
        self.post(operation, &document).await
    }

    async fn query(&self, queryxml: &str) -> Reply {
        self.call(
            "query",
            &format!(r#"<query xmlns="{ATWS}"><sXML><![CDATA[{queryxml}]]></sXML></query>"#),
        )
        .await
    }

    /// A query that must succeed, read with the project's response reader.
    async fn entities(&self, queryxml: &str) -> Vec<CollectedEntity> {
        let reply = self.query(queryxml).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let (outcome, entities) = collect_entities(&reply.body).expect("a readable queryResponse");
        assert!(outcome.succeeded(), "{queryxml}: {:?}", outcome.errors);
        entities
    }

    /// The ids a query that must succeed returns.
    async fn ids(&self, queryxml: &str) -> Vec<i64> {
        self.entities(queryxml)
            .await
            .iter()
            .map(|entity| {
                entity
                    .field("id")
                    .expect("an id")
                    .parse()
                    .expect("a number")
            })
            .collect()
    }

    /// The outcome of a query expected to fail.
    async fn query_errors(&self, queryxml: &str) -> QueryOutcome {
        let reply = self.query(queryxml).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let (outcome, _) = collect_entities(&reply.body).expect("a readable queryResponse");
        assert_eq!(outcome.return_code, -1, "{queryxml} should fail");
        outcome
    }

    async fn write(
        &self,
        operation: WriteOperation,
        entities: &str,
    ) -> (WriteOutcome, Vec<CollectedEntity>) {
        let name = match operation {
            WriteOperation::Create => "create",
            WriteOperation::Update => "update",
            WriteOperation::Delete => "delete",
        };
        let reply = self
            .call(
                name,
                &format!(r#"<{name} xmlns="{ATWS}"><Entities>{entities}</Entities></{name}>"#),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let mut collector = EntityCollector::default();
        let outcome = read_write_response(&reply.body, operation, &mut collector)
            .expect("a readable write response");
        (outcome, collector.into_entities())
    }

    async fn create(&self, entities: &str) -> (WriteOutcome, Vec<CollectedEntity>) {
        self.write(WriteOperation::Create, entities).await
    }

    async fn update(&self, entities: &str) -> (WriteOutcome, Vec<CollectedEntity>) {
        self.write(WriteOperation::Update, entities).await
    }

    async fn ticket(&self, id: i64) -> CollectedEntity {
        let mut found = self
            .entities(&qx("Ticket", &f("id", "Equals", &id.to_string())))
            .await;
        assert_eq!(found.len(), 1, "ticket {id}");
        found.remove(0)
    }
}

/// An `Entity` element holding every field and UDF of a collected entity,
/// with `xsi:type` on each, as a client sends a whole entity back.
fn entity_xml(entity: &CollectedEntity) -> String {
    let mut out = format!(r#"<Entity xsi:type="{}">"#, entity.entity_type);
    for (name, wire_type, value) in &entity.fields {
        if name != "id" {
            continue;
        }
        let ty = wire_type.as_ref().map_or("long", |t| t.as_str());
        out.push_str(&format!(r#"<id xsi:type="xsd:{ty}">{value}</id>"#));
    }
    if !entity.udfs.is_empty() {
        out.push_str("<UserDefinedFields>");
        for (name, value) in &entity.udfs {
            out.push_str(&format!("<UserDefinedField><Name>{}</Name>", escape(name)));
            if let Some(value) = value {
                out.push_str(&format!("<Value>{}</Value>", escape(value)));
            }
            out.push_str("</UserDefinedField>");
        }
        out.push_str("</UserDefinedFields>");
    }
    for (name, wire_type, value) in &entity.fields {
        if name == "id" {
            continue;
        }
        let ty = wire_type.as_ref().map_or("string", |t| t.as_str());
        out.push_str(&format!(
            r#"<{name} xsi:type="xsd:{ty}">{}</{name}>"#,
            escape(value)
        ));
    }
    out.push_str("</Entity>");
    out
}

/// A new ticket for create calls.
fn new_ticket(title: &str, extra: &str) -> String {
    format!(
        concat!(
            r#"<Entity xsi:type="Ticket"><id xsi:type="xsd:long">0</id>"#,
            r#"<AccountID xsi:type="xsd:int">29683552</AccountID>"#,
            r#"<Priority xsi:type="xsd:int">2</Priority>"#,
            r#"<Status xsi:type="xsd:int">1</Status>"#,
            r#"<Title xsi:type="xsd:string">{}</Title>{}</Entity>"#
        ),
        escape(title),
        extra
    )
}

fn without_field(entity: &CollectedEntity, names: &[&str]) -> CollectedEntity {
    let mut copy = entity.clone();
    copy.fields
        .retain(|(name, _, _)| !names.contains(&name.as_str()));
    copy
}

// ---------------------------------------------------------------------------
// Zone discovery, authentication, integration code, routing
// ---------------------------------------------------------------------------

fn zone_info_request(user: &str) -> String {
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">"#,
            r#"<soap:Body><getZoneInfo xmlns="http://autotask.net/ATWS/v1_6/"><UserName>{}</UserName></getZoneInfo>"#,
            "</soap:Body></soap:Envelope>"
        ),
        user
    )
}

#[tokio::test]
async fn get_zone_info_needs_no_auth_and_answers_the_zone_url() {
    let sim = start().await;
    let head = format!(
        "POST {ENDPOINT} HTTP/1.1\r\nContent-Type: text/xml\r\nSOAPAction: \"{ATWS}getZoneInfo\""
    );
    let reply = http(sim.addr(), &head, zone_info_request(DEMO_USER).as_bytes()).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.texts("URL"), [sim.zone_url()]);
    assert_eq!(
        sim.zone_url(),
        format!("http://127.0.0.1:{}{ENDPOINT}", sim.addr().port())
    );
    assert_eq!(reply.texts("ErrorCode"), ["0"]);
    assert!(
        reply
            .header("content-type")
            .unwrap_or_default()
            .starts_with("text/xml")
    );

    // User names compare without case.
    let reply = http(
        sim.addr(),
        &head,
        zone_info_request("API@Demo-MSP.example").as_bytes(),
    )
    .await;
    assert_eq!(reply.texts("URL"), [sim.zone_url()]);

    let reply = http(
        sim.addr(),
        &head,
        zone_info_request("nobody@example.com").as_bytes(),
    )
    .await;
    assert_eq!(reply.status, 200);
    let code: i32 = reply.texts("ErrorCode")[0].parse().unwrap();
    assert!(code < 0, "{}", reply.body);
    assert!(reply.texts("URL").is_empty());
    sim.shutdown().await;
}

/// Unauthenticated requests with a 60 KB `SOAPAction` each used to be kept whole, forever
/// (+180 MB per 3,000): the call log keeps the start of an unknown action only.
#[tokio::test]
async fn a_huge_unknown_soap_action_is_logged_short() {
    let sim = start().await;
    let huge = "A".repeat(60 * 1024);
    for _ in 0..20 {
        let reply = http(
            sim.addr(),
            &format!("POST /atservices/1.6/atws.asmx HTTP/1.1\r\nSOAPAction: \"{huge}\""),
            b"<x/>",
        )
        .await;
        assert_eq!(reply.status, 401);
    }
    let calls = sim.calls();
    assert_eq!(calls.len(), 20);
    assert!(
        calls.iter().all(|c| c.action.len() == ACTION_CHARS_KEPT),
        "{:?}",
        calls[0].action.len()
    );
    assert_eq!(sim.request_count(), 20);
    sim.shutdown().await;
}

#[tokio::test]
async fn calls_without_valid_basic_auth_get_http_401_and_no_soap() {
    let sim = start().await;
    let body = envelope(
        Some(DEMO_INTEGRATION_CODE),
        &format!(r#"<getThresholdAndUsageInfo xmlns="{ATWS}" />"#),
    );
    let action = format!("SOAPAction: \"{ATWS}getThresholdAndUsageInfo\"");
    let wrong = base64(b"api@demo-msp.example:wrong");
    let stranger = base64(b"someone@example.com:demo-password");
    for auth in [
        String::new(),
        format!("\r\nAuthorization: Basic {wrong}"),
        format!("\r\nAuthorization: Basic {stranger}"),
        "\r\nAuthorization: Bearer token".to_owned(),
        "\r\nAuthorization: Basic %%%".to_owned(),
    ] {
        let head = format!("POST {ENDPOINT} HTTP/1.1\r\n{action}{auth}");
        let reply = http(sim.addr(), &head, body.as_bytes()).await;
        assert_eq!(reply.status, 401, "{auth}");
        assert!(!reply.body.contains("Envelope"), "{}", reply.body);
        assert!(
            reply
                .header("content-type")
                .unwrap_or_default()
                .starts_with("text/html")
        );
        assert!(
            reply
                .header("www-authenticate")
                .unwrap_or_default()
                .starts_with("Basic")
        );
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn a_wrong_or_missing_integration_code_is_return_code_minus_one() {
    let sim = start().await;
    for code in [Some("WRONG-CODE"), None] {
        let mut client = Client::new(&sim);
        client.integration_code = code.map(str::to_owned);
        let reply = client
            .query(&qx("Ticket", &f("id", "GreaterThan", "0")))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let (outcome, entities) = collect_entities(&reply.body).unwrap();
        assert_eq!(outcome.return_code, -1);
        assert_eq!(outcome.errors, ["IntegrationCode is invalid."]);
        assert!(outcome.result_type_is("ticket"));
        assert!(entities.is_empty());

        let (outcome, _) = client.create(&new_ticket("No code", "")).await;
        assert_eq!(outcome.errors, ["IntegrationCode is invalid."]);

        let reply = client
            .call(
                "getThresholdAndUsageInfo",
                &format!(r#"<getThresholdAndUsageInfo xmlns="{ATWS}" />"#),
            )
            .await;
        assert_eq!(
            read_threshold_and_usage_response(&reply.body).unwrap_err(),
            SoapError::Rejected {
                return_code: -1,
                errors: vec!["IntegrationCode is invalid.".to_owned()],
            }
        );

        // Metadata calls have no ReturnCode: they fail with a fault.
        let reply = client
            .call(
                "GetFieldInfo",
                &format!(r#"<GetFieldInfo xmlns="{ATWS}"><psObjectType>Ticket</psObjectType></GetFieldInfo>"#),
            )
            .await;
        assert_eq!(reply.status, 500);
        assert!(reply.body.contains("IntegrationCode is invalid."));
    }
    // Nothing was created.
    assert_eq!(
        Client::new(&sim)
            .ids(&qx("Ticket", &f("id", "GreaterThan", "0")))
            .await,
        [9137, 9138, 9139]
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_soap_actions_mismatches_and_broken_envelopes_are_soap_faults() {
    let sim = start().await;
    let client = Client::new(&sim);
    let credentials = base64(format!("{DEMO_USER}:{DEMO_PASSWORD}").as_bytes());
    let query = envelope(
        Some(DEMO_INTEGRATION_CODE),
        &format!(
            r#"<query xmlns="{ATWS}"><sXML>{}</sXML></query>"#,
            escape(&qx("Ticket", &f("id", "GreaterThan", "0")))
        ),
    );
    let cases: Vec<(&str, Option<String>, String)> = vec![
        (
            "wrong casing",
            Some(format!("\"{ATWS}Query\"")),
            query.clone(),
        ),
        (
            "unknown operation",
            Some(format!("\"{ATWS}frobnicate\"")),
            query.clone(),
        ),
        (
            "other namespace",
            Some("\"urn:other/query\"".to_owned()),
            query.clone(),
        ),
        ("no SOAPAction", None, query.clone()),
        ("empty SOAPAction", Some("\"\"".to_owned()), query.clone()),
        (
            "body does not match",
            Some(format!("\"{ATWS}update\"")),
            query.clone(),
        ),
        (
            "malformed XML",
            Some(format!("\"{ATWS}query\"")),
            query[..query.len() - 20].to_owned(),
        ),
        (
            "not XML",
            Some(format!("\"{ATWS}query\"")),
            "hello".to_owned(),
        ),
        (
            "empty body",
            Some(format!("\"{ATWS}query\"")),
            String::new(),
        ),
        (
            "SOAP 1.2",
            Some(format!("\"{ATWS}query\"")),
            query.replace(
                "http://schemas.xmlsoap.org/soap/envelope/",
                "http://www.w3.org/2003/05/soap-envelope",
            ),
        ),
        (
            "document type declaration",
            Some(format!("\"{ATWS}query\"")),
            query.replace(
                r#"<?xml version="1.0" encoding="utf-8"?>"#,
                "<!DOCTYPE x [<!ENTITY a 'aaaa'>]>",
            ),
        ),
        (
            "operation outside the ATWS namespace",
            Some(format!("\"{ATWS}query\"")),
            query.replace(
                r#"<query xmlns="http://autotask.net/ATWS/v1_6/">"#,
                "<query>",
            ),
        ),
        (
            "no Body",
            Some(format!("\"{ATWS}query\"")),
            r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"/>"#.to_owned(),
        ),
    ];
    for (case, action, body) in cases {
        let action = action.map_or_else(String::new, |a| format!("\r\nSOAPAction: {a}"));
        let head = format!(
            "POST {ENDPOINT} HTTP/1.1\r\nContent-Type: text/xml\r\nAuthorization: Basic {credentials}{action}"
        );
        let reply = http(sim.addr(), &head, body.as_bytes()).await;
        assert_eq!(reply.status, 500, "{case}: {}", reply.body);
        assert!(
            reply
                .header("content-type")
                .unwrap_or_default()
                .starts_with("text/xml")
        );
        // The project's reader sees a SOAP fault, whatever it expected.
        let error = collect_entities(&reply.body).unwrap_err();
        assert!(
            matches!(error, SoapError::Fault { .. }),
            "{case}: {error:?}"
        );
    }
    let unknown = client.post("Query", &query).await;
    assert!(
        unknown
            .body
            .contains("Server did not recognize the value of HTTP Header SOAPAction: http://autotask.net/ATWS/v1_6/Query."),
        "{}",
        unknown.body
    );
    // The SOAPAction may come unquoted, as some clients send it.
    let head = format!(
        "POST {ENDPOINT} HTTP/1.1\r\nAuthorization: Basic {credentials}\r\nSOAPAction: {ATWS}query"
    );
    assert_eq!(
        http(sim.addr(), &head, query.as_bytes())
            .await
            .return_code(),
        Some(1)
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn other_paths_methods_and_garbage_get_plain_errors_and_the_server_stays_up() {
    let sim = start().await;
    let reply = http(sim.addr(), "POST /atservices/1.5/atws.asmx HTTP/1.1", b"").await;
    assert_eq!(reply.status, 404);
    let reply = http(sim.addr(), &format!("GET {ENDPOINT} HTTP/1.1"), b"").await;
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("POST"));
    // The path is matched without case, as IIS does (zone URLs say ATServices).
    let client = Client::new(&sim);
    let credentials = base64(format!("{DEMO_USER}:{DEMO_PASSWORD}").as_bytes());
    let head = format!(
        "POST /ATServices/1.6/atws.asmx HTTP/1.1\r\nAuthorization: Basic {credentials}\r\nSOAPAction: \"{ATWS}getThresholdAndUsageInfo\""
    );
    let body = envelope(
        Some(DEMO_INTEGRATION_CODE),
        &format!(r#"<getThresholdAndUsageInfo xmlns="{ATWS}" />"#),
    );
    assert_eq!(
        http(sim.addr(), &head, body.as_bytes()).await.return_code(),
        Some(1)
    );

    // Broken HTTP and binary junk: the connection may fail, the server must not.
    for junk in [
        &b"\x00\x01\x02\xff\xfe garbage\r\n\r\n"[..],
        b"POST / HTTP/9.9\r\n\r\n",
        b"POST /atservices/1.6/atws.asmx HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
    ] {
        if let Ok(mut stream) = TcpStream::connect(sim.addr()).await {
            let _ = stream.write_all(junk).await;
            let mut sink = Vec::new();
            let _ =
                tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut sink)).await;
        }
    }
    // Invalid UTF-8 and deep nesting inside a valid request: faults, not crashes.
    let mut bytes = envelope(
        Some(DEMO_INTEGRATION_CODE),
        r#"<query xmlns="http://autotask.net/ATWS/v1_6/"><sXML>"#,
    )
    .into_bytes();
    bytes.extend_from_slice(b"\xff\xfe</sXML></query>");
    let reply = http(sim.addr(), &format!("POST {ENDPOINT} HTTP/1.1\r\nAuthorization: Basic {credentials}\r\nSOAPAction: \"{ATWS}query\""), &bytes).await;
    assert_eq!(reply.status, 500);
    let deep = format!("<a>{}", "<a>".repeat(50_000));
    let reply = client.query(&deep).await;
    assert_eq!(reply.return_code(), Some(-1));
    let deep_envelope = envelope(Some(DEMO_INTEGRATION_CODE), &"<x>".repeat(50_000));
    assert_eq!(client.post("query", &deep_envelope).await.status, 500);

    assert_eq!(
        client
            .ids(&qx("Ticket", &f("id", "GreaterThan", "0")))
            .await,
        [9137, 9138, 9139]
    );
    sim.shutdown().await;
}

// ---------------------------------------------------------------------------
// QueryXML
// ---------------------------------------------------------------------------

#[tokio::test]
async fn every_query_operator_selects_the_right_records() {
    let sim = start().await;
    let client = Client::new(&sim);
    let rows: Vec<(&str, String, Vec<i64>)> = vec![
        // Numbers and picklist ids.
        (
            "Ticket",
            f("Status", "Equals", "29682833"),
            vec![9137, 9138],
        ),
        ("Ticket", f("Status", "NotEqual", "29682833"), vec![9139]),
        ("Ticket", f("id", "GreaterThan", "9137"), vec![9138, 9139]),
        ("Ticket", f("id", "LessThan", "9138"), vec![9137]),
        (
            "Ticket",
            f("id", "GreaterThanOrEquals", "9138"),
            vec![9138, 9139],
        ),
        (
            "Ticket",
            f("id", "LessThanOrEquals", "9138"),
            vec![9137, 9138],
        ),
        ("Ticket", f("Priority", "LessThan", "2"), vec![9137]),
        ("Ticket", f("Source", "LessThan", "0"), vec![9139]),
        // Doubles compare as numbers, not text ("10" < "2.5" as text).
        (
            "Ticket",
            f("EstimatedHours", "GreaterThanOrEquals", "2.5"),
            vec![9137, 9138],
        ),
        (
            "Ticket",
            f("EstimatedHours", "LessThan", "10"),
            vec![9137, 9138, 9139],
        ),
        ("Ticket", f("EstimatedHours", "Equals", "6.0"), vec![9138]),
        // Date-times compare as New York wall clock, fractions included.
        (
            "Ticket",
            f("DueDateTime", "GreaterThan", "2025-01-01T00:00:00"),
            vec![9137, 9139],
        ),
        (
            "Ticket",
            f("DueDateTime", "LessThan", "2025-01-15T09:00:01"),
            vec![9137, 9138],
        ),
        (
            "Ticket",
            f("DueDateTime", "Equals", "2024-11-03T01:30:00"),
            vec![9138],
        ),
        (
            "Ticket",
            f("CreateDate", "Equals", "2025-01-14T16:22:05.27"),
            vec![9137],
        ),
        (
            "Ticket",
            f("CreateDate", "GreaterThan", "2025-01-14T16:22:05.26"),
            vec![9137, 9139],
        ),
        (
            "Ticket",
            f("DueDateTime", "IsThisDay", "2025-01-15"),
            vec![9137],
        ),
        (
            "Ticket",
            f("CreateDate", "IsThisDay", "2025-01-14T23:59:59"),
            vec![9137, 9139],
        ),
        // Text: case-insensitive.
        (
            "Ticket",
            f("Title", "BeginsWith", "printer & SCANNER"),
            vec![9137],
        ),
        ("Ticket", f("Title", "EndsWith", "STATION"), vec![9139]),
        ("Ticket", f("Title", "Contains", "Rack"), vec![9138]),
        (
            "Ticket",
            f("Title", "Equals", "replace DOCKING station"),
            vec![9139],
        ),
        ("Ticket", f("Title", "Like", "%müller%"), vec![9137]),
        ("Ticket", f("Title", "Like", "Replace _ocking%"), vec![9139]),
        (
            "Ticket",
            f("Title", "NotLike", "%printer%"),
            vec![9138, 9139],
        ),
        (
            "Contact",
            f("LastName", "SoundsLike", "Schmitt"),
            vec![30684411],
        ),
        (
            "Contact",
            f("LastName", "SoundsLike", "Patle"),
            vec![30684502],
        ),
        (
            "Account",
            f("City", "GreaterThan", "d"),
            vec![29683500, 29683552],
        ),
        // Null tests; an empty string is not null.
        ("Ticket", f("ContactID", "IsNull", ""), vec![9138]),
        ("Ticket", f("ContactID", "IsNotNull", ""), vec![9137, 9139]),
        ("Ticket", f("Description", "Equals", ""), vec![9138]),
        (
            "Ticket",
            f("Description", "IsNotNull", ""),
            vec![9137, 9138],
        ),
        // Nulls match no comparison, not even NotEqual.
        ("Ticket", f("ContactID", "NotEqual", "30684411"), vec![]),
        // Booleans.
        (
            "Account",
            f("Active", "Equals", "true"),
            vec![29683500, 29683552, 29683560],
        ),
        ("Account", f("Active", "Equals", "0"), vec![]),
        (
            "AccountPhysicalLocation",
            f("Primary", "Equals", "false"),
            vec![88002],
        ),
        // References across the demo data.
        (
            "Account",
            f("ParentAccountID", "Equals", "29683500"),
            vec![29683552],
        ),
        ("Task", f("ProjectID", "Equals", "5501"), vec![7701, 7702]),
        (
            "ServiceCall",
            f("AccountPhysicalLocationID", "Equals", "88002"),
            vec![4401],
        ),
        (
            "Resource",
            f("UserName", "Equals", "DWHITFIELD"),
            vec![29682885],
        ),
        // UDFs, typed by the tenant.
        ("Ticket", udf("Send to FN", "Equals", "yes"), vec![9137]),
        ("Ticket", udf("Send to FN", "NotEqual", "Yes"), vec![9138]),
        ("Ticket", udf("Room Number", "IsNull", ""), vec![9138, 9139]),
        (
            "Account",
            udf("FN Client ID", "GreaterThan", "100"),
            vec![29683500],
        ),
        (
            "Account",
            udf("Site Code", "BeginsWith", "cm-"),
            vec![29683552],
        ),
    ];
    for (entity, test, expected) in rows {
        let ids = client.ids(&qx(entity, &test)).await;
        assert_eq!(ids, expected, "{entity}: {test}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn conditions_nest_and_or_joins_with_the_item_before_it() {
    let sim = start().await;
    let client = Client::new(&sim);
    let rows: Vec<(String, Vec<i64>)> = vec![
        // Siblings are ANDed.
        (
            format!("{}{}", f("Status", "Equals", "29682833"), f("Priority", "Equals", "1")),
            vec![9137],
        ),
        // Status = New OR (Priority = High AND queue = Field Services).
        (
            format!(
                r#"{}<condition operator="OR">{}{}</condition>"#,
                f("Status", "Equals", "1"),
                f("Priority", "Equals", "1"),
                f("QueueID", "Equals", "29683497")
            ),
            vec![9137, 9139],
        ),
        // (IssueType = Hardware OR Network) AND account = Northwind.
        (
            format!(
                r#"<condition>{}<condition operator="OR">{}</condition></condition>{}"#,
                f("IssueType", "Equals", "14"),
                f("IssueType", "Equals", "15"),
                f("AccountID", "Equals", "29683560")
            ),
            vec![9138],
        ),
        // Left to right: (A or B) and C.
        (
            format!(
                r#"{}<condition operator="OR">{}</condition><condition>{}</condition>"#,
                f("id", "Equals", "9137"),
                f("id", "Equals", "9138"),
                f("Priority", "Equals", "2")
            ),
            vec![9138],
        ),
        // An explicit AND, and an OR with a UDF inside a nested group.
        (
            format!(
                r#"<condition operator="AND">{}</condition><condition operator="OR"><condition>{}</condition></condition>"#,
                f("id", "Equals", "9139"),
                udf("Send to FN", "Equals", "No")
            ),
            vec![9138, 9139],
        ),
        // Several expressions on one field must all hold.
        (
            r#"<field>id<expression op="GreaterThan">9137</expression><expression op="LessThan">9139</expression></field>"#.to_owned(),
            vec![9138],
        ),
        // An empty query matches everything.
        (String::new(), vec![9137, 9138, 9139]),
    ];
    for (query, expected) in rows {
        assert_eq!(client.ids(&qx("Ticket", &query)).await, expected, "{query}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn names_operators_and_values_ignore_case() {
    let sim = start().await;
    let client = Client::new(&sim);
    for op in ["Equals", "equals", "EQUALS", "eQuAlS"] {
        assert_eq!(
            client
                .ids(&qx(
                    "Ticket",
                    &f("title", op, "PATCH RACK 3 AND RELABEL SWITCH PORTS")
                ))
                .await,
            [9138],
            "{op}"
        );
    }
    let shouting = r#"<QUERYXML><ENTITY>ticket</ENTITY><QUERY><FIELD UDF="TRUE">send to fn<EXPRESSION OP="ISNOTNULL"></EXPRESSION></FIELD><CONDITION OPERATOR="or"><FIELD>STATUS<EXPRESSION OP="ISNULL"/></FIELD></CONDITION></QUERY></QUERYXML>"#;
    let entities = client.entities(shouting).await;
    assert_eq!(entities.len(), 2);
    assert_eq!(entities[0].entity_type, "Ticket");
    sim.shutdown().await;
}

#[tokio::test]
async fn query_errors_name_what_is_wrong() {
    let sim = start().await;
    let client = Client::new(&sim);
    let cases: Vec<(String, &str)> = vec![
        (qx("Tickets", &f("id", "Equals", "1")), "Tickets"),
        (qx("Ticket", &f("QueueId2", "Equals", "1")), "QueueId2"),
        (
            qx("Ticket", &udf("Favourite Colour", "Equals", "Red")),
            "Favourite Colour",
        ),
        (qx("Ticket", &f("Status", "Equal", "1")), "Equal"),
        (qx("Ticket", &f("AccountID", "Equals", "Café")), "Café"),
        (
            qx("Ticket", &f("DueDateTime", "GreaterThan", "yesterday")),
            "DueDateTime",
        ),
        (
            qx("Ticket", &f("Title", "IsThisDay", "2025-01-01")),
            "IsThisDay",
        ),
        (
            qx("Ticket", &f("CreatorType", "Equals", "1")),
            "CreatorType",
        ),
        (
            qx(
                "Ticket",
                &format!(
                    "{}{}",
                    udf("Send to FN", "Equals", "Yes"),
                    udf("Room Number", "Equals", "B-12")
                ),
            ),
            "one user-defined field",
        ),
        (
            "<queryxml><entity>Ticket</entity><query>".to_owned(),
            "Query XML",
        ),
        (
            "<queryxml><entity>Ticket</entity></queryxml>".to_owned(),
            "<query>",
        ),
    ];
    for (query, named) in cases {
        let outcome = client.query_errors(&query).await;
        assert!(
            outcome.errors.iter().any(|message| message.contains(named)),
            "{query}: {:?}",
            outcome.errors
        );
    }
    // The same UDF twice is still one UDF.
    let twice = format!(
        r#"{}<condition operator="OR">{}</condition>"#,
        udf("Send to FN", "Equals", "Yes"),
        udf("Send to FN", "Equals", "No")
    );
    assert_eq!(client.ids(&qx("Ticket", &twice)).await, [9137, 9138]);
    sim.shutdown().await;
}

#[tokio::test]
async fn at_most_500_or_conditions_per_query() {
    let sim = start().await;
    let client = Client::new(&sim);
    let or_conditions = |count: usize| {
        let mut query = f("id", "Equals", "9137");
        for n in 0..count {
            query.push_str(&format!(
                r#"<condition operator="OR">{}</condition>"#,
                f("id", "Equals", &(9138 + n as i64).to_string())
            ));
        }
        qx("Ticket", &query)
    };
    assert_eq!(client.ids(&or_conditions(500)).await, [9137, 9138, 9139]);
    let outcome = client.query_errors(&or_conditions(501)).await;
    assert_eq!(
        outcome.errors,
        ["Invalid query syntax. Queries are limited to 500 or fewer 'OR' conditions."]
    );
    // Nested ORs count too.
    let nested = format!(
        "<condition>{}</condition>",
        or_conditions(501)
            .trim_start_matches("<queryxml><entity>Ticket</entity><query>")
            .trim_end_matches("</query></queryxml>")
    );
    client.query_errors(&qx("Ticket", &nested)).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn paging_with_id_above_the_last_id_walks_1200_created_tickets() {
    let sim = start().await;
    let client = Client::new(&sim);
    let mut created = Vec::new();
    for batch in 0..6 {
        let entities: String = (0..200)
            .map(|n| new_ticket(&format!("Generated ticket {}", batch * 200 + n), ""))
            .collect();
        let (outcome, saved) = client.create(&entities).await;
        assert!(outcome.succeeded(), "{:?}", outcome.errors);
        assert_eq!(saved.len(), 200);
        assert_eq!(outcome.return_infos.len(), 200);
        assert!(
            outcome
                .return_infos
                .iter()
                .all(|info| info.database_action.as_deref() == Some("Created"))
        );
        for entity in &saved {
            created.push(entity.field("id").unwrap().parse::<i64>().unwrap());
        }
    }
    assert_eq!(created.len(), 1200);

    let mut last = 0i64;
    let mut pages = Vec::new();
    let mut seen = Vec::new();
    loop {
        let ids = client
            .ids(&qx("Ticket", &f("id", "GreaterThan", &last.to_string())))
            .await;
        pages.push(ids.len());
        assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "ids ascend within a page"
        );
        seen.extend(&ids);
        match ids.last() {
            Some(&max) if ids.len() == 500 => last = max,
            _ => break,
        }
    }
    assert_eq!(pages, [500, 500, 203]);
    assert_eq!(seen.len(), 1203);
    assert!(
        seen.windows(2).all(|w| w[0] < w[1]),
        "no id twice across pages"
    );
    assert!(created.iter().all(|id| seen.contains(id)));
    // A filter pages the same way.
    let generated = client
        .ids(&qx("Ticket", &f("Title", "BeginsWith", "Generated ticket")))
        .await;
    assert_eq!(generated.len(), 500);
    assert_eq!(generated[0], created[0]);
    sim.shutdown().await;
}

// ---------------------------------------------------------------------------
// The hourly threshold
// ---------------------------------------------------------------------------

#[tokio::test]
async fn calls_are_refused_at_the_threshold_until_the_rolling_hour_frees_them() {
    let sim = start_with(SimConfig {
        threshold: 5,
        ..SimConfig::default()
    })
    .await;
    let client = Client::new(&sim);
    let query = qx("Ticket", &f("id", "Equals", "9137"));
    for _ in 0..3 {
        assert_eq!(client.ids(&query).await, [9137]);
    }
    sim.advance_clock(Duration::from_secs(30 * 60));
    for _ in 0..2 {
        assert_eq!(client.ids(&query).await, [9137]);
    }
    assert_eq!(sim.usage(), 5);

    let refused = client.query_errors(&query).await;
    assert_eq!(refused.errors, [THRESHOLD_EXCEEDED_MESSAGE]);
    let (outcome, _) = client.create(&new_ticket("Over the limit", "")).await;
    assert_eq!(outcome.errors, [THRESHOLD_EXCEEDED_MESSAGE]);
    // Metadata calls are refused with a fault; usage is still answered.
    let reply = client
        .call(
            "GetEntityInfo",
            &format!(r#"<GetEntityInfo xmlns="{ATWS}" />"#),
        )
        .await;
    assert_eq!(reply.status, 500);
    let usage = threshold_and_usage(&client).await;
    assert_eq!((usage.threshold, usage.requests_used), (5, 5));
    // Refused calls did not count.
    assert_eq!(sim.usage(), 5);

    // After an hour the first three requests no longer count.
    sim.advance_clock(Duration::from_secs(31 * 60));
    assert_eq!(sim.usage(), 2);
    for _ in 0..3 {
        assert_eq!(client.ids(&query).await, [9137]);
    }
    client.query_errors(&query).await;
    sim.advance_clock(Duration::from_secs(61 * 60));
    assert_eq!(client.ids(&query).await, [9137]);
    assert_eq!(sim.usage(), 1);
    sim.shutdown().await;
}

async fn threshold_and_usage(client: &Client) -> fieldmap::autotask::soap::ThresholdAndUsage {
    let reply = client
        .call(
            "getThresholdAndUsageInfo",
            &format!(r#"<getThresholdAndUsageInfo xmlns="{ATWS}" />"#),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    read_threshold_and_usage_response(&reply.body).expect("a usage report")
}

#[tokio::test]
async fn threshold_and_usage_info_counts_requests_in_the_hour() {
    let sim = start().await;
    let client = Client::new(&sim);
    let usage = threshold_and_usage(&client).await;
    assert_eq!(
        (
            usage.threshold,
            usage.timeframe_minutes,
            usage.requests_used
        ),
        (10_000, 60, 1)
    );
    client.ids(&qx("Ticket", &f("id", "Equals", "9137"))).await;
    let reply = client
        .call(
            "getThresholdAndUsageInfo",
            &format!(r#"<getThresholdAndUsageInfo xmlns="{ATWS}" />"#),
        )
        .await;
    assert_eq!(
        reply.texts("Message"),
        [
            "ThresholdOfExternalRequest: 10000; TimeframeOfLimitation: 60; numberOfExternalRequest: 3;"
        ]
    );
    sim.shutdown().await;
}

// ---------------------------------------------------------------------------
// create, update, delete
// ---------------------------------------------------------------------------

#[tokio::test]
async fn update_clears_omitted_writable_fields_but_keeps_omitted_udfs() {
    let sim = start().await;
    let client = Client::new(&sim);
    let before = client.ticket(9137).await;
    assert_eq!(before.field("ContactID"), Some("30684411"));
    assert_eq!(before.udf("Room Number"), Some(Some("B-12")));

    // Send the ticket back without ContactID, Description and DueDateTime,
    // listing one UDF only, and trying to change a read-only field.
    let mut changed = without_field(&before, &["ContactID", "Description", "DueDateTime"]);
    changed.udfs = vec![(
        "FN Technician".to_owned(),
        Some("Dana Whitfield".to_owned()),
    )];
    for field in &mut changed.fields {
        if field.0 == "CreateDate" {
            field.2 = "2030-01-01T00:00:00".to_owned();
        }
    }
    let (outcome, saved) = client.update(&entity_xml(&changed)).await;
    assert!(outcome.succeeded(), "{:?}", outcome.errors);
    assert_eq!(
        outcome.return_infos[0].database_action.as_deref(),
        Some("Updated")
    );
    assert_eq!(outcome.return_infos[0].entity_id, Some(9137));
    assert_eq!(saved[0].field("ContactID"), None);

    let after = client.ticket(9137).await;
    // Omitted writable fields are now null.
    assert_eq!(after.field("ContactID"), None);
    assert_eq!(after.field("Description"), None);
    assert_eq!(after.field("DueDateTime"), None);
    // Fields sent back are unchanged; read-only fields ignore the request.
    for name in [
        "Title",
        "Status",
        "AccountID",
        "TicketNumber",
        "EstimatedHours",
        "SubIssueType",
    ] {
        assert_eq!(after.field(name), before.field(name), "{name}");
    }
    assert_eq!(after.field("CreateDate"), Some("2025-01-14T16:22:05.27"));
    assert!(
        after.field("LastActivityDate").is_some(),
        "Autotask stamps the update"
    );
    // Omitted UDFs keep their values; the listed one changed.
    assert_eq!(after.udf("Room Number"), Some(Some("B-12")));
    assert_eq!(after.udf("Send to FN"), Some(Some("Yes")));
    assert_eq!(
        after.udf("Site Access Notes"),
        Some(Some("Badge at reception — ask for Zoë"))
    );
    assert_eq!(after.udf("FN Technician"), Some(Some("Dana Whitfield")));
    // A UDF listed without a value is cleared.
    let mut clear_udf = after.clone();
    clear_udf.udfs = vec![("Room Number".to_owned(), None)];
    let (outcome, _) = client.update(&entity_xml(&clear_udf)).await;
    assert!(outcome.succeeded(), "{:?}", outcome.errors);
    assert_eq!(client.ticket(9137).await.udf("Room Number"), Some(None));
    sim.shutdown().await;
}

#[tokio::test]
async fn sending_the_whole_entity_back_changes_only_what_changed() {
    let sim = start().await;
    let client = Client::new(&sim);
    for id in [9137, 9138, 9139] {
        let before = client.ticket(id).await;
        let mut changed = before.clone();
        for field in &mut changed.fields {
            if field.0 == "Status" {
                field.2 = "29682834".to_owned();
            }
        }
        let (outcome, _) = client.update(&entity_xml(&changed)).await;
        assert!(outcome.succeeded(), "{id}: {:?}", outcome.errors);
        let after = client.ticket(id).await;
        let comparable = |entity: &CollectedEntity| {
            let mut copy = without_field(entity, &["LastActivityDate", "Status"]);
            copy.fields.sort_by(|a, b| a.0.cmp(&b.0));
            copy
        };
        assert_eq!(comparable(&after), comparable(&before), "{id}");
        assert_eq!(after.field("Status"), Some("29682834"));
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn an_update_that_drops_a_required_field_fails_and_saves_nothing() {
    let sim = start().await;
    let client = Client::new(&sim);
    let before = client.ticket(9137).await;
    let (outcome, saved) = client
        .update(&entity_xml(&without_field(&before, &["Status"])))
        .await;
    assert_eq!(outcome.return_code, -1);
    assert!(saved.is_empty());
    assert_eq!(
        outcome.errors,
        [
            "Error updating entity for record number [1].",
            "Value does not exist for the required field Status.",
        ]
    );
    assert_eq!(client.ticket(9137).await, before);
    sim.shutdown().await;
}

#[tokio::test]
async fn create_and_update_batches_are_all_or_nothing() {
    let sim = start().await;
    let client = Client::new(&sim);
    let all = qx("Ticket", &f("id", "GreaterThan", "0"));

    // The third of four new tickets has an unknown status: none is created.
    let batch = [
        new_ticket("One", ""),
        new_ticket("Two", ""),
        new_ticket("Three", "").replace(
            r#"<Status xsi:type="xsd:int">1</Status>"#,
            r#"<Status xsi:type="xsd:int">999</Status>"#,
        ),
        new_ticket("Four", r#"<AccountID xsi:type="xsd:int">1</AccountID>"#),
    ]
    .concat();
    let (outcome, saved) = client.create(&batch).await;
    assert_eq!(outcome.return_code, -1);
    assert!(saved.is_empty());
    assert!(outcome.return_infos.is_empty());
    assert_eq!(
        outcome.errors[0],
        "Error updating entity for record number [3]."
    );
    assert!(outcome.errors[1].contains("999"), "{:?}", outcome.errors);
    assert_eq!(
        outcome.errors[2],
        "Error updating entity for record number [4]."
    );
    assert!(
        outcome.errors[3].contains("does not refer to an existing Account"),
        "{:?}",
        outcome.errors
    );
    assert_eq!(client.ids(&all).await, [9137, 9138, 9139]);

    // Two updates, the second broken: the first is not saved either.
    let first = client.ticket(9137).await;
    let second = client.ticket(9138).await;
    let mut retitled = first.clone();
    for field in &mut retitled.fields {
        if field.0 == "Title" {
            field.2 = "Retitled".to_owned();
        }
    }
    let broken = without_field(&second, &["Title"]);
    let (outcome, _) = client
        .update(&format!("{}{}", entity_xml(&retitled), entity_xml(&broken)))
        .await;
    assert_eq!(outcome.return_code, -1);
    assert_eq!(
        outcome.errors,
        [
            "Error updating entity for record number [2].",
            "Value does not exist for the required field Title.",
        ]
    );
    assert_eq!(client.ticket(9137).await, first);

    // A good batch saves everything and answers with the saved entities.
    let (outcome, saved) = client
        .create(&format!(
            "{}{}",
            new_ticket("Five", ""),
            new_ticket("Six", "")
        ))
        .await;
    assert!(outcome.succeeded(), "{:?}", outcome.errors);
    let ids: Vec<i64> = saved
        .iter()
        .map(|e| e.field("id").unwrap().parse().unwrap())
        .collect();
    assert_eq!(ids, [9140, 9141]);
    assert!(
        saved[0]
            .field("TicketNumber")
            .is_some_and(|n| n.starts_with('T'))
    );
    assert!(saved[0].field("CreateDate").is_some());
    // Every UDF is null: Autotask sends `<UserDefinedFields />`.
    assert!(saved[0].udfs.is_empty());
    assert_eq!(client.ids(&all).await, [9137, 9138, 9139, 9140, 9141]);

    // More than 200 entities in one call is refused.
    let too_many: String = (0..201).map(|n| new_ticket(&format!("T{n}"), "")).collect();
    let (outcome, _) = client.create(&too_many).await;
    assert_eq!(outcome.return_code, -1);
    assert!(outcome.errors[0].contains("200"), "{:?}", outcome.errors);
    assert_eq!(client.ids(&all).await.len(), 5);
    sim.shutdown().await;
}

#[tokio::test]
async fn create_checks_values_the_way_autotask_does() {
    let sim = start().await;
    let client = Client::new(&sim);
    let cases: Vec<(String, &str)> = vec![
        (
            new_ticket("Untyped", "<Description />"),
            "Conversion from type 'Object' to type 'String' is not valid.",
        ),
        (
            r#"<Entity xsi:type="Ticket"><AccountID xsi:type="xsd:int">29683552</AccountID><Priority xsi:type="xsd:int">2</Priority><Status xsi:type="xsd:int">1</Status></Entity>"#.to_owned(),
            "Value does not exist for the required field Title.",
        ),
        (
            new_ticket("   ", "").replace("<Title xsi:type=\"xsd:string\">   </Title>", "<Title xsi:type=\"xsd:string\" />"),
            "Value does not exist for the required field Title.",
        ),
        (
            new_ticket("Bad number", r#"<EstimatedHours xsi:type="xsd:double">lots</EstimatedHours>"#),
            "EstimatedHours",
        ),
        (
            new_ticket("Too big", r#"<ContactID xsi:type="xsd:int">99999999999</ContactID>"#),
            "out of range",
        ),
        (new_ticket(&"x".repeat(256), ""), "at most 255"),
        (
            new_ticket("Bad UDF", "<UserDefinedFields><UserDefinedField><Name>Send to FN</Name><Value>Maybe</Value></UserDefinedField></UserDefinedFields>"),
            "Maybe",
        ),
        (
            new_ticket("Unknown UDF", "<UserDefinedFields><UserDefinedField><Name>Shoe Size</Name><Value>9</Value></UserDefinedField></UserDefinedFields>"),
            "Shoe Size",
        ),
        (
            new_ticket("Gap", r#"<DueDateTime xsi:type="xsd:dateTime">2025-03-09T02:30:00</DueDateTime>"#),
            "springs forward",
        ),
        (
            r#"<Entity xsi:type="Resource"><FirstName xsi:type="xsd:string">New</FirstName></Entity>"#.to_owned(),
            "cannot be created",
        ),
    ];
    for (entity, expected) in cases {
        let (outcome, _) = client.create(&entity).await;
        assert_eq!(outcome.return_code, -1, "{entity}");
        assert_eq!(
            outcome.errors[0],
            "Error updating entity for record number [1]."
        );
        assert!(
            outcome.errors[1..]
                .iter()
                .any(|message| message.contains(expected)),
            "{entity}: {:?}",
            outcome.errors
        );
    }
    // An entity without a known xsi:type cannot be deserialized at all.
    for entity in [
        r#"<Entity><Title xsi:type="xsd:string">x</Title></Entity>"#,
        r#"<Entity xsi:type="Tickets"><Title xsi:type="xsd:string">x</Title></Entity>"#,
    ] {
        let reply = client
            .call(
                "create",
                &format!(r#"<create xmlns="{ATWS}"><Entities>{entity}</Entities></create>"#),
            )
            .await;
        assert_eq!(reply.status, 500, "{}", reply.body);
        assert!(reply.body.contains("soap:Fault"));
    }
    assert_eq!(
        client
            .ids(&qx("Ticket", &f("id", "GreaterThan", "0")))
            .await,
        [9137, 9138, 9139]
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn date_times_are_new_york_wall_clock_both_ways() {
    let sim = start().await;
    let client = Client::new(&sim);
    let cases = [
        // The fall-back hour is ambiguous on the wire and kept as written.
        ("2024-11-03T01:30:00", "2024-11-03T01:30:00"),
        // An instant with an offset becomes Eastern wall clock (EDT in July).
        ("2025-07-15T13:00:00Z", "2025-07-15T09:00:00"),
        ("2025-01-15T09:00:00-05:00", "2025-01-15T09:00:00"),
        // Date-only values are midnight; fractions appear only when not zero.
        ("2025-02-01", "2025-02-01T00:00:00"),
        ("2025-02-01T10:00:00.500", "2025-02-01T10:00:00.5"),
        ("2025-02-01T10:00:00.000", "2025-02-01T10:00:00"),
    ];
    for (sent, stored) in cases {
        let (outcome, saved) = client
            .create(&new_ticket(
                sent,
                &format!(r#"<DueDateTime xsi:type="xsd:dateTime">{sent}</DueDateTime>"#),
            ))
            .await;
        assert!(outcome.succeeded(), "{sent}: {:?}", outcome.errors);
        assert_eq!(saved[0].field("DueDateTime"), Some(stored), "{sent}");
    }
    // Query bounds are wall clock too, even inside the spring-forward gap.
    let ids = client
        .ids(&qx(
            "Ticket",
            &f("DueDateTime", "GreaterThan", "2025-03-09T02:30:00"),
        ))
        .await;
    assert_eq!(ids.len(), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn ticket_notes_are_created_for_existing_tickets() {
    let sim = start().await;
    let client = Client::new(&sim);
    let note = |ticket: &str, note_type: &str| {
        format!(
            concat!(
                r#"<Entity xsi:type="TicketNote"><id xsi:type="xsd:long">0</id>"#,
                r#"<Description xsi:type="xsd:string">Technician checked in at 09:02 &amp; started work.</Description>"#,
                r#"<NoteType xsi:type="xsd:int">{}</NoteType><Publish xsi:type="xsd:int">1</Publish>"#,
                r#"<TicketID xsi:type="xsd:int">{}</TicketID><Title xsi:type="xsd:string">Field Nation update</Title></Entity>"#
            ),
            note_type, ticket
        )
    };
    let (outcome, saved) = client.create(&note("9137", "29682871")).await;
    assert!(outcome.succeeded(), "{:?}", outcome.errors);
    assert_eq!(saved[0].entity_type, "TicketNote");
    assert!(saved[0].field("CreateDateTime").is_some());
    assert!(saved[0].udfs.is_empty());

    let (outcome, _) = client.create(&note("1", "29682871")).await;
    assert!(
        outcome
            .errors
            .iter()
            .any(|m| m.contains("does not refer to an existing Ticket")),
        "{:?}",
        outcome.errors
    );
    let (outcome, _) = client.create(&note("9137", "42")).await;
    assert!(
        outcome.errors.iter().any(|m| m.contains("NoteType")),
        "{:?}",
        outcome.errors
    );

    let notes = client
        .entities(&qx("TicketNote", &f("TicketID", "Equals", "9137")))
        .await;
    assert_eq!(notes.len(), 1);
    assert_eq!(
        notes[0].field("Description"),
        Some("Technician checked in at 09:02 & started work.")
    );
    // Notes of a ticket created moments earlier work too.
    let (_, tickets) = client.create(&new_ticket("Fresh", "")).await;
    let fresh = tickets[0].field("id").unwrap().to_owned();
    let (outcome, _) = client.create(&note(&fresh, "1")).await;
    assert!(outcome.succeeded(), "{:?}", outcome.errors);
    sim.shutdown().await;
}

#[tokio::test]
async fn delete_removes_records_of_deletable_types_only() {
    let sim = start().await;
    let client = Client::new(&sim);
    let (outcome, _) = client
        .write(
            WriteOperation::Delete,
            r#"<Entity xsi:type="Ticket"><id xsi:type="xsd:long">9137</id></Entity>"#,
        )
        .await;
    assert_eq!(outcome.return_code, -1);
    assert!(
        outcome.errors[1].contains("cannot be deleted"),
        "{:?}",
        outcome.errors
    );

    let (outcome, _) = client
        .write(
            WriteOperation::Delete,
            r#"<Entity xsi:type="Contact"><id xsi:type="xsd:long">30684502</id></Entity>"#,
        )
        .await;
    assert!(outcome.succeeded(), "{:?}", outcome.errors);
    assert_eq!(outcome.return_infos[0].entity_id, Some(30684502));
    assert_eq!(
        client
            .ids(&qx("Contact", &f("id", "GreaterThan", "0")))
            .await,
        [30684411]
    );
    sim.shutdown().await;
}

// ---------------------------------------------------------------------------
// Round trips and metadata
// ---------------------------------------------------------------------------

#[tokio::test]
async fn every_entity_type_round_trips_exactly_as_its_fixture() {
    let sim = start().await;
    let client = Client::new(&sim);
    for (entity, fixture) in FIXTURES {
        let reply = client
            .query(&qx(entity, &f("id", "GreaterThan", "0")))
            .await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body, fixture.trim_end(), "{entity}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn get_entity_info_lists_every_entity_and_its_abilities() {
    let sim = start().await;
    let client = Client::new(&sim);
    let reply = client
        .call(
            "GetEntityInfo",
            &format!(r#"<GetEntityInfo xmlns="{ATWS}" />"#),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.texts("EntityInfo").len(), 167);
    assert!(reply.body.contains(concat!(
        "<EntityInfo><Name>Ticket</Name><CanUpdate>true</CanUpdate><CanDelete>false</CanDelete>",
        "<CanCreate>true</CanCreate><CanQuery>true</CanQuery><HasUserDefinedFields>true</HasUserDefinedFields></EntityInfo>"
    )));
    sim.shutdown().await;
}

#[tokio::test]
async fn get_wsdl_version_answers_and_unsimulated_operations_are_faults() {
    let sim = start().await;
    let client = Client::new(&sim);
    let reply = client
        .call(
            "GetWsdlVersion",
            &format!(r#"<GetWsdlVersion xmlns="{ATWS}" />"#),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.texts("GetWsdlVersionResult"), ["1.6.8"]);
    let reply = client
        .call(
            "GetAttachment",
            &format!(
                r#"<GetAttachment xmlns="{ATWS}"><attachmentId>1</attachmentId></GetAttachment>"#
            ),
        )
        .await;
    assert_eq!(reply.status, 500);
    assert!(
        reply.body.contains("GetAttachment is not available"),
        "{}",
        reply.body
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn get_field_info_has_schema_fields_and_tenant_picklists() {
    let sim = start().await;
    let client = Client::new(&sim);
    let field_info = |entity: &str| {
        format!(
            r#"<GetFieldInfo xmlns="{ATWS}"><psObjectType>{entity}</psObjectType></GetFieldInfo>"#
        )
    };
    let reply = client.call("GetFieldInfo", &field_info("Ticket")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.texts("Field").len(), 73);
    assert!(reply.body.contains(concat!(
        "<Field><Name>AccountID</Name><Label>Client</Label><Type>integer</Type><Length>0</Length>",
        "<IsRequired>true</IsRequired><IsReadOnly>false</IsReadOnly><IsQueryable>true</IsQueryable>",
        "<IsReference>true</IsReference><ReferenceEntityType>Account</ReferenceEntityType>",
        "<IsPickList>false</IsPickList><PicklistParentValueField /></Field>"
    )));
    assert!(reply.body.contains(concat!(
        "<PickListValue><Value>1</Value><Label>New</Label><IsDefaultValue>true</IsDefaultValue>",
        "<SortOrder>1</SortOrder><parentValue /><IsActive>true</IsActive><IsSystem>true</IsSystem></PickListValue>"
    )));
    assert!(reply.body.contains(concat!(
        "<PickListValue><Value>29682833</Value><Label>Dispatch to Field</Label><IsDefaultValue>false</IsDefaultValue>",
        "<SortOrder>5</SortOrder><parentValue /><IsActive>true</IsActive><IsSystem>false</IsSystem></PickListValue>"
    )));
    assert!(reply.body.contains("<Label>Escalated (old)</Label><IsDefaultValue>false</IsDefaultValue><SortOrder>11</SortOrder><parentValue /><IsActive>false</IsActive>"));
    assert!(reply.body.contains(concat!(
        "<PickListValue><Value>211</Value><Label>Printer</Label><IsDefaultValue>false</IsDefaultValue>",
        "<SortOrder>1</SortOrder><parentValue>17</parentValue><IsActive>true</IsActive><IsSystem>false</IsSystem></PickListValue>"
    )));
    assert!(
        reply
            .body
            .contains("<PicklistParentValueField>IssueType</PicklistParentValueField>")
    );
    assert!(reply.body.contains(
        "<Name>Title</Name><Label>Ticket Title</Label><Type>string</Type><Length>255</Length>"
    ));

    // Entity names are matched without case; unknown ones are a fault.
    let reply = client.call("GetFieldInfo", &field_info("resource")).await;
    assert_eq!(reply.status, 200);
    assert!(
        reply.body.contains("<Value>4</Value><Label>Dr.</Label>"),
        "{}",
        reply.body
    );
    let reply = client.call("GetFieldInfo", &field_info("Tickets")).await;
    assert_eq!(reply.status, 500);
    assert!(reply.body.contains("Tickets"));
    sim.shutdown().await;
}

#[tokio::test]
async fn get_udf_info_lists_the_tenant_udfs() {
    let sim = start().await;
    let client = Client::new(&sim);
    let udf_info = |entity: &str| {
        format!(r#"<getUDFInfo xmlns="{ATWS}"><psTable>{entity}</psTable></getUDFInfo>"#)
    };
    let reply = client.call("getUDFInfo", &udf_info("Ticket")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let names: Vec<String> = reply
        .texts("Field")
        .iter()
        .map(|field| element_texts(field, "Name")[0].clone())
        .collect();
    assert_eq!(
        names,
        [
            "Send to FN",
            "FN Technician",
            "FN Work Order ID",
            "FN Checked In At",
            "Synced to FN",
            "Site Access Notes",
            "Room Number"
        ]
    );
    assert!(reply.body.contains(
        "<Name>Room Number</Name><Label>Room Number</Label><Type>string</Type><Length>50</Length>"
    ));
    assert!(reply.body.contains(
        "<Name>FN Checked In At</Name><Label>FN Checked In At</Label><Type>datetime</Type>"
    ));
    assert!(reply.body.contains("<IsPickList>true</IsPickList><PicklistValues><PickListValue><Value>Yes</Value><Label>Yes</Label>"));
    let reply = client.call("getUDFInfo", &udf_info("Project")).await;
    assert!(
        reply.body.contains("<getUDFInfoResult />"),
        "{}",
        reply.body
    );
    sim.shutdown().await;
}

// ---------------------------------------------------------------------------
// Requests as other clients write them
// ---------------------------------------------------------------------------

#[tokio::test]
async fn requests_written_by_wsdl_generated_clients_work() {
    let sim = start().await;
    let client = Client::new(&sim);
    let queryxml = qx("Ticket", &f("Title", "Contains", "printer & scanner"));

    // PHP SoapClient style: SOAP-ENV and ns1 prefixes, typed arguments, escaped sXML.
    let php = format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            "\n",
            r#"<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns1="http://autotask.net/ATWS/v1_6/" "#,
            r#"xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
            "<SOAP-ENV:Header><ns1:AutotaskIntegrations><ns1:IntegrationCode>{}</ns1:IntegrationCode></ns1:AutotaskIntegrations></SOAP-ENV:Header>",
            r#"<SOAP-ENV:Body><ns1:query><ns1:sXML xsi:type="xsd:string">{}</ns1:sXML></ns1:query></SOAP-ENV:Body></SOAP-ENV:Envelope>"#
        ),
        DEMO_INTEGRATION_CODE,
        escape(&queryxml)
    );
    let reply = client.post("query", &php).await;
    let (outcome, entities) = collect_entities(&reply.body).unwrap();
    assert!(outcome.succeeded(), "{:?}", outcome.errors);
    assert_eq!(entities.len(), 1);

    // .NET style: default namespace, CDATA; zeep style: soap-env and ns0, indented.
    let dotnet = envelope(
        Some(DEMO_INTEGRATION_CODE),
        &format!(r#"<query xmlns="{ATWS}"><sXML><![CDATA[{queryxml}]]></sXML></query>"#),
    );
    let zeep = format!(
        concat!(
            r#"<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/">"#,
            "\n  <soap-env:Header>\n    <ns0:AutotaskIntegrations xmlns:ns0=\"{ATWS}\">\n      <ns0:IntegrationCode>{}</ns0:IntegrationCode>\n",
            "    </ns0:AutotaskIntegrations>\n  </soap-env:Header>\n  <soap-env:Body>\n    <ns0:query xmlns:ns0=\"{ATWS}\">\n",
            "      <ns0:sXML>{}</ns0:sXML>\n    </ns0:query>\n  </soap-env:Body>\n</soap-env:Envelope>\n"
        ),
        DEMO_INTEGRATION_CODE,
        escape(&queryxml),
        ATWS = ATWS
    );
    for document in [dotnet, zeep] {
        let reply = client.post("query", &document).await;
        let (outcome, entities) = collect_entities(&reply.body).unwrap();
        assert!(outcome.succeeded(), "{:?}", outcome.errors);
        assert_eq!(entities[0].field("id"), Some("9137"));
    }

    // A PHP-style create: ns1-prefixed entity and fields, xsi:type on each,
    // the entity type prefixed too.
    let create = format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            r#"<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns1="http://autotask.net/ATWS/v1_6/" "#,
            r#"xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
            "<SOAP-ENV:Header><ns1:AutotaskIntegrations><ns1:IntegrationCode>{}</ns1:IntegrationCode></ns1:AutotaskIntegrations></SOAP-ENV:Header>",
            r#"<SOAP-ENV:Body><ns1:create><ns1:Entities><ns1:Entity xsi:type="ns1:Ticket">"#,
            r#"<ns1:id xsi:type="xsd:int">0</ns1:id>"#,
            r#"<ns1:UserDefinedFields><ns1:UserDefinedField><ns1:Name>Room Number</ns1:Name><ns1:Value>C-3</ns1:Value></ns1:UserDefinedField></ns1:UserDefinedFields>"#,
            r#"<ns1:AccountID xsi:type="xsd:int">29683560</ns1:AccountID>"#,
            r#"<ns1:DueDateTime xsi:type="xsd:dateTime">2025-04-01T08:00:00</ns1:DueDateTime>"#,
            r#"<ns1:EstimatedHours xsi:type="xsd:double">1.5</ns1:EstimatedHours>"#,
            r#"<ns1:Priority xsi:type="xsd:int">3</ns1:Priority><ns1:Status xsi:type="xsd:int">29682833</ns1:Status>"#,
            r#"<ns1:Title xsi:type="xsd:string">Install badge reader</ns1:Title>"#,
            r#"<ns1:Description xsi:nil="true"/>"#,
            "</ns1:Entity></ns1:Entities></ns1:create></SOAP-ENV:Body></SOAP-ENV:Envelope>"
        ),
        DEMO_INTEGRATION_CODE
    );
    let reply = client.post("create", &create).await;
    let mut collector = EntityCollector::default();
    let outcome = read_write_response(&reply.body, WriteOperation::Create, &mut collector).unwrap();
    assert!(outcome.succeeded(), "{:?}", outcome.errors);
    let saved = collector.into_entities();
    assert_eq!(saved[0].field("Title"), Some("Install badge reader"));
    assert_eq!(saved[0].field("EstimatedHours"), Some("1.5"));
    assert_eq!(saved[0].udf("Room Number"), Some(Some("C-3")));
    assert_eq!(saved[0].field("Description"), None);

    // Untyped but non-empty values are read as the field's type; untyped empty ones fail.
    let (outcome, saved) = client
        .create(&new_ticket(
            "Untyped hours",
            "<EstimatedHours>4</EstimatedHours>",
        ))
        .await;
    assert!(outcome.succeeded(), "{:?}", outcome.errors);
    assert_eq!(saved[0].field("EstimatedHours"), Some("4"));
    let (outcome, _) = client
        .create(&new_ticket("Untyped empty", "<ExternalID></ExternalID>"))
        .await;
    assert_eq!(
        outcome.errors[1],
        "Conversion from type 'Object' to type 'String' is not valid."
    );
    sim.shutdown().await;
}

// ---------------------------------------------------------------------------
// Fault injection, call counting, configuration
// ---------------------------------------------------------------------------

#[tokio::test]
async fn injected_faults_hit_the_next_requests_only() {
    let sim = start().await;
    let client = Client::new(&sim);
    let query = qx("Ticket", &f("id", "Equals", "9139"));

    sim.inject(Fault::Latency(Duration::from_millis(300)));
    let started = Instant::now();
    assert_eq!(client.ids(&query).await, [9139]);
    assert!(started.elapsed() >= Duration::from_millis(300));

    sim.inject_times(Fault::ServerError, 2);
    for _ in 0..2 {
        let reply = client.query(&query).await;
        assert_eq!(reply.status, 500);
        assert!(matches!(
            collect_entities(&reply.body),
            Err(SoapError::Fault { ref code, .. }) if code == "soap:Server"
        ));
    }
    assert_eq!(client.ids(&query).await, [9139]);

    sim.inject(Fault::Threshold);
    assert_eq!(
        client.query_errors(&query).await.errors,
        [THRESHOLD_EXCEEDED_MESSAGE]
    );
    assert_eq!(client.ids(&query).await, [9139]);

    sim.inject(Fault::Timeout);
    let held = tokio::time::timeout(Duration::from_millis(500), client.query(&query)).await;
    assert!(held.is_err(), "the request got an answer");
    assert_eq!(client.ids(&query).await, [9139]);
    // Shutdown does not wait for the held request.
    let started = Instant::now();
    sim.shutdown().await;
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn calls_and_requests_are_counted() {
    let sim = start().await;
    let client = Client::new(&sim);
    client.ids(&qx("Ticket", &f("id", "Equals", "9137"))).await;
    sim.reset_counters();
    assert_eq!(sim.request_count(), 0);

    let head = format!("POST {ENDPOINT} HTTP/1.1\r\nSOAPAction: \"{ATWS}getZoneInfo\"");
    http(sim.addr(), &head, zone_info_request(DEMO_USER).as_bytes()).await;
    client
        .ids(&qx("Account", &f("id", "Equals", "29683500")))
        .await;
    client.create(&new_ticket("Counted", "")).await;
    client
        .call(
            "GetFieldInfo",
            &format!(r#"<GetFieldInfo xmlns="{ATWS}"><psObjectType>Contact</psObjectType></GetFieldInfo>"#),
        )
        .await;
    client.post("Query", "<x/>").await;
    http(sim.addr(), "GET / HTTP/1.1", b"").await;

    assert_eq!(sim.request_count(), 6);
    let call = |action: &str, entity: Option<&str>| CallRecord {
        action: action.to_owned(),
        entity: entity.map(str::to_owned),
    };
    assert_eq!(
        sim.calls(),
        [
            call("getZoneInfo", None),
            call("query", Some("Account")),
            call("create", Some("Ticket")),
            call("GetFieldInfo", Some("Contact")),
            call("http://autotask.net/ATWS/v1_6/Query", None),
        ]
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_data_folder_and_tenant_file_replace_the_demo_dataset() {
    let dir = std::env::temp_dir().join(format!("fieldmap-sim-data-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("tickets.xml"), FIXTURES[7].1).unwrap();
    std::fs::write(dir.join("notes.txt"), "not data").unwrap();
    let sim = start_with(SimConfig {
        data_dir: Some(dir.clone()),
        users: vec![("someone@example.com".to_owned(), "secret".to_owned())],
        integration_code: "OTHER".to_owned(),
        ..SimConfig::default()
    })
    .await;
    assert_eq!(sim.record_counts(), [("Ticket".to_owned(), 3)]);
    let mut client = Client::new(&sim);
    client.user = "someone@example.com".to_owned();
    client.password = "secret".to_owned();
    client.integration_code = Some("OTHER".to_owned());
    assert_eq!(
        client
            .ids(&qx("Account", &f("id", "GreaterThan", "0")))
            .await,
        Vec::<i64>::new()
    );
    // Without accounts in the data, AccountID references are not checked.
    let (outcome, _) = client
        .create(&new_ticket(
            "Elsewhere",
            r#"<AccountID xsi:type="xsd:int">5</AccountID>"#,
        ))
        .await;
    assert!(outcome.succeeded(), "{:?}", outcome.errors);
    sim.shutdown().await;

    std::fs::write(dir.join("broken.xml"), "<soap:Envelope").unwrap();
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let error = serve(
        SimConfig {
            data_dir: Some(dir.clone()),
            ..SimConfig::default()
        },
        addr,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&error, SimError::Data { file, .. } if file == "broken.xml"),
        "{error}"
    );
    std::fs::remove_dir_all(&dir).unwrap();

    let error = serve(
        SimConfig {
            tenant: Some(dir.join("missing.json")),
            ..SimConfig::default()
        },
        addr,
    )
    .await
    .unwrap_err();
    assert!(matches!(error, SimError::Read { .. }), "{error}");
}

#[tokio::test]
async fn a_port_in_use_is_a_bind_error() {
    let sim = start().await;
    let error = serve(SimConfig::default(), sim.addr()).await.unwrap_err();
    assert!(matches!(error, SimError::Bind { .. }), "{error}");
    sim.shutdown().await;
}
