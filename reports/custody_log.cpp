#include "reports/custody_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "core/crypto.h"
#include "core/file_util.h"
#include "mfx/version.h"
#include "reports/custody_host.h"

namespace mfx::reports {
namespace {

using json = nlohmann::json;

constexpr int64_t kMaxSafeInteger = int64_t{1} << 53;
constexpr size_t kMaxLogBytes = size_t{1} << 30;

// The caller-settable top-level fields of an event, with their defaults.
const std::map<std::string, json>& OptionalFields() {
  static const std::map<std::string, json> kFields = {
      {"evidence_id", nullptr},    {"root_evidence_id", nullptr},
      {"from_custodian", nullptr}, {"to_custodian", nullptr},
      {"location", nullptr},       {"purpose", nullptr},
      {"authority_ref", nullptr},  {"item", nullptr},
      {"hashes", json::array()},   {"changes", nullptr},
      {"detail", json::object()},  {"actor", nullptr},
  };
  return kFields;
}

std::string Errno(int err) { return std::strerror(err); }

bool ValidKey(const std::string& key) {
  if (key.empty()) return false;
  for (unsigned char c : key) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

Status CheckCanonicalValue(const json& v, const std::string& where) {
  switch (v.type()) {
    case json::value_t::object:
      for (const auto& [key, child] : v.items()) {
        const std::string path = where.empty() ? key : where + "." + key;
        if (!ValidKey(key)) {
          return Fail(ErrorCode::kInvalidArgument,
                      "key '" + SanitizeUtf8(path) + "' is not in [a-z0-9_] (canonical JSON)");
        }
        MFX_RETURN_IF_ERROR(CheckCanonicalValue(child, path));
      }
      return {};
    case json::value_t::array: {
      size_t i = 0;
      for (const auto& child : v) {
        MFX_RETURN_IF_ERROR(CheckCanonicalValue(child, where + "[" + std::to_string(i++) + "]"));
      }
      return {};
    }
    case json::value_t::string:
      if (!IsValidUtf8(v.get_ref<const std::string&>())) {
        return Fail(ErrorCode::kInvalidArgument, "'" + where + "' is not valid UTF-8");
      }
      return {};
    case json::value_t::number_integer: {
      const int64_t n = v.get<int64_t>();
      if (n > kMaxSafeInteger || n < -kMaxSafeInteger) {
        return Fail(ErrorCode::kInvalidArgument, "'" + where + "' is outside ±2^53");
      }
      return {};
    }
    case json::value_t::number_unsigned:
      if (v.get<uint64_t>() > static_cast<uint64_t>(kMaxSafeInteger)) {
        return Fail(ErrorCode::kInvalidArgument, "'" + where + "' is outside ±2^53");
      }
      return {};
    case json::value_t::number_float:
      return Fail(ErrorCode::kInvalidArgument,
                  "'" + where + "' is a float: custody numbers are integers (ms, bytes)");
    case json::value_t::binary:
    case json::value_t::discarded:
      return Fail(ErrorCode::kInvalidArgument, "'" + where + "' is not a JSON value");
    case json::value_t::null:
    case json::value_t::boolean:
      return {};
  }
  return {};
}

struct FdCloser {
  int fd = -1;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

// Holds flock on fd until destruction.
class FileLock {
 public:
  static Result<FileLock> Take(int fd, int operation, const std::string& name) {
    while (::flock(fd, operation) != 0) {
      if (errno == EINTR) continue;
      return Fail(ErrorCode::kIo, name + ": flock: " + Errno(errno));
    }
    return FileLock(fd);
  }
  FileLock(FileLock&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  FileLock& operator=(FileLock&&) = delete;
  ~FileLock() {
    if (fd_ >= 0) ::flock(fd_, LOCK_UN);
  }

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

Result<std::string> PreadRange(int fd, uint64_t offset, size_t length, const std::string& name) {
  std::string out(length, '\0');
  size_t done = 0;
  while (done < length) {
    const ssize_t n =
        ::pread(fd, out.data() + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail(ErrorCode::kIo, name + ": read: " + Errno(errno));
    }
    if (n == 0) return Fail(ErrorCode::kIo, name + ": shrank while being read");
    done += static_cast<size_t>(n);
  }
  return out;
}

// Checks one complete line (without its "\n"); appends findings. index = its 0-based line number.
CustodyEntry CheckLine(std::string_view line, int64_t index, std::string_view display,
                       std::vector<Finding>& findings) {
  CustodyEntry entry;
  entry.seq = index;
  auto finding = [&](std::string code, std::string message, std::string expected = {},
                     std::string actual = {}) {
    findings.push_back(Finding{std::move(code), FindingClass::kIntegrity, std::string(display),
                               index, std::move(expected), std::move(actual), std::move(message)});
  };
  json v = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (v.is_discarded() || !v.is_object()) {
    finding("custody_unparseable", "the line is not a JSON object");
    return entry;
  }
  entry.value = v;
  if (auto e = v.find("event"); e != v.end() && e->is_string()) entry.event = e->get<std::string>();
  if (auto h = v.find("entry_sha256"); h != v.end() && h->is_string()) {
    entry.entry_sha256 = h->get<std::string>();
  }
  auto canonical = CanonicalJson(v);
  if (!canonical) {
    finding("custody_not_canonical", "the line cannot be canonical: " + canonical.error().message);
  } else if (*canonical != line) {
    finding("custody_not_canonical",
            "the line differs from its canonical form (edited: whitespace, key order, escapes or "
            "content)");
  }
  if (auto s = v.find("schema"); s == v.end() || *s != kCustodySchema) {
    finding("custody_schema", "unknown or missing schema", kCustodySchema,
            s == v.end() ? std::string() : s->dump());
  }
  if (auto s = v.find("seq");
      s == v.end() || !s->is_number_integer() || s->get<int64_t>() != index) {
    finding("custody_seq",
            "seq does not equal the line number (a line was removed, added or moved)",
            std::to_string(index), s == v.end() ? std::string() : s->dump());
  }
  if (entry.entry_sha256.empty()) {
    finding("custody_entry_hash", "entry_sha256 is missing");
  } else if (auto h = EntrySha256(v); h && *h != entry.entry_sha256) {
    finding("custody_entry_hash", "entry_sha256 does not match the line's content", *h,
            entry.entry_sha256);
  }
  return entry;
}

}  // namespace

Result<std::string> CanonicalJson(const json& value) {
  MFX_RETURN_IF_ERROR(CheckCanonicalValue(value, ""));
  try {
    return value.dump();
  } catch (const json::exception& e) {
    return Fail(ErrorCode::kInternal, std::string("canonical JSON: ") + e.what());
  }
}

json SanitizeJsonStrings(const json& value) {
  switch (value.type()) {
    case json::value_t::object: {
      json out = json::object();
      for (const auto& [key, child] : value.items())
        out[SanitizeUtf8(key)] = SanitizeJsonStrings(child);
      return out;
    }
    case json::value_t::array: {
      json out = json::array();
      for (const auto& child : value) out.push_back(SanitizeJsonStrings(child));
      return out;
    }
    case json::value_t::string:
      return SanitizeUtf8(value.get_ref<const std::string&>());
    default:
      return value;
  }
}

json HashRef(std::string_view of, std::string_view sha256_hex) {
  return json{{"alg", "SHA-256"}, {"of", std::string(of)}, {"value", std::string(sha256_hex)}};
}

Result<std::string> EntrySha256(const json& event) {
  if (!event.is_object()) return Fail(ErrorCode::kInvalidArgument, "an event is a JSON object");
  json copy = event;
  copy.erase("entry_sha256");
  MFX_ASSIGN_OR_RETURN(std::string canonical, CanonicalJson(copy));
  return core::Sha256Hex(AsBytes(canonical));
}

CustodyLog::CustodyLog(std::filesystem::path path, int fd, CustodyIdentity identity)
    : path_(std::move(path)), fd_(fd), identity_(std::move(identity)) {}

CustodyLog::~CustodyLog() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<CustodyLog>> CustodyLog::Open(const std::filesystem::path& path,
                                                     CustodyIdentity identity) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT) {
    fd =
        ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_CREAT | O_EXCL, 0644);
    if (fd < 0 && errno == EEXIST) {
      fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
    } else if (fd >= 0) {
      // Make the new directory entry durable.
      const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
      const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
      }
    }
  }
  if (fd < 0) return Fail(ErrorCode::kIo, path.string() + ": " + Errno(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Fail(ErrorCode::kInvalidArgument, path.string() + ": not a regular file");
  }
  if (identity.actor.is_null()) identity.actor = json::object();
  for (const char* k : {"name", "id", "role", "org", "cert_sha256"}) {
    if (!identity.actor.contains(k)) identity.actor[k] = nullptr;
  }
  identity.actor = SanitizeJsonStrings(identity.actor);
  identity.case_number = SanitizeUtf8(identity.case_number);
  MFX_RETURN_IF_ERROR(CheckNoSecretFieldNames(identity.actor, "actor"));
  MFX_RETURN_IF_ERROR(CheckCanonicalValue(identity.actor, "actor"));
  return std::unique_ptr<CustodyLog>(new CustodyLog(path, fd, std::move(identity)));
}

namespace {

// Reads and verifies the last line of the file open as read_fd (size bytes). Returns the head;
// kIntegrity on a torn or broken last line.
Result<CustodyHead> ReadVerifiedTail(int read_fd, uint64_t size, const std::string& name) {
  CustodyHead head;
  head.bytes = size;
  if (size == 0) return head;
  MFX_ASSIGN_OR_RETURN(std::string last_byte, PreadRange(read_fd, size - 1, 1, name));
  if (last_byte != "\n") {
    return Fail(ErrorCode::kIntegrity,
                name +
                    ": the last line is torn (no final newline): refusing to append; the log is "
                    "never truncated or repaired — run mfx verify and keep the file as it is");
  }
  // Find the start of the last line, reading backwards.
  const uint64_t end = size - 1;  // position of the final '\n'
  std::string tail;
  constexpr uint64_t kChunk = 64 * 1024;
  uint64_t pos = end;
  bool found = false;
  while (pos > 0 && !found) {
    const uint64_t from = pos > kChunk ? pos - kChunk : 0;
    MFX_ASSIGN_OR_RETURN(std::string chunk,
                         PreadRange(read_fd, from, static_cast<size_t>(pos - from), name));
    const size_t nl = chunk.rfind('\n');
    if (nl != std::string::npos) {
      tail = chunk.substr(nl + 1) + tail;
      found = true;
    } else {
      tail = chunk + tail;
    }
    pos = from;
    if (tail.size() > kMaxLogBytes)
      return Fail(ErrorCode::kIntegrity, name + ": last line too long");
  }
  std::vector<Finding> findings;
  // The line's index is unknown without reading the whole file: check it against its own seq.
  json v = json::parse(tail, nullptr, false);
  int64_t claimed = -1;
  if (!v.is_discarded() && v.is_object()) {
    if (auto s = v.find("seq"); s != v.end() && s->is_number_integer()) claimed = s->get<int64_t>();
  }
  CustodyEntry entry = CheckLine(tail, claimed, name, findings);
  if (claimed < 0 || !findings.empty() || entry.entry_sha256.size() != 64) {
    std::string why = findings.empty() ? "no valid seq" : findings.front().message;
    return Fail(ErrorCode::kIntegrity,
                name + ": the last line is broken (" + why +
                    "): refusing to append; run mfx verify and keep the file as it is");
  }
  head.seq = claimed;
  head.lines = static_cast<uint64_t>(claimed) + 1;
  head.sha256 = entry.entry_sha256;
  return head;
}

}  // namespace

Result<CustodyHead> CustodyLog::Append(std::string_view event, json fields) {
  const std::string name = path_.string();
  if (event.empty() || !(event[0] >= 'a' && event[0] <= 'z') || !ValidKey(std::string(event))) {
    return Fail(ErrorCode::kInvalidArgument, "custody event name '" + SanitizeUtf8(event) +
                                                 "' is not of the form [a-z][a-z0-9_]*");
  }
  if (fields.is_null()) fields = json::object();
  if (!fields.is_object()) {
    return Fail(ErrorCode::kInvalidArgument, "custody event fields must be a JSON object");
  }
  for (const auto& [key, value] : fields.items()) {
    if (!OptionalFields().count(key)) {
      return Fail(
          ErrorCode::kInvalidArgument,
          "custody field '" + SanitizeUtf8(key) +
              "' cannot be set by a caller (allowed: evidence_id, root_evidence_id, actor, "
              "from_custodian, to_custodian, location, purpose, authority_ref, item, hashes, "
              "changes, detail)");
    }
  }
  MFX_RETURN_IF_ERROR(CheckNoSecretFieldNames(fields));
  fields = SanitizeJsonStrings(fields);
  MFX_RETURN_IF_ERROR(CheckCanonicalValue(fields, ""));
  if (fields.contains("hashes") && !fields["hashes"].is_array()) {
    return Fail(ErrorCode::kInvalidArgument, "custody field 'hashes' must be an array");
  }

  json e = json::object();
  for (const auto& [key, def] : OptionalFields()) e[key] = fields.contains(key) ? fields[key] : def;
  if (e["actor"].is_null()) {
    e["actor"] = identity_.actor;
  } else if (e["actor"].is_object()) {
    for (const char* k : {"name", "id", "role", "org", "cert_sha256"}) {
      if (!e["actor"].contains(k)) e["actor"][k] = nullptr;
    }
  }
  e["schema"] = kCustodySchema;
  e["event"] = std::string(event);
  e["case_number"] = identity_.case_number;
  e["tool"] = {{"name", "mfx"}, {"version", kVersion}, {"build", kGitSha}};
  MFX_ASSIGN_OR_RETURN(std::string uuid, NewUrnUuid());
  e["event_id"] = uuid;

  MFX_ASSIGN_OR_RETURN(FileLock lock, FileLock::Take(fd_, LOCK_EX, name));
  FdCloser reader{::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)};
  if (reader.fd < 0) return Fail(ErrorCode::kIo, name + ": " + Errno(errno));
  struct stat wst {
  }, rst{};
  if (::fstat(fd_, &wst) != 0 || ::fstat(reader.fd, &rst) != 0) {
    return Fail(ErrorCode::kIo, name + ": stat: " + Errno(errno));
  }
  if (wst.st_dev != rst.st_dev || wst.st_ino != rst.st_ino) {
    return Fail(ErrorCode::kIntegrity,
                name + ": the file was replaced while open: refusing to append");
  }
  MFX_ASSIGN_OR_RETURN(CustodyHead prev,
                       ReadVerifiedTail(reader.fd, static_cast<uint64_t>(rst.st_size), name));

