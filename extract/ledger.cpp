#include "extract/ledger.h"

#include "core/bytes.h"

namespace mfx::extract {

using nlohmann::json;

std::vector<const LedgerFile*> Ledger::CurrentFiles() const {
  std::vector<const LedgerFile*> out;
  for (const LedgerFile& f : files) {
    if (f.replaced_by_seq == 0) out.push_back(&f);
  }
  return out;
}

uint64_t Ledger::CompleteBytes() const {
  uint64_t n = 0;
  for (const LedgerFile* f : CurrentFiles()) n += f->size;
  return n;
}

uint64_t Ledger::IncompleteBytes() const {
  uint64_t n = 0;
  for (const LedgerIncomplete& f : incomplete) n += f.bytes_received;
  return n;
}

json Ledger::Totals() const {
  const size_t current = CurrentFiles().size();
  return json{{"complete_files", current},
              {"complete_bytes", CompleteBytes()},
              {"incomplete_files", incomplete.size()},
              {"incomplete_bytes_received", IncompleteBytes()},
              {"refused_files", refused.size()},
              {"superseded_files", files.size() - current}};
}

json Ledger::ToJson() const {
  json out = {{"schema", kAttemptSchema},
              {"evidence_id", evidence_id},
              {"attempt", attempt},
              {"udid", udid},
              {"started", started},
              {"ended", ended.empty() ? json() : json(ended)},
              {"duration_ms", duration_ms},
              {"status", status},
              {"cause", cause},
              {"request", {{"full", full}, {"encrypted", encrypted}, {"hashing", hashing}}},
              {"device_percent", device_percent},
              {"totals", Totals()}};
  json f = json::array();
  json sup = json::array();
  for (const LedgerFile& x : files) {
    if (x.replaced_by_seq != 0) {
      sup.push_back({{"seq", x.seq},
                     {"destination", SanitizeUtf8(x.received_as)},
                     {"size", x.size},
                     {"sha256", x.sha256.empty() ? json() : json(x.sha256)},
                     {"replaced_by_seq", x.replaced_by_seq}});
      continue;
    }
    f.push_back({{"seq", x.seq},
                 {"path", SanitizeUtf8(x.path)},
                 {"received_as", SanitizeUtf8(x.received_as)},
                 {"device_path", x.device_path.empty() ? json() : json(SanitizeUtf8(x.device_path))},
                 {"size", x.size},
                 {"sha256", x.sha256.empty() ? json() : json(x.sha256)},
                 {"completed", x.completed},
                 {"origin", x.origin}});
  }
  out["files"] = f;
  json inc = json::array();
  for (const LedgerIncomplete& x : incomplete) {
    inc.push_back({{"seq", x.seq},
                   {"destination", SanitizeUtf8(x.destination)},
                   {"part_path", SanitizeUtf8(x.part_path)},
                   {"bytes_received", x.bytes_received},
                   {"sha256_of_received",
                    x.sha256_of_received.empty() ? json() : json(x.sha256_of_received)},
                   {"end", x.end},
                   {"reason", SanitizeUtf8(x.reason)}});
  }
  out["incomplete"] = inc;
  out["superseded"] = sup;
  json ref = json::array();
  for (const LedgerRefused& x : refused) {
    ref.push_back({{"seq", x.seq},
                   {"destination", SanitizeUtf8(x.destination)},
                   {"why", SanitizeUtf8(x.why)},
                   {"bytes_discarded", x.bytes_discarded}});
  }
  out["refused"] = ref;
  out["operations"] = operations;
  out["passcode_prompts"] = passcode_prompts;
  out["verification"] = verification;
  return out;
}

}  // namespace mfx::extract
