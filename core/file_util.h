#pragma once
// File helpers for mfx's own outputs and scratch copies (never for evidence: that goes through an
// Env).

#include <filesystem>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/crypto.h"
#include "core/result.h"

namespace mfx::core {

// Streams a file through SHA-256 (or another algorithm) and returns the lowercase hex digest.
Result<std::string> HashFileHex(const std::filesystem::path& path,
                                HashAlgorithm alg = HashAlgorithm::kSha256);

// Writes bytes to path through a temporary sibling + fsync + rename, so readers never see a
// half-written file. mode applies to the new file.
Status WriteFileAtomic(const std::filesystem::path& path, ByteSpan bytes, unsigned mode = 0644);

// Reads a small text file (≤ max_size bytes).
Result<std::string> ReadTextFile(const std::filesystem::path& path, size_t max_size = 1 << 20);

// Reads the first line of a password file (without the line ending). The file is not echoed
// anywhere; the caller wraps the result in SecretBytes.
Result<std::string> ReadFirstLine(const std::filesystem::path& path);

}  // namespace mfx::core
