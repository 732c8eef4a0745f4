#pragma once
// Core Data helpers shared by the parsers of Z*-style SQLite stores (Notes, Photos, …).
//
// Core Data gives every entity a number in Z_PRIMARYKEY(Z_ENT, Z_NAME, Z_SUPER, Z_MAX); sub-entities
// share their root's table and are told apart by Z_ENT. The numbers change between iOS versions
// (NoteStore ICNote is 11 in josh_ios17; Photos' Album is 15 in iOS 9 and 28 in iOS 16+), so they
// are always resolved by name here, never hard-coded (FORMATS §5.11 "Core Data rules").

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/sqlite_db.h"

namespace mfx::parsers::coredata {

class EntityMap {
 public:
  // Reads Z_PRIMARYKEY. Fails (kUnsupported) when the table or its columns are absent.
  static Result<EntityMap> Load(const core::SqliteDb& db);

  // The entity number of a name ("ICNote"), nullopt when the model has no such entity.
  std::optional<int64_t> Find(std::string_view name) const;
  std::optional<std::string> Name(int64_t ent) const;
  // ent and every entity below it (Z_SUPER chain), ascending.
  std::vector<int64_t> WithSubentities(int64_t ent) const;
  // Every entity whose name ends with suffix ("Album" → Album, CloudSharedAlbum, …).
  std::vector<int64_t> EndingWith(std::string_view suffix) const;
  bool empty() const { return names_.empty(); }

 private:
  std::map<int64_t, std::string> names_;
  std::map<int64_t, int64_t> super_;
};

// "11,12" for an SQL IN (...) list of entity numbers; "NULL" when empty (matches nothing).
std::string SqlInList(const std::vector<int64_t>& values);

// "ZTITLE1 VARCHAR, ZSNIPPET VARCHAR, …": a table's columns for an "unsupported schema" report.
std::string DescribeColumns(const core::SqliteDb& db, std::string_view table);

// The columns of `table` that are missing from `required` (empty = all present).
std::vector<std::string> MissingColumns(const core::SqliteDb& db, std::string_view table,
                                        const std::vector<std::string_view>& required);

}  // namespace mfx::parsers::coredata
