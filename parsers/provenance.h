#pragma once
// Where a record came from in the evidence (CONTRACT.md "source"; DESIGN.md "Records and
// provenance"): the backup domain and path, the file id, the table and row (or, for a plist, the
// key path), and the decode chain when the bytes went through decoders
// ("ZICNOTEDATA.ZDATA → gzip → protobuf@0x40").

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace mfx::parsers {

struct Provenance {
  std::string domain;
  std::string path;
  std::string file_id;
  std::optional<std::string> table;  // null for plists
  std::variant<std::monostate, int64_t, std::string> rowid;  // primary key, or plist key path
  std::string decode_chain;
};

}  // namespace mfx::parsers
