#include "parsers/contacts/contacts_parser.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <unordered_map>

namespace mfx::parsers::contacts {
namespace {

using core::SqliteDb;
using core::Statement;

constexpr std::string_view kPerson = "ABPerson";
constexpr std::string_view kMulti = "ABMultiValue";

// ABMultiValue.property values [seen: josh_ios15, the real iOS 5 address book; FORMATS §5.4].
constexpr int64_t kPhone = 3;
constexpr int64_t kEmail = 4;
constexpr int64_t kAddress = 5;
constexpr int64_t kUrl = 22;

std::string ColumnList(const SqliteDb& db, std::string_view table) {
  std::string out = std::string(table) + "(";
  bool first = true;
  for (const auto& c : db.Columns(table)) {
    if (!first) out += ", ";
    out += c.name;
    first = false;
  }
  return out + ")";
}

// The columns of `table` that `needed` lists but the table lacks ("" when all are there).
std::string Missing(const SqliteDb& db, std::string_view table,
                    std::initializer_list<std::string_view> needed) {
  std::string out;
  for (std::string_view c : needed) {
    if (!db.HasColumn(table, c))
      out += (out.empty() ? "" : ", ") + std::string(table) + "." + std::string(c);
  }
  return out;
}

std::string Col(const SqliteDb& db, std::string_view table, std::string_view column) {
  return db.HasColumn(table, column) ? std::string(column) : "NULL";
}

bool IsNumberOrNull(const Statement& s, int i) {
  const int t = s.ColumnType(i);
  return t == SQLITE_INTEGER || t == SQLITE_FLOAT || t == SQLITE_NULL;
}

// Cocoa seconds stored as INTEGER (a REAL value can appear through NUMERIC affinity).
OptTime CocoaTime(const Statement& s, int i) {
  switch (s.ColumnType(i)) {
    case SQLITE_INTEGER:
      return core::FromCocoaSecondsInt(s.Int(i));
    case SQLITE_FLOAT:
      return core::FromCocoaSeconds(s.Real(i));
    default:
      return std::nullopt;
  }
}

// Built-in labels are stored wrapped: "_$!<Mobile>!$_" → "Mobile"; custom labels are plain.
std::string CleanLabel(std::string_view l) {
  constexpr std::string_view kHead = "_$!<", kTail = ">!$_";
  if (l.size() >= kHead.size() + kTail.size() && l.starts_with(kHead) && l.ends_with(kTail)) {
    l = l.substr(kHead.size(), l.size() - kHead.size() - kTail.size());
  }
  return std::string(l);
}

// ABPerson.Birthday is TEXT holding Cocoa seconds (e.g. "344174400"); the UTC calendar date is the
// birthday, and year 1604 means "no year given" [abrignoni/iLEAPP scripts/ilapfuncs.py
// get_birthdate]. Returns "YYYY-MM-DD", "--MM-DD" without a year, or nullopt when not a number.
std::optional<std::string> BirthdayDate(std::string_view raw) {
  while (!raw.empty() && raw.front() == ' ') raw.remove_prefix(1);
  double v = 0;
  auto [p, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), v);
  if (ec != std::errc() || p != raw.data() + raw.size() || !std::isfinite(v) ||
      std::fabs(v) > 1e11) {
    return std::nullopt;
  }
  const auto days = static_cast<int64_t>(std::floor((v + core::kCocoaEpochUnixSeconds) / 86400.0));
  const core::CivilDate d = core::CivilFromDays(days);
  char buf[32];
  if (d.year == 1604) {
    std::snprintf(buf, sizeof(buf), "--%02u-%02u", d.month, d.day);
  } else {
    std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02u", static_cast<long long>(d.year), d.month,
                  d.day);
  }
  return std::string(buf);
}

