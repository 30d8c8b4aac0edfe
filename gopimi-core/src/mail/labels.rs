//! The wording mail clients use when they quote or forward a message inside a body: the
//! localized header labels ("From:", "Von:", "De :", "Lähettäjä:", "送信元：") and the
//! separator lines ("---------- Forwarded message ---------", "Begin forwarded message:",
//! "-----Original Message-----"), in the languages the major clients ship.
//!
//! Shared by forwarded-sender recovery and by quoted-history detection, which look for the
//! same blocks for different reasons.

use std::collections::HashMap;
use std::sync::LazyLock;

/// What a quoted header line names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Label {
    From,
    To,
    Cc,
    Subject,
    Date,
    ReplyTo,
}

const FROM: &[&str] = &[
    "from",
    "von",
    "de",
    "da",
    "van",
    "fra",
    "från",
    "od",
    "от",
    "від",
    "від кого",
    "kimden",
    "lähettäjä",
    "feladó",
    "šalje",
    "saatja",
    "expeditorul",
    "de la",
    "отправитель",
    "nadawca",
    "mittente",
    "afzender",
    "afsender",
    "avsändare",
    "gönderen",
    "送信元",
    "差出人",
    "发件人",
    "發件人",
    "寄件者",
    "보낸 사람",
    "보낸사람",
    "từ",
    "dari",
    "pošiljatelj",
    "odesílatel",
];
const TO: &[&str] = &[
    "to",
    "an",
    "à",
    "a",
    "para",
    "aan",
    "til",
    "till",
    "do",
    "komu",
    "кому",
    "kime",
    "vastaanottaja",
    "címzett",
    "prima",
    "către",
    "destinatarul",
    "pour",
    "adresat",
    "pre",
    "送信先",
    "宛先",
    "收件人",
    "받는 사람",
    "destinatario",
    "modtager",
    "mottaker",
    "mottagare",
    "đến",
    "kepada",
    "príjemca",
    "příjemce",
];
const CC: &[&str] = &[
    "cc",
    "kopie",
    "kopi",
    "kopia",
    "kopio",
    "копия",
    "копія",
    "bilgi",
    "másolat",
    "másolatot kap",
    "dw",
    "kópia",
    "copie à",
    "copie",
    "kopie (cc)",
    "cc (kopie)",
    "copia",
    "抄送",
    "副本",
    "참조",
    "bcc",
];
const SUBJECT: &[&str] = &[
    "subject",
    "betreff",
    "objet",
    "sujet",
    "asunto",
    "oggetto",
    "onderwerp",
    "emne",
    "ämne",
    "aihe",
    "předmět",
    "predmet",
    "temat",
    "тема",
    "konu",
    "tárgy",
    "naslov",
    "subiectul",
    "subiect",
    "assunto",
    "件名",
    "主题",
    "主旨",
    "제목",
    "tema",
    "chủ đề",
    "perihal",
];
const DATE: &[&str] = &[
    "date",
    "datum",
    "dato",
    "data",
    "fecha",
    "päivämäärä",
    "päiväys",
    "dátum",
    "dată",
    "tarih",
    "дата",
    "日付",
    "日期",
    "날짜",
    "sent",
    "gesendet",
    "envoyé",
    "enviado",
    "inviato",
    "verzonden",
    "sendt",
    "skickat",
    "lähetetty",
    "elküldve",
    "odesláno",
    "wysłano",
    "отправлено",
    "відправлено",
    "odoslané",
    "trimis",
    "gönderilen",
    "送信日時",
    "发送时间",
    "發送時間",
    "보낸 날짜",
    "poslano",
    "ngày",
    "tanggal",
    "sent at",
];
const REPLY_TO: &[&str] = &["reply-to", "antwort an", "répondre à", "responder a"];

/// Lower-cases for comparison; the Turkish dotted capital I folds to a plain `i` (its
/// lowercase form otherwise gains a combining dot).
pub(crate) fn fold(s: &str) -> String {
    s.chars()
        .map(|c| if c == 'İ' { 'I' } else { c })
        .collect::<String>()
        .to_lowercase()
}

