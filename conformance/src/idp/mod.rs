//! Certify an IdP (`mnctf test-idp`): the suite plays two SPs, the browser and the
//! cardholder, and runs the test PKI's CA service, so that it can present every card
//! persona and make OCSP and CRLs answer badly. Verdicts per requirement of the profile,
//! from what reached the suite's SPs (a Response a strict SP accepts, and for whom).
//! Reports, expected-results files and the loopback-only rule are `test-sp`'s. An
//! attribute authority has a plan of its own (`authority`): registrations and SOAP queries.

pub mod authority;
pub mod authority_plan;
pub mod config;
pub mod engine;
pub mod login;
pub mod pages;
pub mod plan;
pub mod schema;
pub mod slo;

pub use config::{IdpSutConfig, Role, SuiteSps};
pub use engine::run;
