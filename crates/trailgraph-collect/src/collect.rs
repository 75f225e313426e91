//! The live collector: SDK calls per account and region → [`Evidence`].

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_cloudwatch::types::AlarmType;
use aws_smithy_async::future::pagination_stream::PaginationStream;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use futures_util::future::join_all;
use serde_json::Value;
use tokio::sync::Semaphore;
use trailgraph_model::evidence::{AccountEvidence, Evidence, RegionEvidence};
use trailgraph_model::{CollectionError, SnapshotMeta};

use crate::convert;
use crate::error::CollectError;
use crate::options::{CollectOptions, NOT_ENABLED_CODES, OPT_IN_REGIONS};
use crate::progress::{AccountDone, Progress};

/// The services the collector reads, as recorded in `meta.services`.
pub const SERVICES: &[&str] = &["cloudtrail", "cloudwatch", "iam", "logs", "sns", "sts"];

/// One identity to collect: an account reached through a profile, the default chain or an
/// assumed role.
#[derive(Debug, Clone)]
pub struct Source {
    /// How the identity was obtained (`default`, `profile:NAME`, `role:ARN`); used in errors
    /// when the account id is not known yet. Never holds a secret.
    pub label: String,
    /// The SDK configuration (credentials provider, endpoint, retry settings).
    pub config: SdkConfig,
    /// The organisation's account this source reaches, in organisation mode.
    pub member: Option<crate::organization::Member>,
}

/// Loads the SDK configuration for every source the options name: each profile (or the
/// default chain), then each role assumed from the first of those.
pub async fn load_sources(options: &CollectOptions) -> Result<Vec<Source>, CollectError> {
    validate(options)?;
    let mut bases = Vec::new();
    if options.profiles.is_empty() {
        bases.push(Source {
            label: "default".to_owned(),
            config: base_loader(options, None).load().await,
            member: None,
        });
    } else {
        for profile in &options.profiles {
            bases.push(Source {
                label: format!("profile:{profile}"),
                config: base_loader(options, Some(profile)).load().await,
                member: None,
            });
        }
    }
    if options.role_arns.is_empty() {
        return Ok(bases);
    }
    let Some(first) = bases.into_iter().next() else {
        return Ok(Vec::new());
    };
    Ok(assume_roles(&first.config, &options.role_arns).await)
}

/// Organisation mode: the accounts of the organisation `base` (the management account or a
/// delegated administrator) manages, each reached through the role `org` names; the caller's
/// own account with `base`'s own credentials.
async fn organization_sources(
    base: Source,
    org: &crate::organization::OrganizationOptions,
    sink: &Sink,
) -> Result<Vec<Source>, CollectError> {
    let config = with_default_region(&base.config);
    let (caller_account, caller_arn) = match identify(&base).await {
        Ok((account, caller)) => (
            account,
            caller
                .get("Arn")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        ),
        Err((code, message)) => {
            return Err(CollectError::Organization(format!(
                "the credentials of {} do not work: {code}: {message}",
                base.label
            )));
        }
    };
    let discovery = crate::organization::discover(&config, org, sink).await?;
    let mut sources = Vec::new();
    for member in discovery.members {
        if member.id == caller_account {
            sources.push(Source {
                label: base.label.clone(),
                config: base.config.clone(),
                member: Some(member),
            });
            continue;
        }
        let arn = crate::organization::role_arn(&caller_arn, &member.id, &org.role_name);
        let mut builder = aws_config::sts::AssumeRoleProvider::builder(arn.clone())
            .session_name("trailgraph-collect")
            .configure(&config);
        if let Some(id) = &org.external_id {
            builder = builder.external_id(id.clone());
        }
        let provider = builder.build().await;
        sources.push(Source {
            label: format!("role:{arn}"),
            config: base
                .config
                .to_builder()
                .credentials_provider(aws_credential_provider(provider))
                .build(),
            member: Some(member),
        });
    }
    if sources.is_empty() {
        sink.note("the organisation has no account to collect".to_owned());
    }
    Ok(sources)
}

