// Notes: generated backups against the generator's record (decode chains included), the real
// josh_ios17 NoteStore checked by hand, damaged bodies, unknown schemas, and the protobuf, gzip
// and HTML decoders on their own.
#include <catch2/catch.hpp>

#include <zlib.h>

#include <chrono>
#include <map>

#include "parsers/notes/gzip.h"
#include "parsers/notes/note_body.h"
#include "parsers/notes/notes_parser.h"
#include "parsers/notes/protobuf.h"
#include "tests/mapped_env.h"
#include "tests/parsers/artifact_test_helpers.h"

using namespace mfx;
using namespace mfx::testing;
using namespace mfx::testing::artifacts;
using nlohmann::json;
using Kind = parsers::ParserIssue::Kind;

namespace {

constexpr const char* kStore = "AppDomainGroup-group.com.apple.notes/NoteStore.sqlite";
constexpr const char* kLegacy = "HomeDomain/Library/Notes/notes.sqlite";

// A gzip member of the bytes (zlib deflate with the gzip wrapper), for decoder tests.
Bytes Gzip(ByteSpan in) {
  z_stream zs{};
  REQUIRE(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  Bytes out(deflateBound(&zs, static_cast<uLong>(in.size())) + 32);
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

void Varint(Bytes& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<uint8_t>(v));
}

void Field(Bytes& out, uint32_t number, ByteSpan payload) {
  Varint(out, (uint64_t{number} << 3) | 2);
  Varint(out, payload.size());
  out.insert(out.end(), payload.begin(), payload.end());
}

// top {1: 0, 2: Document {2: 0, 3: Note {2: text, 5: run {1: 1, 12: {1: id, 2: uti}}}}}
Bytes NoteProto(std::string_view text, const Bytes& prefix = {}) {
  Bytes info, run, note, doc, top;
  Field(info, 1, AsBytes("ID-1"));
  Field(info, 2, AsBytes("public.jpeg"));
  run = {0x08, 0x01};
  Field(run, 12, info);
  Field(note, 2, AsBytes(text));
  Field(note, 5, run);
  doc = {0x10, 0x00};
  Field(doc, 3, note);
  top = prefix;
  top.insert(top.end(), {0x08, 0x00});
  Field(top, 2, doc);
  return top;
}

}  // namespace

TEST_CASE("notes: generated backups match the generator's record", "[parsers][notes]") {
  for (auto [style, encrypt] : {std::pair{"ios17", false}, {"ios9", false}, {"ios17", true}}) {
    DYNAMIC_SECTION(style << (encrypt ? " encrypted" : " plain")) {
      const Generated& g = GetGenerated(style, encrypt);
      const auto& notes = Records(g.parsed, "notes");
      const json& expected = Expected(g.backup, "notes", "notes");
      RequireSame(expected, notes);
      CHECK(notes.size() == (std::string(style) == "ios17" ? 47u : 40u));
      CheckSqliteProvenance(notes, {"ZICCLOUDSYNCINGOBJECT", "ZNOTE"});
      // The decode chain, with the offset of note_text the generator computed.
      std::map<std::string, json> chain;
      for (const auto& e : expected) chain[e["source"]["path"].get<std::string>() + "#" + e["source"]["rowid"].dump()] = e["source"]["decode_chain"];
      for (const auto& n : notes) {
        const json& want = chain.at(n["source"]["path"].get<std::string>() + "#" + n["source"]["rowid"].dump());
        INFO(n["source"].dump());
        if (want.is_null()) CHECK_FALSE(n["source"].contains("decode_chain"));
        else CHECK(n["source"]["decode_chain"] == want);
      }
      CHECK(g.parsed.Run("notes")->status == parsers::ParserRun::Status::kOk);
      CHECK(g.parsed.Run("notes")->issues.empty());
    }
  }
}

TEST_CASE("notes: the real josh_ios17 NoteStore, checked by hand", "[parsers][notes][realdata]") {
  MFX_REQUIRE_REALDATA();
  const auto db = Corpus() / "notes.notes.josh_ios17_ffs/filesystem1/private/var/mobile/Containers/Shared/"
                             "AppGroup/72DA7FCC-4DD6-458D-A328-D7CD7ED267D2/NoteStore.sqlite";
  MappedEnv env;
  env.Map(kStore, db);  // with its -wal and -shm
  parsers::EvidenceFacts facts;
  facts.ios_version = "17.3";
  facts.ios_major = 17;
  auto r = ParseEnv(env, facts, {"notes"});
  const auto& notes = Records(r, "notes");
  // Checked on a copy with its -wal (cp NoteStore.sqlite* /tmp/x/):
  //   sqlite3 -readonly NoteStore.sqlite "select * from Z_PRIMARYKEY"   → ICNote 11, ICAccount 13, ICFolder 14
  //   sqlite3 -readonly NoteStore.sqlite "select n.Z_PK, n.ZTITLE1, n.ZCREATIONDATE3, n.ZMODIFICATIONDATE1,
  //     f.ZTITLE2, a.ZNAME, n.ZISPASSWORDPROTECTED, n.ZMARKEDFORDELETION from ZICCLOUDSYNCINGOBJECT n
  //     left join ZICCLOUDSYNCINGOBJECT f on f.Z_PK=n.ZFOLDER left join ZICCLOUDSYNCINGOBJECT a
  //     on a.Z_PK=n.ZACCOUNT7 where n.Z_ENT=11 order by n.Z_PK"
  //   → 14 notes (ZCREATIONDATE1 is NULL on all of them; ZACCOUNT7 = 3 "iCloud"); 6 locked
  //     (35, 36, 37, 38, 39, 44); 42 and 43 marked for deletion in "Recently Deleted".
  //   sqlite3 ... "select Z_PK, ZNOTE, hex(substr(ZDATA,1,8)) from ZICNOTEDATA" → 7 gzip bodies
  //     (notes 9, 10, 14, 33, 40, 41, 43), 6 bplist (the locked ones), note 42 ZDATA NULL.
  //   Bodies: python3 gzip.decompress + a hand-written protobuf walk 2 → 3 → 2 (note_text at 0xe
  //   in every one); times: datetime.fromtimestamp(v + 978307200, timezone.utc).
  struct Want {
    int64_t pk;
    const char* title;  // nullptr = NULL
    const char* text;   // nullptr = null (locked or no body)
    const char* created;
    const char* modified;
    const char* folder;
    bool locked, marked;
  };
  const Want want[] = {
      {9, "iOS 15 Note", "iOS 15 Note\n\nHere is the test iOS 15 note. ", "2023-05-10T00:56:26.719389Z",
       "2023-05-10T00:57:01.178374Z", "Notes", false, false},
      {10, "My First Note", "My First Note\n\nThis is my first note.  Nothing special. \n",
       "2020-03-28T00:36:48.768755Z", "2020-03-28T00:37:43.367985Z", "Notes", false, false},
      {14, "iOS 14 Note", "iOS 14 Note\n\nThis is a note created for iOS 14.  It is created on iPhone. ",
       "2021-02-15T20:21:41.978291Z", "2021-02-15T20:22:13.236012Z", "Notes", false, false},
      {33, "iOS 16 Note",
       "iOS 16 Note\n\nHere is my first iOS 16 note. \n\nThis is DFIR Two. I wrote this sentence. ",
       "2024-01-17T21:52:15.368435Z", "2024-01-17T22:00:59.765116Z", "Notes", false, false},
      {35, "Secure iOS 15 Note", nullptr, "2023-05-10T00:59:13.976021Z", "2023-05-10T00:59:42.805425Z",
       "Notes", true, false},
      {36, "iOS 14 Locked Note", nullptr, "2021-02-15T20:37:09.831925Z", "2021-02-15T20:37:54.369967Z",
       "Notes", true, false},
      {37, "My Super Secret Note", nullptr, "2020-03-28T00:48:37.644874Z", "2020-03-28T00:49:13.450617Z",
       "My New Folder", true, false},
      {38, "My Secret Note", nullptr, "2020-03-28T00:42:31.589268Z", "2020-03-28T00:42:56.774424Z",
       "Notes", true, false},
      {39, "iOS 16 Secure Note", nullptr, "2024-01-17T21:56:04.996739Z", "2024-01-17T21:56:26.410249Z",
       "Notes", true, false},
      {40, "My iOS 17 Note", "My iOS 17 Note\nTest note 1", "2024-07-28T14:20:50.522096Z",
       "2024-07-28T14:21:19.802478Z", "Notes", false, false},
      {41, "Shared iOS 17 Note", "Shared iOS 17 Note\nMy shared iOS 17 note ", "2024-07-28T14:22:31.809173Z",
       "2024-07-28T14:22:46.231892Z", "Notes", false, false},
      {42, "New Note", nullptr, "2024-07-28T14:24:45.823036Z", "2024-07-28T14:24:45.823036Z",
       "Recently Deleted", false, true},
      {43, nullptr, "", "2024-07-28T14:24:56.503877Z", "2024-07-28T14:25:09.543050Z", "Recently Deleted",
       false, true},
      {44, "iOS 17 Locked Note", nullptr, "2024-07-28T14:24:56.503877Z", "2024-07-28T14:25:09.543050Z",
       "Notes", true, false},
  };
  REQUIRE(notes.size() == std::size(want));
  for (size_t i = 0; i < notes.size(); ++i) {
    const auto& n = notes[i];
    const Want& w = want[i];
    INFO("note " << w.pk);
    CHECK(n["source"]["rowid"] == w.pk);
    CHECK(n["source"]["table"] == "ZICCLOUDSYNCINGOBJECT");
    CHECK(n["title"] == (w.title ? json(w.title) : json()));
    CHECK(n["text"] == (w.text ? json(w.text) : json()));
    CHECK(n["time"] == w.created);
    CHECK(n["modified"] == w.modified);
    CHECK(n["folder"] == w.folder);
    CHECK(n["account"] == "iCloud");
    CHECK(n["locked"] == w.locked);
    CHECK(n["marked_for_deletion"] == w.marked);
    if (w.text != nullptr) CHECK(n["source"]["decode_chain"] == "ZICNOTEDATA.ZDATA → gzip → protobuf@0xe");
    else CHECK_FALSE(n["source"].contains("decode_chain"));
  }
  CheckSqliteProvenance(notes, {"ZICCLOUDSYNCINGOBJECT"});
  CHECK(r.Run("notes")->issues.empty());
}

TEST_CASE("notes: a damaged body is reported, the note is kept without its text, the rest survives", "[parsers][notes]") {
  const Generated& g = GetGenerated("ios17", false);
  TempDir tmp;
  const auto store = tmp / "NoteStore.sqlite";
  const auto legacy = tmp / "notes.sqlite";
  ExtractPlain(g.backup, "AppDomainGroup-group.com.apple.notes", "NoteStore.sqlite", store);
  ExtractPlain(g.backup, "HomeDomain", "Library/Notes/notes.sqlite", legacy);
  // Note 20: a gzip header over garbage; note 22: its gzip stream cut short.
  ExecSql(store, "UPDATE ZICNOTEDATA SET ZDATA = X'1F8B0800000000000003' || zeroblob(12) WHERE ZNOTE = 20;"
                 "UPDATE ZICNOTEDATA SET ZDATA = substr(ZDATA, 1, 24) WHERE ZNOTE = 22");
  // Legacy note 5: its body is a blob, not HTML text.
  ExecSql(legacy, "UPDATE ZNOTEBODY SET ZCONTENT = X'00FF00FF' WHERE ZOWNER = 5");
  MappedEnv env;
  env.Map(kStore, store);
  env.Map(kLegacy, legacy);
  auto r = ParseEnv(env, {}, {"notes"});
  const auto& notes = Records(r, "notes");
  // The damaged notes keep everything but their text (they used to be dropped whole).
  json expected = json::array();
  for (json e : Expected(g.backup, "notes", "notes")) {
    const int64_t id = e["source"]["rowid"].get<int64_t>();
    const bool in_store = e["source"]["path"] == "NoteStore.sqlite";
    if ((in_store && (id == 20 || id == 22)) || (!in_store && id == 5)) {
      e["text"] = nullptr;
      e["attachments"] = json::array();
      e["source"].erase("decode_chain");
    }
    expected.push_back(e);
  }
  RequireSame(expected, notes);
  for (const auto& n : notes) {
    const int64_t id = n["source"]["rowid"].get<int64_t>();
    const bool in_store = n["source"]["path"] == "NoteStore.sqlite";
    INFO(n.dump());
    if ((in_store && (id == 20 || id == 22)) || (!in_store && id == 5)) {
      CHECK_FALSE(n["body_error"].is_null());
      CHECK_FALSE(n["source"].contains("decode_chain"));
    } else {
      CHECK(n["body_error"].is_null());
    }
  }
  const auto corrupt = Issues(r, "notes", Kind::kCorruptRow);
  REQUIRE(corrupt.size() == 3);
  std::map<std::string, std::string> by_row;
  for (const auto* c : corrupt) by_row[c->table + "#" + c->rowid] = c->message;
  CHECK_THAT(by_row["ZICCLOUDSYNCINGOBJECT#20"], Catch::Contains("gzip"));
  CHECK_THAT(by_row["ZICCLOUDSYNCINGOBJECT#22"], Catch::Contains("truncated"));
  CHECK_THAT(by_row["ZNOTE#5"], Catch::Contains("not text"));
  CHECK(r.Run("notes")->status == parsers::ParserRun::Status::kPartial);
}

TEST_CASE("notes: unknown schemas are unsupported, with their columns, and yield nothing", "[parsers][notes]") {
  const Generated& g = GetGenerated("ios17", false);
  TempDir tmp;
  const auto store = tmp / "NoteStore.sqlite";
  const auto legacy = tmp / "notes.sqlite";
  ExtractPlain(g.backup, "AppDomainGroup-group.com.apple.notes", "NoteStore.sqlite", store);
  // A model without an ICNote entity: nothing can be told apart, so nothing is guessed.
  ExecSql(store, "UPDATE Z_PRIMARYKEY SET Z_NAME = 'ICNoteV2' WHERE Z_NAME = 'ICNote'");
  ExecSql(legacy, "CREATE TABLE ZNOTE (Z_PK INTEGER PRIMARY KEY, ZTITLE VARCHAR, ZDATECREATED TIMESTAMP);"
                  "CREATE TABLE ZNOTEBODY (Z_PK INTEGER PRIMARY KEY, ZOWNER INTEGER, ZCONTENT VARCHAR);"
                  "INSERT INTO ZNOTE VALUES (1, 'x', 700000000.0)");
  MappedEnv env;
  env.Map(kStore, store);
  env.Map(kLegacy, legacy);
  auto r = ParseEnv(env, {}, {"notes"});
  CHECK(Records(r, "notes").empty());
  const auto unsupported = Issues(r, "notes", Kind::kUnsupported);
  REQUIRE(unsupported.size() == 2);
  CHECK_THAT(unsupported[0]->message, Catch::Contains("ICNote entity"));
  CHECK_THAT(unsupported[0]->message, Catch::Contains("ZTITLE1 VARCHAR"));
  CHECK_THAT(unsupported[1]->message, Catch::Contains("missing ZCREATIONDATE"));
  CHECK_THAT(unsupported[1]->message, Catch::Contains("ZDATECREATED TIMESTAMP"));
  CHECK(r.Run("notes")->status == parsers::ParserRun::Status::kUnsupported);
}

TEST_CASE("notes: protobuf offsets move with a 65-byte prefix", "[parsers][notes]") {
  const Bytes plain = NoteProto("Title\nBody ￼");
  // A leading unknown field of exactly 65 bytes: tag 0x7A (field 15, length-delimited), length 63.
  Bytes prefix = {0x7A, 63};
  prefix.resize(65, 0x41);
  const Bytes shifted = NoteProto("Title\nBody ￼", prefix);
  auto a = parsers::notes::DecodeNoteProto(plain);
  auto b = parsers::notes::DecodeNoteProto(shifted);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->text == "Title\nBody ￼");
  CHECK(b->text == a->text);
  CHECK(b->text_offset == a->text_offset + 65);
  CHECK(AsString(ByteSpan(plain).subspan(a->text_offset, 5)) == "Title");
  CHECK(a->attachments == std::vector<std::string>{"public.jpeg:ID-1"});
  // Through gzip as well.
  auto c = parsers::notes::DecodeNoteData(Gzip(shifted));
  REQUIRE(c);
  CHECK(c->text_offset == b->text_offset);
}