/// Strips what clients put around quoted lines: `>` quote markers, `*bold*` markers, a BOM,
/// surrounding whitespace.
pub(crate) fn strip_decoration(line: &str) -> &str {
    let mut s = line.trim_start_matches(['\u{feff}', ' ', '\t', '\u{a0}']);
    loop {
        let t = s.trim_start_matches(['>', ' ', '\t', '\u{a0}']);
        if t.len() == s.len() {
            break;
        }
        s = t;
    }
    s.trim()
}

static LABELS: LazyLock<HashMap<&'static str, Label>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    // Earlier lists win for words in two lists.
    for (list, label) in [
        (REPLY_TO, Label::ReplyTo),
        (CC, Label::Cc),
        (TO, Label::To),
        (DATE, Label::Date),
        (SUBJECT, Label::Subject),
        (FROM, Label::From),
    ] {
        for word in list {
            map.insert(*word, label);
        }
    }
    map
});

fn label_of(name: &str) -> Option<Label> {
    let name = name.trim_matches(|c: char| c == '*' || c.is_whitespace());
    if name.is_empty() || name.chars().count() > 24 {
        return None;
    }
    LABELS.get(fold(name).as_str()).copied()
}

/// A quoted header line: its label and value. Accepts "From: x", "De : x", "*From:* x",
/// "> Von: x", "Subject: \tx", "送信元：x".
pub(crate) fn header_line(line: &str) -> Option<(Label, &str)> {
    let s = strip_decoration(line);
    let s = s.strip_prefix('*').unwrap_or(s);
    let (pos, colon_len) = s
        .char_indices()
        .take(40)
        .find(|(_, c)| *c == ':' || *c == '：')
        .map(|(i, c)| (i, c.len_utf8()))?;
    let label = label_of(&s[..pos])?;
    let value = s[pos + colon_len..]
        .trim_start_matches('*')
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{a0}');
    Some((label, value))
}

/// Phrases of separator lines that open a forwarded message.
const FORWARD_PHRASES: &[&str] = &[
    "forwarded message",
    "begin forwarded message",
    "forwarded e-mail",
    "forwarded email",
    "weitergeleitete nachricht",
    "anfang der weitergeleiteten nachricht",
    "message transféré",
    "début du message réexpédié",
    "début du message transféré",
    "message transmis",
    "mensaje reenviado",
    "inicio del mensaje reenviado",
    "messaggio inoltrato",
    "inizio messaggio inoltrato",
    "doorgestuurd bericht",
    "begin doorgestuurd bericht",
    "videresendt meddelelse",
    "start på videresendt besked",
    "videresendt besked",
    "videresendt melding",
    "vidarebefordrat meddelande",
    "vidarebefordrat mejl",
    "välitetty viesti",
    "välitetty viesti alkaa",
    "edelleenlähetetty viesti",
    "přeposlaná zpráva",
    "začátek přeposílané zprávy",
    "preposlaná správa",
    "začiatok preposlanej správy",
    "przekazana wiadomość",
    "początek przekazywanej wiadomości",
    "treść przekazanej wiadomości",
    "wiadomość przesłana dalej",
    "mensagem encaminhada",
    "mensagem reencaminhada",
    "início da mensagem encaminhada",
    "início da mensagem reencaminhada",
    "továbbított üzenet",
    "továbbított levél kezdete",
    "mesaj redirecționat",
    "începe mesajul redirecționat",
    "proslijeđena poruka",
    "započni proslijeđenu poruku",
    "пересылаемое сообщение",
    "перенаправленное сообщение",
    "начало переадресованного сообщения",
    "пересланное сообщение",
    "переслане повідомлення",
    "перенаправлене повідомлення",
    "початок листа, що пересилається",
    "iletilen ileti",
    "iletilmiş mesaj",
    "ileti başlangıcı",
    "edasi saadetud kiri",
    "メッセージを転送",
    "転送されたメッセージ",
    "转发的邮件",
    "轉寄的郵件",
    "전달된 메시지",
];

