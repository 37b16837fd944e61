//! Enveloped signatures over our own templates with a key parsed once. samael's signing
//! loads the key through OpenSSL's decoders and parses the document again for every
//! signature (~1 ms each); here the key is loaded once, a document is parsed once, all
//! its templates are filled (the innermost first, so an outer signature covers the inner
//! one as sent) and it is serialised once. Canonicalisation, digests and RSA stay
//! libxmlsec1's and OpenSSL's.

use std::ffi::c_void;
use std::ptr::NonNull;
use std::sync::Once;

use libxml::parser::Parser;
use libxml::tree::Node;

const NS_DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";

#[link(name = "mnctf_xmlsec", kind = "static")]
extern "C" {
    fn mnctf_xmlsec_key_load_der(der: *const u8, len: u32) -> *mut c_void;
    fn mnctf_xmlsec_key_destroy(key: *mut c_void);
    fn mnctf_xmlsec_add_ids(doc: *mut c_void, root: *mut c_void);
    fn mnctf_xmlsec_sign_node(node: *mut c_void, key: *mut c_void) -> i32;
}

/// Why a signature could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("the signing key does not load (expected an RSA private key, DER)")]
    Key,
    #[error("the document to sign does not parse")]
    Parse,
    #[error("the document has no <ds:Signature> template to fill")]
    NoTemplate,
    #[error("libxmlsec1 could not fill the signature template")]
    Sign,
}

/// Which templates of a document [`sign`] fills.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Templates {
    /// The first `<ds:Signature>` in document order (signed or not), as samael does.
    First,
    /// Every `<ds:Signature>` whose SignatureValue is empty, the deepest first.
    AllEmpty,
}

/// A private key in libxmlsec1's form, parsed once.
#[derive(Debug)]
pub struct SigningKey(NonNull<c_void>);

// SAFETY: after loading, the key is only read: each signature duplicates it (the copy
// shares the OpenSSL key by reference count, which OpenSSL changes atomically, and
// OpenSSL's RSA signing is thread-safe on a shared key). It is destroyed once, on drop.
unsafe impl Send for SigningKey {}
// SAFETY: as above; no method mutates the key.
unsafe impl Sync for SigningKey {}

impl SigningKey {
    /// Loads an RSA private key (PKCS#8 or PKCS#1, DER).
    pub fn from_der(der: &[u8]) -> Result<Self, SignError> {
        init();
        let len = u32::try_from(der.len()).map_err(|_| SignError::Key)?;
        // SAFETY: the pointer and length describe `der`, which libxmlsec1 only reads
        // during the call; a NULL result is handled.
        let key = unsafe { mnctf_xmlsec_key_load_der(der.as_ptr(), len) };
        NonNull::new(key).map(Self).ok_or(SignError::Key)
    }
}

impl Drop for SigningKey {
    fn drop(&mut self) {
        // SAFETY: the key came from xmlSecCryptoAppKeyLoadMemory and is destroyed once;
        // signature contexts only ever held duplicates.
        unsafe { mnctf_xmlsec_key_destroy(self.0.as_ptr()) }
    }
}

/// libxmlsec1 is initialised by samael on its first use and must not be initialised twice,
/// so samael's initialisation is triggered here (a key load it is given nothing for).
fn init() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        use samael::crypto::CryptoProvider as _;
        crate::quiet();
        let _ = samael::crypto::Crypto::sign_xml("<x/>", &[]);
    });
}

/// Signs `xml`'s `which` templates with `key`; the document is serialised as libxml2 does
/// (with its XML declaration).
pub fn sign(xml: &str, key: &SigningKey, which: Templates) -> Result<String, SignError> {
    init();
    let doc = Parser::default()
        .parse_string(xml)
        .map_err(|_| SignError::Parse)?;
    let root = doc.get_root_element().ok_or(SignError::Parse)?;
    // SAFETY: both pointers belong to `doc`, alive for the whole call.
    unsafe { mnctf_xmlsec_add_ids(doc.doc_ptr().cast(), root.node_ptr().cast()) };
    let nodes = match which {
        Templates::First => first_template(&root)?,
        Templates::AllEmpty => empty_templates(&root),
    };
    if nodes.is_empty() {
        return Err(SignError::NoTemplate);
    }
    for node in &nodes {
        // SAFETY: `node` is an element of `doc` (alive); the key outlives the call and
        // is duplicated, not taken, by the context.
        let rc = unsafe { mnctf_xmlsec_sign_node(node.node_ptr().cast(), key.0.as_ptr()) };
        if rc < 0 {
            return Err(SignError::Sign);
        }
    }
    Ok(doc.to_string())
}

/// The first `<ds:Signature>` in document order.
fn first_template(root: &Node) -> Result<Vec<Node>, SignError> {
    let mut stack = vec![root.clone()];
    while let Some(node) = stack.pop() {
        if is_dsig(&node, "Signature") {
            return Ok(vec![node]);
        }
        stack.extend(node.get_child_elements().into_iter().rev());
    }
    Err(SignError::NoTemplate)
}

/// Every empty `<ds:Signature>`, deepest first (document order reversed among equals, so
/// the template of an element nested in another is filled before the outer one's).
fn empty_templates(root: &Node) -> Vec<Node> {
    let mut found = Vec::new();
    let mut stack = vec![(root.clone(), 0usize)];
    while let Some((node, depth)) = stack.pop() {
        if is_dsig(&node, "Signature") {
            let empty = node
                .get_child_elements()
                .iter()
                .find(|c| is_dsig(c, "SignatureValue"))
                .is_some_and(|v| v.get_content().trim().is_empty());
            if empty {
                found.push((depth, found.len(), node));
            }
            continue;
        }
        stack.extend(
            node.get_child_elements()
                .into_iter()
                .rev()
                .map(|c| (c, depth + 1)),
        );
    }
    found.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    found.into_iter().map(|(_, _, n)| n).collect()
}

fn is_dsig(node: &Node, name: &str) -> bool {
    node.get_name() == name
        && node
            .get_namespace()
            .is_some_and(|ns| ns.get_href() == NS_DSIG)
}