  const HostTime now = HostNow();
  e["time"] = now.utc;
  e["time_offset"] = now.utc_offset;
  e["clock"] = HostClockJson();
  e["seq"] = prev.seq + 1;
  e["prev_sha256"] = prev.sha256;
  MFX_ASSIGN_OR_RETURN(std::string entry_hash, EntrySha256(e));
  e["entry_sha256"] = entry_hash;
  MFX_ASSIGN_OR_RETURN(std::string line, CanonicalJson(e));
  if (guard_ != nullptr)
    MFX_RETURN_IF_ERROR(guard_->Check(line, "custody event '" + std::string(event) + "'"));
  line.push_back('\n');

  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail(ErrorCode::kIo,
                  name + ": write: " + Errno(errno) +
                      (done ? " (the line is torn; the log now refuses appends)" : ""));
    }
    done += static_cast<size_t>(n);
  }
  if (::fdatasync(fd_) != 0) return Fail(ErrorCode::kIo, name + ": fdatasync: " + Errno(errno));

  CustodyHead head;
  head.seq = prev.seq + 1;
  head.sha256 = entry_hash;
  head.lines = static_cast<uint64_t>(head.seq) + 1;
  head.bytes = static_cast<uint64_t>(rst.st_size) + line.size();
  return head;
}