/// Phrases of separator lines that open a quoted original: Outlook uses them for replies and
/// some clients for forwards, so on their own they do not prove a forward.
const ORIGINAL_PHRASES: &[&str] = &[
    "original message",
    "ursprüngliche nachricht",
    "originalnachricht",
    "message d'origine",
    "message original",
    "mensaje original",
    "messaggio originale",
    "oorspronkelijk bericht",
    "origineel bericht",
    "originalmeddelande",
    "ursprungligt meddelande",
    "opprinnelig melding",
    "oprindelig meddelelse",
    "alkuperäinen viesti",
    "wiadomość oryginalna",
    "oryginalna wiadomość",
    "původní zpráva",
    "pôvodná správa",
    "eredeti üzenet",
    "mensagem original",
    "исходное сообщение",
    "оригинальное сообщение",
    "orijinal ileti",
    "orijinal mesaj",
    "原始邮件",
    "原始郵件",
    "元のメッセージ",
];

/// How strongly a separator line says "a forwarded message follows".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Separator {
    /// "Forwarded message" in some language.
    Forward,
    /// "Original message" in some language, or Outlook's line of underscores.
    Original,
}

/// Whether `line` is a separator; returns its kind and any text after it on the same line
/// (Yahoo puts the quoted headers there).
pub(crate) fn separator(line: &str) -> Option<(Separator, &str)> {
    let s = strip_decoration(line);
    if s.len() >= 10 && s.chars().all(|c| c == '_') {
        return Some((Separator::Original, ""));
    }
    let dashed = s.starts_with("--");
    // Undashed separators are short lines ("Begin forwarded message:").
    if !dashed && s.len() > 120 {
        return None;
    }
    let body = s.trim_start_matches(['-', ' ', '\u{a0}']);
    let folded = fold(body);
    for (phrases, kind) in [
        (FORWARD_PHRASES, Separator::Forward),
        (ORIGINAL_PHRASES, Separator::Original),
    ] {
        for phrase in phrases {
            if !folded.starts_with(phrase) {
                continue;
            }
            // Byte length of the phrase in the original text: count its characters.
            let consumed: usize = body
                .char_indices()
                .nth(phrase.chars().count())
                .map_or(body.len(), |(i, _)| i);
            let after = &body[consumed..];
            if dashed {
                // "----- Forwarded Message ----- From: ..." / "-------- X / Fwd.Msg --------"
                return match after.find("--") {
                    Some(p) => {
                        let rest = after[p..].trim_start_matches(['-', ' ']);
                        Some((kind, rest))
                    }
                    None if after.trim().is_empty() => Some((kind, "")),
                    None => None,
                };
            }
            // "Begin forwarded message:", "Forwarded message:", "Original Message"
            let tail = after.trim().trim_end_matches([':', '：']).trim();
            if tail.is_empty() {
                return Some((kind, ""));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lines_in_many_forms() {
        assert_eq!(
            header_line("> From: John <j@x.y>"),
            Some((Label::From, "John <j@x.y>"))
        );
        assert_eq!(header_line("De : John"), Some((Label::From, "John")));
        assert_eq!(header_line("*From:* John"), Some((Label::From, "John")));
        assert_eq!(
            header_line("Betreff: \tHallo"),
            Some((Label::Subject, "Hallo"))
        );
        assert_eq!(header_line("送信元：John"), Some((Label::From, "John")));
        assert_eq!(header_line("Kopie (CC): \tx"), Some((Label::Cc, "x")));
        assert_eq!(header_line("Note: hello"), None);
        assert_eq!(header_line("no colon here"), None);
    }

    #[test]
    fn separators() {
        assert_eq!(
            separator("---------- Forwarded message ---------"),
            Some((Separator::Forward, ""))
        );
        assert_eq!(
            separator("> Begin forwarded message:"),
            Some((Separator::Forward, ""))
        );
        assert_eq!(
            separator("-----Original Message-----"),
            Some((Separator::Original, ""))
        );
        assert_eq!(
            separator("   ----- Forwarded Message ----- From: J <j@x.y>To: k"),
            Some((Separator::Forward, "From: J <j@x.y>To: k"))
        );
        assert_eq!(
            separator("-------- Välitetty viesti / Fwd.Msg --------"),
            Some((Separator::Forward, ""))
        );
        assert_eq!(
            separator("İleti başlangıcı:"),
            Some((Separator::Forward, ""))
        );
        assert_eq!(
            separator("________________________________"),
            Some((Separator::Original, ""))
        );
        assert_eq!(separator("I forwarded message to you"), None);
        assert_eq!(separator("Forwarded message from Bob about x"), None);
    }
}
