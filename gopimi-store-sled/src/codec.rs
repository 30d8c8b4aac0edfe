//! The order-preserving byte encoding of projected [`Value`]s, shared by index keys and rows.
//!
//! Each value is a type tag followed by its payload, so that comparing two encodings byte-wise
//! gives exactly [`Value::cmp_total`]: the tag is the value's type rank (`Null` = 0 sorts first,
//! then bool, int, text, uuid, time), and within a type:
//! - bool: one byte, 0 or 1;
//! - int: the value with its sign bit flipped (so negatives sort before positives), as 10
//!   big-endian base-128 digits;
//! - text: the UTF-8 bytes with `0x00` escaped as `0x00 0xFF`, ended by `0x00 0x01`, so a
//!   shorter text sorts before every text it is a prefix of and the encoding is self-delimiting;
//! - uuid: its 16 bytes (the order of [`uuid::Uuid`]'s `Ord`);
//! - time: seconds since the epoch (sign-flipped, 10 base-128 digits) then nanoseconds (5
//!   base-128 digits), exact to the nanosecond so no two distinct times ever tie.
//!
//! Every encoding is prefix-free, which is what lets an index key be
//! `prefix ++ value ++ id` and still be scanned by value ranges.
//!
//! Why base-128 digits rather than plain big-endian bytes: sled 0.34's reverse iterator finds a
//! node's predecessor by seeking to `key - 1 ++ [0xFF; 4]`, which skips keys with longer `0xFF`
//! runs and then panics ("fucked up tree traversal"). Negative numbers and times before 1970
//! are long `0xFF` runs in two's complement; digits below `0x80` never are. Text (UTF-8 never
//! holds `0xFF`, and the escape puts one `0xFF` after each `0x00`) is safe as it is. UUID bytes
//! are random and could hold such a run (about 1 in 10^8 UUIDs), which the reader guards
//! against separately (`read.rs`).

use chrono::DateTime;
use gopimi_core::store::Value;
use gopimi_core::{Error, Result};
use uuid::Uuid;

const NULL: u8 = 0;
const BOOL: u8 = 1;
const INT: u8 = 2;
const TEXT: u8 = 3;
const UUID: u8 = 4;
const TIME: u8 = 5;

/// The tag byte that comes right after `Null`: the lower bound of every non-null value.
pub const FIRST_NON_NULL: u8 = BOOL;

fn flip(i: i64) -> u64 {
    (i as u64) ^ (1 << 63)
}

fn unflip(u: u64) -> i64 {
    (u ^ (1 << 63)) as i64
}

/// Digits of a u64 / of nanoseconds (below 2^35).
const U64_DIGITS: usize = 10;
const NANO_DIGITS: usize = 5;

/// Appends `v` as `n` big-endian base-128 digits (each byte below `0x80`).
fn put_digits(out: &mut Vec<u8>, v: u64, n: usize) {
    for i in (0..n).rev() {
        out.push(((v >> (7 * i)) & 0x7F) as u8);
    }
}

/// Appends the encoding of `v` to `out`.
pub fn put_value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.push(NULL),
        Value::Bool(b) => {
            out.push(BOOL);
            out.push(u8::from(*b));
        }
        Value::Int(i) => {
            out.push(INT);
            put_digits(out, flip(*i), U64_DIGITS);
        }
        Value::Text(s) => {
            out.push(TEXT);
            for &b in s.as_bytes() {
                out.push(b);
                if b == 0 {
                    out.push(0xFF);
                }
            }
            out.extend_from_slice(&[0, 1]);
        }
        Value::Uuid(u) => {
            out.push(UUID);
            out.extend_from_slice(u.as_bytes());
        }
        Value::Time(t) => {
            out.push(TIME);
            put_digits(out, flip(t.timestamp()), U64_DIGITS);
            put_digits(out, u64::from(t.timestamp_subsec_nanos()), NANO_DIGITS);
        }
    }
}

