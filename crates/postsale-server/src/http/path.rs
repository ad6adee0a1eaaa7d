//! Path parameters, read like axum's `Path`, with a rejection in problem details that names
//! the parameter and the value that is not valid.

use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, MatchedPath, RawPathParams};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::http::ApiError;

/// The maximum number of characters of a rejected value quoted back in an error.
const MAX_QUOTED_CHARS: usize = 64;

/// The parameters of the matched route, such as the `42` of `/api/v1/stores/{id}`.
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        if let Some(error) = signed_number_error(parts, state).await {
            return Err(error);
        }
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(rejection) => {
                let route = parts
                    .extensions
                    .get::<MatchedPath>()
                    .map(|path| path.as_str().to_owned())
                    .unwrap_or_default();
                Err(path_error(&rejection, &route))
            }
        }
    }
}

/// Rejects a number parameter (an `id` or a `version`) written with a sign, such as `+1` or
/// `-1`. Rust's integer parser accepts both, so `/stores/+1` would otherwise reach store 1 and
/// `/orders/-1` respond that order -1 does not exist, but an id is written in digits only.
async fn signed_number_error<S: Send + Sync>(parts: &mut Parts, state: &S) -> Option<ApiError> {
    let params = RawPathParams::from_request_parts(parts, state).await.ok()?;
    let (key, value) = params.iter().find(|(key, value)| {
        matches!(*key, "id" | "version")
            && value.strip_prefix(['+', '-']).is_some_and(|digits| {
                !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
            })
    })?;
    let route = parts
        .extensions
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_default();
    let quoted: String = value.chars().take(MAX_QUOTED_CHARS).collect();
    Some(ApiError::new(
        StatusCode::BAD_REQUEST,
        format!(
            "invalid {} {quoted:?} in the path: use a whole number written in digits only, \
             without a sign, such as the `id` the API returned for it",
            parameter_label(&route, key)
        ),
    ))
}

fn path_error(rejection: &PathRejection, route: &str) -> ApiError {
    let PathRejection::FailedToDeserializePathParams(error) = rejection else {
        return ApiError::internal(rejection);
    };
    let (name, value, expected_type) = match error.kind() {
        ErrorKind::ParseErrorAtKey {
            key,
            value,
            expected_type,
        } => (parameter_label(route, key), value, *expected_type),
        ErrorKind::ParseErrorAtIndex {
            index,
            value,
            expected_type,
        } => {
            let key = route_parameters(route).nth(*index).unwrap_or("parameter");
            (parameter_label(route, key), value, *expected_type)
        }
        ErrorKind::ParseError {
            value,
            expected_type,
        } => {
            // A route with one parameter reports no key; that parameter is the one.
            let mut parameters = route_parameters(route);
            let label = match (parameters.next(), parameters.next()) {
                (Some(key), None) => parameter_label(route, key),
                _ => "path parameter".to_owned(),
            };
            (label, value, *expected_type)
        }
        ErrorKind::UnsupportedType { .. } => return ApiError::internal(rejection),
        _ => {
            return ApiError::bad_request(format!(
                "invalid path: {}; check the URL against /api/openapi.json",
                rejection.body_text()
            ));
        }
    };

    let quoted: String = value.chars().take(MAX_QUOTED_CHARS).collect();
    ApiError::new(
        StatusCode::BAD_REQUEST,
        format!(
            "invalid {name} {quoted:?} in the path: use {}",
            expected_shape(expected_type)
        ),
    )
}

/// Describes what a parameter of `expected_type` looks like.
fn expected_shape(expected_type: &str) -> String {
    match expected_type {
        "i64" | "i32" | "u64" | "u32" => {
            "a whole number, such as the `id` the API returned for it".to_owned()
        }
        other => format!("a value of type {other}"),
    }
}

/// Names a parameter after the route segment before it, so `{id}` in `/stores/{id}` is the
/// "store id". A parameter with its own name, such as `{version}`, keeps that name.
fn parameter_label(route: &str, key: &str) -> String {
    if key != "id" {
        return key.to_owned();
    }
    let placeholder = format!("{{{key}}}");
    let mut previous = None;
    for segment in route.split('/') {
        if segment == placeholder {
            break;
        }
        previous = Some(segment);
    }
    match previous.filter(|segment| !segment.is_empty() && !segment.starts_with('{')) {
        Some(collection) => {
            let singular = collection.strip_suffix('s').unwrap_or(collection);
            format!("{singular} id")
        }
        None => "id".to_owned(),
    }
}

/// Lists the names of the `{parameters}` of a route template, in order.
fn route_parameters(route: &str) -> impl Iterator<Item = &str> {
    route.split('/').filter_map(|segment| {
        segment
            .strip_prefix('{')
            .and_then(|rest| rest.strip_suffix('}'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_names_the_collection() {
        assert_eq!(parameter_label("/api/v1/stores/{id}", "id"), "store id");
        assert_eq!(
            parameter_label("/api/v1/orders/{id}/shipments", "id"),
            "order id"
        );
        assert_eq!(
            parameter_label("/api/v1/stores/{id}/map/versions/{version}", "version"),
            "version"
        );
        assert_eq!(parameter_label("", "id"), "id");
    }

    #[test]
    fn route_parameters_in_order() {
        let names: Vec<&str> =
            route_parameters("/api/v1/stores/{id}/map/versions/{version}").collect();
        assert_eq!(names, ["id", "version"]);
    }
}
