//! The FFI to libxmlsec1 in one place (besides PC/SC, the workspace's only FFI).
//!
//! - [`quiet`]: libxmlsec1's default error callback prints a line to stderr for every
//!   signature it refuses. Refusals are routine for us (the suite and the scenarios send
//!   bad signatures on purpose) and our own errors already say what failed, so that
//!   output is off unless `MNCTF_XMLSEC_ERRORS` is set.
//! - [`SigningKey`] and [`sign`]: enveloped signatures made with a private key parsed once
//!   for the life of the process, every template of a document signed in one parse.

mod sign;

pub use sign::{sign, SignError, SigningKey, Templates};

use std::os::raw::c_int;
use std::sync::Once;

#[link(name = "xmlsec1")]
extern "C" {
    // xmlsec/errors.h: a setter of a global flag read by the default error callback.
    fn xmlSecErrorsDefaultCallbackEnableOutput(enabled: c_int);
}

/// Turns the output off, once per process; cheap to call before every xmlsec operation.
pub fn quiet() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("MNCTF_XMLSEC_ERRORS").is_none() {
            // SAFETY: a plain setter of a global int in libxmlsec1 (no pointers); `Once`
            // runs it before this process's first xmlsec operation through our adapter.
            unsafe { xmlSecErrorsDefaultCallbackEnableOutput(0) }
        }
    });
}