/// The encoding of `v` alone.
pub fn value_bytes(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    put_value(&mut out, v);
    out
}

/// A cursor over encoded bytes that fails with a clear error on truncated or unknown input.
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

fn corrupt(what: &str) -> Error {
    Error::internal_msg(format!("sled store: corrupt stored data ({what})"))
}

impl<'a> Reader<'a> {
    /// Reads from the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, pos: 0 }
    }

    /// Bytes not read yet.
    pub fn rest(&self) -> &'a [u8] {
        &self.bytes[self.pos..]
    }

    /// Takes `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.bytes.len())
            .ok_or_else(|| corrupt("truncated"))?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    /// Takes one byte.
    pub fn byte(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    /// Takes `N` bytes as an array.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    /// Takes `n` base-128 digits.
    fn digits(&mut self, n: usize) -> Result<u64> {
        let mut v: u128 = 0;
        for &d in self.take(n)? {
            if d > 0x7F {
                return Err(corrupt("bad digit"));
            }
            v = (v << 7) | u128::from(d);
        }
        u64::try_from(v).map_err(|_| corrupt("number out of range"))
    }

    /// Takes a UUID.
    pub fn uuid(&mut self) -> Result<Uuid> {
        Ok(Uuid::from_bytes(self.array()?))
    }

    /// Takes an unsigned LEB128 integer.
    pub fn varint(&mut self) -> Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7F) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(corrupt("varint too long"))
    }

    /// Takes a length as written by [`put_varint`], bounded by the bytes left.
    pub fn length(&mut self) -> Result<usize> {
        let n = self.varint()?;
        usize::try_from(n)
            .ok()
            .filter(|n| *n <= self.bytes.len() - self.pos)
            .ok_or_else(|| corrupt("length out of range"))
    }

    /// Takes one encoded value.
    pub fn value(&mut self) -> Result<Value> {
        Ok(match self.byte()? {
            NULL => Value::Null,
            BOOL => Value::Bool(self.byte()? != 0),
            INT => Value::Int(unflip(self.digits(U64_DIGITS)?)),
            TEXT => {
                let mut s = Vec::new();
                loop {
                    match self.byte()? {
                        0 => match self.byte()? {
                            0xFF => s.push(0),
                            1 => break,
                            _ => return Err(corrupt("bad text escape")),
                        },
                        b => s.push(b),
                    }
                }
                Value::Text(String::from_utf8(s).map_err(|_| corrupt("text is not UTF-8"))?)
            }
            UUID => Value::Uuid(self.uuid()?),
            TIME => {
                let secs = unflip(self.digits(U64_DIGITS)?);
                let nanos = u32::try_from(self.digits(NANO_DIGITS)?)
                    .map_err(|_| corrupt("bad nanoseconds"))?;
                Value::Time(
                    DateTime::from_timestamp(secs, nanos).ok_or_else(|| corrupt("bad time"))?,
                )
            }
            _ => return Err(corrupt("unknown value tag")),
        })
    }
}