/// One source per role, each assuming `role_arn` with the credentials of `base`.
pub async fn assume_roles(base: &SdkConfig, role_arns: &[String]) -> Vec<Source> {
    let mut out = Vec::new();
    for arn in role_arns {
        let provider = aws_config::sts::AssumeRoleProvider::builder(arn.clone())
            .session_name("trailgraph-collect")
            .configure(&with_default_region(base))
            .build()
            .await;
        let config = base
            .to_builder()
            .credentials_provider(aws_credential_provider(provider))
            .build();
        out.push(Source {
            label: format!("role:{arn}"),
            config,
            member: None,
        });
    }
    out
}

fn aws_credential_provider(
    provider: aws_config::sts::AssumeRoleProvider,
) -> aws_credential_types::provider::SharedCredentialsProvider {
    aws_credential_types::provider::SharedCredentialsProvider::new(provider)
}

fn base_loader(options: &CollectOptions, profile: Option<&str>) -> aws_config::ConfigLoader {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    if let Some(url) = &options.endpoint_url {
        loader = loader.endpoint_url(url.clone());
    }
    loader
}

fn validate(options: &CollectOptions) -> Result<(), CollectError> {
    if options.region_calls == 0 {
        return Err(CollectError::InvalidOption(
            "calls per account and region must be at least 1".into(),
        ));
    }
    if options.organization.is_some() && !options.role_arns.is_empty() {
        return Err(CollectError::InvalidOption(
            "organisation mode finds its accounts itself: it takes no role ARNs".into(),
        ));
    }
    if options.concurrency == 0 {
        return Err(CollectError::InvalidOption(
            "concurrency must be at least 1".into(),
        ));
    }
    if options.max_attempts == 0 {
        return Err(CollectError::InvalidOption(
            "max attempts must be at least 1".into(),
        ));
    }
    Ok(())
}

fn with_default_region(config: &SdkConfig) -> SdkConfig {
    if config.region().is_some() {
        config.clone()
    } else {
        config
            .to_builder()
            .region(Region::from_static("us-east-1"))
            .build()
    }
}

/// Collects evidence with the credentials the options name (see [`load_sources`]).
///
/// Single failed API calls do not make this fail: they are recorded in `meta.errors` and
/// everything else is still collected. `Err` is only for unusable options.
pub async fn collect(
    options: &CollectOptions,
    progress: &dyn Progress,
) -> Result<Evidence, CollectError> {
    validate(options)?;
    if options.organization.is_none() {
        let sources = load_sources(options).await?;
        return collect_from(sources, options, progress).await;
    }
    let bases = load_sources(&CollectOptions {
        role_arns: Vec::new(),
        organization: None,
        ..options.clone()
    })
    .await?;
    match bases.into_iter().next() {
        Some(base) => collect_organization(base, options, progress).await,
        None => collect_from(Vec::new(), options, progress).await,
    }
}

/// Organisation mode with the given credentials (the first profile or the default chain when
/// called through [`collect`]; tests pass a configuration built by hand): every account of the
/// organisation `base` manages that `options.organization` selects.
pub async fn collect_organization(
    base: Source,
    options: &CollectOptions,
    progress: &dyn Progress,
) -> Result<Evidence, CollectError> {
    validate(options)?;
    let sink = Sink::default();
    let org = options.organization.clone().unwrap_or_default();
    let base = with_settings(base, options);
    let config = with_default_region(&base.config);
    let sources = organization_sources(base, &org, &sink).await?;
    let ids: Vec<String> = sources
        .iter()
        .filter_map(|s| s.member.as_ref().map(|m| m.id.clone()))
        .collect();
    let (mut tags, evidence) = tokio::join!(
        crate::organization::tags(&config, &ids, &sink),
        collect_accounts(sources, options, progress, &sink)
    );
    let mut evidence = evidence?;
    for account in &mut evidence.accounts {
        if let (Some(details), Some(found)) = (
            account.organization.as_mut(),
            tags.remove(&account.account_id),
        ) {
            details.tags = found;
        }
    }
    Ok(finish_meta(evidence, sink, options))
}

/// Collects evidence for the given sources (tests pass configurations built by hand).
/// `options.profiles` and `options.role_arns` are not used here; retries, timeouts, regions,
/// concurrency and `endpoint_url` are applied to every source.
pub async fn collect_from(
    sources: Vec<Source>,
    options: &CollectOptions,
    progress: &dyn Progress,
) -> Result<Evidence, CollectError> {
    collect_into(sources, options, progress, Sink::default()).await
}

