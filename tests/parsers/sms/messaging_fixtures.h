#pragma once
// Generated backups shared by the sms and whatsapp parser tests: each (style, encrypted) backup is
// generated once per test binary and parsed once with both modules.

#include <map>
#include <memory>
#include <string>

#include "tests/mapped_env.h"
#include "tests/parser_harness.h"
#include "tests/sample_generator.h"
#include "tests/test_support.h"

namespace mfx::testing::messaging {

struct Generated {
  GeneratedBackup backup;
  ParseResult parsed;
};

inline const Generated& GetGenerated(const std::string& style, bool encrypt) {
  static TempDir dir;  // removed at exit, with the backups in it
  static std::map<std::string, std::unique_ptr<Generated>> cache;
  const std::string name = style + (encrypt ? "-enc" : "-plain");
  auto& slot = cache[name];
  if (!slot) {
    GenerateOptions o;
    o.style = style;
    o.encrypt = encrypt;
    o.seed = "messaging-" + name;
    auto g = std::make_unique<Generated>();
    g->backup = GenerateBackup(dir.path(), name, o);
    g->parsed = ParseBackup(g->backup.dir, g->backup.password_file, {"sms", "whatsapp"});
    slot = std::move(g);
  }
  return *slot;
}

inline const std::vector<nlohmann::ordered_json>& Records(const ParseResult& r,
                                                          const std::string& kind) {
  static const std::vector<nlohmann::ordered_json> none;
  auto it = r.records.find(kind);
  return it == r.records.end() ? none : it->second;
}

// The records of one source file.
inline std::vector<nlohmann::ordered_json> FromPath(
    const std::vector<nlohmann::ordered_json>& records, const std::string& path) {
  std::vector<nlohmann::ordered_json> out;
  for (const auto& r : records) {
    if (r.at("source").at("path") == path) out.push_back(r);
  }
  return out;
}

// Maps the plaintext of every file of a PLAIN generated backup below domain/prefix into env
// (copies in dir), so a damaged database copy is parsed beside the files it names.
inline void MapFiles(MappedEnv& env, const GeneratedBackup& g, const std::string& domain,
                     const std::string& prefix, const std::filesystem::path& dir) {
  int n = 0;
  for (const auto& f : g.record.at("files")) {
    const std::string path = f.at("relative_path").get<std::string>();
    if (f.at("domain") != domain || f.at("kind") != "file" || path.rfind(prefix, 0) != 0) continue;
    const auto copy = dir / ("mapped-" + std::to_string(n++));
    std::filesystem::copy_file(g.dir / f.at("blob_path").get<std::string>(), copy);
    env.Map(domain + "/" + path, copy);
  }
}

}  // namespace mfx::testing::messaging
