#include "parsers/photos/photos_parser.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "parsers/coredata/coredata.h"

namespace mfx::parsers::photos {
namespace {

using coredata::DescribeColumns;
using coredata::EntityMap;
using coredata::MissingColumns;

constexpr double kNoLocation = -180.0;
constexpr std::string_view kMediaPrefix = "CameraRollDomain/Media/";

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

OptTime CocoaTime(const core::Statement& st, int col) {
  if (st.IsNull(col)) return std::nullopt;
  return core::FromCocoaSeconds(st.Real(col));
}

// "Z_28ASSETS" → 28 when the name is Z_<digits><suffix>; nullopt otherwise.
std::optional<int64_t> EntityOfName(std::string_view name, std::string_view suffix) {
  if (!name.starts_with("Z_") || !name.ends_with(suffix)) return std::nullopt;
  std::string_view digits = name.substr(2, name.size() - 2 - suffix.size());
  if (digits.empty() || digits.size() > 6) return std::nullopt;
  int64_t v = 0;
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

struct AlbumLink {
  std::string table, album_col, asset_col;
};

// Finds the album ↔ asset join table: Z_<a>ASSETS with columns Z_<a'>ALBUMS and Z_<b>ASSETS, where
// a, a' name album entities and b an asset entity in Z_PRIMARYKEY.
std::optional<AlbumLink> FindAlbumLink(const core::SqliteDb& db, const EntityMap& entities) {
  const auto album_ents = entities.EndingWith("Album");
  const auto asset_ents = entities.EndingWith("Asset");
  auto is = [](const std::vector<int64_t>& v, std::optional<int64_t> e) {
    return e && std::find(v.begin(), v.end(), *e) != v.end();
  };
  for (const std::string& table : db.Tables()) {
    if (!is(album_ents, EntityOfName(table, "ASSETS"))) continue;
    AlbumLink link{table, {}, {}};
    for (const auto& c : db.Columns(table)) {
      if (is(album_ents, EntityOfName(c.name, "ALBUMS"))) link.album_col = c.name;
      else if (is(asset_ents, EntityOfName(c.name, "ASSETS"))) link.asset_col = c.name;
    }
    if (!link.album_col.empty() && !link.asset_col.empty()) return link;
  }
  return std::nullopt;
}

void Parse(const ParserInput& in, ParserContext& ctx) {
  const core::SqliteDb& db = *in.db;
  const std::string asset = db.HasTable("ZASSET") ? "ZASSET" : db.HasTable("ZGENERICASSET") ? "ZGENERICASSET" : "";
  const auto missing =
      asset.empty() ? std::vector<std::string>{"ZASSET/ZGENERICASSET"}
                    : MissingColumns(db, asset, {"Z_PK", "ZFILENAME", "ZDIRECTORY", "ZDATECREATED"});
  if (!missing.empty()) {
    std::string tables;
    for (const auto& t : db.Tables()) tables += (tables.empty() ? "" : ", ") + t;
    ctx.Unsupported(in, "unknown Photos.sqlite schema (missing " + Join(missing) + "): " +
                            (asset.empty() ? "tables " + tables : asset + "(" + DescribeColumns(db, asset) + ")"));
    return;
  }
  auto has = [&](std::string_view c) { return db.HasColumn(asset, c); };
  auto col = [&](std::string_view c) { return has(c) ? "a." + std::string(c) : std::string("NULL"); };
  const bool has_location = has("ZLATITUDE") && has("ZLONGITUDE");
  if (!has_location) {
    ctx.Warning(in, asset + " has no ZLATITUDE/ZLONGITUDE (iOS 9 keeps the location only in the "
                            "ZLOCATIONDATA blob, which is not decoded): coordinates are null");
  }

  // ZADDITIONALASSETATTRIBUTES: joined by the asset's ZADDITIONALATTRIBUTES, else by its ZASSET.
  constexpr std::string_view kExtra = "ZADDITIONALASSETATTRIBUTES";
  const bool has_extra = db.HasTable(kExtra) && (has("ZADDITIONALATTRIBUTES") || db.HasColumn(kExtra, "ZASSET"));
  auto xcol = [&](std::string_view c) {
    return has_extra && db.HasColumn(kExtra, c) ? "x." + std::string(c) : std::string("NULL");
  };

  // Albums: one prefetch of (asset pk, album title).
  std::unordered_map<int64_t, std::vector<std::string>> albums;
  auto entities = EntityMap::Load(db);
  std::optional<AlbumLink> link;
  if (entities && db.HasColumn("ZGENERICALBUM", "ZTITLE")) link = FindAlbumLink(db, *entities);
  if (link) {
    auto st = db.Prepare("SELECT j." + link->asset_col + ", g.ZTITLE FROM " + link->table +
                         " j JOIN ZGENERICALBUM g ON g.Z_PK = j." + link->album_col +
                         " WHERE g.ZTITLE IS NOT NULL ORDER BY j." + link->asset_col + ", g.Z_PK");
    if (st) {
      for (;;) {
        auto row = st->Step();
        if (!row) {
          ctx.Corrupt(in, link->table, "", "reading albums stopped: " + row.error().message);
          break;
        }
        if (!*row) break;
        albums[st->Int(0)].emplace_back(st->Text(1));
      }
    }
  } else {
    ctx.Warning(in, "no album ↔ asset join table found through Z_PRIMARYKEY: albums are empty");
  }

  // Files the backup lists under Media/ (one listing, then lookups).
  const std::vector<std::string> media = ctx.env().List(kMediaPrefix);

  std::string sql = "SELECT a.Z_PK, a.ZFILENAME, a.ZDIRECTORY, a.ZDATECREATED, " + col("ZADDEDDATE") + ", " +
                    col("ZMODIFICATIONDATE") + ", " + col("ZKIND") + ", " + col("ZHIDDEN") + ", " +
                    col("ZTRASHEDSTATE") + ", " + col("ZTRASHEDDATE") + ", " + col("ZFAVORITE") + ", " +
                    col("ZUUID") + ", " + (has_location ? "a.ZLATITUDE, a.ZLONGITUDE" : "NULL, NULL") + ", " +
                    xcol("ZORIGINALFILENAME") + ", " + xcol("ZTIMEZONEOFFSET") + ", " + xcol("ZTIMEZONENAME") +
                    ", " + xcol("ZCREATORBUNDLEID") + " FROM " + asset + " a";
  if (has_extra) {
    sql += has("ZADDITIONALATTRIBUTES") ? " LEFT JOIN ZADDITIONALASSETATTRIBUTES x ON x.Z_PK = a.ZADDITIONALATTRIBUTES"
                                        : " LEFT JOIN ZADDITIONALASSETATTRIBUTES x ON x.ZASSET = a.Z_PK";
  }
  sql += " ORDER BY a.Z_PK";
  auto st = db.Prepare(sql);
  if (!st) {
    ctx.Corrupt(in, asset, "", st.error().message);
    return;
  }
  for (;;) {
    auto row = st->Step();
    if (!row) {
      ctx.Corrupt(in, asset, "", "reading stopped: " + row.error().message);
      return;
    }
    if (!*row) break;
    const int64_t pk = st->Int(0);
    const int date_type = st->ColumnType(3);
    if (date_type != SQLITE_NULL && date_type != SQLITE_FLOAT && date_type != SQLITE_INTEGER) {
      ctx.Corrupt(in, asset, std::to_string(pk), "ZDATECREATED is not a number");
      continue;
    }
    Photo r;
    r.app = "Photos";
    r.source = in.Source(asset, pk);
    r.filename = st->OptText(1);
    r.directory = st->OptText(2);
    r.time = CocoaTime(*st, 3);
    r.added = CocoaTime(*st, 4);
    r.modified = CocoaTime(*st, 5);
    if (auto kind = st->OptInt(6)) {
      r.media_type = *kind == 0 ? "photo" : *kind == 1 ? "video" : "kind " + std::to_string(*kind);
    }
    if (auto v = st->OptInt(7)) r.hidden = *v != 0;
    if (auto v = st->OptInt(8)) r.trashed = *v != 0;
    r.trashed_time = CocoaTime(*st, 9);
    if (auto v = st->OptInt(10)) r.favorite = *v != 0;
    r.uuid = st->OptText(11);
    if (has_location) {
      const auto lat = st->OptReal(12);
      const auto lon = st->OptReal(13);
      // -180.0 in either column is Photos' "no location" (iLEAPP Photos modules).
      if (lat && lon && *lat != kNoLocation && *lon != kNoLocation) {
        r.latitude = lat;
        r.longitude = lon;
      }
    }
    r.original_filename = st->OptText(14);
    r.timezone_offset_s = st->OptInt(15);
    r.timezone_name = st->OptText(16);
    r.creator_bundle_id = st->OptText(17);
    if (auto it = albums.find(pk); it != albums.end()) r.albums = it->second;
    if (r.filename && r.directory) {
      std::string path = std::string(kMediaPrefix) + *r.directory + "/" + *r.filename;
      if (std::binary_search(media.begin(), media.end(), path)) r.backup_path = std::move(path);
    }
    ctx.sink().Add(std::move(r));
  }
}

Status ParseAll(const ParserInputs& inputs, ParserContext& ctx) {
  for (const ParserInput& in : inputs.all()) Parse(in, ctx);
  return {};
}

}  // namespace

ParserModule PhotosParser() {
  return ParserModule{
      "photos",
      "1.0",
      "Photos",
      {{"photos", "CameraRollDomain", "Media/PhotoData/Photos.sqlite", InputSpec::Kind::kSqlite}},
      ParseAll,
  };
}

}  // namespace mfx::parsers::photos
