//! `postsale send-test`: signs a body file as a sales channel would and posts it to a webhook.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use axum::http::header::{AUTHORIZATION, CONTENT_ENCODING, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use flate2::Compression;
use flate2::write::GzEncoder;
use postsale_core::verify::{HmacConfig, Preset, Secret, SignedContentEncoding, sign_request};
use reqwest::Url;
use time::OffsetDateTime;

/// The presets `send-test` signs with. `custom` is left out because it names no header.
pub const SIGNING_PRESETS: [Preset; 6] = [
    Preset::Shopify,
    Preset::WooCommerce,
    Preset::StandardWebhooks,
    Preset::Stripe,
    Preset::GitHub,
    Preset::Squarespace,
];

/// How long to wait for the webhook's answer before giving up.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Options of `postsale send-test`.
#[derive(clap::Args, Clone, Debug)]
pub struct SendTestArgs {
    /// Webhook URL to post to, such as http://127.0.0.1:8080/hooks/TOKEN.
    #[arg(long)]
    pub url: String,

    /// File whose bytes are sent as the body, exactly as they are on disk.
    #[arg(long, value_name = "BODY")]
    pub file: PathBuf,

    /// Signature scheme of the sales channel to imitate: shopify, woocommerce,
    /// standard-webhooks, stripe, github or squarespace. Without it the body is sent unsigned.
    #[arg(long, value_parser = parse_preset)]
    pub preset: Option<Preset>,

    /// Signing secret for --preset, in the form the channel shows it (whsec_… for
    /// standard-webhooks, hex for squarespace). Prefer the environment variable, which keeps
    /// the secret out of shell history.
    #[arg(
        long,
        env = "POSTSALE_SEND_TEST_SECRET",
        hide_env_values = true,
        value_parser = parse_secret
    )]
    pub secret: Option<Secret>,

    /// Extra header as NAME:VALUE. Repeat for several. It replaces a header of the same name
    /// that the preset adds, such as X-Shopify-Topic:orders/updated.
    #[arg(long = "header", value_name = "NAME:VALUE", value_parser = parse_header)]
    pub headers: Vec<(HeaderName, HeaderValue)>,

    /// Basic Auth credentials, sent as `Authorization: Basic …`.
    #[arg(long, value_name = "USER:PASSWORD", value_parser = parse_basic)]
    pub basic: Option<BasicCredentials>,

    /// Delivery id for the presets whose channel sends one (shopify, woocommerce,
    /// standard-webhooks, github). Default: a new random UUID, so each run is a new delivery.
    #[arg(long, value_name = "ID")]
    pub delivery_id: Option<String>,

    /// Content-Type of the body.
    #[arg(long, value_name = "TYPE", default_value = "application/json")]
    pub content_type: String,

    /// Compress the body with gzip and send `Content-Encoding: gzip`. The signature still
    /// covers the uncompressed bytes, as the presets expect.
    #[arg(long)]
    pub gzip: bool,
}

/// A Basic Auth user name and password.
#[derive(Clone, Debug)]
pub struct BasicCredentials {
    pub user: String,
    pub password: Secret,
}

