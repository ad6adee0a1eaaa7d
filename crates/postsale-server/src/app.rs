//! The application: shared state, the router, and the serve loop with graceful shutdown.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::extract::{ConnectInfo, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::future::RouteFuture;
use axum::routing::{get, post};
use axum::{Json, Router, middleware};
use hyper_util::rt::{TokioIo, TokioTimer};
use postsale_store::ingest::Ingest;
use postsale_store::token_lookup::TokenLookup;
use postsale_store::{Database, StoreError};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tower::Service;

use crate::config::{HttpConfig, IngressConfig, ServeConfig};
use crate::http::ApiError;
use crate::metrics::Metrics;
use crate::rate_limit::RateLimiter;
use crate::sealing::SealingKey;
use crate::security_cache::SecurityCache;
use crate::worker::WorkerSettings;

/// State shared by every handler. Cloning is cheap.
#[derive(Clone, Debug)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    db: Database,
    metrics: Arc<Metrics>,
    ingest: Ingest,
    token_lookup: TokenLookup,
    settings: Settings,
    rate_limiter: RateLimiter,
    security_cache: SecurityCache,
    /// Wakes the import worker when ingress keeps an importable request.
    worker_wake: Arc<Notify>,
}

/// Settings the handlers read, taken from the command line at start.
#[derive(Clone, Debug)]
pub struct Settings {
    pub ingress: IngressConfig,
    pub http: HttpConfig,
    /// Base URL of webhook URLs, without a trailing slash.
    pub public_url: String,
    pub sealing_key: SealingKey,
}

impl Settings {
    /// Settings for tests: default limits and a fixed sealing key.
    pub fn for_tests(public_url: &str) -> Settings {
        Settings {
            ingress: IngressConfig::default(),
            http: HttpConfig::default(),
            public_url: public_url.trim_end_matches('/').to_owned(),
            sealing_key: SealingKey::from_bytes(&[42; 32]),
        }
    }
}

impl AppState {
    /// Builds the state and starts the ingest writer and token lookup tasks on the current
    /// runtime.
    pub fn new(db: Database, settings: Settings) -> AppState {
        let (ingest, _writer) = Ingest::start(db.clone());
        let (token_lookup, _lookup) = TokenLookup::start(db.clone());
        AppState {
            inner: Arc::new(Inner {
                db,
                metrics: Metrics::new(),
                ingest,
                token_lookup,
                settings,
                rate_limiter: RateLimiter::default(),
                security_cache: SecurityCache::default(),
                worker_wake: Arc::new(Notify::new()),
            }),
        }
    }

    pub fn db(&self) -> &Database {
        &self.inner.db
    }

    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    pub fn ingest(&self) -> &Ingest {
        &self.inner.ingest
    }

    pub fn token_lookup(&self) -> &TokenLookup {
        &self.inner.token_lookup
    }

    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    pub fn rate_limiter(&self) -> &RateLimiter {
        &self.inner.rate_limiter
    }

    /// Webhooks' security settings as opened for earlier requests.
    pub fn security_cache(&self) -> &SecurityCache {
        &self.inner.security_cache
    }

    /// Wakes the import worker of this process.
    pub fn wake_worker(&self) {
        self.inner.worker_wake.notify_one();
    }

    /// Starts the import worker on the current runtime; it stops when `shutdown` is raised.
    pub fn spawn_worker(&self, shutdown: Shutdown) -> tokio::task::JoinHandle<()> {
        let settings = WorkerSettings {
            name: format!("{}-{}", hostname(), std::process::id()),
        };
        tokio::spawn(crate::worker::run(
            self.inner.db.clone(),
            settings,
            self.inner.worker_wake.clone(),
            shutdown,
        ))
    }

    /// Builds the URL a sales channel posts to for this token.
    pub fn webhook_url(&self, token: &str) -> String {
        format!("{}/hooks/{token}", self.inner.settings.public_url)
    }
}

