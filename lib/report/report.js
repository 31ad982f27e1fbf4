/*
 * report.js - builds vigil's HTML report in the browser from the JSON the
 * page carries (the same document as `vigil report -o json`, plus the
 * connection matrix and the site). Every chart is Apache ECharts, its
 * option made by figures.js (the same functions `vigil report --figures`
 * renders to SVG); this file lays out the page: the summary and its table
 * of contents, the sections, their controls and the tables. It makes no
 * request.
 */
(function () {
  'use strict';
  var V = (window.__vigil = { ready: false, charts: {}, errors: [] });
  window.addEventListener('error', function (e) { V.errors.push(String(e.message)); });

  var F = window.VigilFigures;
  var D = JSON.parse(document.getElementById('vigil-data').textContent);
  var X = JSON.parse(document.getElementById('vigil-extra').textContent);
  var C = F.context(D, X, false);
  var app = document.getElementById('app');
  var hasScans = C.hasScans, WO = C.WO, esc = F.esc, num = F.num, portLabel = F.portLabel;
  var META = {};
  F.sections(C).forEach(function (m) { META[m.id] = m; });

  function el(tag, attrs, html) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (html !== undefined) e.innerHTML = html;
    return e;
  }
  /* A section: its title says what it shows (for the figures, from
   * figures.js, with the seed's slide as a footnote under the figures). */
  var footnotes = [];
  function section(id, title, what, note) {
    var m = META[id], s = el('section', { id: id });
    if (m) {
      title = title || m.title;
      what = what || m.what;
      if (m.footnote) footnotes.push([s, m.footnote]);
    }
    s.appendChild(el('h2', null, esc(title)));
    if (what) s.appendChild(el('div', { 'class': 'what' }, esc(what)));
    if (note) s.appendChild(el('p', { 'class': 'note' }, note));
    app.appendChild(s);
    return s;
  }
  function chartDiv(parent, id, tall) {
    var d = el('div', { id: 'chart-' + id, 'class': 'chart' + (tall ? ' tall' : '') });
    parent.appendChild(d);
    return d;
  }
  var toolbox = function (id) {
    return { feature: { saveAsImage: { name: 'vigil-' + id, title: 'save as PNG', pixelRatio: 2 } } };
  };
  /* Draws a chart and records its series and points for the browser test. */
  function draw(div, id, option) {
    option.toolbox = option.toolbox || toolbox(id);
    option.animation = false;
    var c = echarts.init(div, null, { renderer: 'canvas' });
    var rec = { finished: false };
    /* large series are drawn progressively, over several frames */
    c.on('finished', function () { rec.finished = true; });
    c.setOption(option);
    V.charts[id] = rec;
    var info = {
      series: option.series.length,
      points: option.series.map(function (s) {
        return s.large && s.dims ? s.data.length / s.dims : (s.data ? s.data.length : 0);
      }),
      instance: c
    };
    for (var k in info) rec[k] = info[k];
    window.addEventListener('resize', function () { c.resize(); });
    return c;
  }
  function day(t) { return String(t).replace('T', ' ').replace(':00Z', '').replace('Z', ''); }

  /* ------------------------------------------------------------ header */
  var hdr = document.getElementById('hdr-sub');
  hdr.textContent = (D.period.days ? D.period.first_day + ' .. ' + D.period.last_day + ' (' +
    D.period.days + (D.period.days > 1 ? ' days, ' : ' day, ') + D.period.tz + ')' : 'no flows') + '  -  ' + num(D.flows.read) + ' flow records, ' +
    num(D.flows.merged) + ' connections  -  vigil ' + X.version;

  /* ------------------------------------------------------------ summary: the alerts, then the study */
  var summary = (function () {
    var s = section('summary', 'Summary', 'the alerts first, then the key figures of the study; the contents below link every section');
    var A = D.alerts, sev = { high: 0, medium: 0, low: 0 }, rank = { low: 1, medium: 2, high: 3 };
    var box = el('div', { 'class': 'summary-alerts', id: 'summary-alerts' });
    box.appendChild(el('h3', null, 'Alerts'));
    if (!A) {
      box.appendChild(el('p', null, '<b>Alerts:</b> the detectors did not run (vigil report --no-alerts).'));
    } else {
      A.forEach(function (a) { sev[a.severity] = (sev[a.severity] || 0) + 1; });
      var scanEv = D.alerts_summary && D.alerts_summary.scan;
      box.appendChild(el('p', null, '<b id="summary-alerts-count">' + num(A.length) + '</b> alert' + (A.length === 1 ? '' : 's') + ': ' +
        ['high', 'medium', 'low'].map(function (v) { return '<span class="sev ' + v + '" id="summary-alerts-' + v + '">' + num(sev[v]) + '</span> ' + v; }).join(', ') +
        (scanEv ? '; and ' + num(scanEv) + ' scan events' : '') + ' (<a href="#alerts">all alerts</a>).'));
      var top = A.slice().sort(function (a, b) {
        return rank[b.severity] - rank[a.severity] || (a.time < b.time ? 1 : a.time > b.time ? -1 : a.id - b.id);
      }).slice(0, 5);
      if (top.length) {
        if (A.length > top.length) box.appendChild(el('div', { 'class': 'what' }, 'the ' + top.length + ' most severe, the latest first'));
        var ol = el('ol', { id: 'summary-top-alerts' });
        top.forEach(function (a) {
          ol.appendChild(el('li', null, '<span class="sev ' + esc(a.severity) + '">' + esc(a.severity) + '</span> ' +
            esc(day(a.time)) + ' <b>' + esc(a.detector) + '</b>: ' + esc(a.summary)));
        });
        box.appendChild(ol);
      }
    }
    s.appendChild(box);
    /* the study's key figures */
    s.appendChild(el('h3', null, 'Key figures'));
    var o = D.overview, ul = el('ul', { id: 'summary-figures', 'class': 'keyfigs' });
    function li(id, html) { ul.appendChild(el('li', { id: 'summary-' + id }, html)); }
    li('period', D.period.days ? esc(D.period.first_day) + ' .. ' + esc(D.period.last_day) + ' (' + num(D.period.days) + (D.period.days > 1 ? ' days' : ' day') + '): ' +
      num(D.flows.read) + ' flow records, ' + num(D.flows.merged) + ' connections' : 'no flows');
    li('unsolicited', '<b>' + num(o.connections) + '</b> unsolicited connections from <b>' + num(o.sources) + '</b> sources (' +
      o.conn_per_source.toFixed(2) + ' per source); ' + num(o.icmp.sources) + ' of the sources sent ICMP');
    if (hasScans && D.scans_summary.events) {
      var P = D.scan_parts;
      li('scans', num(D.scans_summary.events) + ' scan events made ' + num(D.scans_summary.scan_connections) + ' (' + D.scans_summary.share_pct.toFixed(2) +
        ' %): port scans ' + num(P.port_scans.connections) + ', sweeps ' + num(P.sweeps.connections) + '; without ' + WO + ', ' +
        num(D.overview_no_scans.connections) + ' connections from ' + num(D.overview_no_scans.sources) + ' sources');
    }
    if (o.connections) {
      var busy = D.daily.reduce(function (a, b) { return b.connections > a.connections ? b : a; });
      var fresh = D.daily.reduce(function (a, b) { return b.new_sources > a.new_sources ? b : a; });
      li('busiest', 'busiest day ' + esc(busy.day) + ': ' + num(busy.connections) + ' connections from ' + num(busy.sources) + ' sources; most new sources ' +
        esc(fresh.day) + ': ' + num(fresh.new_sources));
    }
    if (D.ports.length) {
      var p = D.ports[0], q = X.ports_by_sources[0];
      li('ports', 'top port ' + esc(p.port + '/' + p.proto) + ': ' + num(p.connections) + ' connections' +
        (q ? '; most sources ' + esc(q.port + '/' + q.proto) + ': ' + num(q.sources) : '') + ' (' + num(X.lists.ports_total) + ' ports)');
    }
    li('backscatter', D.backscatter.connections ? 'backscatter: ' + num(D.backscatter.connections) + ' connections from ' + num(D.backscatter.victims) +
      ' victim' + (D.backscatter.victims === 1 ? '' : 's') : 'no backscatter');
    s.appendChild(ul);
    return s;
  })();

  /* ------------------------------------------------------------ overview (slide 5) */
  (function () {
    var o = D.overview, s = section('overview');
    var sent = 'From ' + D.period.first_day + ' to ' + D.period.last_day + ', <b>' + num(o.connections) +
      '</b> unsolicited connections came from <b>' + num(o.sources) + '</b> sources (' +
      o.conn_per_source.toFixed(2) + ' per source): ' + num(o.no_icmp.connections) + ' (' +
      o.no_icmp.share_connections_pct.toFixed(2) + ' %) from ' + num(o.no_icmp.sources) +
      ' sources that sent no ICMP (' + o.no_icmp.conn_per_source.toFixed(2) + ' per source), ' +
      num(o.icmp.connections) + ' (' + o.icmp.share_connections_pct.toFixed(2) + ' %) from ' +
      num(o.icmp.sources) + ' sources that sent ICMP (' + o.icmp.conn_per_source.toFixed(2) +
      ' per source, ICMP included).';
    if (!o.connections)
      sent = 'No unsolicited connections: of ' + num(D.flows.read) + ' flow records read, none came from outside to the monitored networks on a port that is not a declared service.';
    if (hasScans && D.scans_summary.largest_scan) {
      var b = D.scans_summary.largest_scan;
      sent += ' ' + num(D.scans_summary.events) + ' scan events made ' +
        num(D.scans_summary.scan_connections) + ' of them (' + D.scans_summary.share_pct.toFixed(2) +
        ' %); the largest single scan, from ' + esc(b.scanner) + ', made ' + num(b.connections) +
        ' (' + b.share_pct.toFixed(2) + ' %).';
    }
    s.appendChild(el('p', { 'class': 'sentence', id: 'overview-sentence' }, sent));
    var cards = el('div', { 'class': 'cards' });
    function card(id, v, k) { cards.appendChild(el('div', { 'class': 'card', id: 'card-' + id }, '<div class="v">' + v + '</div><div class="k">' + esc(k) + '</div>')); }
    card('connections', num(o.connections), 'unsolicited connections');
    card('sources', num(o.sources), 'sources');
    card('cps', o.conn_per_source.toFixed(2), 'connections per source');
    card('icmp-sources', num(o.icmp.sources), 'sources that sent ICMP');
    card('icmp-connections', num(o.icmp.connections), 'their connections');
    card('noicmp-sources', num(o.no_icmp.sources), 'sources that never sent ICMP');
    card('noicmp-connections', num(o.no_icmp.connections), 'their connections');
    if (hasScans) {
      card('scan-events', num(D.scans_summary.events), 'scan events');
      card('scan-connections', num(D.scans_summary.scan_connections), 'connections of scans');
      card('portscan-connections', num(D.scan_parts.port_scans.connections), 'connections of ' + num(D.scan_parts.port_scans.events) + ' port scans');
      card('sweep-connections', num(D.scan_parts.sweeps.connections), 'connections of ' + num(D.scan_parts.sweeps.events) + ' sweeps');
      card('noscan-connections', num(D.overview_no_scans.connections), 'connections without ' + WO);
      card('noscan-sources', num(D.overview_no_scans.sources), 'sources without ' + WO);
    }
    ['service', 'outbound', 'internal', 'other', 'backscatter'].forEach(function (k) { card('class-' + k, num(D.flows[k]), k + ' connections'); });
    s.appendChild(cards);
  })();

  /* ------------------------------------------------------------ traffic per day (slide 6) */
  (function () {
    var s = section('traffic');
    var ctl = el('div', { 'class': 'controls' }, 'host: ');
    var sel = el('select', { id: 'traffic-host' });
    sel.appendChild(el('option', { value: '' }, 'all monitored hosts'));
    D.hosts.forEach(function (h, i) { sel.appendChild(el('option', { value: String(i) }, esc(h.addr) + ' (' + num(h.connections) + ')')); });
    ctl.appendChild(sel);
    s.appendChild(ctl);
    var c = draw(chartDiv(s, 'traffic'), 'traffic', F.traffic(C, ''));
    sel.addEventListener('change', function () { c.setOption({ series: F.trafficSeries(C, sel.value) }); });
  })();

  /* ------------------------------------------------------------ connection matrix (slides 7, 9) */
  (function () {
    var M = X.matrix, s = section('matrix', null, null,
      M.aggregated ? 'The matrix has ' + num(M.cells_total) + ' cells: shown aggregated, ' + M.src_per_bin +
        (M.src_per_bin > 1 ? ' sources' : ' source') + ' x ' + M.ports_per_bin + (M.ports_per_bin > 1 ? ' ports' : ' port') + ' a point.' : 'Scroll or drag to zoom and pan; TCP ports 0-65535 below, UDP above.');
    var ctl = el('div', { 'class': 'controls' });
    var bAll = el('button', { id: 'matrix-all' }, 'all unsolicited traffic');
    var bScan = el('button', { id: 'matrix-scan' }, WO + ' only');
    ctl.appendChild(bAll);
    if (hasScans) ctl.appendChild(bScan);
    s.appendChild(ctl);
    var c = draw(chartDiv(s, 'matrix', true), 'matrix', F.matrix(C, false));
    bAll.addEventListener('click', function () { c.setOption({ series: F.matrixSeries(C, false) }); });
    bScan.addEventListener('click', function () { c.setOption({ series: F.matrixSeries(C, true) }); });
  })();

  /* ------------------------------------------------------------ scans (slide 8) */
  if (hasScans) (function () {
    var s = section('scans', null, null,
      X.lists.scans_shown < X.lists.scans_total ? 'The timeline shows the ' + num(X.lists.scans_shown) + ' events with the most connections, of ' + num(X.lists.scans_total) + '.' : undefined);
    var row = el('div', { 'class': 'row' });
    s.appendChild(row);
    var d1 = el('div'), d2 = el('div');
    row.appendChild(d1); row.appendChild(d2);
    draw(chartDiv(d1, 'scan-days'), 'scan-days', F.scanDays(C));
    draw(chartDiv(d2, 'scan-events'), 'scan-events', F.scanEvents(C));
  })();

  /* ------------------------------------------------------------ hot ports (slides 10-13) */
  (function () {
    var s = section('hot');
    D.hot_ports.forEach(function (h, k) {
      var id = 'hot-' + h.port + '-' + h.proto;
      s.appendChild(el('h3', null, h.port + '/' + h.proto));
      draw(chartDiv(s, id), id, F.hotPort(C, k));
    });
  })();

  /* ------------------------------------------------------------ new sources (slide 14) */
  (function () {
    var s = section('newsrc');
    draw(chartDiv(s, 'newsrc'), 'newsrc', F.newSources(C));
  })();

  /* ------------------------------------------------------------ splitting the unknown (slide 15) */
  (function () {
    var s = section('unknown');
    var row = el('div', { 'class': 'row' });
    s.appendChild(row);
    var a = el('div'), b = el('div');
    row.appendChild(a); row.appendChild(b);
    draw(chartDiv(a, 'hist'), 'hist', F.hist(C));
    draw(chartDiv(b, 'port-sources'), 'port-sources', F.portSources(C));
    draw(chartDiv(s, 'classes'), 'classes', F.portClasses(C));
  })();

  /* ------------------------------------------------------------ activity duration (slides 16-18) */
  (function () {
    var mode = C.durationMode;
    V.durationMode = mode;
    var s = section('duration', null, null,
      C.durationEmpty ? 'Every unsolicited connection here belongs to the ' + WO + ': the figures without them are empty, so all traffic is shown.' : undefined);
    var sel;
    if (hasScans) {
      var ctl = el('div', { 'class': 'controls' }, 'traffic: ');
      sel = el('select', { id: 'duration-mode' });
      sel.appendChild(el('option', { value: 'no_scans' }, 'without ' + WO));
      sel.appendChild(el('option', { value: 'all' }, 'all unsolicited traffic'));
      sel.value = mode;
      ctl.appendChild(sel);
      s.appendChild(ctl);
    }
    var row = el('div', { 'class': 'row' });
    s.appendChild(row);
    var charts = [];
    F.durationBuckets(C, mode).forEach(function (b, k) {
      var d = el('div');
      row.appendChild(d);
      charts.push(draw(chartDiv(d, 'duration-' + k), 'duration-' + k, F.duration(C, mode, k)));
    });
    if (sel) sel.addEventListener('change', function () {
      V.durationMode = sel.value;
      F.durationBuckets(C, sel.value).forEach(function (b, k) {
        charts[k].setOption(F.duration(C, sel.value, k), { replaceMerge: ['series'] });
      });
    });
  })();

  /* ------------------------------------------------------------ alerts */
  (function () {
    var A = D.alerts;
    if (!A) {
      section('alerts', null, null, 'The detectors did not run (vigil report --no-alerts).');
      return;
    }
    var S = D.alerts_summary;
    var s = section('alerts', null, null,
      num(A.length) + ' alert' + (A.length === 1 ? '' : 's') + ' from the detectors' + (S.scan ? ', and ' + num(S.scan) + ' scan events (listed below as scan events; vigil alerts gives them as alerts too).' : '.') +
      ' Definitions: docs/alerts.md.');
    function where(a) { return a.port !== null ? a.port + '/' + a.proto : (a.source || '-'); }
    if (A.length) draw(chartDiv(s, 'alerts'), 'alerts', F.alerts(C));
    table(s, 'table-alerts', [{ t: 'id', n: 1, raw: 1 }, { t: 'start' }, { t: 'end' }, { t: 'detector' }, { t: 'level' }, { t: 'port / source' }, { t: 'summary' }],
      A.map(function (a) {
        return [a.id, day(a.time), a.end ? day(a.end) : 'ongoing', a.detector, a.severity, where(a), a.summary];
      }));
  })();

  /* ------------------------------------------------------------ tables */
  function table(parent, id, cols, rows) {
    var wrap = el('div', { 'class': 'tablewrap' }), t = el('table', { id: id }), thead = el('thead'), tr = el('tr'), tb = el('tbody');
    cols.forEach(function (c, j) {
      var th = el('th', { 'class': c.n ? 'n' : '' }, esc(c.t));
      th.addEventListener('click', function () {
        var asc = !th.classList.contains('sorted-asc');
        Array.prototype.forEach.call(tr.children, function (x) { x.classList.remove('sorted-asc', 'sorted-desc'); });
        th.classList.add(asc ? 'sorted-asc' : 'sorted-desc');
        rows.sort(function (a, b) {
          var x = a[j], y = b[j];
          var r = (typeof x === 'number' && typeof y === 'number') ? x - y : String(x).localeCompare(String(y));
          return asc ? r : -r;
        });
        fill();
      });
      tr.appendChild(th);
    });
    function fill() {
      tb.innerHTML = rows.map(function (r) {
        return '<tr>' + r.map(function (v, j) { return '<td class="' + (cols[j].n ? 'n' : '') + '">' + (cols[j].html || cols[j].raw ? (cols[j].html ? v : esc(v)) : esc(typeof v === 'number' ? num(v) : v)) + '</td>'; }).join('') + '</tr>';
      }).join('');
    }
    thead.appendChild(tr); t.appendChild(thead); t.appendChild(tb); wrap.appendChild(t); parent.appendChild(wrap);
    fill();
  }
  (function () {
    var s = section('top-sources', 'Top sources', 'the sources with the most unsolicited connections');
    table(s, 'table-top-sources', [{ t: 'source' }, { t: 'connections', n: 1 }, { t: 'packets', n: 1 }, { t: 'bytes', n: 1 }, { t: 'ports', n: 1 }, { t: 'hosts', n: 1 }, { t: 'days', n: 1 }, { t: 'first' }, { t: 'last' }, { t: 'ICMP' }, { t: 'top ports' }],
      D.top_sources.map(function (t) { return [t.addr, t.connections, t.packets, t.bytes, t.ports, t.hosts, t.days, t.first_day, t.last_day, t.icmp ? 'yes' : 'no', t.top_ports.map(portLabel).join(' ')]; }));
  })();
  (function () {
    var B = D.backscatter;
    var s = section('backscatter', 'Backscatter', 'answers to packets spoofed in our name: SYN/ACKs, resets and ICMP errors nobody here asked for',
      B.connections ? num(B.connections) + ' connections, ' + num(B.packets) + ' packets from ' + num(B.victims) +
        ' victim' + (B.victims === 1 ? '' : 's') + ' (the hosts a spoofing attacker attacked in our name); not counted as unsolicited connections or sources.'
        : 'None in this period.');
    if (!B.connections) return;
    table(s, 'table-backscatter-days', [{ t: 'day' }, { t: 'victims', n: 1 }, { t: 'connections', n: 1 }, { t: 'packets', n: 1 }],
      B.days.filter(function (d) { return d.connections; }).map(function (d) { return [d.day, d.victims, d.connections, d.packets]; }));
    table(s, 'table-backscatter-victims', [{ t: 'victim' }, { t: 'packets', n: 1 }, { t: 'connections', n: 1 }, { t: 'days', n: 1 }, { t: 'first' }, { t: 'last' }, { t: 'packets/s', n: 1, raw: 1 }, { t: 'top port' }, { t: 'ports', n: 1 }],
      B.top_victims.map(function (v) { return [v.victim, v.packets, v.connections, v.days, v.first_day, v.last_day, v.rate_pps.toFixed(1), v.top_port, v.ports]; }));
  })();
  (function () {
    var L = X.lists;
    var s = section('ports', 'Ports', 'TCP and UDP ports with their classes (trojan, registered, unlisted) and IANA range',
      'The ' + num(Math.min(500, D.ports.length)) + ' ports with the most connections' + (L.ports_total > 500 ? ', of ' + num(L.ports_total) + '; vigil report -o json or --csv-dir has them all.' : '.'));
    table(s, 'table-ports', [{ t: 'port', n: 1, raw: 1 }, { t: 'proto' }, { t: 'connections', n: 1 }, { t: 'sources', n: 1 }, { t: 'packets', n: 1 }, { t: 'bytes', n: 1 }, { t: 'classes', html: 1 }, { t: 'range' }, { t: 'name' }],
      D.ports.slice(0, 500).map(function (p) {
        return [p.port, p.proto, p.connections, p.sources, p.packets, p.bytes, p.classes.map(function (c) { return '<span class="tag ' + c + '">' + c + (c === 'trojan' ? ': ' + esc(p.trojan) : '') + '</span>'; }).join(''), p.range, p.iana || p.services || ''];
      }));
  })();
  if (hasScans) (function () {
    var L = X.lists;
    var s = section('scan-table', 'Scan events', 'the events with the most connections',
      'The ' + num(Math.min(1000, D.scans.length)) + ' largest of ' + num(L.scans_total) + ' scan events; vigil scans lists them all.');
    var E = D.scans.slice().sort(function (a, b) { return b.connections - a.connections; }).slice(0, 1000);
    table(s, 'table-scans', [{ t: 'id', n: 1, raw: 1 }, { t: 'scanner' }, { t: 'type' }, { t: 'protos' }, { t: 'first' }, { t: 'last' }, { t: 'hosts', n: 1 }, { t: 'ports', n: 1 }, { t: 'connections', n: 1 }, { t: 'score', n: 1 }, { t: 'ports' }, { t: 'known' }],
      E.map(function (e) { return [e.id, e.scanner, e.type, e.protos, e.first.replace('T', ' ').replace('Z', ''), e.last.replace('T', ' ').replace('Z', ''), e.targets, e.ports, e.connections, e.score, e.port_list.length > 80 ? e.port_list.slice(0, 77) + '...' : e.port_list, e.known_scanner || '']; }));
  })();

  /* ------------------------------------------------------------ site and inputs */
  (function () {
    var s = section('site', 'Site and inputs');
    var S = X.site, dl = el('dl', { 'class': 'site' });
    function row(k, v) { dl.appendChild(el('dt', null, esc(k))); dl.appendChild(el('dd', null, v)); }
    row('monitored', S.monitored.map(esc).join(', '));
    row('services', S.services.length ? S.services.map(esc).join('<br>') : 'none');
    row('hot ports', S.hot_ports.map(esc).join(', '));
    row('activity buckets', S.buckets.join(', ') + ' days');
    row('day boundaries', esc(D.period.tz));
    row('inputs', X.inputs.map(function (f) { return '<code>' + esc(f) + '</code>'; }).join('<br>'));
    row('connections', num(D.flows.merged) + ' (' + num(D.flows.read) + ' flow records merged, idle ' + S.idle + ' s)');
    row('made by', 'vigil ' + esc(X.version) + ' on ' + esc(X.generated));
    s.appendChild(dl);
  })();

  /* ------------------------------------------------------------ footnotes and contents */
  footnotes.forEach(function (f) { f[0].appendChild(el('p', { 'class': 'footnote' }, esc(f[1]))); });
  (function () {
    var nav = el('nav', { id: 'toc' }), ol = el('ol');
    nav.appendChild(el('h3', null, 'Contents'));
    Array.prototype.forEach.call(app.querySelectorAll('section'), function (s) {
      if (s === summary) return;
      var li = el('li'), a = el('a', { href: '#' + s.id });
      a.textContent = s.querySelector('h2').textContent;
      li.appendChild(a);
      ol.appendChild(li);
    });
    nav.appendChild(ol);
    summary.appendChild(nav);
  })();

  /* ready when every chart has been drawn completely */
  (function wait() {
    for (var id in V.charts) if (!V.charts[id].finished) return requestAnimationFrame(wait);
    V.ready = true;
  })();
})();
