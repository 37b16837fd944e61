//! Ways to carry APDUs to a card.

pub mod in_process;
#[cfg(feature = "pcsc")]
pub mod pcsc;
pub mod vpcd;

pub use in_process::InProcess;

/// Why an APDU did not make the round trip.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// A socket or file failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The PC/SC stack reported an error.
    #[error("PC/SC: {0}")]
    Pcsc(String),
    /// The card answered with fewer than the two status-word bytes.
    #[error("response of {0} bytes has no status word")]
    NoStatusWord(usize),
}

/// Carries one command APDU to a card and returns the raw response (data ‖ SW1 SW2).
pub trait Transport {
    /// Sends `apdu`, returns the response.
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError>;
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(apdu)
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(apdu)
    }
}
