#pragma once
// OpenSSL handles and helpers shared by seal.cpp and verify.cpp (internal to reports/). Every C
// handle lives in a unique_ptr with its deleter from the moment it is created.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "core/bytes.h"
#include "core/result.h"

namespace mfx::reports::ssl {

struct BioFree {
  void operator()(BIO* p) const { BIO_free_all(p); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct CmsFree {
  void operator()(CMS_ContentInfo* p) const { CMS_ContentInfo_free(p); }
};
struct StoreFree {
  void operator()(X509_STORE* p) const { X509_STORE_free(p); }
};
struct X509StackFree {
  void operator()(STACK_OF(X509) * p) const { sk_X509_pop_free(p, X509_free); }
};

// Frees the stack only (the certificates belong to someone else).
struct X509StackShallowFree {
  void operator()(STACK_OF(X509) * p) const { sk_X509_free(p); }
};

using BioPtr = std::unique_ptr<BIO, BioFree>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using CmsPtr = std::unique_ptr<CMS_ContentInfo, CmsFree>;
using StorePtr = std::unique_ptr<X509_STORE, StoreFree>;
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackFree>;
using X509StackViewPtr = std::unique_ptr<STACK_OF(X509), X509StackShallowFree>;

// The queued OpenSSL error strings (clearing the queue), or "unknown OpenSSL error".
std::string ErrorText();

// A read-only memory BIO over bytes that must outlive it.
BioPtr MemoryBio(ByteSpan bytes);

// Every certificate of a PEM file (kNotFound / kCorrupt naming the file when none).
Result<std::vector<X509Ptr>> ReadCertificates(const std::string& path);

// "CN=Examiner 1,O=Lab" (RFC 2253 order reversed to the usual reading order: X509_NAME_oneline
// style is avoided; this is XN_FLAG_RFC2253).
std::string SubjectText(const X509* cert);
// SHA-256 of the DER certificate, lowercase hex.
std::string CertSha256(const X509* cert);
// ASN1_TIME → "2026-03-14T09:41:07Z" ("" when it cannot be read).
std::string Asn1TimeText(const ASN1_TIME* t);
// The signingTime attribute of the first signer ("" when absent).
std::string CmsSigningTime(CMS_ContentInfo* cms);

}  // namespace mfx::reports::ssl
