#include "parsers/runner.h"

#include <algorithm>
#include <cctype>
#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <thread>

#include "core/crypto.h"
#include "parsers/backup/manifest_entry.h"

namespace mfx::parsers {
namespace {

bool HasWildcard(std::string_view s) { return s.find('*') != std::string_view::npos; }

// Counts what a module emits and forwards it to the shared sink.
class CountingSink final : public RecordSink {
 public:
  CountingSink(RecordSink& next, std::map<std::string, int64_t>& counts, std::string parser)
      : next_(next), counts_(counts), parser_(std::move(parser)) {}
#define MFX_COUNT_ADD_(Type)              \
  void Add(Type&& r) override {           \
    ++counts_[std::string(Type::kKind)];  \
    r.parser = parser_;                   \
    next_.Add(std::move(r));              \
  }
  MFX_RECORD_TYPES(MFX_COUNT_ADD_)
#undef MFX_COUNT_ADD_

 private:
  RecordSink& next_;
  std::map<std::string, int64_t>& counts_;
  std::string parser_;
};

std::string SafeName(std::string s) {
  for (char& c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_')) c = '_';
  }
  return s.substr(0, 100);
}

// Every located (domain, path) for one spec.
std::vector<std::pair<std::string, std::string>> Locate(const InputSpec& spec, const core::Env& env,
                                                        const std::vector<std::string>& all_paths) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!HasWildcard(spec.domain) && !HasWildcard(spec.path)) {
    // Listed is enough: a file the manifest names but whose payload is missing from the folder is
    // located, and opening it then reports it missing ("no input" would read as "not on the
    // device" when the backup is merely incomplete).
    const std::string full = spec.domain + "/" + spec.path;
    if (std::binary_search(all_paths.begin(), all_paths.end(), full) || env.Exists(full)) {
      out.emplace_back(spec.domain, spec.path);
    }
    return out;
  }
  for (const std::string& p : all_paths) {
    const size_t slash = p.find('/');
    if (slash == std::string::npos) continue;
    std::string_view domain(p.data(), slash);
    std::string_view rel(p.data() + slash + 1, p.size() - slash - 1);
    if (MatchPattern(spec.domain, domain) && MatchPattern(spec.path, rel)) {
      out.emplace_back(std::string(domain), std::string(rel));
    }
  }
  return out;
}

}  // namespace

std::string_view ParserStatusName(ParserRun::Status s) {
  switch (s) {
    case ParserRun::Status::kOk: return "ok";
    case ParserRun::Status::kNoInput: return "no input";
    case ParserRun::Status::kFailed: return "failed";
    case ParserRun::Status::kUnsupported: return "unsupported";
    case ParserRun::Status::kPartial: return "partial";
  }
  return "unknown";
}

