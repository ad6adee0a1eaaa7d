//! `decode_body`: undoes a request's `Content-Encoding` and stops at a size limit, so that a
//! small compressed body cannot expand into gigabytes.

use std::borrow::Cow;
use std::io::{self, Read};

use flate2::bufread::{DeflateDecoder, GzDecoder, ZlibDecoder};
use http::StatusCode;

/// The first two bytes of every gzip member.
const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];

/// The maximum number of encodings one request may stack, such as `gzip, gzip`.
const MAX_LAYERS: usize = 2;

/// The error for a body that could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error(
        "the decoded body is larger than the limit of {limit} bytes; send a smaller body or \
         raise the body size limit"
    )]
    TooLarge { limit: usize },
    #[error(
        "unsupported Content-Encoding {0:?}: send the body uncompressed, or as gzip or deflate"
    )]
    UnsupportedEncoding(String),
    #[error(
        "Content-Encoding {header:?} stacks {count} encodings, and postsale undoes at most \
         {MAX_LAYERS}: send the body compressed once"
    )]
    TooManyLayers { header: String, count: usize },
    #[error("the body is not valid {encoding} data although Content-Encoding says so: {source}")]
    Corrupt {
        encoding: &'static str,
        #[source]
        source: io::Error,
    },
}

impl DecodeError {
    /// Returns the response status: 413 for a body over the limit, 415 for an encoding
    /// postsale does not read, 400 for corrupt data.
    pub fn status(&self) -> StatusCode {
        match self {
            DecodeError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            DecodeError::UnsupportedEncoding(_) | DecodeError::TooManyLayers { .. } => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            DecodeError::Corrupt { .. } => StatusCode::BAD_REQUEST,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Gzip,
    Deflate,
}

/// Undoes `content_encoding` (`identity`, `gzip`, `x-gzip`, `deflate`, or a comma-separated
/// list of them, applied in the order listed) and returns at most `max_decoded_len` bytes.
///
/// `deflate` is read as zlib, and as raw deflate when it is not zlib, because some senders
/// send raw deflate under that name. Bytes after the end of the compressed data are rejected
/// as corrupt data, with their count. Decoding stops as soon as the output passes
/// the limit, so a gzip bomb costs at most `max_decoded_len` bytes of memory.
pub fn decode_body<'a>(
    content_encoding: Option<&str>,
    bytes: &'a [u8],
    max_decoded_len: usize,
) -> Result<Cow<'a, [u8]>, DecodeError> {
    let encodings = parse_encodings(content_encoding.unwrap_or_default())?;

    let mut body = Cow::Borrowed(bytes);
    for encoding in encodings.into_iter().rev() {
        body = Cow::Owned(decode_layer(encoding, &body, max_decoded_len)?);
    }

    if body.len() > max_decoded_len {
        return Err(DecodeError::TooLarge {
            limit: max_decoded_len,
        });
    }
    Ok(body)
}

/// Undoes the `Content-Encoding` of a body that ingress kept. Ingress decoded it within the
/// body size limit of that time, and a limit lowered since must not make a kept body
/// unreadable, so no limit applies here.
pub fn decode_kept_body<'a>(
    content_encoding: Option<&str>,
    bytes: &'a [u8],
) -> Result<Cow<'a, [u8]>, DecodeError> {
    decode_body(content_encoding, bytes, usize::MAX)
}

fn parse_encodings(header: &str) -> Result<Vec<Encoding>, DecodeError> {
    let mut encodings = Vec::new();
    for name in header.split(',').map(str::trim) {
        let encoding = match name.to_ascii_lowercase().as_str() {
            "" | "identity" => continue,
            "gzip" | "x-gzip" => Encoding::Gzip,
            "deflate" => Encoding::Deflate,
            _ => return Err(DecodeError::UnsupportedEncoding(name.to_owned())),
        };
        encodings.push(encoding);
    }

    if encodings.len() > MAX_LAYERS {
        return Err(DecodeError::TooManyLayers {
            header: header.to_owned(),
            count: encodings.len(),
        });
    }
    Ok(encodings)
}

