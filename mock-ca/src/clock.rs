//! A steerable clock: tests move it to make certificates expired or not yet valid, and
//! the OCSP responder and CRL issuer read it.

use std::sync::{Arc, Mutex, PoisonError};

use time::{Duration, OffsetDateTime};

#[derive(Debug)]
enum Mode {
    /// System time plus an offset.
    Offset(Duration),
    /// A fixed instant.
    Frozen(OffsetDateTime),
}

/// A shared clock; clones see the same time.
#[derive(Clone, Debug)]
pub struct Clock(Arc<Mutex<Mode>>);

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self(Arc::new(Mutex::new(Mode::Offset(Duration::ZERO))))
    }

    /// A clock stopped at `at`.
    pub fn fixed(at: OffsetDateTime) -> Self {
        Self(Arc::new(Mutex::new(Mode::Frozen(at))))
    }

    /// Now, as this clock sees it (whole seconds: certificates carry no more).
    pub fn now(&self) -> OffsetDateTime {
        let now = match *self.lock() {
            Mode::Offset(offset) => OffsetDateTime::now_utc() + offset,
            Mode::Frozen(at) => at,
        };
        now.replace_nanosecond(0).unwrap_or(now)
    }

    /// Moves the clock by `by` (negative goes back).
    pub fn advance(&self, by: Duration) {
        let mut mode = self.lock();
        *mode = match *mode {
            Mode::Offset(offset) => Mode::Offset(offset + by),
            Mode::Frozen(at) => Mode::Frozen(at + by),
        };
    }

    /// Sets the clock to `at`, keeping it running if it was running.
    pub fn set(&self, at: OffsetDateTime) {
        let mut mode = self.lock();
        *mode = match *mode {
            Mode::Offset(_) => Mode::Offset(at - OffsetDateTime::now_utc()),
            Mode::Frozen(_) => Mode::Frozen(at),
        };
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Mode> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn clones_share_the_steered_time() {
        let clock = Clock::fixed(datetime!(2026-01-01 0:00 UTC));
        let other = clock.clone();
        clock.advance(Duration::days(400));
        assert_eq!(other.now(), datetime!(2027-02-05 0:00 UTC));
        let running = Clock::system();
        running.advance(Duration::days(-3650));
        assert!(running.now() < OffsetDateTime::now_utc() - Duration::days(3649));
    }
}
