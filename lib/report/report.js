/*
 * report.js - builds vigil's HTML report in the browser from the JSON the
 * page carries (the same document as `vigil report -o json`, plus the
 * connection matrix and the site). Every chart is Apache ECharts; this
 * file only maps data to chart options and tables. It makes no request.
 */
(function () {
  'use strict';
  var V = (window.__vigil = { ready: false, charts: {}, errors: [] });
  window.addEventListener('error', function (e) { V.errors.push(String(e.message)); });

  var D = JSON.parse(document.getElementById('vigil-data').textContent);
  var X = JSON.parse(document.getElementById('vigil-extra').textContent);
  var app = document.getElementById('app');
  var COLORS = ['#1f5fa8', '#e0812f', '#3a9a5b', '#9b59b6', '#c0392b', '#16a085', '#7f8c8d'];
  var PG = ['tcp', 'udp', 'icmp', 'other'];
  var hasScans = !!D.scans;
  /* what the figures "without scans" leave out (vigil report --without) */
  var WO = hasScans ? ({ 'port-scans': 'port scans', sweeps: 'sweeps', all: 'scans' })[D.overview_no_scans.without] : 'scans';

  function el(tag, attrs, html) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (html !== undefined) e.innerHTML = html;
    return e;
  }
  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c];
    });
  }
  function num(n) { return Number(n).toLocaleString('en-US'); }
  function pct(a, b) { return b ? (100 * a / b).toFixed(2) + ' %' : '0 %'; }
  function section(id, title, slide, note) {
    var s = el('section', { id: id });
    s.appendChild(el('h2', null, esc(title)));
    if (slide) s.appendChild(el('div', { 'class': 'slide' }, esc(slide)));
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
  function days() { return D.daily.map(function (d) { return d.day; }); }
  function portLabel(p) { return typeof p.port === 'number' ? p.port + '/' + p.proto : p.proto + ' ' + p.icmp_type + '/' + p.icmp_code; }

  /* ------------------------------------------------------------ header */
  var hdr = document.getElementById('hdr-sub');
  hdr.textContent = (D.period.days ? D.period.first_day + ' .. ' + D.period.last_day + ' (' +
    D.period.days + (D.period.days > 1 ? ' days, ' : ' day, ') + D.period.tz + ')' : 'no flows') + '  -  ' + num(D.flows.read) + ' flow records, ' +
    num(D.flows.merged) + ' connections  -  vigil ' + X.version;

  /* ------------------------------------------------------------ overview (slide 5) */
  (function () {
    var o = D.overview, s = section('overview', 'Overview', 'slide 5');
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

  /* ------------------------------------------------------------ 1: traffic per day (slide 6) */
  (function () {
    var s = section('traffic', 'Traffic per day', 'slide 6: all monitored hosts or one, stacked by protocol');
    var ctl = el('div', { 'class': 'controls' }, 'host: ');
    var sel = el('select', { id: 'traffic-host' });
    sel.appendChild(el('option', { value: '' }, 'all monitored hosts'));
    D.hosts.forEach(function (h, i) { sel.appendChild(el('option', { value: String(i) }, esc(h.addr) + ' (' + num(h.connections) + ')')); });
    ctl.appendChild(sel);
    s.appendChild(ctl);
    var div = chartDiv(s, 'traffic');
    function series(hi) {
      var x = days(), idx = {};
      x.forEach(function (d, i) { idx[d] = i; });
      var out = PG.map(function () { return x.map(function () { return 0; }); });
      var src = x.map(function () { return 0; });
      if (hi === '') {
        D.daily.forEach(function (d, i) {
          PG.forEach(function (g, j) { out[j][i] = d.protocols[g].connections; });
          src[i] = d.sources;
        });
      } else {
        D.hosts[+hi].daily.forEach(function (d) {
          var i = idx[d.day];
          if (i === undefined) return;
          PG.forEach(function (g, j) { out[j][i] = d[g]; });
          src[i] = d.sources;
        });
      }
      return PG.map(function (g, j) {
        return { name: g, type: 'bar', stack: 'p', data: out[j], itemStyle: { color: COLORS[j] } };
      }).concat([{ name: 'sources', type: 'line', yAxisIndex: 1, data: src, itemStyle: { color: '#333' } }]);
    }
    var c = draw(div, 'traffic', {
      tooltip: { trigger: 'axis' }, legend: { top: 0 },
      grid: { left: 60, right: 60, top: 40, bottom: 50 },
      xAxis: { type: 'category', data: days(), name: 'day' },
      yAxis: [{ type: 'value', name: 'connections' }, { type: 'value', name: 'sources' }],
      series: series('')
    });
    sel.addEventListener('change', function () { c.setOption({ series: series(sel.value) }); });
  })();

  /* ------------------------------------------------------------ 2: connection matrix (slides 7, 9) */
  (function () {
    var M = X.matrix, s = section('matrix', 'Connection matrix',
      'slides 7 and 9: source (ordered by address) x destination port; colour = connections',
      M.aggregated ? 'The matrix has ' + num(M.cells_total) + ' cells: shown aggregated, ' + M.src_per_bin +
        (M.src_per_bin > 1 ? ' sources' : ' source') + ' x ' + M.ports_per_bin + (M.ports_per_bin > 1 ? ' ports' : ' port') + ' a point.' : 'Scroll or drag to zoom and pan; TCP ports 0-65535 below, UDP above.');
    var ctl = el('div', { 'class': 'controls' });
    var bAll = el('button', { id: 'matrix-all' }, 'all unsolicited traffic');
    var bScan = el('button', { id: 'matrix-scan' }, WO + ' only');
    ctl.appendChild(bAll);
    if (hasScans) ctl.appendChild(bScan);
    s.appendChild(ctl);
    var div = chartDiv(s, 'matrix', true);
    /* colour = connections, in decades: one large-mode series a decade
     * (large mode draws a series in one colour, fast for ~1 M points) */
    var BUCKETS = [[1, 1, '1', '#9ecae1'], [2, 9, '2-9', '#4292c6'], [10, 99, '10-99', '#08519c'],
      [100, 999, '100-999', '#e6550d'], [1000, Infinity, '>= 1000', '#a50f15']];
    function series(scanOnly) {
      var a = M.cells, out = BUCKETS.map(function () { return []; }), i, b;
      for (i = 0; i < a.length; i += 4) {
        var v = scanOnly ? a[i + 3] : a[i + 2];
        if (v <= 0) continue;
        for (b = 0; v > BUCKETS[b][1]; b++);
        out[b].push([a[i], a[i + 1], v]);
      }
      return BUCKETS.map(function (k, j) {
        return { type: 'scatter', name: k[2] + (j ? ' connections' : ' connection'), large: true, largeThreshold: 2000, progressive: 0,
          symbolSize: (j < 2 ? 3 : 4) + (small ? 2 : 0), itemStyle: { color: k[3] }, data: out[j] };
      });
    }
    function srcName(x) { return M.sources[x] !== undefined ? M.sources[x] : ('bin ' + x); }
    function portName(y) {
      var u = y >= 65536, p = u ? y - 65536 : y, w = M.ports_per_bin;
      return (w > 1 ? p + '-' + (p + w - 1) : p) + (u ? '/udp' : '/tcp');
    }
    var ymax = M.udp ? 131072 : 65536, small = M.cells.length < 4 * 20000;
    var c = draw(div, 'matrix', {
      tooltip: { trigger: 'item', formatter: function (p) {
        return esc(srcName(p.value[0])) + '<br>' + portName(p.value[1]) + '<br>' + num(p.value[2]) + ' connections';
      } },
      legend: { top: 0 },
      grid: { left: 80, right: 70, top: 40, bottom: 90 },
      xAxis: { type: 'value', name: M.src_per_bin > 1 ? 'source bin (by address)' : 'source (rank by address)',
        nameLocation: 'middle', nameGap: 24, min: 0, max: Math.max(1, M.n_x - 1) },
      yAxis: { type: 'value', name: 'destination port (TCP, then UDP)', min: 0, max: ymax, interval: 16384,
        axisLabel: { formatter: function (v) { return v >= ymax ? '' : v < 65536 ? v + '/tcp' : (v - 65536) + '/udp'; } } },
      dataZoom: [{ type: 'inside', xAxisIndex: 0 }, { type: 'inside', yAxisIndex: 0 },
        { type: 'slider', xAxisIndex: 0, bottom: 20 }, { type: 'slider', yAxisIndex: 0, right: 30 }],
      series: series(false)
    });
    bAll.addEventListener('click', function () { c.setOption({ series: series(false) }); });
    bScan.addEventListener('click', function () { c.setOption({ series: series(true) }); });
  })();

  /* ------------------------------------------------------------ 3: scans (slide 8) */
  if (hasScans) (function () {
    var s = section('scans', 'Scan-related connections', 'slide 8: per day, and the scan events over time',
      X.lists.scans_shown < X.lists.scans_total ? 'The timeline shows the ' + num(X.lists.scans_shown) + ' events with the most connections, of ' + num(X.lists.scans_total) + '.' : undefined);
    var row = el('div', { 'class': 'row' });
    s.appendChild(row);
    var d1 = el('div'), d2 = el('div');
    row.appendChild(d1); row.appendChild(d2);
    draw(chartDiv(d1, 'scan-days'), 'scan-days', {
      tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { left: 60, right: 20, top: 40, bottom: 50 },
      xAxis: { type: 'category', data: days(), name: 'day' }, yAxis: { type: 'value', name: 'connections' },
      series: [
        { name: 'connections of ' + WO, type: 'bar', stack: 's', data: D.daily.map(function (d) { return d.connections - d.connections_no_scans; }), itemStyle: { color: '#c0392b' } },
        { name: 'other connections', type: 'bar', stack: 's', data: D.daily.map(function (d) { return d.connections_no_scans; }), itemStyle: { color: '#1f5fa8' } }
      ]
    });
    var types = ['vertical', 'horizontal', 'block', 'sweep', 'trw'];
    draw(chartDiv(d2, 'scan-events'), 'scan-events', {
      tooltip: { trigger: 'item', formatter: function (p) {
        var e = p.data[3];
        return '#' + e.id + ' ' + esc(e.scanner) + '<br>' + e.type + ', ' + e.protos + '<br>' + esc(e.first) + ' .. ' + esc(e.last) +
          '<br>' + num(e.connections) + ' connections, ' + e.targets + ' hosts, ' + e.ports + ' ports' + (e.known_scanner ? '<br>known: ' + esc(e.known_scanner) : '');
      } },
      legend: { top: 0 }, grid: { left: 60, right: 20, top: 40, bottom: 50 },
      useUTC: true,
      xAxis: { type: 'time', name: 'first seen (UTC)', axisLabel: { formatter: '{MM}-{dd}\n{HH}:{mm}' } },
      yAxis: { type: 'log', name: 'connections', min: 1 },
      series: types.map(function (t, j) {
        return { name: t, type: 'scatter', large: D.scans.length > 5000, itemStyle: { color: COLORS[j] },
          symbolSize: function (v) { return 4 + Math.min(14, Math.log2(1 + v[2])); },
          data: D.scans.filter(function (e) { return e.type === t; }).map(function (e) {
            return [Date.parse(e.first), Math.max(1, e.connections), e.ports, e];
          }) };
      })
    });
  })();

  /* ------------------------------------------------------------ 4: hot ports (slides 10-13) */
  (function () {
    var s = section('hot', 'Hot ports', 'slides 10-13: per day, connections from sources that sent ICMP and from those that never did, and the share of all unsolicited traffic that day');
    D.hot_ports.forEach(function (h, k) {
      var id = 'hot-' + h.port + '-' + h.proto;
      s.appendChild(el('h3', null, h.port + '/' + h.proto));
      draw(chartDiv(s, id), id, {
        tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { left: 60, right: 60, top: 40, bottom: 50 },
        xAxis: { type: 'category', data: days(), name: 'day' },
        yAxis: [{ type: 'value', name: 'connections' }, { type: 'value', name: 'share %', min: 0, max: 100 }],
        series: [
          { name: 'from ICMP sources', type: 'bar', stack: 'h', data: h.daily.map(function (d) { return d.connections_icmp_sources; }), itemStyle: { color: COLORS[1] } },
          { name: 'from no-ICMP sources', type: 'bar', stack: 'h', data: h.daily.map(function (d) { return d.connections_no_icmp_sources; }), itemStyle: { color: COLORS[0] } },
          { name: 'share of the day (%)', type: 'line', yAxisIndex: 1, data: h.daily.map(function (d) { return +d.share_connections_pct.toFixed(2); }), itemStyle: { color: '#333' } }
        ]
      });
    });
  })();

  /* ------------------------------------------------------------ 5: new sources (slide 14) */
  (function () {
    var s = section('newsrc', 'New sources per day', hasScans ? 'slide 14: sources seen for the first time, without ' + WO + ', with the ports they used' : 'slide 14: sources seen for the first time');
    draw(chartDiv(s, 'newsrc'), 'newsrc', {
      tooltip: { trigger: 'axis', formatter: function (ps) {
        var d = D.daily[ps[0].dataIndex], t = d.day;
        ps.forEach(function (p) { t += '<br>' + esc(p.seriesName) + ': ' + num(p.value); });
        if (d.new_sources_top_ports_no_scans && d.new_sources_top_ports_no_scans.length)
          t += '<br>top ports: ' + d.new_sources_top_ports_no_scans.map(function (p) { return esc(portLabel(p)) + ' (' + p.connections + ')'; }).join(', ');
        return t;
      } },
      legend: { top: 0 }, grid: { left: 60, right: 20, top: 40, bottom: 50 },
      xAxis: { type: 'category', data: days(), name: 'day' }, yAxis: { type: 'value', name: 'new sources' },
      series: (hasScans ? [{ name: 'new sources without ' + WO, type: 'bar', data: D.daily.map(function (d) { return d.new_sources_no_scans; }), itemStyle: { color: COLORS[2] } }] : [])
        .concat([{ name: 'all new sources', type: 'line', data: D.daily.map(function (d) { return d.new_sources; }), itemStyle: { color: '#333' } }])
    });
  })();

  /* ------------------------------------------------------------ 6: splitting the unknown (slide 15) */
  (function () {
    var s = section('unknown', 'Splitting the unknown', 'slide 15: connections per source, sources per port, port classes');
    var row = el('div', { 'class': 'row' });
    s.appendChild(row);
    var a = el('div'), b = el('div');
    row.appendChild(a); row.appendChild(b);
    var H = D.conn_per_source_histogram;
    draw(chartDiv(a, 'hist'), 'hist', {
      title: { text: 'connections per source', left: 'center', textStyle: { fontSize: 13 } },
      tooltip: { trigger: 'axis' }, grid: { left: 60, right: 20, top: 40, bottom: 50 },
      xAxis: { type: 'category', name: 'connections', data: H.map(function (h) { return h.min === h.max ? String(h.min) : h.min + '-' + h.max; }) },
      yAxis: { type: 'log', name: 'sources', min: 1 },
      series: [{ name: 'sources', type: 'bar', data: H.map(function (h) { return h.sources || null; }), itemStyle: { color: COLORS[0] } }]
    });
    var P = X.ports_by_sources;
    draw(chartDiv(b, 'port-sources'), 'port-sources', {
      title: { text: 'distinct sources per port (top 30)', left: 'center', textStyle: { fontSize: 13 } },
      tooltip: { trigger: 'axis' }, grid: { left: 60, right: 20, top: 40, bottom: 70 },
      xAxis: { type: 'category', data: P.map(function (p) { return p.port + '/' + p.proto; }), axisLabel: { rotate: 45 }, name: 'port' },
      yAxis: { type: 'value', name: 'sources' },
      series: [{ name: 'sources', type: 'bar', data: P.map(function (p) { return p.sources; }), itemStyle: { color: COLORS[1] } }]
    });
    var PC = X.port_classes;
    draw(chartDiv(s, 'classes'), 'classes', {
      title: { text: 'connections by port class (' + num(X.lists.ports_total) + ' TCP/UDP ports)', left: 'center', textStyle: { fontSize: 13 } },
      tooltip: { trigger: 'item', formatter: function (p) {
        return esc(p.name) + ': ' + num(p.value) + ' connections (' + p.percent + ' %) to ' + num(PC[p.dataIndex].ports) + ' ports';
      } },
      legend: { bottom: 0 },
      series: [{ name: 'class', type: 'pie', radius: ['35%', '65%'], data: PC.map(function (c) { return { name: c.classes, value: c.connections }; }) }]
    });
  })();

  /* ------------------------------------------------------------ 7: activity duration (slides 16-18) */
  (function () {
    /* without scans by default, as in the seed, unless nothing is left */
    var nsTotal = hasScans ? D.duration_no_scans.reduce(function (a, b) { return a + b.connections; }, 0) : 0;
    var mode = hasScans && nsTotal > 0 ? 'no_scans' : 'all';
    V.durationMode = mode;
    var s = section('duration', 'Sources by days of activity', 'slides 16-18: the top 14 ports of the sources active this many days',
      hasScans && nsTotal === 0 ? 'Every unsolicited connection here belongs to the ' + WO + ': the figures without them are empty, so all traffic is shown.' : undefined);
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
    function label(b) {
      return b.max_days === null ? '>= ' + b.min_days + ' days' : (b.min_days === b.max_days ? b.min_days + ' day' + (b.min_days > 1 ? 's' : '') : b.min_days + '-' + b.max_days + ' days');
    }
    function opt(b, k) {
      return {
        title: { text: label(b) + ': ' + num(b.sources) + ' sources, ' + num(b.connections) + ' connections', left: 'center', textStyle: { fontSize: 13 } },
        tooltip: { trigger: 'axis' }, grid: { left: 90, right: 20, top: 40, bottom: 40 },
        xAxis: { type: 'value', name: 'connections' },
        yAxis: { type: 'category', inverse: true, data: b.top_ports.map(portLabel) },
        series: [{ name: 'connections', type: 'bar', data: b.top_ports.map(function (p) { return p.connections; }), itemStyle: { color: COLORS[k % COLORS.length] } }]
      };
    }
    var B = mode === 'all' ? D.duration : D.duration_no_scans, charts = [];
    B.forEach(function (b, k) {
      var d = el('div');
      row.appendChild(d);
      charts.push(draw(chartDiv(d, 'duration-' + k), 'duration-' + k, opt(b, k)));
    });
    if (sel) sel.addEventListener('change', function () {
      var B2 = sel.value === 'all' ? D.duration : D.duration_no_scans;
      V.durationMode = sel.value;
      B2.forEach(function (b, k) { charts[k].setOption(opt(b, k), { replaceMerge: ['series'] }); });
    });
  })();

  /* ------------------------------------------------------------ 8: alerts */
  (function () {
    var A = D.alerts;
    if (!A) {
      section('alerts', 'Alerts', 'slide 19: early warning', 'The detectors did not run (vigil report --no-alerts).');
      return;
    }
    var S = D.alerts_summary;
    var s = section('alerts', 'Alerts', 'slide 19: early warning - when each alert started, by detector; size and colour = severity',
      num(A.length) + ' alert' + (A.length === 1 ? '' : 's') + ' from the detectors' + (S.scan ? ', and ' + num(S.scan) + ' scan events (listed below as scan events; vigil alerts gives them as alerts too).' : '.') +
      ' Definitions: docs/alerts.md.');
    var dets = ['trend', 'seasonal', 'change', 'worm', 'big', 'newport'];
    var sev = [['low', '#9ecae1'], ['medium', '#e6550d'], ['high', '#a50f15']];
    function where(a) { return a.port !== null ? a.port + '/' + a.proto : (a.source || '-'); }
    if (A.length) draw(chartDiv(s, 'alerts'), 'alerts', {
      useUTC: true,
      tooltip: { trigger: 'item', formatter: function (p) {
        var a = p.data[2];
        return '#' + a.id + ' ' + esc(a.detector) + ' (' + a.severity + ')<br>' + esc(a.summary);
      } },
      legend: { top: 0 }, grid: { left: 90, right: 30, top: 40, bottom: 50 },
      xAxis: { type: 'time', name: 'start (UTC)', axisLabel: { formatter: '{MM}-{dd}' } },
      yAxis: { type: 'category', data: dets, name: 'detector' },
      series: sev.map(function (v, j) {
        return { name: v[0], type: 'scatter', symbolSize: 8 + 5 * j, itemStyle: { color: v[1] },
          data: A.filter(function (a) { return a.severity === v[0]; }).map(function (a) {
            return [Date.parse(a.time), a.detector, a];
          }) };
      })
    });
    table(s, 'table-alerts', [{ t: 'id', n: 1, raw: 1 }, { t: 'start' }, { t: 'end' }, { t: 'detector' }, { t: 'level' }, { t: 'port / source' }, { t: 'summary' }],
      A.map(function (a) {
        return [a.id, a.time.replace('T', ' ').replace(':00Z', '').replace('Z', ''), a.end ? a.end.replace('T', ' ').replace(':00Z', '').replace('Z', '') : 'ongoing',
          a.detector, a.severity, where(a), a.summary];
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
    table(s, 'table-top-sources', [{ t: 'source' }, { t: 'connections', n: 1 }, { t: 'ports', n: 1 }, { t: 'hosts', n: 1 }, { t: 'days', n: 1 }, { t: 'first' }, { t: 'last' }, { t: 'ICMP' }, { t: 'top ports' }],
      D.top_sources.map(function (t) { return [t.addr, t.connections, t.ports, t.hosts, t.days, t.first_day, t.last_day, t.icmp ? 'yes' : 'no', t.top_ports.map(portLabel).join(' ')]; }));
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
    table(s, 'table-ports', [{ t: 'port', n: 1, raw: 1 }, { t: 'proto' }, { t: 'connections', n: 1 }, { t: 'sources', n: 1 }, { t: 'classes', html: 1 }, { t: 'range' }, { t: 'name' }],
      D.ports.slice(0, 500).map(function (p) {
        return [p.port, p.proto, p.connections, p.sources, p.classes.map(function (c) { return '<span class="tag ' + c + '">' + c + (c === 'trojan' ? ': ' + esc(p.trojan) : '') + '</span>'; }).join(''), p.range, p.iana || p.services || ''];
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

  /* ready when every chart has been drawn completely */
  (function wait() {
    for (var id in V.charts) if (!V.charts[id].finished) return requestAnimationFrame(wait);
    V.ready = true;
  })();
})();
