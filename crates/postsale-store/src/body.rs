//! Storage of kept bodies: as a zstd frame, or as received when the frame is not smaller.
//!
//! Order bodies are JSON with the same keys again and again, and zstd at level 1 stores real
//! orders from Shopify, WooCommerce, BigCommerce and Squarespace in 27 to 39 % of their size.
//! With fewer pages to write, the single ingest writer keeps up with more requests, which
//! outweighs the compression the handlers do (BENCHMARKS.md, webhook ingest). Every reader
//! gets back the bytes as received: `decode` checks their size against `body_size`.

use crate::{Result, StoreError};

/// zstd's fastest standard level. Level 3 stored the same orders 1 to 2 % smaller for about a
/// third more CPU time. Negative levels saved CPU time but stored them 20 % larger or more.
/// Both were measured with the Python binding of the same library.
const ZSTD_LEVEL: i32 = 1;

/// The encoding of a stored body's bytes, as the `encoding` column names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyEncoding {
    /// The bytes as received.
    Identity,
    /// A zstd frame of the bytes as received.
    Zstd,
}

impl BodyEncoding {
    pub fn as_str(self) -> &'static str {
        match self {
            BodyEncoding::Identity => "identity",
            BodyEncoding::Zstd => "zstd",
        }
    }

    fn parse(text: &str) -> Result<BodyEncoding> {
        match text {
            "identity" => Ok(BodyEncoding::Identity),
            "zstd" => Ok(BodyEncoding::Zstd),
            other => Err(StoreError::corrupt("request body encoding", other)),
        }
    }
}

/// A body in the form it is stored in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBody {
    encoding: BodyEncoding,
    bytes: Vec<u8>,
}

impl StoredBody {
    /// Compresses `raw` with zstd, or keeps it as it is when the zstd frame would be no smaller,
    /// as for a body that arrived gzip-encoded or one of a few bytes.
    pub fn compress(raw: &[u8]) -> StoredBody {
        match zstd::bulk::compress(raw, ZSTD_LEVEL) {
            Ok(compressed) if compressed.len() < raw.len() => StoredBody {
                encoding: BodyEncoding::Zstd,
                bytes: compressed,
            },
            Ok(_) => StoredBody::identity(raw.to_vec()),
            Err(error) => {
                // zstd reports only internal errors here, such as a failed allocation.
                tracing::warn!(%error, size = raw.len(), "cannot compress a kept body; storing it as received");
                StoredBody::identity(raw.to_vec())
            }
        }
    }

    /// Returns `raw` to be stored as it is.
    pub fn identity(raw: Vec<u8>) -> StoredBody {
        StoredBody {
            encoding: BodyEncoding::Identity,
            bytes: raw,
        }
    }

    pub fn encoding(&self) -> BodyEncoding {
        self.encoding
    }

    /// Returns the bytes as stored.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// Decodes a stored body back to the bytes as received. `size` is its request's `body_size`,
/// which the decoded bytes must match.
pub(crate) fn decode(encoding: &str, bytes: Vec<u8>, size: i64) -> Result<Vec<u8>> {
    let size = usize::try_from(size).map_err(|_| StoreError::corrupt("request body_size", size))?;
    let decoded = match BodyEncoding::parse(encoding)? {
        BodyEncoding::Identity => bytes,
        // The capacity bounds the output, so a damaged frame cannot claim gigabytes.
        BodyEncoding::Zstd => zstd::bulk::decompress(&bytes, size).map_err(|error| {
            StoreError::corrupt(
                "request body",
                format!("its zstd frame cannot be read: {error}"),
            )
        })?,
    };
    if decoded.len() != size {
        return Err(StoreError::corrupt(
            "request body",
            format!("{} bytes decoded where body_size is {size}", decoded.len()),
        ));
    }
    Ok(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_order_is_compressed() {
        let order: String = (0..40)
            .map(|line| {
                format!(r#"{{"line_id":{line},"sku":"TEE-BLK-M","quantity":1,"price":"19.90"}},"#)
            })
            .collect();
        let raw = format!(
            r#"{{"order_number":"1001","lines":[{}]}}"#,
            order.trim_end_matches(',')
        );

        let stored = StoredBody::compress(raw.as_bytes());

        assert_eq!(stored.encoding(), BodyEncoding::Zstd);
        assert!(
            stored.bytes().len() < raw.len() / 4,
            "{} bytes",
            stored.bytes().len()
        );
        let size = i64::try_from(raw.len()).unwrap();
        let decoded = decode("zstd", stored.bytes().to_vec(), size).unwrap();
        assert_eq!(decoded, raw.as_bytes());
    }

    #[test]
    fn incompressible_body_is_kept_as_received() {
        let tiny = b"{}";
        let stored = StoredBody::compress(tiny);
        assert_eq!(stored, StoredBody::identity(tiny.to_vec()));

        // Random bytes, like a gzip-encoded body, do not shrink.
        let mut random = vec![0_u8; 4096];
        rand::fill(&mut random[..]);
        let stored = StoredBody::compress(&random);
        assert_eq!(stored.encoding(), BodyEncoding::Identity);
        assert_eq!(
            decode("identity", stored.bytes().to_vec(), 4096).unwrap(),
            random
        );
    }

    #[test]
    fn decode_checks_the_size() {
        let raw = "abc".repeat(1000);
        let stored = StoredBody::compress(raw.as_bytes());
        assert_eq!(stored.encoding(), BodyEncoding::Zstd);

        let shorter = decode("zstd", stored.bytes().to_vec(), 2999).unwrap_err();
        assert!(shorter.to_string().contains("request body"), "{shorter}");
        let longer = decode("zstd", stored.bytes().to_vec(), 3001).unwrap_err();
        assert!(
            longer.to_string().contains("3000 bytes decoded"),
            "{longer}"
        );
        let identity = decode("identity", b"abc".to_vec(), 4).unwrap_err();
        assert!(
            identity.to_string().contains("3 bytes decoded"),
            "{identity}"
        );
    }

    #[test]
    fn damaged_frame_or_unknown_encoding_is_an_error() {
        let raw = "abc".repeat(1000);
        let mut bytes = StoredBody::compress(raw.as_bytes()).bytes().to_vec();
        let middle = bytes.len() / 2;
        bytes.truncate(middle);
        let damaged = decode("zstd", bytes, 3000).unwrap_err();
        assert!(damaged.to_string().contains("zstd frame"), "{damaged}");

        let unknown = decode("br", b"abc".to_vec(), 3).unwrap_err();
        assert!(unknown.to_string().contains("br"), "{unknown}");
    }
}