TEST_CASE("notes: the protobuf reader refuses malformed input", "[parsers][notes]") {
  using parsers::notes::ProtoReader;
  auto first_error = [](Bytes bytes) -> std::string {
    ProtoReader r(bytes);
    for (int i = 0; i < 100; ++i) {
      auto f = r.Next();
      if (!f) return f.error().message;
      if (!*f) return "";
    }
    return "no end";
  };
  CHECK_THAT(first_error({0x08, 0x80}), Catch::Contains("past the end"));          // truncated varint
  CHECK_THAT(first_error({0x12, 0x05, 'a'}), Catch::Contains("declares 5 bytes"));  // length > rest
  CHECK_THAT(first_error({0x0B}), Catch::Contains("wire type 3"));                  // group start
  CHECK_THAT(first_error({0x00, 0x00}), Catch::Contains("field number"));           // field 0
  CHECK_THAT(first_error({0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}),
             Catch::Contains("overflows"));
  CHECK_THAT(first_error({0x09, 1, 2, 3}), Catch::Contains("fixed field"));
  CHECK(first_error({0x08, 0x96, 0x01, 0x15, 1, 2, 3, 4}).empty());  // 150 and a fixed32
  CHECK_FALSE(parsers::notes::DecodeNoteProto(Bytes{0x08, 0x00}));  // no Document
}

