//! Query strings, read like axum's `Query`, with a rejection in problem details that names the
//! parameter, quotes the invalid value and tells the caller what to send instead.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::http::ApiError;

/// The maximum number of characters of a rejected value quoted back in an error.
const MAX_QUOTED_CHARS: usize = 64;

/// The parameters of the query string, such as `limit=50` of `/api/v1/orders?limit=50`.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(Query)
            .map_err(|error| query_error(query, &error))
    }
}

/// Builds the 400 for a query string that does not fit its parameters.
fn query_error(
    query: &str,
    error: &serde_path_to_error::Error<serde_urlencoded::de::Error>,
) -> ApiError {
    let name = error.path().to_string();
    let value = form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.chars().take(MAX_QUOTED_CHARS).collect::<String>());
    let problem = plain_problem(error.inner().to_string());
    let detail = match value {
        Some(value) if name != "." => format!(
            "invalid query parameter {name}={value:?}: {problem}. Send a valid value or leave \
             the parameter out"
        ),
        _ => format!("invalid query string: {problem}. Check the parameters' names and values"),
    };
    ApiError::bad_request(detail)
}

/// Rewords the standard library's errors for a number that does not parse, which name a
/// Rust detail ("invalid digit found in string"), as what the parameter takes.
fn plain_problem(problem: String) -> String {
    match problem.as_str() {
        "invalid digit found in string" | "cannot parse integer from empty string" => {
            "expected a whole number".to_owned()
        }
        "number too large to fit in target type" => "the number is too large".to_owned(),
        "number too small to fit in target type" => "the number is too small".to_owned(),
        _ => problem,
    }
}

#[cfg(test)]
mod tests {
    use axum::http::Request;
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    struct Page {
        limit: Option<u32>,
    }

    async fn read(uri: &str) -> Result<Query<Page>, ApiError> {
        let (mut parts, ()) = Request::builder().uri(uri).body(()).unwrap().into_parts();
        Query::<Page>::from_request_parts(&mut parts, &()).await
    }

    #[tokio::test]
    async fn bad_value_names_parameter_and_value() {
        let error = read("/x?limit=ten").await.unwrap_err();
        let detail = error.detail().to_owned();
        assert!(detail.contains("limit=\"ten\""), "{detail}");
        assert!(detail.contains("Send a valid value"), "{detail}");
        assert!(detail.contains("expected a whole number"), "{detail}");

        let error = read("/x?limit=99999999999999999999999").await.unwrap_err();
        assert!(
            error.detail().contains("the number is too large"),
            "{error:?}"
        );
    }

    #[tokio::test]
    async fn good_and_missing_values_pass() {
        assert_eq!(read("/x?limit=5").await.unwrap().0.limit, Some(5));
        assert_eq!(read("/x").await.unwrap().0.limit, None);
    }
}