fn decode_layer(encoding: Encoding, input: &[u8], limit: usize) -> Result<Vec<u8>, DecodeError> {
    match encoding {
        Encoding::Gzip => gunzip(input, limit),
        Encoding::Deflate => {
            let mut zlib = ZlibDecoder::new(input);
            match read_capped(&mut zlib, "deflate", limit) {
                Ok(output) => whole_input(output, zlib.get_ref()),
                Err(DecodeError::Corrupt { .. }) => {
                    let mut raw = DeflateDecoder::new(input);
                    let output = read_capped(&mut raw, "deflate", limit)?;
                    whole_input(output, raw.get_ref())
                }
                Err(other) => Err(other),
            }
        }
    }
}

/// Decodes gzip of one or more members, as joined gzip files are. Bytes after the first
/// member that are not a whole member are reported as left over, even when they start as one.
fn gunzip(input: &[u8], limit: usize) -> Result<Vec<u8>, DecodeError> {
    let mut output = Vec::new();
    let mut rest = input;
    loop {
        let first = rest.len() == input.len();
        let mut member = GzDecoder::new(rest);
        let room = limit.saturating_sub(output.len());
        let decoded = read_capped(&mut member, "gzip", room).map_err(|error| match error {
            DecodeError::TooLarge { .. } => DecodeError::TooLarge { limit },
            DecodeError::Corrupt { .. } if !first => left_over_error("gzip", rest),
            other => other,
        })?;
        output.extend_from_slice(&decoded);
        rest = member.into_inner();
        if rest.is_empty() {
            return Ok(output);
        }
        if !rest.starts_with(GZIP_MAGIC) {
            return Err(left_over_error("gzip", rest));
        }
    }
}

/// Returns the decoded bytes when the decoder used the whole input, and an error naming the
/// bytes left over otherwise.
fn whole_input(output: Vec<u8>, left_over: &[u8]) -> Result<Vec<u8>, DecodeError> {
    if left_over.is_empty() {
        return Ok(output);
    }
    Err(left_over_error("deflate", left_over))
}

fn left_over_error(encoding: &'static str, left_over: &[u8]) -> DecodeError {
    let count = match left_over.len() {
        1 => "1 byte follows".to_owned(),
        many => format!("{many} bytes follow"),
    };
    DecodeError::Corrupt {
        encoding,
        source: io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{count} the end of the compressed data; send only the compressed body"),
        ),
    }
}