/// A source with the options' retries (adaptive: throttling slows every call of the client
/// down instead of failing it), timeouts and endpoint.
fn with_settings(source: Source, options: &CollectOptions) -> Source {
    let retry = RetryConfig::adaptive()
        .with_max_attempts(options.max_attempts)
        .with_initial_backoff(options.initial_backoff)
        .with_max_backoff(options.max_backoff);
    let timeouts = TimeoutConfig::builder()
        .operation_attempt_timeout(options.attempt_timeout)
        .build();
    let mut builder = source.config.to_builder();
    builder.set_retry_config(Some(retry));
    builder.set_timeout_config(Some(timeouts));
    if let Some(url) = &options.endpoint_url {
        builder.set_endpoint_url(Some(url.clone()));
    }
    Source {
        label: source.label,
        config: builder.build(),
        member: source.member,
    }
}

async fn collect_into(
    sources: Vec<Source>,
    options: &CollectOptions,
    progress: &dyn Progress,
    sink: Sink,
) -> Result<Evidence, CollectError> {
    let evidence = collect_accounts(sources, options, progress, &sink).await?;
    Ok(finish_meta(evidence, sink, options))
}

/// Collects every source's account; errors and notes go to `sink` (see [`finish_meta`]).
async fn collect_accounts(
    sources: Vec<Source>,
    options: &CollectOptions,
    progress: &dyn Progress,
    sink: &Sink,
) -> Result<Evidence, CollectError> {
    validate(options)?;
    let sources: Vec<Source> = sources
        .into_iter()
        .map(|s| with_settings(s, options))
        .collect();

    let semaphore = Semaphore::new(options.concurrency);
    let regions = options.regions.regions();

    // Identify every source first; two sources for the same account are collected once. An
    // organisation's account that cannot be reached is kept, without regions, so that its
    // checks say "not evaluable" under its own name.
    let gate = &semaphore;
    let identities = join_all(sources.iter().map(|s| async move {
        let _permit = gate.acquire().await.ok();
        identify(s).await
    }))
    .await;
    let mut seen = BTreeSet::new();
    let mut accounts = Vec::new();
    let mut unreachable: Vec<AccountEvidence> = Vec::new();
    for (source, identity) in sources.iter().zip(identities) {
        let (account_id, caller) = match identity {
            Ok(found) => found,
            Err((code, message)) => {
                match &source.member {
                    Some(member) => {
                        let role = source.label.strip_prefix("role:").unwrap_or(&source.label);
                        sink.error(CollectionError {
                            account: member.id.clone(),
                            region: None,
                            service: "sts".into(),
                            operation: "AssumeRole".into(),
                            resource: Some(role.to_owned()),
                            code,
                            message: crate::organization::assume_failure(role, member, &message),
                        });
                        unreachable.push(AccountEvidence {
                            account_id: member.id.clone(),
                            name: Some(member.name.clone()),
                            collected_with: Some(source.label.clone()),
                            organization: Some(member.details.clone()),
                            ..AccountEvidence::default()
                        });
                    }
                    None => sink.error(CollectionError {
                        account: source.label.clone(),
                        region: None,
                        service: "sts".into(),
                        operation: "GetCallerIdentity".into(),
                        resource: None,
                        code,
                        message,
                    }),
                }
                continue;
            }
        };
        if let Some(member) = &source.member
            && member.id != account_id
        {
            sink.note(format!(
                "{} reaches account {account_id}, not {} ({}); collected as {account_id}",
                source.label, member.name, member.id
            ));
        }
        if !seen.insert(account_id.clone()) {
            sink.note(format!(
                "{} reaches account {account_id} again; collected once",
                source.label
            ));
            continue;
        }
        accounts.push((source, account_id, caller));
    }
    progress.add_accounts(accounts.len() + unreachable.len());
    for account in &unreachable {
        progress.account_done(&AccountDone {
            account: &account.account_id,
            name: account.name.as_deref(),
            regions: 0,
            errors: 1,
            elapsed: std::time::Duration::ZERO,
        });
    }
    progress.add_units(accounts.len() * regions.len());

    let region_calls = options.region_calls;
    let account_futures = accounts.iter().map(|(source, account_id, caller)| {
        let regions = &regions;
        let semaphore = &semaphore;
        async move {
            let started = std::time::Instant::now();
            let alias = async {
                let _permit = semaphore.acquire().await.ok();
                account_alias(&source.config, account_id, sink).await
            };
            let units = regions.iter().map(|region| async move {
                // The semaphore is never closed, so acquire cannot fail; be safe anyway.
                let _permit = semaphore.acquire().await.ok();
                let outcome =
                    collect_region(&source.config, account_id, region, sink, region_calls).await;
                let errors = sink.error_count(account_id, region);
                progress.unit_done(account_id, region, errors);
                outcome
            });
            let (alias, regions) = tokio::join!(alias, join_all(units));
            let mut regions: Vec<RegionEvidence> = regions.into_iter().flatten().collect();
            regions.sort_by(|a, b| a.region.cmp(&b.region));
            let member = source.member.as_ref().filter(|m| m.id == *account_id);
            let evidence = AccountEvidence {
                account_id: account_id.clone(),
                name: member.map(|m| m.name.clone()),
                caller_identity: Some(caller.clone()),
                alias,
                collected_with: Some(source.label.clone()),
                organization: member.map(|m| m.details.clone()),
                regions,
            };
            progress.account_done(&AccountDone {
                account: account_id,
                name: evidence.name.as_deref().or(evidence.alias.as_deref()),
                regions: evidence.regions.len(),
                errors: sink.account_error_count(account_id),
                elapsed: started.elapsed(),
            });
            evidence
        }
    });
    let mut account_evidence = join_all(account_futures).await;
    account_evidence.extend(unreachable);
    account_evidence.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    progress.finish();
    Ok(Evidence {
        meta: SnapshotMeta::now("aws"),
        accounts: account_evidence,
    })
}

