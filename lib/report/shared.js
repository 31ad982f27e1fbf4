/*
 * shared.js - the page of `vigil report --shared --html`: several teams'
 * shares side by side, from the JSON the page carries (the same document
 * as `vigil report --shared -o json`). Charts are Apache ECharts; the page
 * makes no request. window.__vigil records each chart for the browser test.
 */
(function () {
  'use strict';
  var V = (window.__vigil = { ready: false, charts: {}, errors: [] });
  window.addEventListener('error', function (e) { V.errors.push(String(e.message)); });
  var D = JSON.parse(document.getElementById('vigil-data').textContent);
  var app = document.getElementById('app');
  var COLORS = ['#1f5fa8', '#e0812f', '#3a9a5b', '#9b59b6', '#c0392b', '#16a085', '#7f8c8d'];
  var names = D.teams.map(function (t) { return t.team; });

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
  function section(id, title, note) {
    var s = el('section', { id: id });
    s.appendChild(el('h2', null, esc(title)));
    if (note) s.appendChild(el('p', { 'class': 'note' }, note));
    app.appendChild(s);
    return s;
  }
  function draw(parent, id, option) {
    var div = el('div', { id: 'chart-' + id, 'class': 'chart' });
    parent.appendChild(div);
    option.animation = false;
    option.color = COLORS;
    option.toolbox = { feature: { saveAsImage: { name: 'vigil-shared-' + id, title: 'save as PNG', pixelRatio: 2 } } };
    var c = echarts.init(div, null, { renderer: 'canvas' });
    c.setOption(option);
    V.charts[id] = { instance: c };
  }
  function table(parent, id, head, rows) {
    var t = el('table', { id: 'table-' + id });
    var tr = el('tr');
    head.forEach(function (h) { tr.appendChild(el('th', null, esc(h))); });
    t.appendChild(el('thead')).appendChild(tr);
    var tb = el('tbody');
    rows.forEach(function (r) {
      var row = el('tr');
      r.forEach(function (v) { row.appendChild(el('td', typeof v === 'number' ? { 'class': 'n' } : null, esc(typeof v === 'number' ? num(v) : v))); });
      tb.appendChild(row);
    });
    t.appendChild(tb);
    parent.appendChild(t);
  }

  try {
    document.getElementById('hdr-sub').textContent = D.teams.length + ' teams: ' + names.join(', ');
    var s = section('teams', 'The teams');
    table(s, 'teams', ['team', 'description', 'period', 'zone', 'addresses', 'connections', 'scan events', 'alerts'],
      D.teams.map(function (t) {
        return [t.team, t.description, t.first_day + ' .. ' + t.last_day, t.tz, t.addresses, t.connections, t.scans, t.alerts];
      }));

    s = section('daily', 'Unsolicited connections per day, by team',
      'TCP, UDP and SCTP connections to the monitored hosts of each team, stacked: the days add up.');
    draw(s, 'daily', {
      tooltip: { trigger: 'axis' }, legend: { data: names, top: 0 }, grid: { left: 60, right: 20, top: 40, bottom: 40 },
      xAxis: { type: 'category', data: D.daily.map(function (d) { return d.day; }) }, yAxis: { type: 'value' },
      series: names.map(function (n, i) {
        return { name: n, type: 'bar', stack: 'all', data: D.daily.map(function (d) { return d.teams[i]; }) };
      })
    });

    var top = D.ports.slice(0, 20);
    s = section('ports', 'The 20 ports with the most connections, side by side',
      'Each team\'s connections on the port over its period.');
    draw(s, 'ports', {
      tooltip: { trigger: 'axis' }, legend: { data: names, top: 0 }, grid: { left: 60, right: 20, top: 40, bottom: 70 },
      xAxis: { type: 'category', data: top.map(function (p) { return p.port + '/' + p.proto; }), axisLabel: { rotate: 45 } },
      yAxis: { type: 'value' },
      series: names.map(function (n, i) {
        return { name: n, type: 'bar', data: top.map(function (p) { return p.teams[i]; }) };
      })
    });
    table(s, 'ports', ['port', 'connections', 'new sources', 'teams'].concat(names),
      top.map(function (p) { return [p.port + '/' + p.proto, p.connections, p.new_sources, p.teams_seen].concat(p.teams); }));

    s = section('surges', 'Ports surging at several teams at once',
      'A port\'s alerts from the port detectors of two or more teams in overlapping days: raised one level.');
    table(s, 'surges', ['severity', 'port', 'first', 'last', 'teams', 'detectors'],
      D.multi_team_alerts.map(function (u) {
        return [u.severity, u.port + '/' + u.proto, u.first, u.last, u.teams.join(', '), u.detectors];
      }));

    s = section('sources', 'Sources several teams saw',
      D.sources_matched ? 'In the scan events or alerts of two or more teams (scan events / alerts per team; the 50 with the most).'
        : 'Not matched: the shares were made with different keys or truncations; only counts are merged.');
    var cs = D.common_sources.slice().sort(function (a, b) {
      var ta = a.teams.reduce(function (x, t) { return x + t.scans + t.alerts; }, 0);
      var tb = b.teams.reduce(function (x, t) { return x + t.scans + t.alerts; }, 0);
      return tb - ta || (a.source < b.source ? -1 : 1);
    }).slice(0, 50);
    table(s, 'sources', ['source'].concat(names), cs.map(function (c) {
      return [c.source].concat(c.teams.map(function (t) { return t.scans + ' / ' + t.alerts; }));
    }));
    V.ready = true;
  } catch (e) {
    V.errors.push(String(e && e.stack || e));
  }
})();