/// Appends an unsigned LEB128 integer.
pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7F) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// The smallest key greater than every key that starts with `prefix` (`None` when there is no
/// such key, i.e. the prefix is all `0xFF`): the exclusive end of a prefix range.
pub fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xFF {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// The UUID in the last 16 bytes of an index key.
pub fn trailing_id(key: &[u8]) -> Result<Uuid> {
    let start = key
        .len()
        .checked_sub(16)
        .ok_or_else(|| corrupt("index key too short"))?;
    let mut a = [0u8; 16];
    a.copy_from_slice(&key[start..]);
    Ok(Uuid::from_bytes(a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use std::cmp::Ordering;

    fn samples() -> Vec<Value> {
        let t = |s: i64, n: u32| Value::Time(Utc.timestamp_opt(s, n).single().expect("time"));
        vec![
            Value::Null,
            Value::Bool(false),
            Value::Bool(true),
            Value::Int(i64::MIN),
            Value::Int(-1),
            Value::Int(0),
            Value::Int(1),
            Value::Int(i64::MAX),
            Value::Text(String::new()),
            Value::Text("\0".into()),
            Value::Text("\0\0".into()),
            Value::Text("\u{1}".into()),
            Value::Text("a".into()),
            Value::Text("a\0".into()),
            Value::Text("a\0b".into()),
            Value::Text("ab".into()),
            Value::Text("b".into()),
            Value::Text("é".into()),
            Value::Text("\u{ff}\u{ff}".into()),
            Value::Uuid(Uuid::nil()),
            Value::Uuid(Uuid::from_u128(1)),
            Value::Uuid(Uuid::max()),
            t(-5, 0),
            t(0, 0),
            t(0, 1),
            t(0, 999_999_999),
            t(1, 0),
            t(1_700_000_000, 123_456_000),
        ]
    }

    #[test]
    fn byte_order_is_the_total_order_of_values() {
        let vals = samples();
        for a in &vals {
            for b in &vals {
                let (ea, eb) = (value_bytes(a), value_bytes(b));
                assert_eq!(ea.cmp(&eb), a.cmp_total(b), "{a:?} vs {b:?}");
                // Prefix-free: an encoding followed by anything still compares the same way
                // against a different value, which index keys with trailing ids rely on.
                if a.cmp_total(b) != Ordering::Equal {
                    let mut ea2 = ea.clone();
                    ea2.extend_from_slice(&[0xFF; 16]);
                    let mut eb2 = eb.clone();
                    eb2.extend_from_slice(&[0x00; 16]);
                    assert_eq!(ea2.cmp(&eb2), a.cmp_total(b), "{a:?} vs {b:?} with ids");
                }
            }
        }
    }

    #[test]
    fn no_encoding_holds_a_run_of_four_0xff_bytes() {
        let t = |s: i64, n: u32| Value::Time(Utc.timestamp_opt(s, n).single().expect("time"));
        let mut vals = samples();
        vals.extend([
            Value::Int(-1),
            Value::Int(-256),
            Value::Int(i64::MAX - 1),
            t(-1, 999_999_999),
            t(-86_400, 0),
            t(i64::from(i32::MAX), 999_999_999),
            Value::Text("\0\0\0\0\0".into()),
        ]);
        for v in vals {
            if matches!(v, Value::Uuid(_)) {
                continue;
            }
            let e = value_bytes(&v);
            assert!(
                !e.windows(4).any(|w| w == [0xFF; 4]),
                "{v:?} encodes as {e:?}"
            );
        }
    }

    #[test]
    fn every_value_decodes_back() {
        for v in samples() {
            let mut bytes = value_bytes(&v);
            bytes.push(42);
            let mut r = Reader::new(&bytes);
            assert_eq!(r.value().expect("decodes"), v);
            assert_eq!(r.rest(), &[42]);
        }
    }

    #[test]
    fn truncated_or_unknown_input_is_an_error_not_a_panic() {
        for v in samples() {
            let bytes = value_bytes(&v);
            for cut in 0..bytes.len() {
                assert!(
                    Reader::new(&bytes[..cut]).value().is_err(),
                    "{v:?} cut at {cut}"
                );
            }
        }
        assert!(Reader::new(&[9]).value().is_err());
        assert!(Reader::new(&[TEXT, 0, 7]).value().is_err());
        assert!(Reader::new(&[0xFF; 11]).varint().is_err());
    }

    #[test]
    fn prefix_end_bounds_the_prefix_range() {
        assert_eq!(prefix_end(&[1, 2]), Some(vec![1, 3]));
        assert_eq!(prefix_end(&[1, 0xFF]), Some(vec![2]));
        assert_eq!(prefix_end(&[0xFF, 0xFF]), None);
        let mut v = Vec::new();
        put_varint(&mut v, 300);
        assert_eq!(Reader::new(&v).varint().expect("varint"), 300);
    }
}
