#include "CSealShim.h"

STACK_OF(X509) *CSealShim_sk_X509_new_null(void) { return sk_X509_new_null(); }

int CSealShim_sk_X509_push(STACK_OF(X509) *stack, X509 *cert) { return sk_X509_push(stack, cert); }

int CSealShim_sk_X509_num(const STACK_OF(X509) *stack) { return sk_X509_num(stack); }

X509 *CSealShim_sk_X509_value(const STACK_OF(X509) *stack, int index) { return sk_X509_value(stack, index); }

void CSealShim_sk_X509_pop_free(STACK_OF(X509) *stack) { sk_X509_pop_free(stack, X509_free); }


int CSealShim_sk_CMS_SignerInfo_num(const STACK_OF(CMS_SignerInfo) *stack) {
    return sk_CMS_SignerInfo_num(stack);
}

CMS_SignerInfo *CSealShim_sk_CMS_SignerInfo_value(const STACK_OF(CMS_SignerInfo) *stack, int index) {
    return sk_CMS_SignerInfo_value(stack, index);
}

int CSealShim_sk_X509_REVOKED_num(const STACK_OF(X509_REVOKED) *stack) { return sk_X509_REVOKED_num(stack); }

X509_REVOKED *CSealShim_sk_X509_REVOKED_value(const STACK_OF(X509_REVOKED) *stack, int index) {
    return sk_X509_REVOKED_value(stack, index);
}

void CSealShim_OPENSSL_free(void *pointer) { OPENSSL_free(pointer); }

long CSealShim_BIO_get_mem_data(BIO *bio, const unsigned char **data) {
    char *out = NULL;
    long length = BIO_get_mem_data(bio, &out);
    *data = (const unsigned char *)out;
    return length;
}

const ASN1_STRING *CSealShim_ASN1_TYPE_get0_string(const ASN1_TYPE *type) {
    if (type == NULL || type->type == V_ASN1_BOOLEAN || type->type == V_ASN1_NULL ||
        type->type == V_ASN1_OBJECT) {
        return NULL;
    }
    return type->value.asn1_string;
}