/// Reads at most `limit + 1` bytes, so that passing the limit is detected without reading
/// further.
fn read_capped(
    reader: &mut impl Read,
    encoding: &'static str,
    limit: usize,
) -> Result<Vec<u8>, DecodeError> {
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let mut output = Vec::new();
    reader
        .take(cap)
        .read_to_end(&mut output)
        .map_err(|source| DecodeError::Corrupt { encoding, source })?;

    if output.len() > limit {
        return Err(DecodeError::TooLarge { limit });
    }
    Ok(output)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};

    use super::*;

    const BODY: &[u8] = br##"{"id":1013,"name":"#1013"}"##;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn identity_borrows_the_input() {
        let decoded = decode_body(None, BODY, 1024).unwrap();
        assert!(matches!(decoded, Cow::Borrowed(_)));
        let decoded = decode_body(Some("Identity"), BODY, 1024).unwrap();
        assert_eq!(&*decoded, BODY);
    }

    #[test]
    fn gzip_and_x_gzip_decode() {
        let compressed = gzip(BODY);
        assert_eq!(
            &*decode_body(Some("gzip"), &compressed, 1024).unwrap(),
            BODY
        );
        assert_eq!(
            &*decode_body(Some("X-GZIP"), &compressed, 1024).unwrap(),
            BODY
        );
    }

    #[test]
    fn deflate_reads_zlib_and_raw() {
        let mut zlib = ZlibEncoder::new(Vec::new(), Compression::default());
        zlib.write_all(BODY).unwrap();
        let zlib = zlib.finish().unwrap();
        assert_eq!(&*decode_body(Some("deflate"), &zlib, 1024).unwrap(), BODY);

        let mut raw = DeflateEncoder::new(Vec::new(), Compression::default());
        raw.write_all(BODY).unwrap();
        let raw = raw.finish().unwrap();
        assert_eq!(&*decode_body(Some("deflate"), &raw, 1024).unwrap(), BODY);
    }

    /// gzip with bytes after its end was already corrupt. zlib and raw deflate must be too,
    /// or the extra bytes would be dropped silently.
    #[test]
    fn trailing_bytes_are_corrupt() {
        let mut zlib = ZlibEncoder::new(Vec::new(), Compression::default());
        zlib.write_all(BODY).unwrap();
        let mut zlib = zlib.finish().unwrap();
        let mut raw = DeflateEncoder::new(Vec::new(), Compression::default());
        raw.write_all(BODY).unwrap();
        let mut raw = raw.finish().unwrap();
        let mut gzipped = gzip(BODY);

        for (encoding, body) in [
            ("deflate", &mut zlib),
            ("deflate", &mut raw),
            ("gzip", &mut gzipped),
        ] {
            body.extend_from_slice(b"extra");
            let error = decode_body(Some(encoding), body, 1024).unwrap_err();
            assert_eq!(
                error.status(),
                StatusCode::BAD_REQUEST,
                "{encoding}: {error}"
            );
        }
        for (encoding, body) in [("deflate", &zlib), ("gzip", &gzipped)] {
            let error = decode_body(Some(encoding), body, 1024).unwrap_err();
            assert!(error.to_string().contains("5 bytes follow"), "{error}");
        }
        let mut one_extra = gzip(BODY);
        one_extra.push(b'x');
        let mut magic_extra = gzip(BODY);
        magic_extra.extend_from_slice(&[0x1f, 0x8b, b'x']);
        let error = decode_body(Some("gzip"), &magic_extra, 1024).unwrap_err();
        assert!(error.to_string().contains("3 bytes follow"), "{error}");
        let error = decode_body(Some("gzip"), &one_extra, 1024).unwrap_err();
        assert!(error.to_string().contains("1 byte follows"), "{error}");
    }

    #[test]
    fn joined_gzip_members_decode() {
        let mut joined = gzip(b"{\"id\":");
        joined.extend(gzip(b"1}"));

        let decoded = decode_body(Some("gzip"), &joined, 1024).unwrap();

        assert_eq!(&*decoded, b"{\"id\":1}");
    }

    /// The limit applies to the decoded bytes of all members together.
    #[test]
    fn joined_gzip_members_share_the_limit() {
        let mut joined = gzip(&[b' '; 600]);
        joined.extend(gzip(&[b' '; 600]));

        let error = decode_body(Some("gzip"), &joined, 1024).unwrap_err();

        assert!(
            matches!(error, DecodeError::TooLarge { limit: 1024 }),
            "{error}"
        );
    }

    #[test]
    fn stacked_encodings_decode_in_reverse() {
        let twice = gzip(&gzip(BODY));
        assert_eq!(
            &*decode_body(Some("gzip, gzip"), &twice, 1024).unwrap(),
            BODY
        );
    }

    #[test]
    fn identity_over_limit_is_too_large() {
        let error = decode_body(None, BODY, 4).unwrap_err();
        assert_eq!(error.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }

    #[test]
    fn unknown_encoding_is_415() {
        let error = decode_body(Some("br"), BODY, 1024).unwrap_err();
        assert_eq!(error.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(error.to_string().contains("\"br\""), "{error}");
    }

    #[test]
    fn corrupt_gzip_is_400() {
        let error = decode_body(Some("gzip"), BODY, 1024).unwrap_err();
        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn more_than_two_layers_is_unsupported() {
        let thrice = gzip(&gzip(&gzip(BODY)));

        let error = decode_body(Some("gzip, gzip, gzip"), &thrice, 1024).unwrap_err();

        assert_eq!(error.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let message = error.to_string();
        assert!(message.contains("stacks 3 encodings"), "{message}");
        assert!(message.contains("at most 2"), "{message}");
    }

    /// A kept body decodes whatever the size limit is now, because ingress applied the limit
    /// of the time it arrived.
    #[test]
    fn kept_body_decodes_past_the_limit() {
        let large = vec![b' '; 3 * 1024 * 1024];
        let compressed = gzip(&large);

        let limited = decode_body(Some("gzip"), &compressed, 1024 * 1024);
        let decoded = decode_kept_body(Some("gzip"), &compressed).unwrap();

        assert!(matches!(limited, Err(DecodeError::TooLarge { .. })));
        assert_eq!(decoded.len(), large.len());
    }
}
