//! A cookie-keeping HTTP client for the web UI's tests, and users to sign in with.

use std::collections::BTreeMap;
use std::sync::Mutex;

use postsale_core::AccountId;
use postsale_server::web::password::hash_password;
use postsale_store::users::{self, User};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;

use super::TestServer;

/// The password of every user that [`create_user`] makes.
pub const PASSWORD: &str = "correct horse battery staple";

/// Creates a user of an account with [`PASSWORD`].
pub async fn create_user(server: &TestServer, account: AccountId, email: &str) -> User {
    let hash = hash_password(PASSWORD).expect("hash the test password");
    users::create(&server.test_db.db, account, email, &hash)
        .await
        .expect("create a user")
}

/// A browser stand-in: keeps cookies, does not follow redirects, and reads CSRF tokens from
/// pages.
pub struct Browser {
    pub base_url: String,
    client: reqwest::Client,
    cookies: Mutex<BTreeMap<String, String>>,
}

impl Browser {
    pub fn new(server: &TestServer) -> Browser {
        Browser::at(&server.base_url)
    }

    pub fn at(base_url: &str) -> Browser {
        let client = reqwest::Client::builder()
            .redirect(Policy::none())
            .build()
            .expect("build a client");
        Browser {
            base_url: base_url.to_owned(),
            client,
            cookies: Mutex::new(BTreeMap::new()),
        }
    }

    /// The value of a cookie this browser holds.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies
            .lock()
            .unwrap()
            .insert(name.to_owned(), value.to_owned());
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base_url))
            .header(reqwest::header::ACCEPT, "text/html");
        let cookies = self.cookie_header();
        if !cookies.is_empty() {
            request = request.header(COOKIE, cookies);
        }
        request
    }

    /// Sends a request and keeps the cookies of the answer.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> reqwest::Response {
        let response = request.send().await.expect("send the request");
        self.keep_cookies(&response);
        response
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.send(self.request(reqwest::Method::GET, path)).await
    }

    /// Reads a page and returns its status and HTML.
    pub async fn page(&self, path: &str) -> (u16, String) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.text().await.expect("read the page"))
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.send(self.request(reqwest::Method::POST, path).form(fields))
            .await
    }

    /// Posts a `multipart/form-data` form with text fields and an optional file field.
    pub async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &[u8])>,
    ) -> reqwest::Response {
        let boundary = "postsale-test-boundary-7f3a9c";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        if let Some((name, bytes)) = file {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; \
                     filename=\"upload.png\"\r\nContent-Type: image/png\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let content_type = format!("multipart/form-data; boundary={boundary}");
        let request = self
            .request(reqwest::Method::POST, path)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body);
        self.send(request).await
    }

    /// Opens the sign-in form and submits it.
    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        self.sign_in_with_next(email, password, "").await
    }

    pub async fn sign_in_with_next(
        &self,
        email: &str,
        password: &str,
        next: &str,
    ) -> reqwest::Response {
        let (_, form) = self.page("/sign-in").await;
        let token = csrf_token(&form);
        self.post_form(
            "/sign-in",
            &[
                ("email", email),
                ("password", password),
                ("csrf_token", &token),
                ("next", next),
            ],
        )
        .await
    }

    /// Signs in and panics unless it worked.
    pub async fn sign_in_ok(&self, email: &str) {
        let response = self.sign_in(email, PASSWORD).await;
        assert_eq!(response.status(), 303, "sign-in failed");
        assert!(self.cookie("postsale_session").is_some());
    }

    /// Reads the CSRF token of the session from a signed-in page's meta tag.
    pub async fn session_csrf_token(&self, path: &str) -> String {
        let (status, page) = self.page(path).await;
        assert_eq!(status, 200, "{path} did not render: {page}");
        meta_csrf_token(&page)
    }

    fn cookie_header(&self) -> String {
        let cookies = self.cookies.lock().unwrap();
        cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&self, response: &reqwest::Response) {
        let mut cookies = self.cookies.lock().unwrap();
        for value in response.headers().get_all(SET_COOKIE) {
            let text = value.to_str().expect("Set-Cookie is ASCII");
            let (pair, attributes) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').expect("a cookie has a name");
            if attributes.contains("Max-Age=0") || value.is_empty() {
                cookies.remove(name.trim());
            } else {
                cookies.insert(name.trim().to_owned(), value.trim().to_owned());
            }
        }
    }
}

/// The `Location` of a redirect.
pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(LOCATION)
        .expect("the answer is a redirect with Location")
        .to_str()
        .unwrap()
        .to_owned()
}

/// The value of the first hidden `csrf_token` field of a page.
pub fn csrf_token(page: &str) -> String {
    attribute_after(page, r#"name="csrf_token" value=""#)
}

/// The value of the `csrf-token` meta tag of a page.
pub fn meta_csrf_token(page: &str) -> String {
    attribute_after(page, r#"name="csrf-token" content=""#)
}

fn attribute_after(page: &str, marker: &str) -> String {
    let start = page
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in the page: {page}"))
        + marker.len();
    let end = page[start..].find('"').expect("the attribute ends") + start;
    page[start..end].to_owned()
}

/// Checks that every visible `<input>`, `<select>` and `<textarea>` of a page has an id and a
/// `<label for>` that names it.
pub fn assert_inputs_labelled(page: &str) {
    for tag in ["<input ", "<select ", "<textarea "] {
        for (start, _) in page.match_indices(tag) {
            let end = page[start..].find('>').expect("the tag ends") + start;
            let element = &page[start..end];
            if element.contains(r#"type="hidden""#) {
                continue;
            }
            let id = attribute_after(element, r#"id=""#);
            assert!(
                page.contains(&format!(r#"<label for="{id}">"#)),
                "{element} has no label"
            );
        }
    }
}