TEST_CASE("notes: gzip output is bounded and damage is an error", "[parsers][notes]") {
  const Bytes zeros(4 << 20, 0);
  const Bytes gz = Gzip(zeros);
  CHECK(gz.size() < 10000);
  auto full = parsers::notes::Gunzip(gz);
  REQUIRE(full);
  CHECK(full->size() == zeros.size());
  auto capped = parsers::notes::Gunzip(gz, 1 << 20);
  REQUIRE_FALSE(capped);
  CHECK_THAT(capped.error().message, Catch::Contains("exceeds"));
  Bytes cut(gz.begin(), gz.begin() + static_cast<long>(gz.size() / 2));
  CHECK_FALSE(parsers::notes::Gunzip(cut));
  Bytes bad_crc = Gzip(AsBytes("hello"));
  bad_crc[bad_crc.size() - 6] ^= 0xFF;  // CRC-32 trailer
  CHECK_FALSE(parsers::notes::Gunzip(bad_crc));
  CHECK_FALSE(parsers::notes::Gunzip(AsBytes("not gzip")));
}

TEST_CASE("notes: legacy HTML bodies become text", "[parsers][notes]") {
  using parsers::notes::HtmlToText;
  CHECK(HtmlToText("<div>Title</div><div>Body</div>") == "Title\nBody");
  CHECK(HtmlToText("<div>a</div><div><br></div><div>b</div>") == "a\n\nb");
  CHECK(HtmlToText("One<br>Two<BR/>Three") == "One\nTwo\nThree");
  CHECK(HtmlToText("Fish &amp; chips &lt;tonight&gt; &#233; &#x1F600; 5&nbsp;pm") ==
        "Fish & chips <tonight> é 😀 5\u00a0pm");
  CHECK(HtmlToText("a < b && c &unknown; &#xZZ;") == "a < b && c &unknown; &#xZZ;");
  CHECK(HtmlToText("<b>bold</b> and <i>italic</i>") == "bold and italic");
}

