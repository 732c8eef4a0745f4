#include "parsers/apps/apps_parser.h"

#include <algorithm>
#include <map>

#include "core/plist.h"
#include "parsers/backup/backup.h"

namespace mfx::parsers::apps {
namespace {

using core::PlistValue;

constexpr std::string_view kInfo = "Info.plist";
constexpr std::string_view kManifest = "Manifest.plist";
constexpr std::string_view kDomains = "backup domains";
constexpr std::string_view kAppDomainPrefix = "AppDomain-";

Result<PlistValue> ReadPlist(const ParserInput& in) {
  MFX_ASSIGN_OR_RETURN(Bytes bytes, core::ReadAll(*in.file, backup::kMaxRootPlistBytes));
  MFX_ASSIGN_OR_RETURN(PlistValue p, core::ParsePlist(bytes, in.domain + "/" + in.path));
  if (!p.is_dict()) {
    return Fail(ErrorCode::kCorrupt, in.domain + "/" + in.path + ": top level is a " +
                                         std::string(p.TypeName()) + ", not a dict");
  }
  return p;
}

Provenance RootSource(const ParserInput& in, std::string key_path) {
  Provenance p = in.PlistSource(std::move(key_path));
  p.file_id.clear();  // root plists have no manifest row, hence no fileID
  return p;
}

const std::string* Str(const PlistValue& dict, std::string_view key) {
  const PlistValue* v = dict.Find(key);
  return v ? v->AsString() : nullptr;
}

OptString OptStr(const PlistValue& dict, std::string_view key) {
  if (const std::string* s = Str(dict, key)) return *s;
  return std::nullopt;
}

// A plist date, or an ISO 8601 string (iTunesMetadata purchaseDate is a string: "2023-01-10T08:00:00Z").
OptTime DateValue(const PlistValue* v) {
  if (v == nullptr) return std::nullopt;
  if (auto d = v->AsDate()) return core::FromPlistDate(d->cocoa_seconds);
  if (const auto* s = v->AsString()) return core::ParseIsoTime(*s);
  return std::nullopt;
}

// storeCohort "10|date=1587474000000&sf=…": the install time. Devices write milliseconds
// (13 digits); iLEAPP reads only the first 10 digits as seconds. Values below 1e11 cannot be
// milliseconds of a date after 1973, so they are read as seconds.
OptTime StoreCohortDate(std::string_view cohort) {
  const size_t at = cohort.find("date=");
  if (at == std::string_view::npos) return std::nullopt;
  size_t i = at + 5;
  int64_t v = 0;
  size_t digits = 0;
  while (i < cohort.size() && cohort[i] >= '0' && cohort[i] <= '9' && digits < 18) {
    v = v * 10 + (cohort[i] - '0');
    ++i;
    ++digits;
  }
  if (digits == 0) return std::nullopt;
  return v >= 100'000'000'000 ? core::FromUnixMillis(v) : core::FromUnixSeconds(v);
}

struct Found {
  App app;
  bool have_source = false;
};

class Collector {
 public:
  App& Get(const std::string& bundle) {
    auto [it, inserted] = index_.emplace(bundle, found_.size());
    if (inserted) {
      found_.emplace_back();
      found_.back().app.app = "Apps";
      found_.back().app.bundle_id = bundle;
    }
    return found_[it->second].app;
  }
  void SeenIn(const std::string& bundle, std::string_view where, const Provenance& source) {
    Found& f = found_[index_.at(bundle)];
    auto& seen = f.app.seen_in;
    if (std::find(seen.begin(), seen.end(), where) == seen.end()) seen.emplace_back(where);
    if (!f.have_source) {
      f.app.source = source;
      f.have_source = true;
    }
  }
  std::vector<Found>& found() { return found_; }

