#!/usr/bin/env node
/*
 * check.js - opens vigil's HTML report in Debian's headless Chromium
 * (through playwright-core, which drives it over the DevTools protocol)
 * and checks it against the JSON report made by a separate run:
 *   - no console error or warning, no page error, no dialog (script
 *     injected through the data), no request but the page itself;
 *   - every chart there with the number of series and points the JSON
 *     says it must have, and drawn (its canvas has ink);
 *   - the overview cards and sentence equal to the JSON's numbers;
 *   - the tables' row counts; sorting; the host selector and the matrix's
 *     "scan traffic only" switch change the data as they must;
 *   - the summary at the top: its alert counts (all, per severity) and top
 *     alerts equal to the JSON's; its table of contents links every section
 *     and every link resolves to one; headings name what a figure shows, the
 *     seed's slide is a footnote;
 *   - a screenshot of the whole page, as a test artefact.
 * usage: check.js PAGE.html REPORT.json SCREENSHOT.png
 *        check.js --bench PAGE.html     (only: load time, errors, requests)
 * Exits 0 when all checks pass, 1 with the failures listed otherwise.
 */
'use strict';
const path = require('path');
const { chromium } = require('playwright-core');

const bench = process.argv[2] === '--bench';
const args = process.argv.slice(bench ? 3 : 2);
if (args.length < (bench ? 1 : 3)) {
  console.error('usage: check.js PAGE.html REPORT.json SCREENSHOT.png | --bench PAGE.html');
  process.exit(2);
}
const page_path = path.resolve(args[0]);
const J = bench ? null : JSON.parse(require('fs').readFileSync(args[1], 'utf8'));
const failures = [];
let checks = 0;
function check(ok, what) {
  checks++;
  if (!ok) failures.push(what);
}
function eq(got, want, what) {
  const g = JSON.stringify(got), w = JSON.stringify(want), cut = s => (s.length > 300 ? s.slice(0, 300) + '...' : s);
  if (g === w) return check(true, what);
  let i = 0;
  while (i < g.length && g[i] === w[i]) i++;
  check(false, what + (g.length + w.length > 600 ? ' (first difference at character ' + i + ': got ...' +
        g.slice(Math.max(0, i - 60), i + 100) + '..., want ...' + w.slice(Math.max(0, i - 60), i + 100) + '...)'
        : ': got ' + cut(g) + ', want ' + cut(w)));
}

