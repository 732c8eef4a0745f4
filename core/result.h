#pragma once
// Result<T> and Error: how every mfx function reports failure.
//
// Malformed evidence is expected input: decoders return an Error naming the file, table, row or
// offset at fault and never throw. Exceptions are reserved for bugs and out-of-memory; the parser
// runner and main() catch them.

#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace mfx {

enum class ErrorCode {
  kInvalidArgument,  // the caller (or the user, through an option) asked for something impossible
  kNotFound,         // a file, key, table or row that must exist does not
  kIo,               // the operating system refused a read, write or open
  kCorrupt,          // the bytes do not follow the format (truncated, bad magic, bad padding, …)
  kUnsupported,      // a well-formed variant mfx does not handle (unknown schema, KTYP 1 class, …)
  kWrongPassword,    // the password or derived key does not unlock the keybag
  kCrypto,           // OpenSSL refused an operation for another reason
  kUnsafePath,       // a path would land outside its destination
  kIntegrity,        // a hash, checksum or signature does not match
  kDevice,           // a device or protocol failure
  kTimeout,
  kCancelled,
  kInternal,         // a bug in mfx
};

std::string_view ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;

  // "corrupt: Manifest.db page 3: …"
  std::string ToString() const;
};

template <class T>
using Result = tl::expected<T, Error>;
using Status = Result<void>;

inline tl::unexpected<Error> Fail(ErrorCode code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message)});
}

// Prefixes an error's message with context ("Manifest.db: " + message), keeping its code.
inline Error WithContext(Error error, std::string_view context) {
  error.message = std::string(context) + ": " + error.message;
  return error;
}

}  // namespace mfx

// Propagates the error of a Result expression; otherwise evaluates to nothing.
#define MFX_RETURN_IF_ERROR(expr)                                      \
  do {                                                                 \
    if (auto mfx_status_ = (expr); !mfx_status_) {                     \
      return tl::unexpected<::mfx::Error>(std::move(mfx_status_.error())); \
    }                                                                  \
  } while (0)

#define MFX_CONCAT_INNER_(a, b) a##b
#define MFX_CONCAT_(a, b) MFX_CONCAT_INNER_(a, b)
// MFX_ASSIGN_OR_RETURN(auto x, Expr()); — binds the value or returns the error.
#define MFX_ASSIGN_OR_RETURN(lhs, expr) \
  MFX_ASSIGN_OR_RETURN_IMPL_(MFX_CONCAT_(mfx_result_, __LINE__), lhs, expr)
#define MFX_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr)               \
  auto tmp = (expr);                                             \
  if (!tmp) return tl::unexpected<::mfx::Error>(std::move(tmp.error())); \
  lhs = std::move(*tmp)
