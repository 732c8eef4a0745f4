#include "parsers/accounts/accounts_parser.h"

namespace mfx::parsers::accounts {
namespace {

using core::SqliteDb;
using core::Statement;

std::string ColumnList(const SqliteDb& db, std::string_view table) {
  std::string out = std::string(table) + "(";
  bool first = true;
  for (const auto& c : db.Columns(table)) {
    out += (first ? "" : ", ") + c.name;
    first = false;
  }
  return out + ")";
}

std::string Missing(const SqliteDb& db, std::string_view table,
                    std::initializer_list<std::string_view> needed) {
  std::string out;
  for (std::string_view c : needed) {
    if (!db.HasColumn(table, c))
      out += (out.empty() ? "" : ", ") + std::string(table) + "." + std::string(c);
  }
  return out;
}

std::string Col(const SqliteDb& db, std::string_view table, std::string_view alias,
                std::string_view column) {
  return db.HasColumn(table, column) ? std::string(alias) + "." + std::string(column) : "NULL";
}

Status ParseAccounts(const ParserInput& in, ParserContext& ctx) {
  const SqliteDb& db = *in.db;
  std::string missing =
      Missing(db, "ZACCOUNT",
              {"Z_PK", "ZACCOUNTTYPE", "ZUSERNAME", "ZACCOUNTDESCRIPTION", "ZIDENTIFIER", "ZDATE"});
  const std::string tmissing =
      Missing(db, "ZACCOUNTTYPE", {"Z_PK", "ZACCOUNTTYPEDESCRIPTION", "ZIDENTIFIER"});
  if (!tmissing.empty()) missing += (missing.empty() ? "" : ", ") + tmissing;
  if (!missing.empty()) {
    ctx.Unsupported(in, "unknown Accounts3 schema: missing " + missing + "; found " +
                            ColumnList(db, "ZACCOUNT") + ", " + ColumnList(db, "ZACCOUNTTYPE"));
    return {};
  }
  const bool has_parent = db.HasColumn("ZACCOUNT", "ZPARENTACCOUNT");
  const std::string sql =
      "SELECT a.Z_PK, a.ZDATE, a.ZUSERNAME, a.ZACCOUNTDESCRIPTION, t.ZACCOUNTTYPEDESCRIPTION, "
      "a.ZIDENTIFIER, " +
      Col(db, "ZACCOUNT", "a", "ZOWNINGBUNDLEID") + ", t.ZIDENTIFIER, " +
      (has_parent ? "p.ZIDENTIFIER" : "NULL") + ", " + Col(db, "ZACCOUNT", "a", "ZACTIVE") +
      " FROM ZACCOUNT a LEFT JOIN ZACCOUNTTYPE t ON t.Z_PK = a.ZACCOUNTTYPE" +
      (has_parent ? " LEFT JOIN ZACCOUNT p ON p.Z_PK = a.ZPARENTACCOUNT" : "") + " ORDER BY a.Z_PK";
  MFX_ASSIGN_OR_RETURN(Statement s, db.Prepare(sql));
  for (;;) {
    auto row = s.Step();
    if (!row) {
      ctx.Corrupt(in, "ZACCOUNT", "", "reading stopped: " + row.error().ToString());
      break;
    }
    if (!*row) break;
    const int64_t pk = s.Int(0);
    const int t = s.ColumnType(1);
    if (t != SQLITE_INTEGER && t != SQLITE_FLOAT && t != SQLITE_NULL) {
      ctx.Corrupt(in, "ZACCOUNT", std::to_string(pk),
                  "ZDATE is not a number (Cocoa seconds expected)");
      continue;
    }
    Account a;
    a.app = "Accounts";
    a.source = in.Source("ZACCOUNT", pk);
    // ZDATE: Core Data TIMESTAMP, Cocoa seconds (REAL; whole values may be stored as INTEGER).
    if (t == SQLITE_FLOAT) a.time = core::FromCocoaSeconds(s.Real(1));
    if (t == SQLITE_INTEGER) a.time = core::FromCocoaSecondsInt(s.Int(1));
    a.username = s.OptText(2);
    a.description = s.OptText(3);
    a.account_type = s.OptText(4);
    a.identifier = s.OptText(5);
    a.owning_bundle_id = s.OptText(6);
    a.account_type_identifier = s.OptText(7);
    a.parent_identifier = s.OptText(8);
    if (!s.IsNull(9)) a.active = s.Int(9) != 0;
    ctx.sink().Add(std::move(a));
  }
  return {};
}

Status Parse(const ParserInputs& inputs, ParserContext& ctx) {
  for (const ParserInput* in : inputs.Get("accounts")) MFX_RETURN_IF_ERROR(ParseAccounts(*in, ctx));
  return {};
}

}  // namespace

ParserModule AccountsParser() {
  return ParserModule{
      .name = "accounts",
      .version = "1.0",
      .app = "Accounts",
      .inputs = {{"accounts", "HomeDomain", "Library/Accounts/Accounts3.sqlite",
                  InputSpec::Kind::kSqlite}},
      .parse = Parse,
  };
}

}  // namespace mfx::parsers::accounts