/// The snapshot metadata of a collection: accounts, regions covered, services, and the errors
/// and notes of `sink`, sorted.
fn finish_meta(mut evidence: Evidence, sink: Sink, options: &CollectOptions) -> Evidence {
    let account_evidence = &evidence.accounts;
    let (mut errors, notes) = sink.into_parts();
    errors.sort_by(|a, b| error_key(a).cmp(&error_key(b)));
    let mut meta = SnapshotMeta::now("aws");
    meta.accounts = account_evidence
        .iter()
        .map(|a| a.account_id.clone())
        .collect();
    let mut covered: Vec<String> = account_evidence
        .iter()
        .flat_map(|a| a.regions.iter().map(|r| r.region.clone()))
        .collect();
    covered.sort();
    covered.dedup();
    meta.regions = covered;
    meta.services = SERVICES.iter().map(|s| (*s).to_owned()).collect();
    if options.organization.is_some() {
        meta.services.push("organizations".to_owned());
        meta.services.sort();
    }
    meta.errors = errors;
    meta.notes = notes;
    evidence.meta = meta;
    evidence
}

type ErrorKey<'a> = (
    &'a str,
    Option<&'a str>,
    &'a str,
    &'a str,
    Option<&'a str>,
    &'a str,
);

fn error_key(e: &CollectionError) -> ErrorKey<'_> {
    (
        &e.account,
        e.region.as_deref(),
        &e.service,
        &e.operation,
        e.resource.as_deref(),
        &e.code,
    )
}

/// Errors and notes from concurrent tasks.
#[derive(Default)]
pub(crate) struct Sink {
    inner: Mutex<(Vec<CollectionError>, Vec<String>)>,
}

impl Sink {
    pub(crate) fn error(&self, error: CollectionError) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.0.push(error);
        }
    }
    /// Records a failed SDK call of `service`'s `operation` in `account` (and `region`, for a
    /// regional service), with the error's code and message.
    pub(crate) fn sdk_failure<E, R>(
        &self,
        account: &str,
        region: Option<&str>,
        (service, operation): (&str, &str),
        resource: Option<&str>,
        err: &aws_sdk_sts::error::SdkError<E, R>,
    ) where
        E: std::error::Error + ProvideErrorMetadata + 'static,
        R: std::fmt::Debug,
    {
        let (code, message) = sdk_error_parts(err);
        self.error(CollectionError {
            account: account.to_owned(),
            region: region.map(str::to_owned),
            service: service.to_owned(),
            operation: operation.to_owned(),
            resource: resource.map(str::to_owned),
            code,
            message,
        });
    }
    pub(crate) fn note(&self, note: String) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.1.push(note);
        }
    }
    fn error_count(&self, account: &str, region: &str) -> usize {
        self.inner
            .lock()
            .map(|inner| {
                inner
                    .0
                    .iter()
                    .filter(|e| e.account == account && e.region.as_deref() == Some(region))
                    .count()
            })
            .unwrap_or(0)
    }
    fn account_error_count(&self, account: &str) -> usize {
        self.inner
            .lock()
            .map(|inner| inner.0.iter().filter(|e| e.account == account).count())
            .unwrap_or(0)
    }
    fn into_parts(self) -> (Vec<CollectionError>, Vec<String>) {
        let (errors, mut notes) = self.inner.into_inner().unwrap_or_default();
        notes.sort();
        (errors, notes)
    }
}