TEST_CASE("notes: 5,000 notes with bodies parse in one pass", "[parsers][notes][scale]") {
  const Generated& g = GetGenerated("ios17", false);
  TempDir tmp;
  const auto store = tmp / "NoteStore.sqlite";
  ExtractPlain(g.backup, "AppDomainGroup-group.com.apple.notes", "NoteStore.sqlite", store);
  // Copies of note 20 (its body included) as notes 1000–5999.
  ExecSql(store, "WITH RECURSIVE n(i) AS (SELECT 1000 UNION ALL SELECT i + 1 FROM n WHERE i < 5999) "
                 "INSERT INTO ZICCLOUDSYNCINGOBJECT (Z_PK, Z_ENT, ZTITLE1, ZFOLDER, ZACCOUNT7, ZCREATIONDATE3, "
                 "ZNOTEDATA) SELECT i, o.Z_ENT, 'Copy ' || i, o.ZFOLDER, o.ZACCOUNT7, o.ZCREATIONDATE3, i "
                 "FROM n, ZICCLOUDSYNCINGOBJECT o WHERE o.Z_PK = 20;"
                 "WITH RECURSIVE n(i) AS (SELECT 1000 UNION ALL SELECT i + 1 FROM n WHERE i < 5999) "
                 "INSERT INTO ZICNOTEDATA (Z_PK, Z_ENT, ZNOTE, ZDATA) SELECT i, d.Z_ENT, i, d.ZDATA "
                 "FROM n, ZICNOTEDATA d WHERE d.ZNOTE = 20;");
  MappedEnv env;
  env.Map(kStore, store);
  const auto started = std::chrono::steady_clock::now();
  auto r = ParseEnv(env, {}, {"notes"});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const auto& notes = Records(r, "notes");
  REQUIRE(notes.size() == 5007);
  CHECK(notes.back()["text"] == "Shopping list\nMilk\nEggs ☕\n");
  CHECK(notes.back()["account"] == "iCloud");
  WARN("5,007 notes parsed in " << seconds << " s (printed, not asserted: speed targets live in scripts/bench)");
}
