/* Signing with a key loaded once: the only C of the workspace. It exists because the
 * key a signature context uses is a field of libxmlsec1's xmlSecDSigCtx, whose layout
 * only the headers know; everything else is called from Rust (src/sign.rs). */
#include <libxml/tree.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>
#include <xmlsec/keys.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/crypto.h>
#include <xmlsec/app.h>

/* A private key (PKCS#8 or PKCS#1 DER) as an xmlsec key; NULL if it does not load. */
xmlSecKeyPtr mnctf_xmlsec_key_load_der(const unsigned char *der, unsigned int len) {
    return xmlSecCryptoAppKeyLoadMemory(der, len, xmlSecKeyDataFormatDer, NULL, NULL, NULL);
}

void mnctf_xmlsec_key_destroy(xmlSecKeyPtr key) {
    xmlSecKeyDestroy(key);
}

/* Registers every attribute named ID under `root` as an XML ID, for URI="#..." */
void mnctf_xmlsec_add_ids(xmlDocPtr doc, xmlNodePtr root) {
    const xmlChar *ids[] = {BAD_CAST "ID", NULL};
    xmlSecAddIDs(doc, root, ids);
}

/* Fills the <ds:Signature> template `node` (digests, SignatureValue) with `key`, which
 * stays the caller's: the context signs with a duplicate (the same OpenSSL key, its
 * reference count raised) and destroys only that. 0 on success. */
int mnctf_xmlsec_sign_node(xmlNodePtr node, xmlSecKeyPtr key) {
    xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(NULL);
    int rc = -1;
    if (ctx == NULL) {
        return -1;
    }
    ctx->signKey = xmlSecKeyDuplicate(key);
    if (ctx->signKey != NULL) {
        rc = xmlSecDSigCtxSign(ctx, node);
    }
    xmlSecDSigCtxDestroy(ctx);
    return rc;
}