Result<CustodyHead> CustodyLog::Head() const {
  const std::string name = path_.string();
  FdCloser reader{::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)};
  if (reader.fd < 0) return Fail(ErrorCode::kIo, name + ": " + Errno(errno));
  MFX_ASSIGN_OR_RETURN(FileLock lock, FileLock::Take(reader.fd, LOCK_SH, name));
  struct stat st {};
  if (::fstat(reader.fd, &st) != 0) return Fail(ErrorCode::kIo, name + ": stat: " + Errno(errno));
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  MFX_ASSIGN_OR_RETURN(CustodyHead head, ReadVerifiedTail(reader.fd, size, name));
  core::Hasher hasher(core::HashAlgorithm::kSha256);
  uint64_t offset = 0;
  while (offset < size) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(size - offset, 1 << 20));
    MFX_ASSIGN_OR_RETURN(std::string chunk, PreadRange(reader.fd, offset, n, name));
    hasher.Update(AsBytes(chunk));
    offset += n;
  }
  head.prefix_sha256 = hasher.FinishHex();
  return head;
}

Result<CustodyChainReport> VerifyCustodyChain(const std::filesystem::path& path,
                                              std::string_view display_path) {
  CustodyChainReport report;
  MFX_ASSIGN_OR_RETURN(report.bytes, core::ReadTextFile(path, kMaxLogBytes));
  const std::string& b = report.bytes;
  size_t start = 0;
  int64_t index = 0;
  std::string prev_hash(kZeroSha256);
  bool prev_known = true;
  while (start < b.size()) {
    const size_t nl = b.find('\n', start);
    if (nl == std::string::npos) {
      report.torn_tail = true;
      report.findings.push_back(Finding{"custody_torn_tail", FindingClass::kIntegrity,
                                        std::string(display_path), index, "", "",
                                        "the file ends inside a line (no final newline)"});
      break;
    }
    const std::string_view line(b.data() + start, nl - start);
    CustodyEntry entry = CheckLine(line, index, display_path, report.findings);
    entry.end_offset = nl + 1;
    if (!entry.value.is_null()) {
      const auto p = entry.value.find("prev_sha256");
      const std::string stored =
          p != entry.value.end() && p->is_string() ? p->get<std::string>() : "";
      if (prev_known && stored != prev_hash) {
        report.findings.push_back(Finding{
            "custody_prev_link", FindingClass::kIntegrity, std::string(display_path), index,
            prev_hash, stored,
            index == 0
                ? "the first line's prev_sha256 must be 64 zeros"
                : "prev_sha256 does not equal the previous line's entry_sha256 (lines removed, "
                  "inserted, reordered or rewritten)"});
      }
    }
    prev_known = !entry.entry_sha256.empty();
    prev_hash = entry.entry_sha256;
    report.entries.push_back(std::move(entry));
    start = nl + 1;
    ++index;
  }
  return report;
}

}  // namespace mfx::reports
