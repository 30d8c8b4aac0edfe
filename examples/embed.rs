//! Embedding gopimi in an application: the `Helpdesk` facade over the in-memory store.
//!
//! Creates a user, a workspace, a contact and a ticket, adds an internal note, changes the
//! status, and prints the ticket's activity log. Run with `cargo run --example embed`.

use gopimi_core::model::{Actor, TicketStatus};
use gopimi_core::service::{NewContact, NewMessage, NewTicket, PageRequest, Registration};
use gopimi_core::store::MemoryStore;
use gopimi_core::{Caller, Helpdesk};
use std::sync::Arc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), gopimi_core::Error> {
    // Any `Store` works here; an app with a database would pass its SQL or sled store.
    let desk = Helpdesk::builder(Arc::new(MemoryStore::new())).build();

    // The app authenticates its own users; here we register one through the facade.
    let (user, _token) = desk
        .register(Registration::new(
            "Ada Agent",
            "ada@example.com",
            "a long passphrase",
        ))
        .await?;
    let ada = Caller::User(user.id);

    let ws = desk.create_workspace(&ada, "Acme Support").await?;
    let contact = desk
        .create_contact(
            &ada,
            ws.id,
            NewContact::new("Cy Customer", "cy@example.org"),
        )
        .await?;

    let mut new = NewTicket::new("The printer is on fire");
    new.description = "Smoke everywhere since this morning.".into();
    new.contact_id = Some(contact.id);
    let ticket = desk.create_ticket(&ada, ws.id, new).await?;
    println!("Created ticket #{} \"{}\"", ticket.number, ticket.subject);

    desk.add_ticket_message(
        &ada,
        ws.id,
        ticket.id,
        NewMessage::note("Called the fire brigade."),
    )
    .await?;
    let ticket = desk
        .set_ticket_status(&ada, ws.id, ticket.id, TicketStatus::InProgress)
        .await?;
    println!("Status is now {}", ticket.status);

    println!("\nActivity log of ticket #{}:", ticket.number);
    let log = desk
        .ticket_activities(&ada, ws.id, ticket.id, PageRequest::default())
        .await?;
    for entry in log.items {
        let who = match entry.actor {
            Actor::User(id) if id == user.id => user.name.clone(),
            Actor::User(id) => id.to_string(),
            Actor::Contact(id) => format!("contact {id}"),
            Actor::System => "system".to_owned(),
        };
        println!(
            "  {}  {:<16} by {:<10} {}",
            entry.created_at.format("%H:%M:%S%.3f"),
            entry.action,
            who,
            entry.details
        );
    }
    Ok(())
}
