//! The card in the same process: no IO at all.

use std::sync::{Arc, Mutex, PoisonError};

use super::{Transport, TransportError};
use crate::applet::JpkiCard;

/// A card shared with whoever else holds the handle (a test can inspect counters while a
/// client drives the card).
#[derive(Clone, Debug)]
pub struct InProcess {
    card: Arc<Mutex<JpkiCard>>,
}

impl InProcess {
    /// Wraps a card.
    pub fn new(card: JpkiCard) -> Self {
        Self {
            card: Arc::new(Mutex::new(card)),
        }
    }

    /// Wraps an already shared card.
    pub fn shared(card: Arc<Mutex<JpkiCard>>) -> Self {
        Self { card }
    }

    /// The shared card.
    pub fn card(&self) -> Arc<Mutex<JpkiCard>> {
        Arc::clone(&self.card)
    }

    /// Runs `f` on the card (e.g. to read a counter or reset it).
    pub fn with_card<R>(&self, f: impl FnOnce(&mut JpkiCard) -> R) -> R {
        // A panic elsewhere while holding the lock leaves a card that is still consistent
        // (every command updates state atomically), so poisoning is not fatal.
        let mut guard = self.card.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut guard)
    }
}

impl Transport for InProcess {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        Ok(self.with_card(|card| card.transmit(apdu)))
    }
}
