//! Test support: a real moto server plus `scripts/emulator/proxy.py` on loopback ports, and
//! builders that seed the emulator through the Rust SDK.
//!
//! Needs `TRAILGRAPH_EMULATOR_PYTHON` (a Python with `scripts/emulator/requirements.txt`
//! installed). Without it a test prints why it is skipped and passes, unless
//! `TRAILGRAPH_REQUIRE_EMULATOR=1`, which turns the skip into a failure.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use serde_json::Value;

/// moto's default account.
pub const ACCOUNT_A: &str = "123456789012";
/// The account reached by assuming [`ROLE_B`].
pub const ACCOUNT_B: &str = "111122223333";
/// moto maps credentials from this role to [`ACCOUNT_B`], with state of its own.
pub const ROLE_B: &str = "arn:aws:iam::111122223333:role/x";

const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running moto server and proxy; both are killed on drop.
pub struct Emulator {
    moto: Child,
    proxy: Child,
    /// moto's port (S3 bucket creation goes straight there).
    pub moto_port: u16,
    /// The proxy's port; the SDK talks to this one.
    pub proxy_port: u16,
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free loopback port");
    listener.local_addr().unwrap().port()
}

impl Emulator {
    /// Starts moto and the proxy, or returns `None` (after printing why) when the emulator is
    /// not configured. Panics when `TRAILGRAPH_REQUIRE_EMULATOR=1` and it is not configured.
    pub fn start(test: &str) -> Option<Emulator> {
        let python = match std::env::var("TRAILGRAPH_EMULATOR_PYTHON") {
            Ok(p) if !p.is_empty() => p,
            _ => {
                let required = std::env::var("TRAILGRAPH_REQUIRE_EMULATOR").as_deref() == Ok("1");
                assert!(
                    !required,
                    "{test}: TRAILGRAPH_REQUIRE_EMULATOR=1 but TRAILGRAPH_EMULATOR_PYTHON is not set"
                );
                eprintln!(
                    "SKIPPED {test}: TRAILGRAPH_EMULATOR_PYTHON is not set (a python with \
                     scripts/emulator/requirements.txt installed)"
                );
                return None;
            }
        };
        let moto_port = free_port();
        let mut moto = Command::new(&python)
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p"])
            .arg(moto_port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{test}: cannot start moto with {python}: {e}"));
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok((200, _)) = http("GET", moto_port, "/moto-api/", &[], b"") {
                break;
            }
            if let Ok(Some(status)) = moto.try_wait() {
                panic!("{test}: moto exited early with {status}");
            }
            if Instant::now() > deadline {
                let _ = moto.kill();
                let _ = moto.wait();
                panic!("{test}: moto did not answer within {START_TIMEOUT:?}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let proxy_script = repo_root().join("scripts/emulator/proxy.py");
        let mut proxy = Command::new(&python)
            .arg(&proxy_script)
            .arg("--upstream")
            .arg(format!("http://127.0.0.1:{moto_port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("{test}: cannot start the proxy: {e}"));
        let stdout = proxy.stdout.take().expect("proxy stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = match rx.recv_timeout(START_TIMEOUT) {
            Ok(line) => line,
            Err(_) => {
                for child in [&mut proxy, &mut moto] {
                    let _ = child.kill();
                    let _ = child.wait();
                }
                panic!("{test}: the proxy did not report READY within {START_TIMEOUT:?}");
            }
        };
        let proxy_port = line
            .trim()
            .strip_prefix("READY ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("{test}: unexpected proxy output {line:?}"));
        Some(Emulator {
            moto,
            proxy,
            moto_port,
            proxy_port,
        })
    }

    /// The proxy's base URL (what the SDK's endpoint is set to).
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.proxy_port)
    }

    /// Replaces the proxy configuration (page sizes, pending endpoints, faults, rules).
    pub fn configure(&self, config: Value) {
        let body = serde_json::to_vec(&config).unwrap();
        let (status, _) = http(
            "POST",
            self.proxy_port,
            "/__proxy/config",
            &[("Content-Type", "application/json")],
            &body,
        )
        .expect("configure the proxy");
        assert_eq!(status, 200);
    }

    /// Forgets the operations recorded so far.
    pub fn reset_operations(&self) {
        let (status, _) = http("POST", self.proxy_port, "/__proxy/reset", &[], b"").unwrap();
        assert_eq!(status, 200);
    }

    /// Every (signing service, operation) the proxy has seen since the last reset, with counts.
    pub fn operations(&self) -> Vec<(String, String, u64)> {
        let (status, body) = http("GET", self.proxy_port, "/__proxy/operations", &[], b"").unwrap();
        assert_eq!(status, 200);
        let list: Vec<Value> = serde_json::from_slice(&body).unwrap();
        list.into_iter()
            .map(|v| {
                (
                    v["service"].as_str().unwrap().to_owned(),
                    v["operation"].as_str().unwrap().to_owned(),
                    v["count"].as_u64().unwrap(),
                )
            })
            .collect()
    }

    /// An SDK configuration for account A through the proxy.
    pub async fn config_a(&self) -> SdkConfig {
        self.config_with(Credentials::new(
            "AKIDTESTACCOUNTA",
            "test-secret",
            None,
            None,
            "test",
        ))
        .await
    }

    /// An SDK configuration with the given credentials through the proxy, region us-east-1.
    pub async fn config_with(&self, credentials: Credentials) -> SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(self.endpoint())
            .credentials_provider(SharedCredentialsProvider::new(credentials))
            .load()
            .await
    }

    /// An SDK configuration for account B: credentials from AssumeRole into [`ROLE_B`].
    pub async fn config_b(&self) -> (SdkConfig, Credentials) {
        let sts = aws_sdk_sts::Client::new(&self.config_a().await);
        let out = sts
            .assume_role()
            .role_arn(ROLE_B)
            .role_session_name("seed")
            .send()
            .await
            .expect("assume role into account B");
        let c = out.credentials.expect("credentials");
        let credentials = Credentials::new(
            c.access_key_id,
            c.secret_access_key,
            Some(c.session_token),
            None,
            "assumed",
        );
        (self.config_with(credentials.clone()).await, credentials)
    }

    /// Creates an S3 bucket in moto directly (CreateTrail needs one); the access key decides
    /// the account.
    pub fn create_bucket(&self, access_key: &str, bucket: &str) {
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential={access_key}/20250101/us-east-1/s3/aws4_request, \
             SignedHeaders=host, Signature=0000"
        );
        let (status, body) = http(
            "PUT",
            self.moto_port,
            &format!("/{bucket}"),
            &[("Authorization", &auth)],
            b"",
        )
        .expect("create bucket");
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        for child in [&mut self.proxy, &mut self.moto] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A minimal blocking HTTP/1.1 request to 127.0.0.1 (`Connection: close`), bounded in time.
pub fn http(
    method: &str,
    port: u16,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.set_write_timeout(Some(Duration::from_secs(30)))?;
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes())?;
    stream.write_all(body)?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no HTTP header end"))?;
    let head = String::from_utf8_lossy(&response[..split]).to_string();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no HTTP status"))?;
    let mut payload = response[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        payload = dechunk(&payload);
    }
    Ok((status, payload))
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&data[..line_end]).to_string();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("0").trim(), 16)
            .unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        out.extend_from_slice(&data[start..(start + size).min(data.len())]);
        data = &data[(start + size + 2).min(data.len())..];
    }
    out
}

