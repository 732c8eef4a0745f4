#include "core/result.h"

namespace mfx {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kNotFound: return "not found";
    case ErrorCode::kIo: return "i/o error";
    case ErrorCode::kCorrupt: return "corrupt";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kWrongPassword: return "wrong password";
    case ErrorCode::kCrypto: return "crypto error";
    case ErrorCode::kUnsafePath: return "unsafe path";
    case ErrorCode::kIntegrity: return "integrity failure";
    case ErrorCode::kDevice: return "device error";
    case ErrorCode::kTimeout: return "timeout";
    case ErrorCode::kCancelled: return "cancelled";
    case ErrorCode::kInternal: return "internal error";
  }
  return "error";
}

std::string Error::ToString() const {
  std::string out(ErrorCodeName(code));
  if (!message.empty()) {
    out += ": ";
    out += message;
  }
  return out;
}

}  // namespace mfx