 private:
  std::map<std::string, size_t> index_;
  std::vector<Found> found_;
};

// Fills the App from iTunesMetadata (a nested plist, or a dict in some writers).
void ApplyMetadata(const PlistValue& md, App& app) {
  app.name = OptStr(md, "itemName");
  if (!app.name) app.name = OptStr(md, "bundleDisplayName");
  app.version = OptStr(md, "bundleShortVersionString");
  if (!app.version) app.version = OptStr(md, "bundleVersion");
  app.vendor = OptStr(md, "artistName");
  app.source_app = OptStr(md, "sourceApp");
  const PlistValue* download = md.Find("com.apple.iTunesStore.downloadInfo");
  if (download != nullptr) {
    if (const PlistValue* account = download->Find("accountInfo")) app.apple_id = OptStr(*account, "AppleID");
    app.purchased = DateValue(download->Find("purchaseDate"));
  }
  if (!app.apple_id) app.apple_id = OptStr(md, "appleId");
  if (!app.purchased) app.purchased = DateValue(md.Find("purchaseDate"));
  if (const std::string* cohort = Str(md, "storeCohort")) app.installed = StoreCohortDate(*cohort);
}

void ReadInfo(const ParserInput& in, const PlistValue& info, Collector& apps, ParserContext& ctx) {
  // "Applications" first: it is the richer source of the two.
  if (const PlistValue* dict = info.Find("Applications"); dict && dict->AsDict()) {
    for (const auto& [bundle, entry] : *dict->AsDict()) {
      const std::string key = "Applications/" + bundle;
      App& app = apps.Get(bundle);
      Provenance source = RootSource(in, key);
      if (const PlistValue* md = entry.Find("iTunesMetadata")) {
        if (const Bytes* data = md->AsData()) {
          auto parsed = core::ParsePlist(*data, key + "/iTunesMetadata");
          if (parsed && parsed->is_dict()) {
            ApplyMetadata(*parsed, app);
            source.decode_chain = "iTunesMetadata → plist";
          } else {
            ctx.Corrupt(in, "", key + "/iTunesMetadata",
                        parsed ? "iTunesMetadata is not a dict" : parsed.error().message);
          }
        } else if (md->is_dict()) {
          ApplyMetadata(*md, app);
        }
      }
      apps.SeenIn(bundle, kInfo, source);
    }
  }
  if (const PlistValue* installed = info.Find("Installed Applications"); installed && installed->AsArray()) {
    const auto& list = *installed->AsArray();
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string key = "Installed Applications/" + std::to_string(i);
      const std::string* bundle = list[i].AsString();
      if (bundle == nullptr || bundle->empty()) {
        ctx.Corrupt(in, "", key, "not a bundle id string (" + std::string(list[i].TypeName()) + ")");
        continue;
      }
      apps.Get(*bundle);
      apps.SeenIn(*bundle, kInfo, RootSource(in, key));
    }
  }
}

void ReadManifest(const ParserInput& in, const PlistValue& manifest, Collector& apps, ParserContext& ctx) {
  const PlistValue* dict = manifest.Find("Applications");
  if (dict == nullptr || dict->AsDict() == nullptr) return;
  for (const auto& [bundle, entry] : *dict->AsDict()) {
    const std::string key = "Applications/" + bundle;
    if (!entry.is_dict()) {
      ctx.Corrupt(in, "", key, "not a dict (" + std::string(entry.TypeName()) + ")");
      continue;
    }
    // Groups ("Shared/AppGroup") and extensions ("Data/PluginKitPlugin") share this dict.
    if (const std::string* cls = Str(entry, "ContainerContentClass")) {
      if (*cls != "Data/Application") continue;
    } else if (bundle.starts_with("group.")) {
      continue;
    }
    apps.Get(bundle);
    apps.SeenIn(bundle, kManifest, RootSource(in, key));
  }
}

Status Parse(const ParserInputs& inputs, ParserContext& ctx) {
  Collector apps;
  if (const ParserInput* in = inputs.First("info")) {
    auto p = ReadPlist(*in);
    if (p) ReadInfo(*in, *p, apps, ctx);
    else ctx.Corrupt(*in, "", "", p.error().message);
  }
  if (const ParserInput* in = inputs.First("manifest")) {
    auto p = ReadPlist(*in);
    if (p) ReadManifest(*in, *p, apps, ctx);
    else ctx.Corrupt(*in, "", "", p.error().message);
  }
  // Containers in the backup: "AppDomain-<bundle>/…" (AppDomainGroup-/AppDomainPlugin- do not
  // match the prefix). The Env lists regular files, so a container without files is not seen here.
  std::string last;
  for (const std::string& path : ctx.env().List(kAppDomainPrefix)) {
    const size_t slash = path.find('/');
    if (slash == std::string::npos || slash <= kAppDomainPrefix.size()) continue;
    const std::string_view domain(path.data(), slash);
    if (domain == last) continue;
    last = std::string(domain);
    const std::string bundle(domain.substr(kAppDomainPrefix.size()));
    apps.Get(bundle);
    // The container's evidence is its first file in the manifest: name it, so the record can be
    // traced to a row of the backup's file list like any other.
    const std::string relative = path.substr(slash + 1);
    apps.SeenIn(bundle, kDomains,
                Provenance{last, relative, backup::ComputeFileId(last, relative), std::nullopt, {},
                           "app container: first file of the domain in the backup's file list"});
  }
  for (Found& f : apps.found()) {
    App& app = f.app;
    app.time = app.installed ? app.installed : app.purchased;
    ctx.sink().Add(std::move(app));
  }
  return {};
}

}  // namespace

ParserModule AppsParser() {
  const std::string root(backup::kBackupRootDomain);
  return ParserModule{
      "apps",
      "1.0",
      "Apps",
      {
          {"info", root, "Info.plist", InputSpec::Kind::kFile},
          {"manifest", root, "Manifest.plist", InputSpec::Kind::kFile},
      },
      Parse,
  };
}

}  // namespace mfx::parsers::apps