/// Builds the router with every route and the request span around each. Error responses
/// that the routing itself produces, such as 405 with its `Allow` header, are turned into
/// problem details by a layer around the whole router, where that header is already set.
pub fn router(state: AppState) -> Router {
    let routes = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/api/openapi.json", get(openapi))
        .route("/hooks/{token}", post(crate::ingress::receive))
        // Channels and people paste webhook URLs with a trailing slash, so that URL reaches the
        // same webhook.
        .route("/hooks/{token}/", post(crate::ingress::receive))
        .nest("/api/v1", crate::api::router())
        .merge(crate::web::router())
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::http::nul::reject_nul_in_url,
        ))
        .layer(middleware::from_fn(crate::web::security_headers))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::http::timeout::limit_body_time,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::http::span::trace_request,
        ))
        .with_state(state);
    Router::new()
        .fallback_service(routes)
        .layer(middleware::from_fn(
            crate::http::problem::problem_for_plain_errors,
        ))
}

/// Serves HTTP/1.1 on `listener` until `shutdown` completes, then stops accepting, lets
/// requests in flight finish and closes idle connections.
///
/// Each connection gets the header read timeout of the settings: a client that has not sent
/// a request's whole header block within it is disconnected, so slow or idle connections
/// cannot pile up. The body read timeout is applied per request by the router.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(state.settings().http.header_read_timeout);
    let app = router(state);
    let (closing_sender, closing) = tokio::sync::watch::channel(false);
    // Each connection task holds a receiver; when all are dropped, every connection is done.
    let (connections_done, connection_guard) = tokio::sync::watch::channel(());

    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Errors such as EMFILE pass once connections close; wait instead of spinning.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = ConnectionService {
            app: app.clone(),
            peer,
        };
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let mut closing = closing.clone();
        let guard = connection_guard.clone();
        tokio::spawn(async move {
            tokio::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    log_connection_end(peer, result);
                    drop(guard);
                    return;
                }
                _ = closing.wait_for(|raised| *raised) => connection.as_mut().graceful_shutdown(),
            }
            log_connection_end(peer, connection.await);
            drop(guard);
        });
    }

    drop(listener);
    let _ = closing_sender.send(true);
    drop(connection_guard);
    connections_done.closed().await;
    Ok(())
}

/// The router as a hyper service for one connection. It adds the peer address that the
/// `ConnectInfo` extractor reads.
#[derive(Clone, Debug)]
struct ConnectionService {
    app: Router,
    peer: SocketAddr,
}

impl hyper::service::Service<axum::http::Request<hyper::body::Incoming>> for ConnectionService {
    type Response = Response;
    type Error = Infallible;
    type Future = RouteFuture<Infallible>;

    fn call(&self, mut request: axum::http::Request<hyper::body::Incoming>) -> Self::Future {
        request.extensions_mut().insert(ConnectInfo(self.peer));
        self.app.clone().call(request)
    }
}

/// Logs why a connection ended when it was not a normal close; a header read timeout is one
/// of these causes.
fn log_connection_end(peer: SocketAddr, result: Result<(), hyper::Error>) {
    if let Err(error) = result {
        if error.is_timeout() {
            tracing::info!(client.address = %peer.ip(), "connection closed: headers not received in time");
        } else {
            tracing::debug!(client.address = %peer.ip(), %error, "connection ended with an error");
        }
    }
}

