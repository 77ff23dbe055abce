//! Nothing said is lost: every message that follows a change is written to the outbox
//! in the change's transaction (`message` makes the entries), and a worker in each
//! serving process sends them (`worker`), in order per destination, once wherever the
//! platform allows, retrying what the platform could not take yet.

pub(crate) mod message;
pub(crate) mod worker;

pub(crate) use worker::{Requests, Worker};
