//! The Mailgun provider for gopimi: inbound webhooks, sending, stored messages, domains, events. Being built: see ARCHITECTURE.md.