/// Code and message of an SDK error. The code is the service's error code when there is one,
/// otherwise the kind of failure (`Timeout`, `DispatchFailure`, `ResponseError`).
pub(crate) fn sdk_error_parts<E, R>(err: &aws_sdk_sts::error::SdkError<E, R>) -> (String, String)
where
    E: std::error::Error + ProvideErrorMetadata + 'static,
    R: std::fmt::Debug,
{
    use aws_sdk_sts::error::SdkError;
    let code = match err {
        SdkError::ServiceError(service) => service
            .err()
            .code()
            .unwrap_or("UnknownServiceError")
            .to_owned(),
        SdkError::TimeoutError(_) => "Timeout".to_owned(),
        SdkError::DispatchFailure(_) => "DispatchFailure".to_owned(),
        SdkError::ResponseError(_) => "ResponseError".to_owned(),
        SdkError::ConstructionFailure(_) => "ConstructionFailure".to_owned(),
        _ => "Unknown".to_owned(),
    };
    let message = match err {
        SdkError::ServiceError(service) => service
            .err()
            .message()
            .map(str::to_owned)
            .unwrap_or_else(|| chain_text(err.to_string(), std::error::Error::source(err))),
        _ => chain_text(err.to_string(), std::error::Error::source(err)),
    };
    (code, redact_credential_process_output(&message))
}

/// An error and its sources as `outer: inner: innermost`, without Rust debug text. Repeated
/// links (a wrapper that prints its source) are shown once.
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    chain_text(err.to_string(), err.source())
}

fn chain_text(mut out: String, mut source: Option<&(dyn std::error::Error + 'static)>) -> String {
    while let Some(inner) = source {
        let text = inner.to_string();
        if !text.is_empty() && !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = inner.source();
    }
    out
}

/// What a failed `credential_process` printed (on stderr, or an unparsable stdout) can hold
/// tokens or keys, and the SDK copies it into its error message. The message keeps the fact,
/// the exit status and which step failed; the process's output is replaced by a note.
/// Messages that do not come from a credential process are returned unchanged.
///
/// ```
/// let message = "an error occurred while loading credentials: Error retrieving credentials: \
///     external process exited with code exit status: 1. Stderr: token=AKIAIOSFODNN7EXAMPLE";
/// let redacted = trailgraph_collect::redact_credential_process_output(message);
/// assert!(!redacted.contains("AKIA"));
/// assert!(redacted.contains("credential_process"));
/// assert!(redacted.contains("exit status: 1"));
/// ```
pub fn redact_credential_process_output(message: &str) -> String {
    const MARKERS: [&str; 2] = ["external process", "credential_process"];
    let Some(at) = MARKERS.iter().filter_map(|m| message.find(m)).min() else {
        return message.to_owned();
    };
    // Everything before the credential step is the SDK's own context (no process output).
    let context = message[..at]
        .trim_end()
        .trim_end_matches("Error retrieving credentials from")
        .trim_end_matches("Error retrieving credentials:")
        .trim_end()
        .trim_end_matches(':')
        .trim_end();
    let rest = &message[at..];
    let what = if let Some(code) = rest
        .split_once("exited with code ")
        .map(|(_, after)| after.split(". Stderr").next().unwrap_or(after))
    {
        let code: String = code.chars().take(40).collect();
        format!(
            "the credential_process command exited with {}",
            code.trim_end_matches('.')
        )
    } else if rest.contains("could not parse response") {
        "the credential_process command printed something that is not credentials JSON".to_owned()
    } else if rest.contains("could not decode output") {
        "the credential_process command printed output that is not UTF-8".to_owned()
    } else {
        "the credential_process command could not be run".to_owned()
    };
    let what = format!("{what} (its output is not shown: it may contain secrets)");
    if context.is_empty() {
        what
    } else {
        format!("{context}: {what}")
    }
}

/// Context for recording failures in one account and region.
struct Ctx<'a> {
    account: &'a str,
    region: &'a str,
    sink: &'a Sink,
    /// Bounds the calls made at once in this account and region (per trail, per topic).
    calls: Semaphore,
}

