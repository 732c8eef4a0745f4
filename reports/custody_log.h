#pragma once
// custody.jsonl — the append-only, hash-chained custody log of a case (CUSTODY.md §3).
//
// One event per line; each line is the canonical JSON (CanonicalJson below) of the whole event
// plus "\n". Every event carries:
//   schema "mfx-custody/1", seq (0, 1, 2, … without gaps), prev_sha256 (the previous line's
//   entry_sha256; 64 zeros at seq 0), event_id (random urn:uuid v4), event, time (host UTC, ms,
//   'Z'), time_offset (host offset, "+01:00"), clock {source, ntp_synced}, case_number, actor,
//   tool {name "mfx", version, build}, and — null / [] / {} unless the caller gives them —
//   evidence_id, root_evidence_id, from_custodian, to_custodian, location, purpose, authority_ref,
//   item, hashes, changes, detail;
//   and entry_sha256 = SHA-256 (hex) of the canonical form of the event without entry_sha256.
//
// Writing (CUSTODY.md §3.4): the file is opened O_WRONLY|O_APPEND|O_CLOEXEC; each Append takes
// flock(LOCK_EX), reads and verifies the last line (canonical, entry hash, seq) before chaining to
// it, writes the new line with one write(), fdatasync()s, and unlocks. A torn last line (no final
// "\n") or a broken one makes Append fail with kIntegrity: the log is never truncated, repaired or
// appended to after damage. Creating the file fsyncs its directory.
//
// Secrets: Append refuses (kInvalidArgument) any field whose name names secret material
// (custody_guard.h) and, when a SecretGuard is attached, any line that would contain a registered
// secret. No function here takes a password or key.
//
// Thread-safety: a CustodyLog may be used from several threads; appends from several processes
// (or several CustodyLog objects) on the same file are serialised by flock.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "reports/custody_guard.h"
#include "reports/verify_findings.h"

namespace mfx::reports {

inline constexpr const char* kCustodySchema = "mfx-custody/1";
inline constexpr const char* kCustodyFileName = "custody.jsonl";
inline constexpr std::string_view kZeroSha256 =
    "0000000000000000000000000000000000000000000000000000000000000000";

// The canonical JSON of CUSTODY.md §3.2: UTF-8, no whitespace, keys sorted bytewise and limited to
// [a-z0-9_], strings escaping only '"', '\\' and U+0000–001F (\b \f \n \r \t, else \u00xx
// lowercase), integers only within ±2^53, no floats. Fails (kInvalidArgument naming the field) on
// a float, an out-of-range integer, a key outside [a-z0-9_] or invalid UTF-8; never throws.
Result<std::string> CanonicalJson(const nlohmann::json& value);

// Replaces invalid UTF-8 in every string (not keys) with U+FFFD, recursively: how free text,
// device names and paths from evidence are made fit for the log.
nlohmann::json SanitizeJsonStrings(const nlohmann::json& value);

// {"alg": "SHA-256", "of": of, "value": sha256_hex}: the element type of an event's "hashes".
nlohmann::json HashRef(std::string_view of, std::string_view sha256_hex);

struct CustodyHead {
  int64_t seq = -1;                               // -1 when the log has no line yet
  std::string sha256 = std::string(kZeroSha256);  // entry_sha256 of line `seq`
  uint64_t lines = 0;                             // seq + 1
  uint64_t bytes = 0;                             // file size covering those lines
  std::string prefix_sha256;  // SHA-256 of the first `lines` lines as bytes (Head() only)
};

// What is stamped on every event of this log.
struct CustodyIdentity {
  std::string case_number;
  // {"name", "id", "role", "org", "cert_sha256"}; missing keys are filled with null.
  nlohmann::json actor = nlohmann::json::object();
};

class CustodyLog {
 public:
  // Opens path for appending, creating it (mode 0644, O_EXCL) when absent. An existing log is not
  // read here; the first Append verifies its last line.
  static Result<std::unique_ptr<CustodyLog>> Open(const std::filesystem::path& path,
                                                  CustodyIdentity identity);
  ~CustodyLog();
  CustodyLog(const CustodyLog&) = delete;
  CustodyLog& operator=(const CustodyLog&) = delete;

  // Appends one event. `event` is a name in [a-z][a-z0-9_]* ("evidence_registered"); `fields` is
  // an object of optional top-level fields: evidence_id, root_evidence_id, actor (replaces the
  // default actor), from_custodian, to_custodian, location, purpose, authority_ref, item, hashes
  // (array of HashRef), changes, detail. Anything else (including the stamped fields: seq, time,
  // tool, …) is refused with kInvalidArgument, as are secret-named keys and floats.
  // Returns the new head (prefix_sha256 left empty).
  Result<CustodyHead> Append(std::string_view event,
                             nlohmann::json fields = nlohmann::json::object());

  // The current head, read under a shared lock; also verifies the last line and computes
  // prefix_sha256 over the whole file. Fails (kIntegrity) on a torn or broken last line.
  Result<CustodyHead> Head() const;

  // Attaches a guard (owned by the caller, must outlive the log) checked on every line.
  void set_secret_guard(const SecretGuard* guard) { guard_ = guard; }
  const std::filesystem::path& path() const { return path_; }
  const CustodyIdentity& identity() const { return identity_; }

 private:
  CustodyLog(std::filesystem::path path, int fd, CustodyIdentity identity);
  std::filesystem::path path_;
  int fd_;
  CustodyIdentity identity_;
  const SecretGuard* guard_ = nullptr;
};

// One verified (or not) line of a log.
struct CustodyEntry {
  int64_t seq = -1;          // the line's index (0-based), which the seq field must equal
  std::string event;         // "" when the line does not parse
  std::string entry_sha256;  // as stored in the line ("" when absent)
  nlohmann::json value;      // the parsed event (null when the line does not parse)
  uint64_t end_offset = 0;   // byte offset just past this line's "\n"
};

struct CustodyChainReport {
  std::vector<CustodyEntry> entries;  // one per complete line, in file order
  std::vector<Finding> findings;      // each names path "custody.jsonl" and the seq
  std::string bytes;                  // the file as read (for prefix hashes)
  bool torn_tail = false;             // bytes after the last "\n"
};

// Checks a log standalone: every line canonical (byte-equal to its re-serialisation), schema
// known, entry_sha256 recomputes, seq = line index, prev_sha256 = the previous entry_sha256 (64
// zeros at 0), no torn tail. Findings are integrity-class. Fails only when the file cannot be
// read (kNotFound / kIo). `display_path` names the file in findings.
Result<CustodyChainReport> VerifyCustodyChain(const std::filesystem::path& path,
                                              std::string_view display_path = kCustodyFileName);

// The SHA-256 an event's line must carry: SHA-256 of CanonicalJson(event minus entry_sha256).
Result<std::string> EntrySha256(const nlohmann::json& event);

}  // namespace mfx::reports