std::vector<ParserRun> RunParsers(const std::vector<ParserModule>& modules, const core::Env& env,
                                  const EvidenceFacts& facts, RecordSink& sink,
                                  const RunOptions& options) {
  std::vector<const ParserModule*> selected;
  for (const auto& m : modules) {
    if (options.only.empty() || std::find(options.only.begin(), options.only.end(), m.name) != options.only.end()) {
      selected.push_back(&m);
    }
  }
  const std::vector<std::string> all_paths = env.List();
  std::vector<ParserRun> runs(selected.size());
  std::mutex observer_mu;

  struct Located {
    const InputSpec* spec;
    std::string domain, path;
  };
  // Locate every module's inputs first: their sizes set the order the modules start in.
  std::vector<std::vector<Located>> located_of(selected.size());
  std::vector<uint64_t> input_bytes(selected.size(), 0);
  for (size_t i = 0; i < selected.size(); ++i) {
    for (const InputSpec& spec : selected[i]->inputs) {
      for (auto& [domain, path] : Locate(spec, env, all_paths)) {
        const std::string full = domain + "/" + path;
        for (const std::string& name : {full, full + "-wal"}) {
          if (auto st = env.Stat(name)) input_bytes[i] += st->size;
        }
        located_of[i].push_back({&spec, domain, path});
      }
    }
  }
  // Largest inputs first (longest-processing-time-first): a big database started last would
  // leave one core working alone at the end (with sms.db last, a 200k-message backup spent
  // 1.2 s of its 2 s parse on one core). Ties keep the registration order; `runs` keeps it too.
  std::vector<size_t> order(selected.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return input_bytes[a] > input_bytes[b]; });
  std::atomic<size_t> next{0};

  auto run_one = [&](size_t index) {
    const ParserModule& m = *selected[index];
    ParserRun& run = runs[index];
    run.name = m.name;
    run.version = m.version;
    const auto started = std::chrono::steady_clock::now();
    ParserInputs inputs;
    std::vector<std::unique_ptr<core::SqliteDb>> dbs;
    std::vector<std::unique_ptr<core::RandomAccessFile>> files;
    std::filesystem::path work = options.scratch / SafeName(m.name);
    std::error_code ec;
    std::filesystem::create_directories(work, ec);
    const std::vector<Located>& located = located_of[index];
    size_t copy_index = 0;
    for (const Located& l : located) {
      const std::string full = l.domain + "/" + l.path;
      ParserInput in;
      in.spec = l.spec;
      in.domain = l.domain;
      in.path = l.path;
      in.file_id = backup::ComputeFileId(l.domain, l.path);
      InputUse use;
      use.path = full;
      use.file_id = in.file_id;
      if (l.spec->kind == InputSpec::Kind::kSqlite) {
        const std::string target = std::to_string(copy_index++) + "-" +
                                   SafeName(std::filesystem::path(l.path).filename().string());
        auto copy = core::CopyDatabaseToScratch(env, full, work, target);
        if (!copy) {
          run.issues.push_back({ParserIssue::Kind::kMissingInput, full, {}, {},
                                "working copy failed: " + copy.error().ToString()});
          continue;
        }
        use.copies = copy->files;
        use.rolled_back_sha256 = copy->rolled_back_sha256;
        if (!use.rolled_back_sha256.empty()) {
          run.issues.push_back({ParserIssue::Kind::kWarning, full, {}, {},
                                "hot rollback journal: a transaction was cut off before it committed; SQLite "
                                "rolled it back on the working copy (SHA-256 afterwards " +
                                    use.rolled_back_sha256 +
                                    "), so the database is read as of its last commit and the unfinished "
                                    "changes are not read (the evidence is unchanged)"});
        }
        if (!use.copies.empty()) {
          use.sha256 = use.copies.front().sha256;
          use.size = use.copies.front().size;
        }
        auto db = core::SqliteDb::OpenReadOnly(copy->db_path, full);
        if (options.on_working_copy) {
          std::lock_guard lock(observer_mu);
          options.on_working_copy(run, use);
        }
        run.inputs.push_back(std::move(use));
        if (!db) {
          run.issues.push_back({ParserIssue::Kind::kMissingInput, full, {}, {},
                                "not a readable SQLite database: " + db.error().ToString()});
          continue;
        }
        in.db = db->get();
        dbs.push_back(std::move(*db));
      } else {
        auto f = env.Open(full);
        if (!f) {
          run.issues.push_back({ParserIssue::Kind::kMissingInput, full, {}, {}, f.error().ToString()});
          continue;
        }
        // Hash what the parser will see (plists and the like are small).
        core::Hasher h(core::HashAlgorithm::kSha256);
        std::vector<uint8_t> buf(1 << 16);
        uint64_t size = 0;
        auto st = core::ForEachChunk(**f, buf, [&](ByteSpan c) -> Status {
          h.Update(c);
          size += c.size();
          return {};
        });
        use.sha256 = st ? h.FinishHex() : "";
        use.size = size;
        run.inputs.push_back(std::move(use));
        in.file = f->get();
        files.push_back(std::move(*f));
      }
      inputs.all().push_back(std::move(in));
    }
    if (inputs.all().empty()) {
      run.status = located.empty() ? ParserRun::Status::kNoInput : ParserRun::Status::kFailed;
      if (!located.empty()) {
        run.error = "no input could be opened";
        for (const auto& i : run.issues) {
          if (i.kind == ParserIssue::Kind::kMissingInput) {
            run.error += ": " + i.message;
            break;
          }
        }
      }
    } else {
      CountingSink counting(sink, run.counts, m.name + "/" + m.version);
      ParserContext ctx(counting, env, facts);
      Status st;
      try {
        st = m.parse(inputs, ctx);
      } catch (const std::exception& e) {
        st = Fail(ErrorCode::kInternal, std::string("exception in parser (a bug): ") + e.what());
      }
      run.issues.insert(run.issues.end(), ctx.issues().begin(), ctx.issues().end());
      if (!st) {
        run.status = ParserRun::Status::kFailed;
        run.error = st.error().ToString();
      } else {
        bool unsupported = false, corrupt = false;
        for (const auto& i : run.issues) {
          unsupported |= i.kind == ParserIssue::Kind::kUnsupported;
          corrupt |= i.kind == ParserIssue::Kind::kCorruptRow || i.kind == ParserIssue::Kind::kMissingInput;
        }
        run.status = unsupported && run.counts.empty() ? ParserRun::Status::kUnsupported
                     : (unsupported || corrupt)        ? ParserRun::Status::kPartial
                                                       : ParserRun::Status::kOk;
      }
    }
    dbs.clear();
    std::filesystem::remove_all(work, ec);
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };

  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < selected.size();) run_one(order[i]);
  };
  const unsigned n = std::max(1u, std::min<unsigned>(options.threads, static_cast<unsigned>(selected.size())));
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < n; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  return runs;
}

}  // namespace mfx::parsers