function browser_path() {
  for (const p of [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'])
    if (p && require('fs').existsSync(p)) return p;
  throw new Error('no chromium: install the Debian package chromium (scripts/deps.sh test)');
}

/* The report as the page carries it: the 1000 ports with the most
 * connections, the 5000 scan events with the most (ties: lower id), in the
 * report's order (docs/report.md). */
function page_report(J) {
  const P = Object.assign({}, J);
  P.ports = J.ports.slice(0, 1000);
  if (J.scans) {
    const keep = new Set(J.scans.slice().sort((a, b) => b.connections - a.connections || a.id - b.id)
      .slice(0, 5000).map(e => e.id));
    P.scans = J.scans.filter(e => keep.has(e.id));
  }
  return P;
}

/* Matrix cells per colour (decades of connections: 1, 2-9, 10-99,
 * 100-999, more); k = 2 all traffic, 3 scans only. */
function matrix_buckets(cells, k) {
  const n = [0, 0, 0, 0, 0];
  for (let i = k; i < cells.length; i += 4) {
    const v = cells[i];
    if (v > 0) n[v < 2 ? 0 : v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : 4]++;
  }
  return n;
}

/* The charts the page must have, with series and points per series, from
 * the JSON report alone (independently of report.js). */
function expected_charts(J, extra) {
  const n = J.daily.length, scans = !!J.scans, out = {};
  out.traffic = [n, n, n, n, n];
  out.matrix = matrix_buckets(extra.matrix.cells, 2);
  if (scans) {
    out['scan-days'] = [n, n];
  }
  for (const h of J.hot_ports) out['hot-' + h.port + '-' + h.proto] = [n, n, n];
  out.newsrc = scans ? [n, n] : [n];
  out.hist = [J.conn_per_source_histogram.length];
  out['port-sources'] = [Math.min(30, J.ports.length)];
  out.classes = [new Set(J.ports.map(p => p.classes.join(' + '))).size];
  /* the scan timeline: the events the page keeps */
  if (scans) out['scan-events'] = ['vertical', 'horizontal', 'block', 'sweep', 'trw'].map(
    t => page_report(J).scans.filter(e => e.type === t).length);
  /* without scans, unless that is empty */
  const ns = scans && J.duration_no_scans.reduce((a, b) => a + b.connections, 0) > 0;
  (ns ? J.duration_no_scans : J.duration).forEach((b, k) => { out['duration-' + k] = [b.top_ports.length]; });
  /* the alerts' timeline: one series per severity */
  if (J.alerts && J.alerts.length)
    out.alerts = ['low', 'medium', 'high'].map(v => J.alerts.filter(a => a.severity === v).length);
  return out;
}

(async () => {
  const browser = await chromium.launch({
    executablePath: browser_path(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await ctx.newPage();
  const errors = [], requests = [];
  page.on('console', m => { if (m.type() === 'error' || m.type() === 'warning') errors.push(m.type() + ': ' + m.text()); });
  page.on('pageerror', e => errors.push('page error: ' + e.message));
  page.on('dialog', d => { errors.push('dialog: ' + d.message()); d.dismiss().catch(() => {}); });
  page.on('request', r => { if (r.url() !== 'file://' + page_path) requests.push(r.url()); });

  const t0 = Date.now();
  await page.goto('file://' + page_path, { waitUntil: 'load', timeout: 120000 });
  await page.waitForFunction(() => window.__vigil && (window.__vigil.ready || window.__vigil.errors.length),
                             null, { timeout: 120000 });
  const load_ms = Date.now() - t0;
  const js_errors = await page.evaluate(() => window.__vigil.errors);

  eq(errors.concat(js_errors), [], 'console and page errors');
  eq(requests, [], 'requests besides the page');
  if (bench) {
    console.log(JSON.stringify({ load_ms, errors: errors.length, requests: requests.length }));
    await browser.close();
    process.exit(failures.length ? 1 : 0);
  }

  const extra = await page.evaluate(() => JSON.parse(document.getElementById('vigil-extra').textContent));
  const embedded = await page.evaluate(() => JSON.parse(document.getElementById('vigil-data').textContent));
  eq(embedded, page_report(J), 'the embedded report equals vigil report -o json (lists cut)');
  eq(extra.lists, { ports_total: J.ports.length, ports_shown: Math.min(1000, J.ports.length),
                    scans_total: J.scans ? J.scans.length : 0, scans_shown: J.scans ? Math.min(5000, J.scans.length) : 0 },
     'lists cut for the page');
  /* the port summary over every port, redone from the JSON report */
  const pc = {};
  for (const p of J.ports) {
    const k = p.classes.join(' + ');
    pc[k] = pc[k] || { classes: k, ports: 0, connections: 0 };
    pc[k].ports++;
    pc[k].connections += p.connections;
  }
  eq(extra.port_classes, ['unlisted', 'registered', 'trojan', 'trojan + registered'].filter(k => pc[k]).map(k => pc[k]),
     'connections and ports per port class');
  const pnum = { tcp: 6, udp: 17, sctp: 132 };
  eq(extra.ports_by_sources, J.ports.slice().sort((a, b) => b.sources - a.sources || b.connections - a.connections ||
       pnum[a.proto] - pnum[b.proto] || a.port - b.port).slice(0, 30)
       .map(p => ({ proto: p.proto, port: p.port, sources: p.sources, connections: p.connections })),
     'the 30 ports with the most sources');

  /* charts: series, points, and ink on the canvas */
  const want = expected_charts(J, extra);
  const got = await page.evaluate(() => {
    const r = {};
    for (const id in window.__vigil.charts) {
      const c = window.__vigil.charts[id].instance, opt = c.getOption();
      const div = document.getElementById('chart-' + id), cv = div && div.querySelector('canvas');
      let ink = 0;
      if (cv && cv.width && cv.height) {
        const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
        for (let i = 3; i < d.length; i += 4 * 7) ink += d[i] > 0;
      }
      r[id] = {
        points: opt.series.map(s => s.type === 'pie' ? s.data.length : (s.data ? s.data.length : 0)),
        ink, has_save: !!(opt.toolbox && opt.toolbox[0] && opt.toolbox[0].feature.saveAsImage),
        title: div ? div.closest('section').querySelector('h2').textContent : '',
      };
    }
    return r;
  });
  eq(Object.keys(got).sort(), Object.keys(want).sort(), 'charts on the page');
  for (const id of Object.keys(want)) {
    if (!got[id]) continue;
    eq(got[id].points, want[id], 'chart ' + id + ' points per series');
    check(got[id].ink > 200, 'chart ' + id + ' is drawn (ink ' + got[id].ink + ')');
    check(got[id].has_save, 'chart ' + id + ' has "save as image"');
    check(got[id].title.length > 0, 'chart ' + id + ' is in a titled section');
  }

  /* overview cards and sentence */
  const card = async id => (await page.textContent('#card-' + id + ' .v')).replace(/,/g, '');
  const o = J.overview;
  eq(await card('connections'), String(o.connections), 'card connections');
  eq(await card('sources'), String(o.sources), 'card sources');
  eq(await card('cps'), o.conn_per_source.toFixed(2), 'card connections per source');
  eq(await card('icmp-sources'), String(o.icmp.sources), 'card ICMP sources');
  eq(await card('icmp-connections'), String(o.icmp.connections), 'card ICMP connections');
  eq(await card('noicmp-sources'), String(o.no_icmp.sources), 'card no-ICMP sources');
  eq(await card('noicmp-connections'), String(o.no_icmp.connections), 'card no-ICMP connections');
  for (const k of ['service', 'outbound', 'internal', 'other'])
    eq(await card('class-' + k), String(J.flows[k]), 'card ' + k);
  if (J.scans) {
    eq(await card('scan-events'), String(J.scans_summary.events), 'card scan events');
    eq(await card('scan-connections'), String(J.scans_summary.scan_connections), 'card scan connections');
    eq(await card('noscan-connections'), String(J.overview_no_scans.connections), 'card connections without scans');
    eq(await card('portscan-connections'), String(J.scan_parts.port_scans.connections), 'card connections of port scans');
    eq(await card('sweep-connections'), String(J.scan_parts.sweeps.connections), 'card connections of sweeps');
  }
  const sentence = (await page.textContent('#overview-sentence')).replace(/,/g, '');
  for (const v of [o.connections, o.sources, o.icmp.connections, o.no_icmp.connections])
    check(sentence.includes(String(v)), 'overview sentence has ' + v);

  /* the summary: the alerts first */
  const rank = { low: 1, medium: 2, high: 3 };
  if (J.alerts) {
    eq(Number((await page.textContent('#summary-alerts-count')).replace(/,/g, '')), J.alerts.length, 'summary: alert count');
    for (const v of ['high', 'medium', 'low'])
      eq(Number((await page.textContent('#summary-alerts-' + v)).replace(/,/g, '')), J.alerts.filter(a => a.severity === v).length,
         'summary: ' + v + ' alerts');
    const top = J.alerts.slice().sort((a, b) => rank[b.severity] - rank[a.severity] || (a.time < b.time ? 1 : a.time > b.time ? -1 : a.id - b.id))
      .slice(0, 5).map(a => a.summary);
    const shown = await page.$$eval('#summary-top-alerts li', l => l.map(x => x.textContent));
    eq(shown.length, top.length, 'summary: number of top alerts');
    top.forEach((t, i) => check(shown[i] && shown[i].endsWith(t), 'summary: top alert ' + (i + 1) + ' is "' + t + '"'));
  } else {
    check(/did not run/.test(await page.textContent('#summary-alerts')), 'summary: the detectors did not run');
  }
  const figs = (await page.textContent('#summary-figures')).replace(/,/g, '');
  for (const v of [o.connections, o.sources, J.flows.read])
    check(figs.includes(String(v)), 'summary: key figures have ' + v);
  /* the table of contents: every section, each link to a section */
  const toc = await page.evaluate(() => {
    const links = Array.from(document.querySelectorAll('#toc a')).map(a => {
      const id = a.getAttribute('href').replace(/^#/, ''), t = document.getElementById(id);
      return { id, href: a.getAttribute('href'), text: a.textContent, section: !!t && t.tagName === 'SECTION',
               title: t && t.querySelector('h2') ? t.querySelector('h2').textContent : null };
    });
    const sections = Array.from(document.querySelectorAll('main section')).map(s => s.id).filter(id => id !== 'summary');
    const first = document.querySelector('main section');
    return { links, sections, first: first && first.id };
  });
  eq(toc.first, 'summary', 'the summary is the first section');
  eq(toc.links.map(l => l.id), toc.sections, 'the contents link every section, in order');
  for (const l of toc.links) {
    check(/^#[A-Za-z][\w-]*$/.test(l.href), 'contents: link ' + l.href + ' is a fragment');
    check(l.section, 'contents: ' + l.href + ' resolves to a section');
    eq(l.text, l.title, 'contents: the link to ' + l.href + ' says the section\'s title');
  }
  check(toc.links.length >= (J.scans ? 14 : 12), 'contents: ' + toc.links.length + ' sections');
  /* headings say what a figure shows; the seed's slide is a footnote */
  const heads = await page.$$eval('main h2', h => h.map(x => x.textContent));
  eq(heads.filter(h => /slide/i.test(h)), [], 'no heading names a slide');
  const foot = {};
  for (const [id, slide] of [['overview', 'Slide 5'], ['traffic', 'Slide 6'], ['matrix', 'Slides 7 and 9'], ['hot', 'Slides 10-13'],
                             ['newsrc', 'Slide 14'], ['unknown', 'Slide 15'], ['duration', 'Slides 16-18']].concat(J.scans ? [['scans', 'Slide 8']] : [])) {
    foot[id] = await page.$eval('#' + id, (s) => {
      const f = s.querySelector('p.footnote');
      return f && f === s.lastElementChild ? f.textContent : null;
    });
    eq(foot[id], slide + ' of the 2004 eCSIRT.net study', 'footnote of ' + id + ' (last in its section)');
  }

  /* tables */
  const rows = async id => page.$$eval('#' + id + ' tbody tr', r => r.length);
  eq(await rows('table-top-sources'), J.top_sources.length, 'rows of top sources');
  eq(await rows('table-ports'), Math.min(500, J.ports.length), 'rows of ports');
  if (J.scans) eq(await rows('table-scans'), Math.min(1000, J.scans.length), 'rows of scan events');
  if (J.alerts) eq(await rows('table-alerts'), J.alerts.length, 'rows of alerts');
  if (J.top_sources.length) {
    await page.click('#table-top-sources th:nth-child(2)'); /* connections, ascending */
    const first = await page.textContent('#table-top-sources tbody tr:first-child td:nth-child(2)');
    eq(Number(first.replace(/,/g, '')), Math.min(...J.top_sources.map(t => t.connections)), 'sorted by connections, ascending');
    /* the volume columns: bytes of the source with the most, and a port's */
    await page.click('#table-top-sources th:nth-child(4)');
    await page.click('#table-top-sources th:nth-child(4)'); /* bytes, descending */
    const big = await page.textContent('#table-top-sources tbody tr:first-child td:nth-child(4)');
    eq(Number(big.replace(/,/g, '')), Math.max(...J.top_sources.map(t => t.bytes)), 'top sources: the most bytes');
  }
  if (J.ports.length) {
    const cells = await page.$$eval('#table-ports tbody tr:first-child td', t => t.map(x => x.textContent));
    eq([Number(cells[4].replace(/,/g, '')), Number(cells[5].replace(/,/g, ''))], [J.ports[0].packets, J.ports[0].bytes],
       'ports: packets and bytes of the first port');
  }

  /* interaction: one host in the traffic chart; scan cells in the matrix */
  if (J.hosts.length) {
    const h = J.hosts.reduce((a, b) => (b.connections > a.connections ? b : a));
    await page.selectOption('#traffic-host', String(J.hosts.indexOf(h)));
    const sum = await page.evaluate(() => window.__vigil.charts.traffic.instance.getOption().series
      .slice(0, 4).reduce((s, x) => s + x.data.reduce((a, b) => a + b, 0), 0));
    eq(sum, h.connections, 'traffic of host ' + h.addr);
  }
  if (J.scans) {
    await page.click('#matrix-scan');
    eq(await page.evaluate(() => window.__vigil.charts.matrix.instance.getOption().series.map(s => s.data.length)),
       matrix_buckets(extra.matrix.cells, 3), 'matrix cells of scan traffic');
    await page.click('#matrix-all');
  }
  if (J.scans) {
    await page.selectOption('#duration-mode', 'all');
    const pts = await page.evaluate(n => { const r = []; for (let k = 0; k < n; k++) r.push(window.__vigil.charts['duration-' + k].instance.getOption().series[0].data); return r; }, J.duration.length);
    eq(pts, J.duration.map(b => b.top_ports.map(p => p.connections)), 'activity buckets, all traffic');
    await page.selectOption('#duration-mode', 'no_scans');
    const pts2 = await page.evaluate(n => { const r = []; for (let k = 0; k < n; k++) r.push(window.__vigil.charts['duration-' + k].instance.getOption().series[0].data); return r; }, J.duration.length);
    eq(pts2, J.duration_no_scans.map(b => b.top_ports.map(p => p.connections)), 'activity buckets, without scans');
  }
  /* the matrix's cells add up to the TCP and UDP connections */
  let mconns = 0;
  for (let i = 2; i < extra.matrix.cells.length; i += 4) mconns += extra.matrix.cells[i];
  const tcpudp = J.daily.reduce((s, d) => s + d.protocols.tcp.connections + d.protocols.udp.connections, 0);
  eq(mconns, tcpudp, 'matrix connections = TCP + UDP connections');

  await page.selectOption('#traffic-host', '');
  await page.screenshot({ path: args[2], fullPage: true });
  await browser.close();
  console.log('html: ' + checks + ' checks, ' + failures.length + ' failed; page ready in ' + load_ms + ' ms');
  for (const f of failures) console.log('FAIL ' + f);
  process.exit(failures.length ? 1 : 0);
})().catch(e => { console.error('check.js: ' + (e && e.stack || e)); process.exit(1); });