/// A request ready to post: the URL, the header list and the body bytes to send.
#[derive(Debug)]
pub struct TestDelivery {
    pub url: Url,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// Reads the body file, signs it, posts it, and prints the status and the answer body.
///
/// Returns an error when the webhook answers with a status other than 2xx.
pub async fn run(args: SendTestArgs) -> anyhow::Result<()> {
    let file_bytes = std::fs::read(&args.file).with_context(|| {
        format!(
            "cannot read --file {}: check the path to the body file",
            args.file.display()
        )
    })?;
    let delivery = build_delivery(&args, file_bytes, OffsetDateTime::now_utc())?;
    print_request(&args, &delivery);

    let client = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .context("cannot set up the HTTP client")?;
    let response = client
        .post(delivery.url.clone())
        .headers(delivery.headers)
        .body(delivery.body)
        .send()
        .await
        .with_context(|| {
            format!(
                "cannot post to {}: check that the server is running and the URL is right",
                delivery.url
            )
        })?;

    let status = response.status();
    let answer = response
        .bytes()
        .await
        .context("the connection closed while reading the answer body")?;
    let answer = String::from_utf8_lossy(&answer);
    println!("{status}");
    println!("{}", answer.trim_end());

    if !status.is_success() {
        bail!("the webhook answered {status}, not 2xx: the answer body above says why");
    }
    Ok(())
}

/// Builds the request for `body`, signed at `now` when a preset is given.
///
/// With `--gzip` the signature covers the uncompressed body, or the compressed bytes when the
/// preset's `signed_content_encoding` is `raw`.
pub fn build_delivery(
    args: &SendTestArgs,
    body: Vec<u8>,
    now: OffsetDateTime,
) -> anyhow::Result<TestDelivery> {
    let url = parse_url(&args.url)?;
    let mut headers = HeaderMap::new();
    let content_type = HeaderValue::from_str(&args.content_type).with_context(|| {
        format!(
            "invalid --content-type {:?}: use visible ASCII, such as application/json",
            args.content_type
        )
    })?;
    headers.insert(CONTENT_TYPE, content_type);

    let hmac = signing_config(args)?;
    let compressed = if args.gzip { Some(gzip(&body)?) } else { None };
    if compressed.is_some() {
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }

    if let Some(hmac) = &hmac {
        let signed = match (&compressed, hmac.signed_content_encoding) {
            (Some(compressed), SignedContentEncoding::Raw) => compressed,
            _ => &body,
        };
        insert_signature(&mut headers, hmac, signed, now, args)?;
    }

    if let Some(basic) = &args.basic {
        headers.insert(AUTHORIZATION, basic_header(basic));
    }
    for (name, value) in &args.headers {
        headers.insert(name.clone(), value.clone());
    }

    let body = compressed.unwrap_or(body);
    Ok(TestDelivery { url, headers, body })
}

/// Creates a random version 4 UUID, the delivery id used when `--delivery-id` is absent.
pub fn new_delivery_id() -> String {
    let mut bytes: [u8; 16] = rand::random();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;

    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

fn signing_config(args: &SendTestArgs) -> anyhow::Result<Option<HmacConfig>> {
    match (args.preset, &args.secret) {
        (Some(preset), Some(secret)) => Ok(Some(HmacConfig::preset(preset, secret.clone()))),
        (Some(preset), None) => bail!(
            "--preset {preset} needs a signing secret: give --secret or set \
             POSTSALE_SEND_TEST_SECRET to the secret configured on the webhook"
        ),
        (None, Some(_)) => {
            eprintln!("note: a secret is set but no --preset, so the body is sent unsigned");
            Ok(None)
        }
        (None, None) => Ok(None),
    }
}

fn insert_signature(
    headers: &mut HeaderMap,
    hmac: &HmacConfig,
    body: &[u8],
    now: OffsetDateTime,
    args: &SendTestArgs,
) -> anyhow::Result<()> {
    let delivery_id = args.delivery_id.clone().unwrap_or_else(new_delivery_id);
    let secret = &hmac.secrets[0].value;
    let pairs = sign_request(hmac, secret, body, now, &delivery_id)
        .with_context(|| format!("cannot sign with --preset {}", hmac.preset))?;

    for (name, value) in pairs {
        let name = HeaderName::try_from(name.as_str())
            .with_context(|| format!("the preset produced an invalid header name {name:?}"))?;
        let value = HeaderValue::try_from(value.as_str()).with_context(|| {
            format!(
                "invalid --delivery-id {delivery_id:?}: use visible ASCII characters, such as \
                 a UUID"
            )
        })?;
        headers.insert(name, value);
    }
    Ok(())
}

fn parse_url(text: &str) -> anyhow::Result<Url> {
    let url = Url::parse(text).with_context(|| {
        format!(
            "invalid --url {text:?}: give an absolute URL such as http://127.0.0.1:8080/hooks/TOKEN"
        )
    })?;

    match url.scheme() {
        "http" => Ok(url),
        "https" => bail!(
            "--url {text:?} uses https, but send-test speaks plain HTTP only: post to the \
             server's http:// listen address, or to a local TLS-terminating proxy"
        ),
        other => bail!("invalid --url {text:?}: the scheme {other:?} is not http"),
    }
}

fn basic_header(basic: &BasicCredentials) -> HeaderValue {
    let pair = format!("{}:{}", basic.user, basic.password.expose());
    let mut value = HeaderValue::try_from(format!("Basic {}", STANDARD.encode(pair)))
        .expect("base64 text is a valid header value");
    value.set_sensitive(true);
    value
}

fn gzip(body: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(body)?;
    Ok(encoder.finish()?)
}

fn print_request(args: &SendTestArgs, delivery: &TestDelivery) {
    let signing = match args.preset {
        Some(preset) => format!("signed as {preset}"),
        None => "unsigned".to_owned(),
    };
    eprintln!(
        "POST {} ({} body bytes, {signing})",
        delivery.url,
        delivery.body.len()
    );

    for (name, value) in &delivery.headers {
        let printed_value = if value.is_sensitive() {
            "<hidden>"
        } else {
            value.to_str().unwrap_or("<not ASCII>")
        };
        eprintln!("{name}: {printed_value}");
    }
}

fn parse_preset(text: &str) -> Result<Preset, String> {
    let names = SIGNING_PRESETS.map(Preset::as_str).join(", ");
    match text.parse::<Preset>() {
        Ok(Preset::Custom) => Err(format!(
            "the custom preset names no signature header, so send-test cannot sign with it: \
             use one of {names}"
        )),
        Ok(preset) => Ok(preset),
        Err(_) => Err(format!("unknown preset {text:?}: use one of {names}")),
    }
}

fn parse_secret(text: &str) -> Result<Secret, std::convert::Infallible> {
    Ok(Secret::new(text))
}

fn parse_header(text: &str) -> Result<(HeaderName, HeaderValue), String> {
    let Some((name, value)) = text.split_once(':') else {
        return Err(format!(
            "header {text:?} has no colon: write it as NAME:VALUE, such as X-Shopify-Topic:orders/updated"
        ));
    };

    let name = HeaderName::try_from(name.trim()).map_err(|_| {
        format!("invalid header name {name:?}: use letters, digits and dashes, such as X-Test")
    })?;
    let mut value = HeaderValue::try_from(value.trim())
        .map_err(|_| format!("invalid value for header {name}: use visible ASCII characters"))?;
    value.set_sensitive(true);
    Ok((name, value))
}

fn parse_basic(text: &str) -> Result<BasicCredentials, String> {
    let Some((user, password)) = text.split_once(':') else {
        return Err("no colon between the user name and the password: write USER:PASSWORD".into());
    };
    if user.is_empty() {
        return Err("the user name before the colon is empty: write USER:PASSWORD".into());
    }

    Ok(BasicCredentials {
        user: user.to_owned(),
        password: Secret::new(password),
    })
}

#[cfg(test)]
mod tests;
