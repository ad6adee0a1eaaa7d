//! Storage of kept bodies: as a zstd frame, or as received when the frame is not smaller.
//!
//! Order bodies are JSON with the same keys again and again. zstd at level 1 stores real orders
//! of 2 to 8 KB from Shopify, WooCommerce, BigCommerce and Squarespace in 27 to 39 % of their
//! size. It stored a 67 KB Shopify update in 5 % and a 233-byte BigCommerce notice in 78 %.
//! With fewer pages to write, the single ingest writer keeps up with more requests, which
//! outweighs the compression the handlers do (BENCHMARKS.md, webhook ingest). Every reader
//! gets back the bytes as received: `decode` checks their size against `body_size`.

use std::cell::RefCell;

use zstd::bulk::Compressor;
use zstd::zstd_safe::CParameter;

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

    fn parse(text: &str) -> Option<BodyEncoding> {
        match text {
            "identity" => Some(BodyEncoding::Identity),
            "zstd" => Some(BodyEncoding::Zstd),
            _ => None,
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
    /// as for a body of a few bytes or of random bytes.
    pub fn compress(raw: &[u8]) -> StoredBody {
        match zstd_frame(raw) {
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

thread_local! {
    /// The zstd context of this thread, made for its first body. Making a new context for every
    /// body took more CPU time than compressing it, because zstd runs the `cpuid` instruction
    /// when it makes one, and a virtual machine traps that instruction.
    static COMPRESSOR: RefCell<Option<Compressor<'static>>> = const { RefCell::new(None) };
}

/// Compresses `raw` into a zstd frame with a checksum of its content, so that decoding a
/// damaged frame fails instead of returning other bytes of the same size.
///
/// The context keeps its settings from one frame to the next. zstd frees the memory that a
/// large body made it take once 128 smaller bodies in a row needed a third of it or less. A
/// blocking thread's context is freed when the thread ends.
fn zstd_frame(raw: &[u8]) -> std::io::Result<Vec<u8>> {
    COMPRESSOR.with_borrow_mut(|slot| {
        let compressor = match slot {
            Some(compressor) => compressor,
            None => slot.insert(new_compressor()?),
        };
        let frame = compressor.compress(raw);
        if frame.is_err() {
            // The next body gets a fresh context rather than one an error left behind.
            *slot = None;
        }
        frame
    })
}

fn new_compressor() -> std::io::Result<Compressor<'static>> {
    let mut compressor = Compressor::new(ZSTD_LEVEL)?;
    compressor.set_parameter(CParameter::ChecksumFlag(true))?;
    Ok(compressor)
}

/// Decodes the stored body of request `request_id` back to the bytes as received. `size` is
/// the request's `body_size`, which the decoded bytes must match.
pub(crate) fn decode(
    request_id: i64,
    encoding: &str,
    bytes: Vec<u8>,
    size: i64,
) -> Result<Vec<u8>> {
    let corrupt = |detail: String| {
        StoreError::corrupt("request body", format!("request {request_id}: {detail}"))
    };
    let size = usize::try_from(size).map_err(|_| corrupt(format!("body_size {size}")))?;
    let encoding = BodyEncoding::parse(encoding)
        .ok_or_else(|| corrupt(format!("unknown encoding {encoding:?}")))?;
    let decoded = match encoding {
        BodyEncoding::Identity => bytes,
        // The capacity bounds the output, so a damaged frame cannot claim gigabytes.
        BodyEncoding::Zstd => zstd::bulk::decompress(&bytes, size)
            .map_err(|error| corrupt(format!("its zstd frame cannot be read: {error}")))?,
    };
    if decoded.len() != size {
        let decoded = decoded.len();
        return Err(corrupt(format!(
            "{decoded} bytes decoded where body_size is {size}"
        )));
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
        let decoded = decode(7, "zstd", stored.bytes().to_vec(), size).unwrap();
        assert_eq!(decoded, raw.as_bytes());
    }

    /// Checks that after a large body, the thread's reused context still gives a small body a
    /// frame that carries the checksum and decodes, byte for byte as the first time.
    #[test]
    fn reused_context_keeps_its_settings() {
        let small = br#"{"sku":"TEE-BLK-M","quantity":1,"price":"19.90"}"#.repeat(30);
        let first = StoredBody::compress(&small);
        let large = br#"{"line_id":7,"title":"Organic cotton tee"}"#.repeat(50_000);
        let stored_large = StoredBody::compress(&large);
        let again = StoredBody::compress(&small);

        assert_eq!(again, first);
        // Bit 2 of the frame header descriptor, after the 4-byte magic number, is set when the
        // frame ends with a checksum of its content.
        assert_eq!(again.bytes()[4] & 0b100, 0b100, "no content checksum");
        for (stored, raw) in [(&stored_large, &large[..]), (&again, &small[..])] {
            assert_eq!(stored.encoding(), BodyEncoding::Zstd);
            let size = i64::try_from(raw.len()).unwrap();
            assert_eq!(
                decode(7, "zstd", stored.bytes().to_vec(), size).unwrap(),
                raw
            );
        }
    }

    #[test]
    fn incompressible_body_is_kept_as_received() {
        let tiny = b"{}";
        let stored = StoredBody::compress(tiny);
        assert_eq!(stored, StoredBody::identity(tiny.to_vec()));

        // Random bytes do not shrink.
        let mut random = vec![0_u8; 4096];
        rand::fill(&mut random[..]);
        let stored = StoredBody::compress(&random);
        assert_eq!(stored.encoding(), BodyEncoding::Identity);
        assert_eq!(
            decode(7, "identity", stored.bytes().to_vec(), 4096).unwrap(),
            random
        );
    }

    #[test]
    fn decode_checks_the_size() {
        let raw = "abc".repeat(1000);
        let stored = StoredBody::compress(raw.as_bytes());
        assert_eq!(stored.encoding(), BodyEncoding::Zstd);

        let shorter = decode(7, "zstd", stored.bytes().to_vec(), 2999).unwrap_err();
        assert!(shorter.to_string().contains("request body"), "{shorter}");
        let longer = decode(7, "zstd", stored.bytes().to_vec(), 3001).unwrap_err();
        assert!(
            longer.to_string().contains("3000 bytes decoded"),
            "{longer}"
        );
        let identity = decode(7, "identity", b"abc".to_vec(), 4).unwrap_err();
        assert!(
            identity.to_string().contains("3 bytes decoded"),
            "{identity}"
        );
    }

    /// A frame with one bit flipped in its compressed data can decode to other bytes of the
    /// same size. The checksum in the frame turns that into an error.
    #[test]
    fn flipped_bit_never_decodes_to_other_bytes() {
        let raw = br#"{"billing_address":{"city":"Ottawa","country":"Canada"},"total":"19.90"}"#
            .repeat(20);
        let stored = StoredBody::compress(&raw);
        assert_eq!(stored.encoding(), BodyEncoding::Zstd);
        let size = i64::try_from(raw.len()).unwrap();
        let frame = stored.bytes();
        for index in 0..frame.len() {
            for bit in 0..8 {
                let mut damaged = frame.to_vec();
                damaged[index] ^= 1 << bit;
                // A bit the format leaves unused changes nothing, so the original is right too.
                if let Ok(decoded) = decode(7, "zstd", damaged, size) {
                    assert_eq!(decoded, raw, "bit {bit} of byte {index} flipped");
                }
            }
        }
    }

    #[test]
    fn damaged_frame_or_unknown_encoding_is_an_error() {
        let raw = "abc".repeat(1000);
        let mut bytes = StoredBody::compress(raw.as_bytes()).bytes().to_vec();
        let middle = bytes.len() / 2;
        bytes.truncate(middle);
        let damaged = decode(7, "zstd", bytes, 3000).unwrap_err();
        assert!(damaged.to_string().contains("zstd frame"), "{damaged}");

        let unknown = decode(7, "br", b"abc".to_vec(), 3).unwrap_err();
        assert!(unknown.to_string().contains("br"), "{unknown}");
        assert!(unknown.to_string().contains("request 7"), "{unknown}");
    }
}