/// Names used by [`seed_standard`].
pub mod names {
    /// The multi-region trail of account A, homed in us-east-1.
    pub const TRAIL_MAIN: &str = "main";
    /// The single-region trail of account A in eu-west-1 (advanced selectors, stopped).
    pub const TRAIL_REGIONAL: &str = "regional";
    /// The organisation trail of account B, homed in us-east-1.
    pub const TRAIL_ORG: &str = "org";
    /// The log group name used in every account and region.
    pub const LOG_GROUP: &str = "cloudtrail-logs";
    /// The e-mail endpoint the proxy reports as pending.
    pub const PENDING_EMAIL: &str = "security@example.com";
    /// An https endpoint carrying secrets in path and query.
    pub const SECRET_HOOK: &str =
        "https://hooks.example.com/services/T000/B000/SECRETTOKEN?token=abc123";
}

/// Seeds both accounts in us-east-1 and eu-west-1 (see the module docs of the tests).
/// Returns the configurations for account A and account B.
pub async fn seed_standard(emulator: &Emulator) -> (SdkConfig, SdkConfig) {
    use names::*;
    let a = emulator.config_a().await;
    let (b, b_credentials) = emulator.config_b().await;
    emulator.create_bucket("AKIDTESTACCOUNTA", "trail-bucket-a");
    emulator.create_bucket(b_credentials.access_key_id(), "trail-bucket-b");

    // Account A, us-east-1: multi-region trail with classic selectors, two filters, a plain
    // alarm whose topic lives in eu-west-1 and a metric-math alarm.
    let east = in_region(&a, "us-east-1");
    create_log_group(&east, LOG_GROUP).await;
    put_filter(&east, LOG_GROUP, "root-usage", "RootAccountUsage").await;
    put_filter(&east, LOG_GROUP, "unauthorized-api", "UnauthorizedAPICalls").await;
    create_trail(
        &east,
        ACCOUNT_A,
        TRAIL_MAIN,
        "trail-bucket-a",
        "us-east-1",
        true,
        false,
    )
    .await;
    let trails = aws_sdk_cloudtrail::Client::new(&east);
    trails
        .start_logging()
        .name(TRAIL_MAIN)
        .send()
        .await
        .unwrap();
    trails
        .put_event_selectors()
        .trail_name(TRAIL_MAIN)
        .event_selectors(
            aws_sdk_cloudtrail::types::EventSelector::builder()
                .read_write_type(aws_sdk_cloudtrail::types::ReadWriteType::All)
                .include_management_events(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let alerts = create_topic(&east, "alerts").await;
    subscribe(&east, &alerts, "email", PENDING_EMAIL).await;
    put_alarm(
        &east,
        "root-usage",
        "RootAccountUsage",
        &format!("arn:aws:sns:eu-west-1:{ACCOUNT_A}:alerts-eu"),
    )
    .await;
    put_math_alarm(&east, "unauthorized-math", "UnauthorizedAPICalls", &alerts).await;

    // Account A, eu-west-1: a same-named log group, a single-region trail with advanced
    // selectors that is not logging, and the topic the us-east-1 alarm notifies.
    let west = in_region(&a, "eu-west-1");
    create_log_group(&west, LOG_GROUP).await;
    put_filter(&west, LOG_GROUP, "root-usage", "RootAccountUsage").await;
    create_trail(
        &west,
        ACCOUNT_A,
        TRAIL_REGIONAL,
        "trail-bucket-a",
        "eu-west-1",
        false,
        false,
    )
    .await;
    let west_trails = aws_sdk_cloudtrail::Client::new(&west);
    west_trails
        .put_event_selectors()
        .trail_name(TRAIL_REGIONAL)
        .advanced_event_selectors(
            aws_sdk_cloudtrail::types::AdvancedEventSelector::builder()
                .name("management")
                .field_selectors(
                    aws_sdk_cloudtrail::types::AdvancedFieldSelector::builder()
                        .field("eventCategory")
                        .equals("Management")
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    west_trails
        .start_logging()
        .name(TRAIL_REGIONAL)
        .send()
        .await
        .unwrap();
    west_trails
        .stop_logging()
        .name(TRAIL_REGIONAL)
        .send()
        .await
        .unwrap();
    let alerts_eu = create_topic(&west, "alerts-eu").await;
    subscribe(&west, &alerts_eu, "https", SECRET_HOOK).await;

    // Account B, us-east-1: an organisation trail (multi-region) and its log group.
    let b_east = in_region(&b, "us-east-1");
    create_log_group(&b_east, LOG_GROUP).await;
    put_filter(&b_east, LOG_GROUP, "root-usage", "RootAccountUsage").await;
    create_trail(
        &b_east,
        ACCOUNT_B,
        TRAIL_ORG,
        "trail-bucket-b",
        "us-east-1",
        true,
        true,
    )
    .await;
    aws_sdk_cloudtrail::Client::new(&b_east)
        .start_logging()
        .name(TRAIL_ORG)
        .send()
        .await
        .unwrap();
    let b_topic = create_topic(&b_east, "org-alerts").await;
    put_alarm(&b_east, "root-usage", "RootAccountUsage", &b_topic).await;
    subscribe(&b_east, &b_topic, "email", "org-security@example.com").await;
    (a, b)
}

/// A copy of `config` for `region`.
pub fn in_region(config: &SdkConfig, region: &str) -> SdkConfig {
    config
        .to_builder()
        .region(Region::new(region.to_owned()))
        .build()
}

pub async fn create_log_group(config: &SdkConfig, name: &str) {
    aws_sdk_cloudwatchlogs::Client::new(config)
        .create_log_group()
        .log_group_name(name)
        .send()
        .await
        .unwrap();
}

pub async fn put_filter(config: &SdkConfig, group: &str, filter: &str, metric: &str) {
    aws_sdk_cloudwatchlogs::Client::new(config)
        .put_metric_filter()
        .log_group_name(group)
        .filter_name(filter)
        .filter_pattern("{ $.userIdentity.type = \"Root\" }")
        .metric_transformations(
            aws_sdk_cloudwatchlogs::types::MetricTransformation::builder()
                .metric_name(metric)
                .metric_namespace("CISBenchmark")
                .metric_value("1")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

#[allow(clippy::too_many_arguments)]
pub async fn create_trail(
    config: &SdkConfig,
    account: &str,
    name: &str,
    bucket: &str,
    region: &str,
    multi_region: bool,
    organisation: bool,
) {
    aws_sdk_cloudtrail::Client::new(config)
        .create_trail()
        .name(name)
        .s3_bucket_name(bucket)
        .is_multi_region_trail(multi_region)
        .is_organization_trail(organisation)
        .cloud_watch_logs_log_group_arn(format!(
            "arn:aws:logs:{region}:{account}:log-group:{}:*",
            names::LOG_GROUP
        ))
        .cloud_watch_logs_role_arn(format!("arn:aws:iam::{account}:role/cloudtrail-to-logs"))
        .tags_list(
            aws_sdk_cloudtrail::types::Tag::builder()
                .key("owner")
                .value("security")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

pub async fn create_topic(config: &SdkConfig, name: &str) -> String {
    aws_sdk_sns::Client::new(config)
        .create_topic()
        .name(name)
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap()
}

pub async fn subscribe(config: &SdkConfig, topic: &str, protocol: &str, endpoint: &str) {
    aws_sdk_sns::Client::new(config)
        .subscribe()
        .topic_arn(topic)
        .protocol(protocol)
        .endpoint(endpoint)
        .send()
        .await
        .unwrap();
}

pub async fn put_alarm(config: &SdkConfig, name: &str, metric: &str, topic: &str) {
    use aws_sdk_cloudwatch::types::{ComparisonOperator, Statistic};
    aws_sdk_cloudwatch::Client::new(config)
        .put_metric_alarm()
        .alarm_name(name)
        .metric_name(metric)
        .namespace("CISBenchmark")
        .statistic(Statistic::Sum)
        .period(300)
        .evaluation_periods(1)
        .threshold(1.0)
        .comparison_operator(ComparisonOperator::GreaterThanOrEqualToThreshold)
        .alarm_actions(topic)
        .send()
        .await
        .unwrap();
}

pub async fn put_math_alarm(config: &SdkConfig, name: &str, metric: &str, topic: &str) {
    use aws_sdk_cloudwatch::types::{ComparisonOperator, Metric, MetricDataQuery, MetricStat};
    aws_sdk_cloudwatch::Client::new(config)
        .put_metric_alarm()
        .alarm_name(name)
        .evaluation_periods(1)
        .threshold(1.0)
        .comparison_operator(ComparisonOperator::GreaterThanOrEqualToThreshold)
        .metrics(
            MetricDataQuery::builder()
                .id("m1")
                .metric_stat(
                    MetricStat::builder()
                        .metric(
                            Metric::builder()
                                .namespace("CISBenchmark")
                                .metric_name(metric)
                                .build(),
                        )
                        .period(300)
                        .stat("Sum")
                        .build(),
                )
                .return_data(false)
                .build(),
        )
        .metrics(
            MetricDataQuery::builder()
                .id("e1")
                .expression("m1 * 1")
                .label("calls")
                .return_data(true)
                .build(),
        )
        .alarm_actions(topic)
        .send()
        .await
        .unwrap();
}

/// Panics with the JSON paths where `left` and `right` differ (instead of two huge dumps).
pub fn assert_same(left: &Value, right: &Value) {
    fn walk(path: String, l: &Value, r: &Value, out: &mut Vec<String>) {
        match (l, r) {
            (Value::Object(a), Value::Object(b)) => {
                let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
                for k in keys {
                    let (x, y) = (
                        a.get(k).unwrap_or(&Value::Null),
                        b.get(k).unwrap_or(&Value::Null),
                    );
                    walk(format!("{path}.{k}"), x, y, out);
                }
            }
            (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
                for (i, (x, y)) in a.iter().zip(b).enumerate() {
                    walk(format!("{path}[{i}]"), x, y, out);
                }
            }
            _ if l != r => out.push(format!("{path}: {l} != {r}")),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(String::new(), left, right, &mut out);
    assert!(out.is_empty(), "differences:\n{}", out.join("\n"));
}

/// Evidence with the values moto changes on every call removed (`LatestDeliveryTime` and
/// `LatestDeliveryAttemptTime` are "now" while a trail logs), and `meta` reduced to what a collection decides (errors, notes,
/// accounts, regions), so two collections of the same state compare equal.
pub fn stable(evidence: &trailgraph_collect::Evidence) -> Value {
    let mut accounts = serde_json::to_value(&evidence.accounts).unwrap();
    for account in accounts.as_array_mut().unwrap() {
        // moto gives every AssumeRole a new random role-session id.
        if let Some(caller) = account
            .get_mut("caller_identity")
            .and_then(Value::as_object_mut)
        {
            caller.remove("UserId");
        }
        for region in account["regions"].as_array_mut().unwrap() {
            if let Some(status) = region
                .get_mut("trail_status")
                .and_then(Value::as_object_mut)
            {
                for value in status.values_mut() {
                    if let Some(obj) = value.as_object_mut() {
                        obj.remove("LatestDeliveryTime");
                        obj.remove("LatestDeliveryAttemptTime");
                    }
                }
            }
        }
    }
    serde_json::json!({
        "accounts": accounts,
        "errors": evidence.meta.errors,
        "notes": evidence.meta.notes,
        "meta_accounts": evidence.meta.accounts,
        "meta_regions": evidence.meta.regions,
    })
}

/// Collect options for the tests: two regions, the proxy as endpoint, fast retries.
pub fn test_options(emulator: &Emulator) -> trailgraph_collect::CollectOptions {
    let mut options = trailgraph_collect::CollectOptions::default();
    options.regions =
        trailgraph_collect::RegionSelection::List(vec!["us-east-1".into(), "eu-west-1".into()]);
    options.endpoint_url = Some(emulator.endpoint());
    options.initial_backoff = Duration::from_millis(5);
    options.max_backoff = Duration::from_millis(50);
    options.attempt_timeout = Duration::from_secs(20);
    options
}

/// Sources for both accounts: A with static credentials, B by assuming [`ROLE_B`] from A
/// (through the collector's own assume-role path).
pub async fn sources(emulator: &Emulator) -> Vec<trailgraph_collect::Source> {
    let a = emulator.config_a().await;
    let mut out = vec![trailgraph_collect::Source {
        label: "test-a".into(),
        config: a.clone(),
        member: None,
    }];
    out.extend(trailgraph_collect::assume_roles(&a, &[ROLE_B.to_owned()]).await);
    out
}

/// Credentials in an organisation's member `account`, as the collector gets them: AssumeRole of
/// the role Organizations creates, from `management`'s credentials.
pub async fn member_config(
    emulator: &Emulator,
    management: &SdkConfig,
    account: &str,
) -> SdkConfig {
    emulator
        .config_with(member_credentials(management, account).await)
        .await
}

/// The credentials [`member_config`] uses.
pub async fn member_credentials(management: &SdkConfig, account: &str) -> Credentials {
    let out = aws_sdk_sts::Client::new(management)
        .assume_role()
        .role_arn(format!(
            "arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
        ))
        .role_session_name("seed")
        .send()
        .await
        .expect("assume the member role");
    let c = out.credentials.expect("credentials");
    Credentials::new(
        c.access_key_id,
        c.secret_access_key,
        Some(c.session_token),
        None,
        "seed",
    )
}
