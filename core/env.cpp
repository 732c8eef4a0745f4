#include "core/env.h"

namespace mfx::core {

Result<Bytes> ReadAll(const RandomAccessFile& file, uint64_t max_size) {
  const uint64_t size = file.Size();
  if (size > max_size) {
    return Fail(ErrorCode::kInvalidArgument, file.Describe() + ": " + std::to_string(size) +
                                                 " bytes exceeds the limit of " +
                                                 std::to_string(max_size) + " for this kind of file");
  }
  Bytes out(static_cast<size_t>(size));
  MFX_ASSIGN_OR_RETURN(size_t got, file.ReadAt(0, out));
  out.resize(got);
  return out;
}

Result<Bytes> ReadFile(const Env& env, std::string_view path, uint64_t max_size) {
  MFX_ASSIGN_OR_RETURN(auto file, env.Open(path));
  return ReadAll(*file, max_size);
}

}  // namespace mfx::core