impl Ctx<'_> {
    fn fail<E, R>(
        &self,
        service: &str,
        operation: &str,
        resource: Option<&str>,
        err: &aws_sdk_sts::error::SdkError<E, R>,
    ) where
        E: std::error::Error + ProvideErrorMetadata + 'static,
        R: std::fmt::Debug,
    {
        self.sink.sdk_failure(
            self.account,
            Some(self.region),
            (service, operation),
            resource,
            err,
        );
    }
}

/// The account and `get-caller-identity` output of a source, or the error's code and message.
async fn identify(source: &Source) -> Result<(String, Value), (String, String)> {
    let config = with_default_region(&source.config);
    let client = aws_sdk_sts::Client::new(&config);
    match client.get_caller_identity().send().await {
        Ok(out) => {
            let Some(account) = out.account.clone() else {
                return Err((
                    "NoAccount".into(),
                    "GetCallerIdentity returned no account id".into(),
                ));
            };
            let caller = convert::Obj::new()
                .s("UserId", out.user_id.as_deref())
                .s("Account", out.account.as_deref())
                .s("Arn", out.arn.as_deref())
                .build();
            Ok((account, caller))
        }
        Err(err) => {
            let (code, message) = sdk_error_parts(&err);
            // A role that cannot be assumed shows up as a credentials failure of this call;
            // its own error code is in the message.
            let code = [
                "AccessDenied",
                "InvalidClientTokenId",
                "ExpiredToken",
                "RegionDisabledException",
            ]
            .iter()
            .find(|c| message.contains(*c))
            .map_or(code, |c| (*c).to_owned());
            Err((code, message))
        }
    }
}

/// The account's alias (`iam list-account-aliases`); a failure is recorded, no alias is `None`.
async fn account_alias(config: &SdkConfig, account: &str, sink: &Sink) -> Option<String> {
    let config = with_default_region(config);
    let client = aws_sdk_iam::Client::new(&config);
    match client.list_account_aliases().send().await {
        Ok(out) => out.account_aliases.into_iter().next(),
        Err(err) => {
            sink.sdk_failure(account, None, ("iam", "ListAccountAliases"), None, &err);
            None
        }
    }
}

/// The account id in an ARN (`arn:partition:service:region:account:resource`).
fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4)
}

/// The last segment of a topic ARN (`arn:aws:sns:region:account:name`).
fn topic_name(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or(arn)
}

/// Collects one account and region. `None` when the region is an opt-in region that is not
/// enabled for the account (noted, not an error).
async fn collect_region(
    base: &SdkConfig,
    account: &str,
    region: &str,
    sink: &Sink,
    region_calls: usize,
) -> Option<RegionEvidence> {
    let config = base
        .to_builder()
        .region(Region::new(region.to_owned()))
        .build();
    let ctx = Ctx {
        account,
        region,
        sink,
        calls: Semaphore::new(region_calls),
    };
    let cloudtrail = aws_sdk_cloudtrail::Client::new(&config);

    // DescribeTrails goes first: it also tells whether an opt-in region is enabled.
    let trails = match cloudtrail
        .describe_trails()
        .include_shadow_trails(true)
        .send()
        .await
    {
        Ok(out) => Some(out.trail_list.unwrap_or_default()),
        Err(err) => {
            let code = err.code().unwrap_or_default();
            if OPT_IN_REGIONS.contains(&region) && NOT_ENABLED_CODES.contains(&code) {
                sink.note(format!(
                    "region {region} is not enabled for account {account} ({code}); skipped"
                ));
                return None;
            }
            ctx.fail("cloudtrail", "DescribeTrails", None, &err);
            None
        }
    };

    let mut evidence = RegionEvidence {
        region: region.to_owned(),
        describe_trails: trails.as_deref().map(convert::cloudtrail::describe_trails),
        ..RegionEvidence::default()
    };
    let home_trails: Vec<(String, String)> = trails
        .iter()
        .flatten()
        .filter(|t| t.home_region.as_deref() == Some(region))
        .filter_map(|t| Some((t.name.clone()?, t.trail_arn.clone()?)))
        .filter(|(_, arn)| arn_account(arn) == Some(account))
        .collect();

    let trail_part = collect_trail_details(&cloudtrail, &home_trails, &ctx);
    let logs_part = collect_logs(&config, &ctx);
    let alarms_part = collect_alarms(&config, &ctx);
    let sns_part = collect_sns(&config, &ctx);
    let ((status, selectors, tags), (log_groups, metric_filters), alarms, sns) =
        tokio::join!(trail_part, logs_part, alarms_part, sns_part);
    evidence.trail_status = status;
    evidence.event_selectors = selectors;
    evidence.trail_tags = tags;
    evidence.log_groups = log_groups;
    evidence.metric_filters = metric_filters;
    evidence.alarms = alarms;
    (
        evidence.topics,
        evidence.topic_attributes,
        evidence.subscriptions,
    ) = sns;
    Some(evidence)
}

