#ifndef SEAL_CSEALSHIM_H
#define SEAL_CSEALSHIM_H

// Thin pass-throughs for OpenSSL calls that Swift cannot make directly. Each wrapper is named after
// the call it wraps and says why it exists. No policy lives here: ownership, checks and decisions
// are made by the Swift types in SealCore.

// The OpenSSL headers Seal uses; including them here makes them visible to Swift through this module.
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#if defined(__linux__)
// glibc's allocator tuning (mallopt), which Swift's Glibc module does not export.
#include <malloc.h>
#endif

// STACK_OF(X509): the sk_X509_* accessors are function-like macros.
STACK_OF(X509) *CSealShim_sk_X509_new_null(void);
// Pushes without taking a reference: the caller up-refs `cert` first if the stack will free it.
int CSealShim_sk_X509_push(STACK_OF(X509) *stack, X509 *cert);
int CSealShim_sk_X509_num(const STACK_OF(X509) *stack);
X509 *CSealShim_sk_X509_value(const STACK_OF(X509) *stack, int index);
// Frees the stack and releases one reference on every certificate in it.
void CSealShim_sk_X509_pop_free(STACK_OF(X509) *stack);

// STACK_OF(CMS_SignerInfo): macro accessors.
int CSealShim_sk_CMS_SignerInfo_num(const STACK_OF(CMS_SignerInfo) *stack);
CMS_SignerInfo *CSealShim_sk_CMS_SignerInfo_value(const STACK_OF(CMS_SignerInfo) *stack, int index);

// STACK_OF(X509_REVOKED): macro accessors.
int CSealShim_sk_X509_REVOKED_num(const STACK_OF(X509_REVOKED) *stack);
X509_REVOKED *CSealShim_sk_X509_REVOKED_value(const STACK_OF(X509_REVOKED) *stack, int index);

// OPENSSL_free is a macro carrying file/line arguments.
void CSealShim_OPENSSL_free(void *pointer);

// BIO_get_mem_data is a macro over BIO_ctrl with an out-parameter.
long CSealShim_BIO_get_mem_data(BIO *bio, const unsigned char **data);

// ASN1_TYPE keeps its value in a union; Swift cannot read a C union member by name portably.
const ASN1_STRING *CSealShim_ASN1_TYPE_get0_string(const ASN1_TYPE *type);

#endif
