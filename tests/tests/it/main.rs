//! One integration-test binary: each module drives a real server over real
//! sockets, as phones and laptops in the hall would.

mod access;
mod anonymity;
mod audit;
mod backup;
mod bad_input;
mod bigjoin;
mod clock;
mod commit;
mod connection;
mod crash;
mod disk;
mod edge;
mod error_ids;
mod export;
mod first_start;
mod fixture;
mod followup;
mod fuzz_found;
mod json_schema;
mod lazy;
mod limits;
mod memory;
mod organiser;
mod pace;
mod presence;
#[cfg(unix)]
mod privacy;
mod private_data;
mod queue;
mod reconnect;
mod restart;
mod resume;
mod roster;
mod sleep;
mod staff;
mod stall;
mod support;
mod verify;
