// LeakSanitizer suppressions for system libraries, built into the mfx binary and into
// reports_tests (a sanitized build, -DMFX_SANITIZE=ON, reads them at start-up; other builds never
// call the function).
//
// Seen on bookworm (cairo 1.16.0, pango 1.50.12, fontconfig 2.14.1), none from mfx code:
//  - fontconfig's configuration (FcInit → expat) and its pattern caches live for the process;
//  - pango 1.50 initialises fontsets on a worker thread (FcFontSetMatch / FcFontSetList via
//    pango_fc_font_map_cache_clear); a font map disposed while that thread runs leaks its
//    patterns — RenderPdf builds one font map per call, so quick refusals after Create show it;
//  - cairo 1.16's PDF surface leaks buffers while finishing (cairo_surface_finish).
// With ASan's default fast unwinder the stacks of these leaks stop at the first frame inside the
// library (bookworm builds them without frame pointers), so function names never match: the
// list names the two modules, fontconfig and cairo. That also hides a cairo object mfx itself
// would leak — the fast unwinder cannot tell them apart — which is why every cairo and pango
// handle in reports/pdf_*.cpp lives in a unique_ptr with its deleter (STYLE.md). Run with
// ASAN_OPTIONS=fast_unwind_on_malloc=0 and LSAN_OPTIONS=suppressions=tests/reports/pdf_lsan.supp
// (function names only) to check mfx's own cairo handles.
//
// The mfx binary needs them too: the CLI tests run `mfx analyze`, which writes the PDF.

extern "C" const char* __lsan_default_suppressions();
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libfontconfig.so\n"
         "leak:libcairo.so\n"
         "leak:FcInitLoadConfigAndFonts\n"
         "leak:FcConfigParseAndLoad\n"
         "leak:XML_ParseBuffer\n"
         "leak:FcFontSetList\n"
         "leak:FcFontSetMatch\n"
         "leak:FcFontRenderPrepare\n"
         "leak:pango_fc_font_map_cache_clear\n"
         "leak:cairo_surface_finish\n";
}
