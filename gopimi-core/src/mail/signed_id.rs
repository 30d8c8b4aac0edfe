//! Message-Ids of our outbound mail that carry a signed reference to their ticket or
//! conversation: `gpm.<t|c><id>.<nonce>.<mac>@<domain>`, all parts lower-case base32.
//!
//! A customer's reply names our Message-Id in In-Reply-To/References. When our stored copy is
//! found, that settles threading; when it is not (deleted, sent before a restore, or a reply
//! to a copy forwarded around), the id alone still says which ticket it belongs to. The MAC
//! (HMAC-SHA256 under a server secret, truncated to 64 bits) makes the reference unforgeable:
//! nobody can craft an In-Reply-To that drops mail into someone else's ticket. The domain is
//! not covered, so ids stay valid across the workspace's sending domains; the caller still
//! checks that the referenced ticket belongs to the workspace the mail arrived for.

use crate::ids::{ConversationId, TicketId};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

type HmacSha256 = Hmac<Sha256>;

const PREFIX: &str = "gpm";
const MAC_BYTES: usize = 8;
const NONCE_BYTES: usize = 8;

/// What an outbound message belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum ThreadRef {
    Ticket(TicketId),
    Conversation(ConversationId),
}

impl ThreadRef {
    fn kind(&self) -> char {
        match self {
            ThreadRef::Ticket(_) => 't',
            ThreadRef::Conversation(_) => 'c',
        }
    }

    fn uuid(&self) -> Uuid {
        match self {
            ThreadRef::Ticket(t) => t.0,
            ThreadRef::Conversation(c) => c.0,
        }
    }
}

/// Makes and checks signed Message-Ids.
#[derive(Clone)]
pub struct MessageIdSigner {
    keyed: HmacSha256,
}

impl std::fmt::Debug for MessageIdSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MessageIdSigner(..)")
    }
}

impl MessageIdSigner {
    /// A signer under `secret` (any length; use at least 32 random bytes).
    pub fn new(secret: impl AsRef<[u8]>) -> Self {
        MessageIdSigner {
            keyed: HmacSha256::new_from_slice(secret.as_ref())
                .expect("HMAC-SHA256 accepts keys of any length"),
        }
    }

    fn mac(&self, kind: char, uuid: &Uuid, nonce: &[u8]) -> HmacSha256 {
        let mut mac = self.keyed.clone();
        mac.update(b"gopimi-message-id-v1|");
        mac.update(&[kind as u8]);
        mac.update(uuid.as_bytes());
        mac.update(nonce);
        mac
    }

    /// A fresh Message-Id (without angle brackets) on `domain` for a message of `thread`.
    pub fn generate(&self, thread: ThreadRef, domain: &str) -> String {
        let nonce: [u8; NONCE_BYTES] = rand::random();
        self.generate_with_nonce(thread, domain, nonce)
    }

    fn generate_with_nonce(
        &self,
        thread: ThreadRef,
        domain: &str,
        nonce: [u8; NONCE_BYTES],
    ) -> String {
        let uuid = thread.uuid();
        let tag = self
            .mac(thread.kind(), &uuid, &nonce)
            .finalize()
            .into_bytes();
        format!(
            "{PREFIX}.{}{}.{}.{}@{}",
            thread.kind(),
            base32(uuid.as_bytes()),
            base32(&nonce),
            base32(&tag[..MAC_BYTES]),
            domain.trim().to_ascii_lowercase()
        )
    }

    /// The thread a Message-Id refers to, only when it is one of ours and its MAC is valid.
    /// Accepts the id with or without angle brackets, in any letter case.
    pub fn verify(&self, message_id: &str) -> Option<ThreadRef> {
        let id = message_id
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>');
        let (local, domain) = id.rsplit_once('@')?;
        if domain.is_empty() {
            return None;
        }
        let local = local.to_ascii_lowercase();
        let mut parts = local.split('.');
        if parts.next()? != PREFIX {
            return None;
        }
        let reference = parts.next()?;
        let nonce = base32_decode(parts.next()?)?;
        let mac = base32_decode(parts.next()?)?;
        if parts.next().is_some() || nonce.len() != NONCE_BYTES || mac.len() != MAC_BYTES {
            return None;
        }
        let mut chars = reference.chars();
        let kind = chars.next()?;
        let uuid_bytes = base32_decode(chars.as_str())?;
        let uuid = Uuid::from_slice(&uuid_bytes).ok()?;
        self.mac(kind, &uuid, &nonce)
            .verify_truncated_left(&mac)
            .ok()?;
        match kind {
            't' => Some(ThreadRef::Ticket(TicketId(uuid))),
            'c' => Some(ThreadRef::Conversation(ConversationId(uuid))),
            _ => None,
        }
    }
}

const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// RFC 4648 base32, lower-case, no padding.
fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 5 / 8);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for c in s.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_tampering() {
        let signer = MessageIdSigner::new(b"server secret");
        let ticket = ThreadRef::Ticket(TicketId::new());
        let id = signer.generate(ticket, "Mail.Example.com");
        assert!(id.starts_with("gpm.t"));
        assert!(id.ends_with("@mail.example.com"));
        assert_eq!(signer.verify(&id), Some(ticket));
        assert_eq!(
            signer.verify(&format!("<{}>", id.to_uppercase())),
            Some(ticket)
        );

        // Another secret, another ticket id, a flipped MAC: all rejected.
        assert_eq!(MessageIdSigner::new(b"other").verify(&id), None);
        let other = TicketId::new();
        let forged = id.replacen(
            &base32(ticket_uuid(&ticket).as_bytes()),
            &base32(other.0.as_bytes()),
            1,
        );
        assert_eq!(signer.verify(&forged), None);
        let (local, domain) = id.rsplit_once('@').expect("has @");
        let mut flipped = local.to_string();
        let last = flipped.pop().expect("non-empty");
        flipped.push(if last == 'a' { 'b' } else { 'a' });
        assert_eq!(signer.verify(&format!("{flipped}@{domain}")), None);

        // Conversations too; foreign ids are not ours.
        let conv = ThreadRef::Conversation(ConversationId::new());
        assert_eq!(
            signer.verify(&signer.generate(conv, "x.example")),
            Some(conv)
        );
        assert_eq!(signer.verify("CAF=abc@mail.gmail.com"), None);
        assert_eq!(signer.verify("gpm.t.x.y@z"), None);
        assert_eq!(signer.verify(""), None);
    }

    fn ticket_uuid(t: &ThreadRef) -> Uuid {
        t.uuid()
    }

    #[test]
    fn ids_are_unique_per_message() {
        let signer = MessageIdSigner::new(b"k");
        let t = ThreadRef::Ticket(TicketId::new());
        assert_ne!(
            signer.generate(t, "d.example"),
            signer.generate(t, "d.example")
        );
    }

    #[test]
    fn base32_round_trip() {
        for len in 0..20 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(
                base32_decode(&base32(&bytes)).as_deref(),
                Some(bytes.as_slice())
            );
        }
        assert_eq!(base32(b"f"), "my");
        assert_eq!(base32_decode("!"), None);
    }
}
