//! The words of a notification email: subject, plain text and a simple HTML version.
//!
//! Ticket subjects carry the ticket token `[#N]` so mail clients thread them and people can
//! find the ticket. Everything that comes from users or customers (subjects, names, message
//! text) is escaped in the HTML version; nothing is taken as markup.

use super::jobs::NotifyPayload;
use crate::model::{Conversation, Message, NotificationEvent, Ticket};
use crate::sla::SlaEventType;

/// Longest excerpt of a message quoted in an email, in characters.
const EXCERPT_CHARS: usize = 600;

/// What the email is about, as read when the job runs.
#[derive(Debug, Clone, Copy)]
pub struct RenderContext<'a> {
    pub payload: &'a NotifyPayload,
    pub workspace_name: &'a str,
    pub recipient_name: &'a str,
    pub ticket: Option<&'a Ticket>,
    pub conversation: Option<&'a Conversation>,
    /// The inbound message, for replies and conversation messages.
    pub message: Option<&'a Message>,
    /// The one-click unsubscribe URL for this member and event.
    pub unsubscribe_url: &'a str,
}

/// A rendered email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One line: control characters (CR, LF...) become spaces, so no header can be split.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

fn excerpt(m: &Message) -> String {
    let text = m.new_text.as_deref().unwrap_or(&m.body_text).trim();
    let mut out: String = text.chars().take(EXCERPT_CHARS).collect();
    if text.chars().count() > EXCERPT_CHARS {
        out.push('…');
    }
    out
}

fn sla_words(t: SlaEventType) -> (&'static str, &'static str) {
    match t {
        SlaEventType::FirstResponseWarning => ("SLA warning", "first response"),
        SlaEventType::ResolutionWarning => ("SLA warning", "resolution"),
        SlaEventType::FirstResponseBreached => ("SLA breached", "first response"),
        SlaEventType::ResolutionBreached => ("SLA breached", "resolution"),
    }
}

/// The email for a notification.
pub fn render(ctx: &RenderContext<'_>) -> Rendered {
    let p = ctx.payload;
    // `[#N] ` before the words for tickets, so the token leads the subject.
    let (token, title) = match (ctx.ticket, ctx.conversation) {
        (Some(t), _) => (format!("[#{}] ", t.number), one_line(&t.subject)),
        (None, Some(c)) => (String::new(), one_line(&c.subject)),
        (None, None) => (String::new(), String::new()),
    };
    let about = format!("{token}{title}");
    let detail_str = |k: &str| {
        p.detail
            .get(k)
            .and_then(|v| v.as_str())
            .map(|s| s.replace('_', " "))
            .unwrap_or_default()
    };
    let (what, headline) = match p.event {
        NotificationEvent::TicketAssigned => (
            "Assigned to you".to_owned(),
            "A ticket was assigned to you.".to_owned(),
        ),
        NotificationEvent::TicketReply => (
            "New reply".to_owned(),
            "The customer replied to a ticket.".to_owned(),
        ),
        NotificationEvent::ConversationMessage => (
            "New message".to_owned(),
            "A new message arrived in the inbox.".to_owned(),
        ),
        NotificationEvent::TicketStatusChanged => {
            let (from, to) = (detail_str("from"), detail_str("to"));
            (
                format!("Status changed to {to}"),
                format!("The ticket's status changed from {from} to {to}."),
            )
        }
        NotificationEvent::SlaBreach => {
            let event: Option<SlaEventType> = p
                .detail
                .get("event_type")
                .and_then(|v| serde_json::from_value(v.clone()).ok());
            let (kind, metric) = event.map(sla_words).unwrap_or(("SLA alert", "SLA"));
            let due = p
                .detail
                .get("due_at")
                .and_then(|v| v.as_str())
                .map(|d| format!(" (due {d})"))
                .unwrap_or_default();
            let verb = if event.is_some_and(SlaEventType::is_breach) {
                "was missed"
            } else {
                "is close"
            };
            (
                format!("{kind} ({metric})"),
                format!("The {metric} target{due} {verb}."),
            )
        }
    };
    let subject = format!("{token}{what}: {title}");
    let quote = ctx.message.map(excerpt).filter(|q| !q.is_empty());
    let from = ctx
        .message
        .and_then(|m| m.from.as_ref())
        .map(|f| one_line(&f.to_string()));
    let workspace = one_line(ctx.workspace_name);
    let greeting = one_line(ctx.recipient_name);

    let mut text = format!("Hello {greeting},\n\n{headline}\n\n{about}\n");
    if let Some(f) = &from {
        text.push_str(&format!("From: {f}\n"));
    }
    if let Some(q) = &quote {
        text.push('\n');
        for line in q.lines() {
            text.push_str("> ");
            text.push_str(line);
            text.push('\n');
        }
    }
    text.push_str(&format!(
        "\n-- \nYou get this email as a member of {workspace}.\nTurn these emails off: {}\n",
        ctx.unsubscribe_url
    ));

    let mut html = format!(
        "<!DOCTYPE html>\n<html><body style=\"font-family:sans-serif\">\n<p>Hello {},</p>\n<p>{}</p>\n<p><strong>{}</strong></p>\n",
        escape_html(&greeting),
        escape_html(&headline),
        escape_html(&about)
    );
    if let Some(f) = &from {
        html.push_str(&format!("<p>From: {}</p>\n", escape_html(f)));
    }
    if let Some(q) = &quote {
        html.push_str(&format!(
            "<blockquote style=\"white-space:pre-wrap;border-left:3px solid #ccc;margin:0;padding-left:8px\">{}</blockquote>\n",
            escape_html(q)
        ));
    }
    html.push_str(&format!(
        "<hr>\n<p style=\"color:#666;font-size:small\">You get this email as a member of {}. <a href=\"{}\">Turn these emails off</a>.</p>\n</body></html>\n",
        escape_html(&workspace),
        escape_html(ctx.unsubscribe_url)
    ));
    Rendered {
        subject: one_line(&subject),
        text,
        html,
    }
}