type TrailDetails = (
    BTreeMap<String, Value>,
    BTreeMap<String, Value>,
    BTreeMap<String, Value>,
);

/// GetTrailStatus, GetEventSelectors and ListTags for the trails homed in this region and
/// account (shadow and organisation trails of other homes are read in their home).
async fn collect_trail_details(
    client: &aws_sdk_cloudtrail::Client,
    home_trails: &[(String, String)],
    ctx: &Ctx<'_>,
) -> TrailDetails {
    let per_trail = home_trails.iter().map(|(name, arn)| async move {
        let _permit = ctx.calls.acquire().await.ok();
        let status = async {
            match client.get_trail_status().name(arn).send().await {
                Ok(out) => Some(convert::cloudtrail::trail_status(&out)),
                Err(err) => {
                    ctx.fail("cloudtrail", "GetTrailStatus", Some(arn), &err);
                    None
                }
            }
        };
        let selectors = async {
            match client.get_event_selectors().trail_name(arn).send().await {
                Ok(out) => Some(convert::cloudtrail::event_selectors(&out)),
                Err(err) => {
                    ctx.fail("cloudtrail", "GetEventSelectors", Some(arn), &err);
                    None
                }
            }
        };
        let tags = async {
            let pages = client
                .list_tags()
                .resource_id_list(arn)
                .into_paginator()
                .send();
            let list = all_pages(pages, ctx, ("cloudtrail", "ListTags", Some(arn)), |out| {
                out.resource_tag_list
                    .unwrap_or_default()
                    .iter()
                    .map(convert::cloudtrail::resource_tag)
                    .collect::<Vec<_>>()
            })
            .await?;
            Some(serde_json::json!({ "ResourceTagList": list }))
        };
        let (status, selectors, tags) = tokio::join!(status, selectors, tags);
        (name.clone(), status, selectors, tags)
    });
    let mut out = TrailDetails::default();
    for (name, status, selectors, tags) in join_all(per_trail).await {
        if let Some(v) = status {
            out.0.insert(name.clone(), v);
        }
        if let Some(v) = selectors {
            out.1.insert(name.clone(), v);
        }
        if let Some(v) = tags {
            out.2.insert(name, v);
        }
    }
    out
}

/// Reads every page of a list call. On an error that outlasts the retries the operation is
/// recorded and `None` is returned: a partial list is never passed off as the whole.
async fn all_pages<T, E, R, I>(
    mut pages: PaginationStream<Result<T, SdkError<E, R>>>,
    ctx: &Ctx<'_>,
    call: (&str, &str, Option<&str>),
    mut items: impl FnMut(T) -> I,
) -> Option<Vec<Value>>
where
    I: IntoIterator<Item = Value>,
    E: std::error::Error + ProvideErrorMetadata + 'static,
    R: std::fmt::Debug,
{
    let (service, operation, resource) = call;
    let mut list = Vec::new();
    while let Some(page) = pages.next().await {
        match page {
            Ok(out) => list.extend(items(out)),
            Err(err) => {
                ctx.fail(service, operation, resource, &err);
                return None;
            }
        }
    }
    Some(list)
}