// Address parts in a fixed reading order; keys not listed follow in key order. CountryCode is
// shown only when there is no Country.
std::string FormatAddress(const std::map<std::string, std::string>& parts) {
  static constexpr std::string_view kOrder[] = {
      "Street", "SubLocality", "City", "SubAdministrativeArea", "State", "ZIP", "Country"};
  std::string out;
  auto append = [&](const std::string& v) {
    if (v.empty()) return;
    if (!out.empty()) out += ", ";
    out += v;
  };
  for (std::string_view k : kOrder) {
    auto it = parts.find(std::string(k));
    if (it != parts.end()) append(it->second);
  }
  for (const auto& [k, v] : parts) {
    bool known = k == "CountryCode";
    for (std::string_view o : kOrder) known |= k == o;
    if (!known) append(v);
  }
  if (!parts.count("Country")) {
    auto it = parts.find("CountryCode");
    if (it != parts.end()) append(it->second);
  }
  return out;
}

struct Multi {
  std::vector<std::string> phones, phone_labels, emails, email_labels, addresses, address_labels,
      urls, url_labels;
};

Status ParseAddressBook(const ParserInput& in, ParserContext& ctx) {
  const SqliteDb& db = *in.db;
  if (!db.HasTable(kPerson) || !db.HasTable(kMulti)) {
    ctx.Unsupported(
        in, "AddressBook without ABPerson/ABMultiValue; tables: " + [&] {
          std::string t;
          for (const auto& n : db.Tables()) t += (t.empty() ? "" : ", ") + n;
          return t;
        }());
    return {};
  }
  std::string missing = Missing(db, kPerson, {"First", "Last", "Organization", "CreationDate"});
  const std::string mv_missing =
      Missing(db, kMulti, {"UID", "record_id", "property", "label", "value"});
  if (!mv_missing.empty()) missing += (missing.empty() ? "" : ", ") + mv_missing;
  for (std::string_view t : {"ABMultiValueLabel", "ABMultiValueEntry", "ABMultiValueEntryKey"}) {
    if (!db.HasTable(t)) missing += (missing.empty() ? "" : ", ") + std::string(t);
  }
  if (!missing.empty()) {
    ctx.Unsupported(in, "unknown AddressBook schema: missing " + missing + "; found " +
                            ColumnList(db, kPerson) + ", " + ColumnList(db, kMulti));
    return {};
  }

  // Address parts, by ABMultiValue.UID (one prefetch).
  std::unordered_map<int64_t, std::map<std::string, std::string>> address_parts;
  {
    MFX_ASSIGN_OR_RETURN(
        Statement s,
        db.Prepare(
            "SELECT e.parent_id, k.value, e.value FROM ABMultiValueEntry e "
            "LEFT JOIN ABMultiValueEntryKey k ON k.ROWID = e.key ORDER BY e.parent_id, e.key"));
    for (;;) {
      auto row = s.Step();
      if (!row) {
        ctx.Corrupt(in, "ABMultiValueEntry", "", "reading stopped: " + row.error().ToString());
        break;
      }
      if (!*row) break;
      if (s.IsNull(0)) continue;
      std::string key = s.IsNull(1) ? "key#" : std::string(s.Text(1));
      address_parts[s.Int(0)][std::move(key)] = std::string(s.Text(2));
    }
  }

  // Phones, e-mails, addresses and URLs, by person (one prefetch).
  std::unordered_map<int64_t, Multi> multi;
  {
    const std::string order = db.HasColumn(kMulti, "identifier") ? "m.identifier, m.UID" : "m.UID";
    MFX_ASSIGN_OR_RETURN(
        Statement s,
        db.Prepare(
            "SELECT m.UID, m.record_id, m.property, l.value, m.value FROM ABMultiValue m "
            "LEFT JOIN ABMultiValueLabel l ON l.ROWID = m.label WHERE m.property IN (3, 4, 5, 22) "
            "ORDER BY m.record_id, m.property, " +
            order));
    for (;;) {
      auto row = s.Step();
      if (!row) {
        ctx.Corrupt(in, kMulti, "", "reading stopped: " + row.error().ToString());
        break;
      }
      if (!*row) break;
      if (s.IsNull(1)) continue;
      Multi& m = multi[s.Int(1)];
      const int64_t property = s.Int(2);
      std::string label = s.IsNull(3) ? std::string() : CleanLabel(s.Text(3));
      if (property == kAddress) {
        auto it = address_parts.find(s.Int(0));
        std::string text = it == address_parts.end() ? std::string() : FormatAddress(it->second);
        if (text.empty() && !s.IsNull(4)) text = std::string(s.Text(4));
        if (text.empty()) continue;
        m.addresses.push_back(std::move(text));
        m.address_labels.push_back(std::move(label));
        continue;
      }
      if (s.IsNull(4)) continue;
      std::string value(s.Text(4));
      auto& values = property == kPhone ? m.phones : property == kEmail ? m.emails : m.urls;
      auto& labels = property == kPhone   ? m.phone_labels
                     : property == kEmail ? m.email_labels
                                          : m.url_labels;
      values.push_back(std::move(value));
      labels.push_back(std::move(label));
    }
  }

  const std::string sql =
      "SELECT ROWID, First, Last, Organization, CreationDate, " + Col(db, kPerson, "Middle") +
      ", " + Col(db, kPerson, "Nickname") + ", " + Col(db, kPerson, "JobTitle") + ", " +
      Col(db, kPerson, "Department") + ", " + Col(db, kPerson, "Note") + ", " +
      Col(db, kPerson, "ModificationDate") + ", " + Col(db, kPerson, "Birthday") + ", " +
      Col(db, kPerson, "DisplayName") + " FROM ABPerson ORDER BY ROWID";
  MFX_ASSIGN_OR_RETURN(Statement s, db.Prepare(sql));
  for (;;) {
    auto row = s.Step();
    if (!row) {
      ctx.Corrupt(in, kPerson, "", "reading stopped: " + row.error().ToString());
      break;
    }
    if (!*row) break;
    const int64_t rowid = s.Int(0);
    if (!IsNumberOrNull(s, 4) || !IsNumberOrNull(s, 10)) {
      ctx.Corrupt(in, kPerson, std::to_string(rowid),
                  "CreationDate/ModificationDate is not a number (Cocoa seconds expected)");
      continue;
    }
    Contact c;
    c.app = "Contacts";
    c.source = in.Source(kPerson, rowid);
    c.first_name = s.OptText(1);
    c.last_name = s.OptText(2);
    c.organization = s.OptText(3);
    c.time = CocoaTime(s, 4);
    c.middle_name = s.OptText(5);
    c.nickname = s.OptText(6);
    c.job_title = s.OptText(7);
    c.department = s.OptText(8);
    c.note = s.OptText(9);
    c.modified = CocoaTime(s, 10);
    if (!s.IsNull(11)) {
      c.birthday_raw = std::string(s.Text(11));
      c.birthday = BirthdayDate(*c.birthday_raw);
      if (!c.birthday) {
        ctx.Warning(in, "ABPerson " + std::to_string(rowid) + ": Birthday '" + *c.birthday_raw +
                            "' is not Cocoa seconds; kept raw only");
      }
    }
    c.display_name = s.OptText(12);
    auto it = multi.find(rowid);
    if (it != multi.end()) {
      Multi& m = it->second;
      c.phones = std::move(m.phones);
      c.phone_labels = std::move(m.phone_labels);
      c.emails = std::move(m.emails);
      c.email_labels = std::move(m.email_labels);
      c.addresses = std::move(m.addresses);
      c.address_labels = std::move(m.address_labels);
      c.urls = std::move(m.urls);
      c.url_labels = std::move(m.url_labels);
      multi.erase(it);
    }
    ctx.sink().Add(std::move(c));
  }
  if (!multi.empty()) {
    ctx.Warning(
        in, std::to_string(multi.size()) +
                " ABMultiValue record_id(s) have no ABPerson row (values of deleted contacts?)");
  }
  return {};
}

Status Parse(const ParserInputs& inputs, ParserContext& ctx) {
  for (const ParserInput* in : inputs.Get("addressbook")) {
    MFX_RETURN_IF_ERROR(ParseAddressBook(*in, ctx));
  }
  return {};
}

}  // namespace

ParserModule ContactsParser() {
  return ParserModule{
      .name = "contacts",
      .version = "1.0",
      .app = "Contacts",
      .inputs = {{"addressbook", "HomeDomain", "Library/AddressBook/AddressBook.sqlitedb",
                  InputSpec::Kind::kSqlite}},
      .parse = Parse,
  };
}

}  // namespace mfx::parsers::contacts