/// Runs `postsale serve`: opens and migrates the database, binds, and serves until SIGINT or
/// SIGTERM.
pub async fn serve_from_config(config: ServeConfig) -> anyhow::Result<()> {
    let db = crate::cli::open_database(&config.database).await?;
    tracing::info!(dialect = ?db.dialect(), "database ready, migrations applied");
    let sealing_key = SealingKey::load(config.secret_key.as_deref(), &config.database.data_dir)
        .context("cannot load the key that encrypts webhook secrets")?;
    crate::sealing::verify_key(&db, &sealing_key)
        .await
        .context("cannot start with this secret key")?;

    let listener = TcpListener::bind(config.listen).await.with_context(|| {
        format!(
            "cannot listen on {}: is another process using it?",
            config.listen
        )
    })?;
    tracing::info!(address = %config.listen, "http listening");

    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", config.listen));
    let settings = Settings {
        ingress: config.ingress.clone(),
        http: config.http.clone(),
        public_url: public_url.trim_end_matches('/').to_owned(),
        sealing_key,
    };
    tracing::info!(
        max_body_bytes = settings.ingress.max_body_bytes,
        trusted_proxies = settings.ingress.trusted_proxies.len(),
        public_url = %settings.public_url,
        "webhook ingress ready"
    );
    let state = AppState::new(db.clone(), settings);
    let shutdown = Shutdown::on_signal();
    let grace = Duration::from_secs(config.shutdown_timeout);
    let worker = state.spawn_worker(shutdown.clone());
    let mut server = tokio::spawn(serve(state, listener, shutdown.clone().wait()));

    let result = tokio::select! {
        joined = &mut server => joined.context("server task failed")?.context("server failed"),
        () = shutdown.clone().wait() => match tokio::time::timeout(grace, server).await {
            Ok(joined) => joined.context("server task failed")?.context("server failed"),
            Err(_) => {
                tracing::warn!(seconds = grace.as_secs(), "requests still in flight after the grace period, exiting");
                Ok(())
            }
        },
    };
    if tokio::time::timeout(grace, worker).await.is_err() {
        tracing::warn!("the import worker did not stop within the grace period");
    }
    db.close().await;
    tracing::info!("stopped");
    result
}

/// A shutdown flag that many tasks can wait on.
#[derive(Clone, Debug)]
pub struct Shutdown {
    receiver: tokio::sync::watch::Receiver<bool>,
}

impl Shutdown {
    /// Creates a flag that the first SIGINT or SIGTERM raises.
    pub fn on_signal() -> Shutdown {
        let (sender, receiver) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            shutdown_signal().await;
            let _ = sender.send(true);
        });
        Shutdown { receiver }
    }

    /// Creates a flag that the returned sender raises, for tests.
    pub fn manual() -> (tokio::sync::watch::Sender<bool>, Shutdown) {
        let (sender, receiver) = tokio::sync::watch::channel(false);
        (sender, Shutdown { receiver })
    }

    /// Whether the flag is raised.
    pub fn is_raised(&self) -> bool {
        *self.receiver.borrow()
    }

    /// Completes once the flag is raised, or its sender is gone.
    pub async fn wait(mut self) {
        let _ = self.receiver.wait_for(|raised| *raised).await;
    }
}

/// Completes on the first SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = interrupt => tracing::info!("SIGINT received, shutting down"),
        () = terminate => tracing::info!("SIGTERM received, shutting down"),
    }
}

fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "postsale".to_owned())
}

async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

async fn readyz(State(state): State<AppState>) -> Response {
    if let Some(failure) = state.db().ingest_failure() {
        let detail = format!(
            "the last commit of webhook requests failed, so they get 503 ({failure}): check the \
             log and the database's disk"
        );
        return ApiError::new(StatusCode::SERVICE_UNAVAILABLE, detail).into_response();
    }
    match state.db().ping().await {
        Ok(()) => Json(serde_json::json!({ "status": "ready" })).into_response(),
        Err(error @ StoreError::DatabaseFileChanged { .. }) => {
            tracing::error!(error = %error, "database file changed");
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, error.to_string()).into_response()
        }
        Err(error) => {
            tracing::warn!(error = %crate::http::problem::error_chain(&error), "database not reachable");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the database is not reachable: check --database-url and that the server is up",
            )
            .into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics().render(),
    )
        .into_response()
}

async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::api::openapi_json(),
    )
        .into_response()
}

/// Answers an unknown path: an HTML page for a browser, problem details for anything else.
async fn not_found(uri: axum::http::Uri, headers: axum::http::HeaderMap) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_html && !uri.path().starts_with("/api/") {
        return crate::web::error::WebError::new(
            StatusCode::NOT_FOUND,
            "There is no page at this address. Check the link, or start from the orders.",
        )
        .into_response();
    }
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!(
            "no route for {}: see /api/openapi.json for the routes",
            uri.path()
        ),
    )
    .into_response()
}