async fn collect_logs(config: &SdkConfig, ctx: &Ctx<'_>) -> (Option<Value>, Option<Value>) {
    let client = aws_sdk_cloudwatchlogs::Client::new(config);
    let groups = async {
        let pages = client.describe_log_groups().into_paginator().send();
        let list = all_pages(pages, ctx, ("logs", "DescribeLogGroups", None), |out| {
            out.log_groups
                .unwrap_or_default()
                .iter()
                .map(convert::logs::log_group)
                .collect::<Vec<_>>()
        })
        .await?;
        Some(serde_json::json!({ "logGroups": list }))
    };
    let filters = async {
        let pages = client.describe_metric_filters().into_paginator().send();
        let list = all_pages(pages, ctx, ("logs", "DescribeMetricFilters", None), |out| {
            out.metric_filters
                .unwrap_or_default()
                .iter()
                .map(convert::logs::metric_filter)
                .collect::<Vec<_>>()
        })
        .await?;
        Some(serde_json::json!({ "metricFilters": list }))
    };
    tokio::join!(groups, filters)
}

async fn collect_alarms(config: &SdkConfig, ctx: &Ctx<'_>) -> Option<Value> {
    let client = aws_sdk_cloudwatch::Client::new(config);
    let mut pages = client
        .describe_alarms()
        .alarm_types(AlarmType::MetricAlarm)
        .alarm_types(AlarmType::CompositeAlarm)
        .into_paginator()
        .send();
    let mut metric = Vec::new();
    let mut composite = Vec::new();
    while let Some(page) = pages.next().await {
        match page {
            Ok(out) => {
                metric.extend(
                    out.metric_alarms
                        .iter()
                        .flatten()
                        .map(convert::cloudwatch::metric_alarm),
                );
                composite.extend(
                    out.composite_alarms
                        .iter()
                        .flatten()
                        .map(convert::cloudwatch::composite_alarm),
                );
            }
            Err(err) => {
                ctx.fail("cloudwatch", "DescribeAlarms", None, &err);
                return None;
            }
        }
    }
    Some(serde_json::json!({ "MetricAlarms": metric, "CompositeAlarms": composite }))
}

type SnsParts = (Option<Value>, BTreeMap<String, Value>, Option<Value>);

async fn collect_sns(config: &SdkConfig, ctx: &Ctx<'_>) -> SnsParts {
    let client = aws_sdk_sns::Client::new(config);
    let topics = async {
        let mut pages = client.list_topics().into_paginator().send();
        let mut arns = Vec::new();
        while let Some(page) = pages.next().await {
            match page {
                Ok(out) => arns.extend(out.topics.into_iter().flatten().map(|t| t.topic_arn)),
                Err(err) => {
                    ctx.fail("sns", "ListTopics", None, &err);
                    return (None, BTreeMap::new());
                }
            }
        }
        let listed = serde_json::json!({
            "Topics": arns.iter().map(|a| convert::sns::topic(a.as_deref())).collect::<Vec<_>>()
        });
        let client = &client;
        let attributes = join_all(arns.iter().flatten().map(|arn| async move {
            let _permit = ctx.calls.acquire().await.ok();
            match client.get_topic_attributes().topic_arn(arn).send().await {
                Ok(out) => Some((
                    topic_name(arn).to_owned(),
                    convert::sns::attributes(out.attributes.as_ref()),
                )),
                Err(err) => {
                    ctx.fail("sns", "GetTopicAttributes", Some(arn), &err);
                    None
                }
            }
        }))
        .await;
        (Some(listed), attributes.into_iter().flatten().collect())
    };
    let subscriptions = async {
        let pages = client.list_subscriptions().into_paginator().send();
        let list = all_pages(pages, ctx, ("sns", "ListSubscriptions", None), |out| {
            out.subscriptions
                .unwrap_or_default()
                .iter()
                .map(convert::sns::subscription)
                .collect::<Vec<_>>()
        })
        .await?;
        Some(serde_json::json!({ "Subscriptions": list }))
    };
    let ((topics, attributes), subscriptions) = tokio::join!(topics, subscriptions);
    (topics, attributes, subscriptions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_parts() {
        assert_eq!(
            arn_account("arn:aws:cloudtrail:us-east-1:111122223333:trail/t"),
            Some("111122223333")
        );
        assert_eq!(topic_name("arn:aws:sns:eu-west-1:1:alerts"), "alerts");
    }
}
