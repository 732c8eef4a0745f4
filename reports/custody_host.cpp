#include "reports/custody_host.h"

#include <dlfcn.h>
#include <link.h>
#include <pwd.h>
#include <sys/timex.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <vector>

#include <openssl/crypto.h>
#include <sqlite3.h>

#include "core/bytes.h"
#include "core/crypto.h"
#include "core/time.h"

namespace mfx::reports {
namespace {

std::string FormatOffset(long gmtoff_seconds) {
  const char sign = gmtoff_seconds < 0 ? '-' : '+';
  const long a = gmtoff_seconds < 0 ? -gmtoff_seconds : gmtoff_seconds;
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%c%02ld:%02ld", sign, a / 3600, (a % 3600) / 60);
  return buf;
}

std::string FirstLine(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::string line;
  if (in) std::getline(in, line);
  return line;
}

std::string OsReleasePrettyName() {
  std::ifstream in("/etc/os-release");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("PRETTY_NAME=", 0) != 0) continue;
    std::string v = line.substr(12);
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'')) v = v.substr(1, v.size() - 2);
    return v;
  }
  return {};
}

int CollectLoaded(dl_phdr_info* info, size_t, void* data) {
  auto* names = static_cast<std::vector<std::string>*>(data);
  if (info->dlpi_name != nullptr && info->dlpi_name[0] != '\0')
    names->emplace_back(info->dlpi_name);
  return 0;
}

}  // namespace

std::string FormatUtcMillis(int64_t unix_millis) {
  int64_t secs = unix_millis / 1000;
  int64_t ms = unix_millis % 1000;
  if (ms < 0) {
    ms += 1000;
    secs -= 1;
  }
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    days -= 1;
  }
  const core::CivilDate d = core::CivilFromDays(days);
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                static_cast<long long>(d.year), d.month, d.day, static_cast<long long>(rem / 3600),
                static_cast<long long>((rem % 3600) / 60), static_cast<long long>(rem % 60),
                static_cast<long long>(ms));
  return buf;
}

HostTime HostNow() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  HostTime t;
  t.unix_millis = static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
  t.utc = FormatUtcMillis(t.unix_millis);
  std::tm local{};
  const time_t secs = ts.tv_sec;
  if (::localtime_r(&secs, &local) != nullptr) {
    t.utc_offset = FormatOffset(local.tm_gmtoff);
  } else {
    t.utc_offset = "+00:00";
  }
  return t;
}

nlohmann::json HostClockJson() {
  timex tx{};
  tx.modes = 0;  // read only
  const int state = ::ntp_adjtime(&tx);
  nlohmann::json clock{{"source", "host"}};
  if (state == -1) {
    clock["ntp_synced"] = nullptr;
  } else {
    clock["ntp_synced"] = state != TIME_ERROR && (tx.status & STA_UNSYNC) == 0;
  }
  return clock;
}

Result<std::string> NewUrnUuid() {
  std::array<uint8_t, 16> b{};
  MFX_RETURN_IF_ERROR(core::RandomBytes(b));
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);
  const std::string hex = HexEncode(b);
  return "urn:uuid:" + hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

HostFacts ReadHostFacts() {
  HostFacts f;
  utsname u{};
  std::string kernel;
  if (::uname(&u) == 0) {
    f.name = u.nodename;
    kernel = std::string(u.sysname) + " " + u.release + " " + u.machine;
  }
  const std::string pretty = OsReleasePrettyName();
  f.os = pretty.empty() ? kernel : kernel.empty() ? pretty : pretty + "; " + kernel;
  if (const passwd* pw = ::getpwuid(::geteuid()); pw != nullptr && pw->pw_name != nullptr) {
    f.user = pw->pw_name;
  } else if (const char* env = std::getenv("USER"); env != nullptr) {
    f.user = env;
  }
  if (const char* tz = std::getenv("TZ"); tz != nullptr && *tz != '\0') {
    f.time_zone = tz[0] == ':' ? tz + 1 : tz;
  } else if (std::string z = FirstLine("/etc/timezone"); !z.empty()) {
    f.time_zone = z;
  } else {
    std::error_code ec;
    const auto target = std::filesystem::read_symlink("/etc/localtime", ec);
    if (!ec) {
      const std::string s = target.generic_string();
      const auto pos = s.find("zoneinfo/");
      f.time_zone = pos == std::string::npos ? s : s.substr(pos + 9);
    }
  }
  // tzdata.zi starts with "# version 2025b".
  const std::string first = FirstLine("/usr/share/zoneinfo/tzdata.zi");
  if (first.rfind("# version ", 0) == 0) f.tzdata = first.substr(10);
  return f;
}

std::map<std::string, std::string> LibraryVersions() {
  std::map<std::string, std::string> out;
  out["openssl"] = OpenSSL_version(OPENSSL_VERSION_STRING);
  out["sqlite"] = sqlite3_libversion();
  struct Probe {
    const char* name;
    const char* version_symbol;  // const char* f(void), or nullptr
    const char* so_prefix;
  };
  static constexpr Probe kProbes[] = {
      {"cairo", "cairo_version_string", "libcairo.so"},
      {"pango", "pango_version_string", "libpango-1.0.so"},
      {"libplist", "libplist_version", "libplist-2.0.so"},
      {"libimobiledevice", "libimobiledevice_version", "libimobiledevice-1.0.so"},
  };
  std::vector<std::string> loaded;
  ::dl_iterate_phdr(CollectLoaded, &loaded);
  for (const Probe& p : kProbes) {
    if (p.version_symbol != nullptr) {
      if (void* sym = ::dlsym(RTLD_DEFAULT, p.version_symbol); sym != nullptr) {
        using VersionFn = const char* (*)();
        const char* v = reinterpret_cast<VersionFn>(sym)();
        if (v != nullptr) {
          out[p.name] = v;
          continue;
        }
      }
    }
    for (const std::string& path : loaded) {
      std::error_code ec;
      const auto real = std::filesystem::canonical(path, ec);
      const std::string base = (ec ? std::filesystem::path(path) : real).filename().string();
      if (base.rfind(p.so_prefix, 0) == 0) {
        out[p.name] = base;
        break;
      }
    }
  }
  return out;
}

}  // namespace mfx::reports
