#pragma once
// Facts about the examiner's machine that custody events and the manifest record: host time and
// clock state, host OS and name, tzdata version, the versions of the libraries mfx runs on, and
// random event ids. CUSTODY.md §6: custody times are host times; the clock's sync state is read
// from the kernel (ntp_adjtime) at each event, never assumed.
//
// Thread-safety: every function may be called from several threads.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace mfx::reports {

struct HostTime {
  int64_t unix_millis = 0;
  std::string utc;         // "2026-03-14T09:41:07.512Z" (always three fraction digits)
  std::string utc_offset;  // the host's local offset at that instant: "+01:00", "+00:00"
};

// The host clock now (CLOCK_REALTIME), truncated to milliseconds.
HostTime HostNow();
// Formats milliseconds since the Unix epoch as "YYYY-MM-DDTHH:MM:SS.mmmZ".
std::string FormatUtcMillis(int64_t unix_millis);

// {"source": "host", "ntp_synced": true|false|null}: null when the kernel refuses the query.
nlohmann::json HostClockJson();

// A random (version 4) UUID from OpenSSL's CSPRNG as "urn:uuid:xxxxxxxx-xxxx-4xxx-yxxx-…".
Result<std::string> NewUrnUuid();

struct HostFacts {
  std::string os;         // "Debian GNU/Linux 12 (bookworm); Linux 6.1.0-18-amd64 x86_64"
  std::string name;       // host name (uname nodename)
  std::string user;       // login name of the process owner, "" when unknown
  std::string time_zone;  // "Europe/Paris" (TZ, /etc/timezone or /etc/localtime), "" when unknown
  std::string tzdata;     // "2025b" (/usr/share/zoneinfo/tzdata.zi), "" when unknown
};
HostFacts ReadHostFacts();

// Library name → version of what this process actually runs on: "openssl", "sqlite" (runtime
// version calls) and, when loaded into the process, "cairo", "pango" (their version calls) and
// "libplist", "libimobiledevice" (which have no version call in the bookworm releases: the loaded
// shared object's file name, e.g. "libplist-2.0.so.3.3.0"). Libraries not linked are absent.
std::map<std::string, std::string> LibraryVersions();

}  // namespace mfx::reports
