/*
 * figures.js - the charts of vigil's report as pure functions of its data.
 * Each builder takes a context made from the JSON report (D: the page's
 * vigil-data, the same document as `vigil report -o json` with two lists
 * cut) and the page's extras (X: vigil-extra: matrix, port summary, site)
 * and returns an Apache ECharts option. The HTML page (report.js) draws
 * them in the browser; figures-svg.js renders the very same options to SVG
 * under node (`vigil report --figures DIR`). No DOM, no request, no state.
 *
 * In the browser it defines window.VigilFigures; under node it is a module.
 */
(function (root, make) {
  var F = make();
  if (typeof module === 'object' && module.exports) module.exports = F;
  else root.VigilFigures = F;
})(this, function () {
  'use strict';
  var COLORS = ['#1f5fa8', '#e0812f', '#3a9a5b', '#9b59b6', '#c0392b', '#16a085', '#7f8c8d'];
  var PG = ['tcp', 'udp', 'icmp', 'other'];
  var SEED = 'the 2004 eCSIRT.net study';
  /* the scan events' types, one series each on the timeline */
  var SCAN_TYPES = ['vertical', 'horizontal', 'block', 'sweep', 'trw'];
  /* the alerts' timeline: one row per detector, one series per severity */
  var DETECTORS = ['trend', 'seasonal', 'change', 'worm', 'big', 'newport'];
  var SEVERITIES = [['low', '#9ecae1'], ['medium', '#e6550d'], ['high', '#a50f15']];
  /* matrix colours: connections in decades, one large-mode series each
   * (large mode draws a series in one colour, fast for ~1 M points) */
  var BUCKETS = [[1, 1, '1', '#9ecae1'], [2, 9, '2-9', '#4292c6'], [10, 99, '10-99', '#08519c'],
    [100, 999, '100-999', '#e6550d'], [1000, Infinity, '>= 1000', '#a50f15']];

  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (ch) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[ch];
    });
  }
  function num(n) { return Number(n).toLocaleString('en-US'); }
  function portLabel(p) {
    return typeof p.port === 'number' ? p.port + '/' + p.proto : p.proto + ' ' + p.icmp_type + '/' + p.icmp_code;
  }
  /* "Slide 6 of the 2004 eCSIRT.net study", "Slides 10-13 of ..." */
  function footnote(slides) {
    if (!slides) return '';
    return (/[^0-9]/.test(slides) ? 'Slides ' : 'Slide ') + slides + ' of ' + SEED;
  }
  function bucketLabel(b) {
    return b.max_days === null ? '>= ' + b.min_days + ' days'
      : b.min_days === b.max_days ? b.min_days + ' day' + (b.min_days > 1 ? 's' : '')
      : b.min_days + '-' + b.max_days + ' days';
  }
  /* days-active-1, days-active-2-9, days-active-100-plus */
  function bucketFile(b) {
    return 'days-active-' + (b.max_days === null ? b.min_days + '-plus'
      : b.min_days === b.max_days ? String(b.min_days) : b.min_days + '-' + b.max_days);
  }

  /* What every builder reads: the data, and what follows from it.
   * standalone: the option is a figure of its own (an SVG file), whose
   * title is set around it, so a chart leaves out its small inner title. */
  function context(D, X, standalone) {
    var hasScans = !!D.scans;
    var nsTotal = hasScans ? D.duration_no_scans.reduce(function (a, b) { return a + b.connections; }, 0) : 0;
    return {
      D: D, X: X, standalone: !!standalone, hasScans: hasScans,
      /* what the figures "without scans" leave out (vigil report --without) */
      WO: hasScans ? ({ 'port-scans': 'port scans', sweeps: 'sweeps', all: 'scans' })[D.overview_no_scans.without] : 'scans',
      days: D.daily.map(function (d) { return d.day; }),
      /* activity buckets: without scans by default, as in the seed, unless nothing is left */
      durationMode: hasScans && nsTotal > 0 ? 'no_scans' : 'all',
      durationEmpty: hasScans && nsTotal === 0
    };
  }
  function innerTitle(c, text) {
    return c.standalone ? undefined : { text: text, left: 'center', textStyle: { fontSize: 13 } };
  }
  function gridTop(c) { return c.standalone ? 30 : 40; }

  /* ------------------------------------------------------------ the sections of the figures */
  /* id: the page's section; title: what it shows; slides: the seed's */
  function sections(c) {
    var WO = c.WO, s = [
      { id: 'overview', title: 'Overview: unsolicited connections and their sources', slides: '5',
        what: 'the connections that came unasked to the monitored addresses, split between the sources that sent ICMP and those that never did' },
      { id: 'traffic', title: 'Unsolicited connections per day, by protocol', slides: '6',
        what: 'all monitored hosts or one, stacked by protocol, with the distinct sources of each day' },
      { id: 'matrix', title: 'Sources against destination ports', slides: '7 and 9',
        what: 'each source (ordered by address) against each destination port it reached; colour = connections; all unsolicited traffic (slide 7) or the ' + WO + ' only (slide 9)' }
    ];
    if (c.hasScans) s.push({ id: 'scans', title: 'Connections of scans per day, and the scan events', slides: '8',
      what: 'per day, the connections of the ' + WO + ' against the rest; each scan event by its start and its connections' });
    s.push(
      { id: 'hot', title: 'Hot ports per day, from ICMP and no-ICMP sources', slides: '10-13',
        what: 'per day, the connections from sources that sent ICMP and from those that never did, and the share of all unsolicited traffic that day' },
      { id: 'newsrc', title: 'New sources per day', slides: '14',
        what: c.hasScans ? 'sources seen for the first time, without the ' + WO + ', with the ports they used' : 'sources seen for the first time' },
      { id: 'unknown', title: 'Connections per source, sources per port, port classes', slides: '15',
        what: 'splitting the unknown: how many connections each source made, how many sources each port drew, and the classes of the ports' },
      { id: 'duration', title: 'Top ports by the days their sources were active', slides: '16-18',
        what: 'the top 14 ports of the sources active one day, a few days, many days' },
      { id: 'alerts', title: 'Alerts', slides: '19',
        what: 'early warning: when each alert started, by detector; size and colour = severity' });
    s.forEach(function (x) { x.footnote = footnote(x.slides); });
    return s;
  }

  /* ------------------------------------------------------------ traffic per day (slide 6) */
  /* host: '' for all monitored hosts, or the index of one in D.hosts */
  function trafficSeries(c, host) {
    var D = c.D, x = c.days, idx = {};
    x.forEach(function (d, i) { idx[d] = i; });
    var out = PG.map(function () { return x.map(function () { return 0; }); });
    var src = x.map(function () { return 0; });
    if (host === '' || host === undefined || host === null) {
      D.daily.forEach(function (d, i) {
        PG.forEach(function (g, j) { out[j][i] = d.protocols[g].connections; });
        src[i] = d.sources;
      });
    } else {
      D.hosts[+host].daily.forEach(function (d) {
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
  function traffic(c, host) {
    return {
      tooltip: { trigger: 'axis' }, legend: { top: 0 },
      grid: { left: 60, right: 60, top: 40, bottom: 50 },
      xAxis: { type: 'category', data: c.days, name: 'day' },
      yAxis: [{ type: 'value', name: 'connections' }, { type: 'value', name: 'sources' }],
      series: trafficSeries(c, host)
    };
  }

  /* ------------------------------------------------------------ connection matrix (slides 7, 9) */
  function matrixSmall(c) { return c.X.matrix.cells.length < 4 * 20000; }
  function matrixSeries(c, scanOnly) {
    var a = c.X.matrix.cells, out = BUCKETS.map(function () { return []; }), i, b, small = matrixSmall(c);
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
  function matrixSourceName(c, x) { var M = c.X.matrix; return M.sources[x] !== undefined ? M.sources[x] : ('bin ' + x); }
  function matrixPortName(c, y) {
    var u = y >= 65536, p = u ? y - 65536 : y, w = c.X.matrix.ports_per_bin;
    return (w > 1 ? p + '-' + (p + w - 1) : p) + (u ? '/udp' : '/tcp');
  }
  function matrix(c, scanOnly) {
    var M = c.X.matrix, ymax = M.udp ? 131072 : 65536;
    var o = {
      tooltip: { trigger: 'item', formatter: function (p) {
        return esc(matrixSourceName(c, p.value[0])) + '<br>' + matrixPortName(c, p.value[1]) + '<br>' + num(p.value[2]) + ' connections';
      } },
      legend: { top: 0 },
      grid: { left: 80, right: 70, top: 40, bottom: c.standalone ? 50 : 90 },
      xAxis: { type: 'value', name: M.src_per_bin > 1 ? 'source bin (by address)' : 'source (rank by address)',
        nameLocation: 'middle', nameGap: 24, min: 0, max: Math.max(1, M.n_x - 1) },
      yAxis: { type: 'value', name: 'destination port (TCP, then UDP)', min: 0, max: ymax, interval: 16384,
        nameLocation: c.standalone ? 'middle' : 'end', nameGap: c.standalone ? 66 : 15,
        axisLabel: { formatter: function (v) { return v >= ymax ? '' : v < 65536 ? v + '/tcp' : (v - 65536) + '/udp'; } } },
      series: matrixSeries(c, scanOnly)
    };
    /* zoom and pan on the page; a figure of its own shows the whole */
    if (!c.standalone)
      o.dataZoom = [{ type: 'inside', xAxisIndex: 0 }, { type: 'inside', yAxisIndex: 0 },
        { type: 'slider', xAxisIndex: 0, bottom: 20 }, { type: 'slider', yAxisIndex: 0, right: 30 }];
    return o;
  }

  /* ------------------------------------------------------------ scans (slide 8) */
  function scanDays(c) {
    var D = c.D;
    return {
      tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { left: 60, right: 20, top: 40, bottom: 50 },
      xAxis: { type: 'category', data: c.days, name: 'day' }, yAxis: { type: 'value', name: 'connections' },
      series: [
        { name: 'connections of ' + c.WO, type: 'bar', stack: 's', data: D.daily.map(function (d) { return d.connections - d.connections_no_scans; }), itemStyle: { color: '#c0392b' } },
        { name: 'other connections', type: 'bar', stack: 's', data: D.daily.map(function (d) { return d.connections_no_scans; }), itemStyle: { color: '#1f5fa8' } }
      ]
    };
  }
  function scanEvents(c) {
    var D = c.D;
    return {
      tooltip: { trigger: 'item', formatter: function (p) {
        var e = p.data[3];
        return '#' + e.id + ' ' + esc(e.scanner) + '<br>' + e.type + ', ' + e.protos + '<br>' + esc(e.first) + ' .. ' + esc(e.last) +
          '<br>' + num(e.connections) + ' connections, ' + e.targets + ' hosts, ' + e.ports + ' ports' + (e.known_scanner ? '<br>known: ' + esc(e.known_scanner) : '');
      } },
      legend: { top: 0 }, grid: { left: 60, right: 20, top: 40, bottom: 50 },
      useUTC: true,
      xAxis: { type: 'time', name: 'first seen (UTC)', axisLabel: { formatter: '{MM}-{dd}\n{HH}:{mm}' } },
      yAxis: { type: 'log', name: 'connections', min: 1 },
      series: SCAN_TYPES.map(function (t, j) {
        return { name: t, type: 'scatter', large: D.scans.length > 5000, itemStyle: { color: COLORS[j] },
          symbolSize: function (v) { return 4 + Math.min(14, Math.log2(1 + v[2])); },
          data: D.scans.filter(function (e) { return e.type === t; }).map(function (e) {
            return [Date.parse(e.first), Math.max(1, e.connections), e.ports, e];
          }) };
      })
    };
  }

  /* ------------------------------------------------------------ hot ports (slides 10-13) */
  function hotPort(c, k) {
    var h = c.D.hot_ports[k];
    return {
      tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { left: 60, right: 60, top: 40, bottom: 50 },
      xAxis: { type: 'category', data: c.days, name: 'day' },
      yAxis: [{ type: 'value', name: 'connections' }, { type: 'value', name: 'share %', min: 0, max: 100 }],
      series: [
        { name: 'from ICMP sources', type: 'bar', stack: 'h', data: h.daily.map(function (d) { return d.connections_icmp_sources; }), itemStyle: { color: COLORS[1] } },
        { name: 'from no-ICMP sources', type: 'bar', stack: 'h', data: h.daily.map(function (d) { return d.connections_no_icmp_sources; }), itemStyle: { color: COLORS[0] } },
        { name: 'share of the day (%)', type: 'line', yAxisIndex: 1, data: h.daily.map(function (d) { return +d.share_connections_pct.toFixed(2); }), itemStyle: { color: '#333' } }
      ]
    };
  }

  /* ------------------------------------------------------------ new sources (slide 14) */
  function newSources(c) {
    var D = c.D;
    return {
      tooltip: { trigger: 'axis', formatter: function (ps) {
        var d = D.daily[ps[0].dataIndex], t = d.day;
        ps.forEach(function (p) { t += '<br>' + esc(p.seriesName) + ': ' + num(p.value); });
        if (d.new_sources_top_ports_no_scans && d.new_sources_top_ports_no_scans.length)
          t += '<br>top ports: ' + d.new_sources_top_ports_no_scans.map(function (p) { return esc(portLabel(p)) + ' (' + p.connections + ')'; }).join(', ');
        return t;
      } },
      legend: { top: 0 }, grid: { left: 60, right: 20, top: 40, bottom: 50 },
      xAxis: { type: 'category', data: c.days, name: 'day' }, yAxis: { type: 'value', name: 'new sources' },
      series: (c.hasScans ? [{ name: 'new sources without ' + c.WO, type: 'bar', data: D.daily.map(function (d) { return d.new_sources_no_scans; }), itemStyle: { color: COLORS[2] } }] : [])
        .concat([{ name: 'all new sources', type: 'line', data: D.daily.map(function (d) { return d.new_sources; }), itemStyle: { color: '#333' } }])
    };
  }

  /* ------------------------------------------------------------ splitting the unknown (slide 15) */
  function histLabel(h) { return h.min === h.max ? String(h.min) : h.min + '-' + h.max; }
  function hist(c) {
    var H = c.D.conn_per_source_histogram;
    return {
      title: innerTitle(c, 'connections per source'),
      tooltip: { trigger: 'axis' }, grid: { left: 60, right: 20, top: gridTop(c), bottom: 50 },
      xAxis: { type: 'category', name: 'connections', data: H.map(histLabel), axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: 'log', name: 'sources', min: 1 },
      series: [{ name: 'sources', type: 'bar', data: H.map(function (h) { return h.sources || null; }), itemStyle: { color: COLORS[0] } }]
    };
  }
  function portSources(c) {
    var P = c.X.ports_by_sources;
    return {
      title: innerTitle(c, 'distinct sources per port (top 30)'),
      tooltip: { trigger: 'axis' }, grid: { left: 60, right: 20, top: gridTop(c), bottom: 70 },
      xAxis: { type: 'category', data: P.map(function (p) { return p.port + '/' + p.proto; }), axisLabel: { rotate: 45 }, name: 'port' },
      yAxis: { type: 'value', name: 'sources' },
      series: [{ name: 'sources', type: 'bar', data: P.map(function (p) { return p.sources; }), itemStyle: { color: COLORS[1] } }]
    };
  }
  function classesTitle(c) { return 'connections by port class (' + num(c.X.lists.ports_total) + ' TCP/UDP ports)'; }
  function portClasses(c) {
    var PC = c.X.port_classes;
    return {
      title: innerTitle(c, classesTitle(c)),
      tooltip: { trigger: 'item', formatter: function (p) {
        return esc(p.name) + ': ' + num(p.value) + ' connections (' + p.percent + ' %) to ' + num(PC[p.dataIndex].ports) + ' ports';
      } },
      legend: { bottom: 0 },
      series: [{ name: 'class', type: 'pie', radius: ['35%', '65%'], data: PC.map(function (x) { return { name: x.classes, value: x.connections }; }) }]
    };
  }

  /* ------------------------------------------------------------ activity duration (slides 16-18) */
  /* mode: 'no_scans' or 'all'; k: the bucket */
  function durationBuckets(c, mode) { return mode === 'all' ? c.D.duration : c.D.duration_no_scans; }
  function durationTitle(b) { return bucketLabel(b) + ': ' + num(b.sources) + ' sources, ' + num(b.connections) + ' connections'; }
  function duration(c, mode, k) {
    var b = durationBuckets(c, mode)[k];
    return {
      title: innerTitle(c, durationTitle(b)),
      tooltip: { trigger: 'axis' }, grid: { left: 90, right: 20, top: gridTop(c), bottom: 40 },
      xAxis: { type: 'value', name: 'connections' },
      yAxis: { type: 'category', inverse: true, data: b.top_ports.map(portLabel) },
      series: [{ name: 'connections', type: 'bar', data: b.top_ports.map(function (p) { return p.connections; }), itemStyle: { color: COLORS[k % COLORS.length] } }]
    };
  }

  /* ------------------------------------------------------------ alerts */
  function alerts(c) {
    var A = c.D.alerts;
    return {
      useUTC: true,
      tooltip: { trigger: 'item', formatter: function (p) {
        var a = p.data[2];
        return '#' + a.id + ' ' + esc(a.detector) + ' (' + a.severity + ')<br>' + esc(a.summary);
      } },
      legend: { top: 0 }, grid: { left: 90, right: 30, top: 40, bottom: 50 },
      xAxis: { type: 'time', name: 'start (UTC)', axisLabel: { formatter: '{MM}-{dd}' } },
      yAxis: { type: 'category', data: DETECTORS, name: 'detector' },
      series: SEVERITIES.map(function (v, j) {
        return { name: v[0], type: 'scatter', symbolSize: 8 + 5 * j, itemStyle: { color: v[1] },
          data: A.filter(function (a) { return a.severity === v[0]; }).map(function (a) {
            return [Date.parse(a.time), a.detector, a];
          }) };
      })
    };
  }

  /* ------------------------------------------------------------ every figure */
  /* The charts of the page in their first state, as figures of their own:
   * id (the page's chart), file (the name of its SVG), section, title,
   * footnote, size, and option() to build it. */
  function figures(c) {
    var D = c.D, out = [], S = {};
    sections(c).forEach(function (s) { S[s.id] = s; });
    function add(id, section, file, title, option, w, h) {
      out.push({ id: id, section: section, file: file, title: title, footnote: S[section].footnote,
        width: w || 1000, height: h || 450, option: option });
    }
    add('traffic', 'traffic', 'traffic-per-day', 'Unsolicited connections per day, by protocol, and their sources',
      function () { return traffic(c, ''); });
    add('matrix', 'matrix', 'connection-matrix', 'Sources against destination ports: all unsolicited traffic',
      function () { return matrix(c, false); }, 1000, 650);
    out[out.length - 1].footnote = footnote('7');
    if (c.hasScans) {
      add('matrix-scans', 'matrix', 'connection-matrix-' + c.WO.replace(/ /g, '-'), 'Sources against destination ports: the ' + c.WO + ' only',
        function () { return matrix(c, true); }, 1000, 650);
      out[out.length - 1].footnote = footnote('9');
      add('scan-days', 'scans', 'scan-connections-per-day', 'Connections of the ' + c.WO + ' per day, against the rest',
        function () { return scanDays(c); });
      add('scan-events', 'scans', 'scan-events', 'Scan events: first seen and connections, by type',
        function () { return scanEvents(c); });
    }
    D.hot_ports.forEach(function (h, k) {
      add('hot-' + h.port + '-' + h.proto, 'hot', 'hot-port-' + h.port + '-' + h.proto,
        'Hot port ' + h.port + '/' + h.proto + ': connections per day from ICMP and no-ICMP sources, and the share of the day',
        function () { return hotPort(c, k); });
    });
    add('newsrc', 'newsrc', 'new-sources-per-day', c.hasScans ? 'New sources per day, without the ' + c.WO : 'New sources per day',
      function () { return newSources(c); });
    add('hist', 'unknown', 'connections-per-source', 'Sources by their number of connections',
      function () { return hist(c); }, 1000, 450);
    add('port-sources', 'unknown', 'sources-per-port', 'Distinct sources per port (top 30)',
      function () { return portSources(c); }, 1000, 450);
    add('classes', 'unknown', 'port-classes', 'Connections by port class (' + num(c.X.lists.ports_total) + ' TCP/UDP ports)',
      function () { return portClasses(c); }, 800, 450);
    durationBuckets(c, c.durationMode).forEach(function (b, k) {
      add('duration-' + k, 'duration', bucketFile(b), 'Top ports of the sources active ' + bucketLabel(b) +
        (c.durationMode === 'no_scans' ? ' without the ' + c.WO : '') + ': ' + num(b.sources) + ' sources, ' +
        num(b.connections) + ' connections',
        function () { return duration(c, c.durationMode, k); }, 1000, 450);
    });
    if (D.alerts && D.alerts.length)
      add('alerts', 'alerts', 'alerts-timeline', 'Alerts: when each started, by detector and severity',
        function () { return alerts(c); }, 1000, 400);
    return out;
  }

  return {
    COLORS: COLORS, SEVERITIES: SEVERITIES, esc: esc, num: num, portLabel: portLabel, footnote: footnote,
    context: context, sections: sections, figures: figures,
    traffic: traffic, trafficSeries: trafficSeries, matrix: matrix, matrixSeries: matrixSeries,
    scanDays: scanDays, scanEvents: scanEvents, hotPort: hotPort, newSources: newSources,
    hist: hist, portSources: portSources, portClasses: portClasses,
    duration: duration, durationBuckets: durationBuckets, alerts: alerts
  };
});
