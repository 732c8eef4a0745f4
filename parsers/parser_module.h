#pragma once
// The parser module interface. A module declares its inputs as data and exposes one pure parse
// function; the runner (runner.h) locates the inputs in the evidence Env, copies SQLite databases
// with their -wal/-shm into scratch and opens the copies read-only, then calls Parse. A parser
// never locates its own input, never opens evidence itself and never prints.
//
// Three outcomes (DESIGN.md): records (through the sink); a fatal error for the input (return an
// Error: it is reported and the run continues); a corrupt row (ctx.Corrupt(...): reported, skipped).
// An unknown schema is ctx.Unsupported(...) with the column list — never a guess.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/env.h"
#include "core/result.h"
#include "core/sqlite_db.h"
#include "parsers/records.h"

namespace mfx::parsers {

// What a module reads. Patterns use '*' (any characters, '/' included) and nothing else.
struct InputSpec {
  std::string name;            // the module's own key for this input ("sms", "attachments", …)
  std::string domain;          // "HomeDomain", or a pattern: "AppDomainGroup-*", "*"
  std::string path;            // "Library/SMS/sms.db", or a pattern: "Library/Safari/Profiles/*/History.db"
  enum class Kind { kSqlite, kFile } kind = Kind::kSqlite;
};

// One located input. For kSqlite, db is the read-only working copy; for kFile, file reads the
// evidence through the Env (decrypted when the backup is).
struct ParserInput {
  const InputSpec* spec = nullptr;
  std::string domain;
  std::string path;     // relative path inside the domain
  std::string file_id;  // SHA-1(domain-path), or "" for non-backup inputs
  const core::SqliteDb* db = nullptr;
  const core::RandomAccessFile* file = nullptr;

  // Provenance of a row of this input.
  Provenance Source(std::string_view table, int64_t rowid) const {
    return Provenance{domain, path, file_id, std::string(table), rowid, {}};
  }
  // Provenance of a value at a plist key path ("List of known networks/3/SSID_STR").
  Provenance PlistSource(std::string key_path) const {
    return Provenance{domain, path, file_id, std::nullopt, std::move(key_path), {}};
  }
};

// Receives records. Thread-safe implementations are given to parsers by the runner.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
#define MFX_SINK_ADD_(Type) virtual void Add(Type&& record) = 0;
  MFX_RECORD_TYPES(MFX_SINK_ADD_)
#undef MFX_SINK_ADD_
};

// Facts about the evidence a parser may need to pick a schema or an epoch (iOS version).
struct EvidenceFacts {
  std::string ios_version;  // "17.3", "" when unknown
  int ios_major = 0;        // 0 when unknown
  bool was_encrypted = false;
};

// What a parser reports besides records.
struct ParserIssue {
  enum class Kind { kCorruptRow, kUnsupported, kWarning, kMissingInput };
  Kind kind;
  std::string input;  // domain/path
  std::string table;
  std::string rowid;
  std::string message;
};

class ParserContext {
 public:
  ParserContext(RecordSink& sink, const core::Env& env, const EvidenceFacts& facts)
      : sink_(sink), env_(env), facts_(facts) {}

  RecordSink& sink() { return sink_; }
  // The whole evidence view ("domain/relativePath"), e.g. to check that an attachment exists.
  const core::Env& env() const { return env_; }
  const EvidenceFacts& facts() const { return facts_; }

  // A row that could not be decoded: reported, skipped; the rest continues.
  void Corrupt(const ParserInput& in, std::string_view table, std::string rowid, std::string message);
  // A schema mfx does not know: reported with what was found; no records are guessed.
  void Unsupported(const ParserInput& in, std::string message);
  void Warning(const ParserInput& in, std::string message);

  const std::vector<ParserIssue>& issues() const { return issues_; }

 private:
  RecordSink& sink_;
  const core::Env& env_;
  const EvidenceFacts& facts_;
  std::vector<ParserIssue> issues_;
};

// A located input set: every match of every spec, by spec name.
class ParserInputs {
 public:
  std::vector<const ParserInput*> Get(std::string_view name) const;
  const ParserInput* First(std::string_view name) const;
  std::vector<ParserInput>& all() { return inputs_; }
  const std::vector<ParserInput>& all() const { return inputs_; }

 private:
  std::vector<ParserInput> inputs_;
};

struct ParserModule {
  std::string name;     // "sms"
  std::string version;  // bumped whenever its output changes
  std::string app;      // default app label of its records
  std::vector<InputSpec> inputs;
  // Called once with every located input (at least one). Returns a fatal error for the module.
  std::function<Status(const ParserInputs&, ParserContext&)> parse;
};

// Matches a '*' pattern against text ('*' spans any characters, '/' included).
bool MatchPattern(std::string_view pattern, std::string_view text);

}  // namespace mfx::parsers
