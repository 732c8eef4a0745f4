#include "reports/html_assets.h"

namespace mfx::reports {

// System fonts only (no external assets). Print: controls hidden, sections break cleanly.
const char* const kHtmlReportCss = R"MFXCSS(
:root{--ink:#1d2430;--muted:#5b6472;--line:#d5dae1;--soft:#f3f5f8;--accent:#1f4e79;
--accent-soft:#e6eef6;--warn:#8a4b00;--warn-soft:#fff4e0;--bad:#9b1c1c;--bad-soft:#fdecec;
--ok:#1e6b35;--mono:ui-monospace,"DejaVu Sans Mono","Liberation Mono",Menlo,Consolas,monospace}
*{box-sizing:border-box}
html{font-size:14px}
body{margin:0;color:var(--ink);background:#fff;font-family:system-ui,-apple-system,"Segoe UI",
"Noto Sans","DejaVu Sans",Roboto,Helvetica,Arial,sans-serif;line-height:1.45}
header.top{position:sticky;top:0;z-index:5;display:flex;flex-wrap:wrap;gap:.3rem 1.2rem;
align-items:baseline;padding:.55rem 1.4rem;background:var(--accent);color:#fff}
header.top .title{font-weight:600;font-size:1.05rem}
header.top .meta{font-size:.85rem;opacity:.9}
nav.toc{display:flex;flex-wrap:wrap;gap:.2rem .9rem;padding:.45rem 1.4rem;background:var(--soft);
border-bottom:1px solid var(--line);font-size:.9rem}
nav.toc a{color:var(--accent);text-decoration:none}
nav.toc a:hover{text-decoration:underline}
main{padding:.6rem 1.4rem 2rem;max-width:1600px}
section{margin:1.4rem 0 0}
h1{font-size:1.45rem;margin:.6rem 0 .2rem}
h2{font-size:1.15rem;margin:0 0 .6rem;padding-bottom:.25rem;border-bottom:2px solid var(--accent);
color:var(--accent)}
h3{font-size:1rem;margin:1rem 0 .4rem}
p{margin:.3rem 0 .6rem}
.note{color:var(--muted);font-size:.9rem}
.banner{padding:.5rem .8rem;border-left:4px solid var(--accent);background:var(--accent-soft);
margin:.6rem 0;font-size:.92rem}
.banner.warn{border-color:var(--warn);background:var(--warn-soft)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(330px,1fr));gap:1rem}
.card{border:1px solid var(--line);border-radius:6px;padding:.7rem .9rem;background:#fff}
.card h3{margin:0 0 .4rem;font-size:.95rem;color:var(--muted);text-transform:uppercase;
letter-spacing:.04em}
table.kv{border-collapse:collapse;width:100%}
table.kv th{text-align:left;font-weight:500;color:var(--muted);padding:.15rem .8rem .15rem 0;
vertical-align:top;white-space:nowrap;width:1%}
table.kv td{padding:.15rem 0;vertical-align:top;overflow-wrap:anywhere}
table.list{border-collapse:collapse;width:100%;font-size:.9rem}
table.list th,table.list td{border:1px solid var(--line);padding:.3rem .45rem;text-align:left;
vertical-align:top}
table.list thead th{background:var(--soft);font-weight:600}
table.list td.num{text-align:right;font-variant-numeric:tabular-nums}
.hash,.mono{font-family:var(--mono);font-size:.86em;overflow-wrap:anywhere}
.nowrap{white-space:nowrap}
pre.mono{white-space:pre-wrap;margin:.3rem 0;font-size:.78rem;color:var(--muted)}
.pill{display:inline-block;padding:0 .45rem;border-radius:999px;font-size:.8rem;
background:var(--soft);border:1px solid var(--line)}
.pill.ok{color:var(--ok);border-color:#9fd0ad;background:#eef8f0}
.pill.bad{color:var(--bad);border-color:#f0b4b4;background:var(--bad-soft)}
.pill.warn{color:var(--warn);border-color:#f1cf99;background:var(--warn-soft)}
ul.limits li{margin:.25rem 0}
details summary{cursor:pointer;color:var(--accent)}
/* records viewer */
.tabs{display:flex;flex-wrap:wrap;gap:.3rem;margin:.2rem 0 .6rem}
.tabs button{font:inherit;font-size:.9rem;padding:.3rem .7rem;border:1px solid var(--line);
border-radius:5px;background:var(--soft);color:var(--ink);cursor:pointer}
.tabs button .count{color:var(--muted);margin-left:.3rem;font-variant-numeric:tabular-nums}
.tabs button.active{background:var(--accent);border-color:var(--accent);color:#fff}
.tabs button.active .count{color:#dfe8f2}
.bar{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;margin:.2rem 0 .5rem}
.bar input[type=search]{font:inherit;padding:.3rem .5rem;min-width:22rem;border:1px solid #aeb6c2;
border-radius:4px}
.bar select,.bar button{font:inherit;font-size:.88rem;padding:.2rem .45rem}
.bar .info{color:var(--muted);font-variant-numeric:tabular-nums}
.pager{display:inline-flex;gap:.25rem;align-items:center}
.pager input{width:4.5rem;font:inherit;font-size:.88rem;padding:.15rem .3rem}
.gridwrap{overflow-x:auto;border:1px solid var(--line);border-radius:4px}
table.grid{border-collapse:collapse;width:100%;font-size:.86rem;table-layout:fixed}
table.grid th{position:sticky;top:0;background:var(--soft);text-align:left;font-weight:600;
padding:.35rem .45rem;border-bottom:1px solid var(--line);cursor:pointer;user-select:none;
white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
table.grid th .arrow{color:var(--accent);margin-left:.25rem}
table.grid td{padding:.3rem .45rem;border-bottom:1px solid #e7eaef;vertical-align:top;
overflow-wrap:anywhere}
table.grid tr:nth-child(even) td{background:#fafbfc}
table.grid tr.deleted td{background:var(--bad-soft)}
table.grid td.c div{white-space:pre-wrap;max-height:14em;overflow:auto}
table.grid td.n{font-variant-numeric:tabular-nums;white-space:nowrap}
table.grid td.t{font-variant-numeric:tabular-nums;font-size:.82rem;overflow-wrap:normal}
table.grid td.s{font-size:.8rem;color:var(--muted)}
table.grid td.st{font-size:.8rem}
table.grid col.n{width:4.5rem}table.grid col.t{width:14rem}table.grid col.k{width:8rem}
table.grid col.p{width:17%}table.grid col.s{width:18%}table.grid col.st{width:7.5rem}
.empty{padding:1rem;color:var(--muted)}
/* conversations */
.conv{display:grid;grid-template-columns:minmax(250px,24%) 1fr;gap:1rem;min-height:420px}
.chats{border:1px solid var(--line);border-radius:4px;max-height:75vh;overflow:auto}
.chats input{width:100%;border:0;border-bottom:1px solid var(--line);padding:.45rem .6rem;font:inherit}
.chat{padding:.45rem .6rem;border-bottom:1px solid #eceff3;cursor:pointer}
.chat:hover{background:var(--soft)}
.chat.active{background:var(--accent-soft);border-left:3px solid var(--accent)}
.chat .name{font-weight:600;overflow-wrap:anywhere}
.chat .sub{font-size:.8rem;color:var(--muted)}
.thread{border:1px solid var(--line);border-radius:4px;padding:.6rem .9rem;background:#f7f8fa}
.thread h3{margin:.1rem 0 .5rem}
.msg{max-width:72%;margin:.45rem 0;padding:.45rem .65rem;border-radius:10px;background:#fff;
border:1px solid var(--line)}
.msg.out{margin-left:auto;background:#e3eefb;border-color:#c3d7ee}
.msg.deleted{border:1px dashed var(--bad)}
.msg .who{font-size:.78rem;color:var(--muted);margin-bottom:.15rem}
.msg .body{white-space:pre-wrap;overflow-wrap:anywhere}
.msg .src{font-size:.72rem;color:var(--muted);margin-top:.2rem;overflow-wrap:anywhere}
footer.end{margin:2rem 1.4rem;padding-top:.6rem;border-top:1px solid var(--line);
color:var(--muted);font-size:.85rem}
@media print{header.top{position:static}nav.toc,.bar,.tabs,.pager{display:none}
section{break-inside:auto}h2{break-after:avoid}table.grid th{position:static}
.chats{max-height:none}}
)MFXCSS";

// The records viewer. Rows are read from <script type="application/json"> blocks on demand;
// only the visible page is put into the DOM, and evidence text only through textContent.
const char* const kHtmlReportJs = R"MFXJS(
(function () {
  'use strict';
  var T0 = performance.now();
  var R = {ID: 0, US: 1, UTC: 2, LOCAL: 3, PARTIES: 4, CONTENT: 5, SRC: 6, ROWID: 7, DEL: 8,
           CHAT: 9, DIR: 10};
  var BIDI = /[\u202A-\u202E\u2066-\u2069]/g;
  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  // Bidi controls from evidence are shown, not obeyed (as in the PDF).
  function vis(s) {
    if (typeof s !== 'string') s = s === null || s === undefined ? '' : String(s);
    return s.replace(BIDI, function (c) {
      return '\u27E8U+' + c.charCodeAt(0).toString(16).toUpperCase() + '\u27E9';
    });
  }
  function fmt(n) { return n.toLocaleString('en-US'); }
  var meta = JSON.parse($('mfx-meta').textContent);
  var status = $('mfx-status');
  var cache = {};
  function kindData(kind) {
    if (!cache[kind]) {
      var node = $('mfx-data-' + kind);
      cache[kind] = node ? JSON.parse(node.textContent) : {rows: [], sources: [], columns: []};
    }
    return cache[kind];
  }
  function sourceText(d, r) {
    var s = d.sources[r[R.SRC]] || ['', '', ''];
    var t = s[0];
    if (s[1]) t += ' \u00B7 ' + s[1];
    if (r[R.ROWID] !== '') t += (s[1] ? ' \u00B7 row ' : ' \u00B7 key ') + r[R.ROWID];
    if (s[2]) t += ' \u00B7 ' + s[2];
    return t;
  }
  function statusText(r) { return r[R.DEL] ? 'deleted (recovered)' : 'intact'; }
  function hashParams() {
    var out = {};
    var h = location.hash.replace(/^#/, '');
    h.split('&').forEach(function (kv) {
      if (!kv) return;
      var i = kv.indexOf('=');
      var k = i < 0 ? kv : kv.slice(0, i);
      var v = i < 0 ? '' : kv.slice(i + 1);
      try { out[decodeURIComponent(k)] = decodeURIComponent(v.replace(/\+/g, ' ')); } catch (e) {}
    });
    return out;
  }
  function setStatus(view, total, matches) {
    status.setAttribute('data-view', view);
    status.setAttribute('data-total', String(total));
    status.setAttribute('data-matches', String(matches));
  }

  // ---- A paged, searchable, sortable table over n items -------------------------------------
  // spec: {name, n, columns: [{label, cls, text(i), num(i) (optional)}], hay(i), rowClass(i)}
  function Grid(host, spec) {
    var st = {q: '', sort: -1, dir: 1, page: 0, size: 100, order: null};
    var bar = el('div', 'bar');
    var input = el('input');
    input.type = 'search';
    input.placeholder = 'Search ' + spec.name + ' (text, parties, source, time)';
    input.setAttribute('aria-label', 'Search ' + spec.name);
    var info = el('span', 'info');
    var pager = el('span', 'pager');
    var first = el('button', null, '\u00AB'), prev = el('button', null, '\u2039');
    var next = el('button', null, '\u203A'), last = el('button', null, '\u00BB');
    first.title = 'First page'; prev.title = 'Previous page';
    next.title = 'Next page'; last.title = 'Last page';
    var pageIn = el('input');
    pageIn.type = 'number'; pageIn.min = '1'; pageIn.setAttribute('aria-label', 'Page');
    var pageOf = el('span', 'info');
    var size = el('select');
    [50, 100, 250, 500].forEach(function (n) {
      var o = el('option', null, n + ' per page');
      o.value = String(n);
      if (n === st.size) o.selected = true;
      size.appendChild(o);
    });
    pager.append(first, prev, pageIn, pageOf, next, last);
    bar.append(input, info, pager, size);
    var wrap = el('div', 'gridwrap');
    var table = el('table', 'grid');
    var colgroup = el('colgroup');
    var thead = el('thead'), tbody = el('tbody');
    var htr = el('tr');
    spec.columns.forEach(function (c, ci) {
      colgroup.appendChild(el('col', c.cls));
      var th = el('th', null, c.label);
      th.title = 'Sort by ' + c.label;
      th.addEventListener('click', function () {
        if (st.sort === ci) st.dir = -st.dir; else { st.sort = ci; st.dir = 1; }
        st.page = 0;
        compute();
        render();
      });
      htr.appendChild(th);
    });
    thead.appendChild(htr);
    table.append(colgroup, thead, tbody);
    wrap.appendChild(table);
    host.append(bar, wrap);

    var hay = null;
    var keys = {};
    function haystack() {
      if (!hay) {
        hay = new Array(spec.n);
        for (var i = 0; i < spec.n; i++) hay[i] = spec.hay(i).toLowerCase();
      }
      return hay;
    }
    function sortKeys(ci) {
      if (!keys[ci]) {
        var c = spec.columns[ci], k, i;
        if (c.num) {
          k = new Float64Array(spec.n);
          for (i = 0; i < spec.n; i++) { var v = c.num(i); k[i] = v === null ? NaN : v; }
        } else {
          k = new Array(spec.n);
          for (i = 0; i < spec.n; i++) k[i] = c.text(i).toLowerCase();
        }
        keys[ci] = k;
      }
      return keys[ci];
    }
    function compute() {
      var n = spec.n, idx, i, m = 0;
      if (st.q) {
        var q = st.q.toLowerCase(), h = haystack();
        idx = new Int32Array(n);
        for (i = 0; i < n; i++) if (h[i].indexOf(q) !== -1) idx[m++] = i;
        idx = idx.subarray(0, m);
      } else {
        idx = new Int32Array(n);
        for (i = 0; i < n; i++) idx[i] = i;
      }
      if (st.sort >= 0) {
        var k = sortKeys(st.sort), dir = st.dir, numeric = k instanceof Float64Array;
        idx = Int32Array.from(idx);
        idx.sort(function (a, b) {
          var x = k[a], y = k[b];
          if (numeric) {
            var xn = x !== x, yn = y !== y;  // NaN: untimed rows last either way
            if (xn || yn) return xn === yn ? a - b : (xn ? 1 : -1);
            if (x !== y) return (x < y ? -1 : 1) * dir;
          } else if (x !== y) {
            return (x < y ? -1 : 1) * dir;
          }
          return a - b;
        });
      }
      st.order = idx;
    }
    function pages() { return Math.max(1, Math.ceil(st.order.length / st.size)); }
    function render() {
      var total = st.order.length;
      if (st.page >= pages()) st.page = pages() - 1;
      if (st.page < 0) st.page = 0;
      var a = st.page * st.size, b = Math.min(total, a + st.size);
      var frag = document.createDocumentFragment();
      for (var j = a; j < b; j++) {
        var i = st.order[j];
        var tr = el('tr', spec.rowClass ? spec.rowClass(i) : null);
        for (var c = 0; c < spec.columns.length; c++) {
          var col = spec.columns[c];
          var td = el('td', col.cls);
          if (col.cls === 'c') td.appendChild(el('div', null, vis(col.text(i))));
          else td.textContent = vis(col.text(i));
          tr.appendChild(td);
        }
        frag.appendChild(tr);
      }
      tbody.replaceChildren(frag);
      if (total === 0) {
        var tr0 = el('tr'), td0 = el('td', 'empty', st.q ? 'No match for the search.' : 'No records.');
        td0.colSpan = spec.columns.length;
        tr0.appendChild(td0);
        tbody.appendChild(tr0);
      }
      var text = total === 0 ? 'No rows' : 'Showing ' + fmt(a + 1) + '\u2013' + fmt(b) + ' of ' + fmt(total);
      if (st.q) text += ' matching \u201C' + st.q + '\u201D (of ' + fmt(spec.n) + ')';
      info.textContent = text;
      pageIn.value = String(st.page + 1);
      pageIn.max = String(pages());
      pageOf.textContent = 'of ' + fmt(pages());
      Array.prototype.forEach.call(htr.children, function (th, ci) {
        var old = th.querySelector('.arrow');
        if (old) old.remove();
        if (ci === st.sort) th.appendChild(el('span', 'arrow', st.dir > 0 ? '\u25B2' : '\u25BC'));
      });
      setStatus(spec.view, spec.n, total);
    }
    var timer = null;
    input.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () { api.search(input.value); }, 220);
    });
    first.addEventListener('click', function () { st.page = 0; render(); });
    prev.addEventListener('click', function () { st.page--; render(); });
    next.addEventListener('click', function () { st.page++; render(); });
    last.addEventListener('click', function () { st.page = pages() - 1; render(); });
    pageIn.addEventListener('change', function () { st.page = (parseInt(pageIn.value, 10) || 1) - 1; render(); });
    size.addEventListener('change', function () { st.size = parseInt(size.value, 10); st.page = 0; render(); });
    var api = {
      search: function (q) { st.q = q.trim(); st.page = 0; compute(); render(); },
      show: function () { render(); },
      setPage: function (p) { st.page = p; },
      setQuery: function (q) { st.q = q.trim(); input.value = q; }
    };
    compute();
    return api;
  }

  // ---- Views ---------------------------------------------------------------------------------
  var views = {};
  var host = $('mfx-views');
  var tabs = $('mfx-tabs');
  function kindGrid(kind, box) {
    var d = kindData(kind), rows = d.rows;
    function us(i) { return rows[i][R.US]; }
    var cols = [
      {label: d.columns[0], cls: 'n', text: function (i) { return String(rows[i][R.ID]); }, num: function (i) { return rows[i][R.ID]; }},
      {label: d.columns[1], cls: 't', text: function (i) { return rows[i][R.UTC]; }, num: us},
      {label: d.columns[2], cls: 't', text: function (i) { return rows[i][R.LOCAL]; }, num: us},
      {label: d.columns[3], cls: 'p', text: function (i) { return rows[i][R.PARTIES]; }},
      {label: d.columns[4], cls: 'c', text: function (i) { return rows[i][R.CONTENT]; }},
      {label: d.columns[5], cls: 's', text: function (i) { return sourceText(d, rows[i]); }},
      {label: d.columns[6], cls: 'st', text: function (i) { return statusText(rows[i]); }}
    ];
    return Grid(box, {
      name: d.title.toLowerCase(), view: kind, n: rows.length, columns: cols,
      hay: function (i) {
        var r = rows[i];
        return r[R.PARTIES] + '\n' + r[R.CONTENT] + '\n' + sourceText(d, r) + '\n' + r[R.UTC] + '\n' + r[R.LOCAL];
      },
      rowClass: function (i) { return rows[i][R.DEL] ? 'deleted' : null; }
    });
  }
  function timelineGrid(box) {
    var ds = meta.kinds.map(function (k) { return kindData(k.kind); });
    var n = 0;
    ds.forEach(function (d) { d.rows.forEach(function (r) { if (r[R.US] !== null) n++; }); });
    var ki = new Int32Array(n), ri = new Int32Array(n), us = new Float64Array(n), m = 0;
    ds.forEach(function (d, k) {
      d.rows.forEach(function (r, i) { if (r[R.US] !== null) { ki[m] = k; ri[m] = i; us[m] = r[R.US]; m++; } });
    });
    var order = new Int32Array(n);
    for (var i = 0; i < n; i++) order[i] = i;
    order.sort(function (a, b) { return us[a] - us[b] || ki[a] - ki[b] || ri[a] - ri[b]; });
    function row(j) { var e = order[j]; return ds[ki[e]].rows[ri[e]]; }
    function data(j) { return ds[ki[order[j]]]; }
    var cols = [
      {label: 'Time (UTC)', cls: 't', text: function (j) { return row(j)[R.UTC]; }, num: function (j) { return us[order[j]]; }},
      {label: 'Time (' + meta.zone + ')', cls: 't', text: function (j) { return row(j)[R.LOCAL]; }, num: function (j) { return us[order[j]]; }},
      {label: 'Kind', cls: 'k', text: function (j) { return data(j).title; }},
      {label: 'Parties / title', cls: 'p', text: function (j) { return row(j)[R.PARTIES]; }},
      {label: 'Content', cls: 'c', text: function (j) { return row(j)[R.CONTENT]; }},
      {label: 'Source (file \u00B7 table \u00B7 row)', cls: 's', text: function (j) { return sourceText(data(j), row(j)); }},
      {label: 'Status', cls: 'st', text: function (j) { return statusText(row(j)); }}
    ];
    return Grid(box, {
      name: 'the timeline', view: 'timeline', n: n, columns: cols,
      hay: function (j) {
        var r = row(j);
        return data(j).title + '\n' + r[R.PARTIES] + '\n' + r[R.CONTENT] + '\n' + sourceText(data(j), r) + '\n' + r[R.UTC] + '\n' + r[R.LOCAL];
      },
      rowClass: function (j) { return row(j)[R.DEL] ? 'deleted' : null; }
    });
  }
  function conversationView(box, params) {
    var d = kindData('messages'), rows = d.rows, chats = d.chats || [];
    var byChat = chats.map(function () { return []; });
    rows.forEach(function (r, i) { if (r[R.CHAT] !== undefined && byChat[r[R.CHAT]]) byChat[r[R.CHAT]].push(i); });
    byChat.forEach(function (list) {
      list.sort(function (a, b) {
        var x = rows[a][R.US], y = rows[b][R.US];
        if (x === null || y === null) return x === y ? a - b : (x === null ? 1 : -1);
        return x - y || a - b;
      });
    });
    var lastUs = byChat.map(function (l) {
      var best = -Infinity;
      l.forEach(function (i) { var u = rows[i][R.US]; if (u !== null && u > best) best = u; });
      return best;
    });
    var chatOrder = chats.map(function (c, i) { return i; });
    chatOrder.sort(function (a, b) { return lastUs[b] - lastUs[a] || a - b; });
    var wrap = el('div', 'conv');
    var left = el('div', 'chats');
    var filter = el('input');
    filter.type = 'search';
    filter.placeholder = 'Filter ' + fmt(chats.length) + ' conversations';
    var list = el('div');
    left.append(filter, list);
    var right = el('div', 'thread');
    wrap.append(left, right);
    box.appendChild(wrap);
    var current = -1, page = 0, size = 200;
    function chatLabel(c) { return chats[c][1] || chats[c][0] || '(no chat identifier)'; }
    function renderList() {
      var q = filter.value.trim().toLowerCase();
      var frag = document.createDocumentFragment(), shown = 0, matched = 0;
      chatOrder.forEach(function (c) {
        if (q && (chats[c][0] + '\n' + chats[c][1]).toLowerCase().indexOf(q) === -1) return;
        matched++;
        if (shown >= 1000) return;
        shown++;
        var item = el('div', 'chat' + (c === current ? ' active' : ''));
        item.appendChild(el('div', 'name', vis(chatLabel(c))));
        var lu = lastUs[c];
        var lastRow = byChat[c].length ? rows[byChat[c][byChat[c].length - 1]] : null;
        item.appendChild(el('div', 'sub', fmt(byChat[c].length) + ' messages' +
            (lastRow && lu > -Infinity ? ' \u00B7 last ' + lastRow[R.LOCAL] : '') +
            (chats[c][1] && chats[c][0] ? ' \u00B7 ' + vis(chats[c][0]) : '')));
        item.addEventListener('click', function () { open(c, 0); });
        frag.appendChild(item);
      });
      if (matched > shown) frag.appendChild(el('div', 'chat sub', (matched - shown) + ' more: refine the filter'));
      list.replaceChildren(frag);
    }
    function open(c, p) {
      current = c;
      page = p;
      renderList();
      renderThread();
    }
    function renderThread() {
      right.replaceChildren();
      if (current < 0) {
        right.appendChild(el('p', 'note', 'Choose a conversation.'));
        setStatus('conversations', chats.length, 0);
        return;
      }
      var msgs = byChat[current];
      var pages = Math.max(1, Math.ceil(msgs.length / size));
      if (page >= pages) page = pages - 1;
      var head = el('h3', null, vis(chatLabel(current)));
      right.appendChild(head);
      var bar = el('div', 'bar');
      var info = el('span', 'info', fmt(msgs.length) + ' messages \u00B7 page ' + fmt(page + 1) + ' of ' + fmt(pages) +
          ' \u00B7 times in ' + meta.zone + ' (UTC below each message)');
      var prev = el('button', null, '\u2039 Earlier'), next = el('button', null, 'Later \u203A');
      prev.disabled = page === 0;
      next.disabled = page >= pages - 1;
      prev.addEventListener('click', function () { page--; renderThread(); });
      next.addEventListener('click', function () { page++; renderThread(); });
      bar.append(prev, info, next);
      right.appendChild(bar);
      var frag = document.createDocumentFragment();
      for (var j = page * size; j < Math.min(msgs.length, (page + 1) * size); j++) {
        var r = rows[msgs[j]];
        var m = el('div', 'msg' + (r[R.DIR] === 1 ? ' out' : '') + (r[R.DEL] ? ' deleted' : ''));
        m.appendChild(el('div', 'who', vis(r[R.PARTIES]) + ' \u00B7 ' + (r[R.LOCAL] || 'time unknown')));
        m.appendChild(el('div', 'body', vis(r[R.CONTENT])));
        m.appendChild(el('div', 'src', '#' + r[R.ID] + ' \u00B7 ' + (r[R.UTC] || 'no time') + ' \u00B7 ' +
            vis(sourceText(d, r)) + ' \u00B7 ' + statusText(r)));
        frag.appendChild(m);
      }
      right.appendChild(frag);
      setStatus('conversations', chats.length, msgs.length);
    }
    filter.addEventListener('input', renderList);
    var start = -1;
    if (params.chat !== undefined) {
      for (var c = 0; c < chats.length; c++) if (chats[c][0] === params.chat) start = c;
    }
    if (start < 0 && chatOrder.length) start = chatOrder[0];
    return {show: function () { if (current < 0 && start >= 0) open(start, 0); else { renderList(); renderThread(); } }};
  }

  var order = [];
  meta.kinds.forEach(function (k) { order.push({id: k.kind, label: k.title, count: k.total}); });
  if (meta.kinds.some(function (k) { return k.kind === 'messages'; })) {
    order.splice(1, 0, {id: 'conversations', label: 'Conversations', count: null});
  }
  if (meta.timed > 0) order.push({id: 'timeline', label: 'Timeline', count: meta.timed});
  var buttons = {};
  var params = hashParams();
  function show(id) {
    Object.keys(views).forEach(function (v) { views[v].box.hidden = v !== id; });
    Object.keys(buttons).forEach(function (b) { buttons[b].classList.toggle('active', b === id); });
    if (!views[id]) {
      var box = el('div');
      host.appendChild(box);
      var api = id === 'timeline' ? timelineGrid(box)
              : id === 'conversations' ? conversationView(box, params)
              : kindGrid(id, box);
      views[id] = {box: box, api: api};
    }
    views[id].api.show();
  }
  order.forEach(function (o) {
    var b = el('button', null, o.label);
    b.type = 'button';
    if (o.count !== null) b.appendChild(el('span', 'count', fmt(o.count)));
    b.addEventListener('click', function () { show(o.id); });
    tabs.appendChild(b);
    buttons[o.id] = b;
  });
  if (order.length) {
    var start = order[0].id;
    if (params.view && buttons[params.view]) start = params.view;
    if (params.q && start !== 'conversations') {
      // Build the view with the search applied before its first render.
      var box = el('div');
      host.appendChild(box);
      var api = start === 'timeline' ? timelineGrid(box) : kindGrid(start, box);
      views[start] = {box: box, api: api};
      api.setQuery(params.q);
      api.search(params.q);
      if (params.page) { api.setPage((parseInt(params.page, 10) || 1) - 1); }
    }
    show(start);
  } else {
    host.appendChild(el('p', 'empty', 'The case database holds no records.'));
    setStatus('none', 0, 0);
  }
  // Links such as the findings table's "#view=messages" open a view in place.
  window.addEventListener('hashchange', function () {
    var p = hashParams();
    if (!p.view || !buttons[p.view]) return;
    show(p.view);
    var api = views[p.view].api;
    if (p.q !== undefined && api.setQuery) { api.setQuery(p.q); api.search(p.q); }
    $('records').scrollIntoView();
  });
  status.setAttribute('data-ready-ms', String(Math.round(performance.now())));
  status.setAttribute('data-script-ms', String(Math.round(performance.now() - T0)));
})();
)MFXJS";

}  // namespace mfx::reports
