#!/usr/bin/env node
/*
 * check-shared.js - opens the page of `vigil report --shared --html` in
 * Debian's headless Chromium (playwright-core) and checks it against the
 * JSON of `vigil report --shared -o json` made by a separate run: no
 * console error, page error, dialog or request; the embedded data equal to
 * the JSON; the two charts with a series per team and a point per day and
 * per port shown, drawn; the tables' rows; a screenshot.
 * usage: check-shared.js PAGE.html SHARED.json SCREENSHOT.png
 */
'use strict';
const path = require('path');
const fs = require('fs');
const { chromium } = require('playwright-core');

const [page_arg, json_arg, shot] = process.argv.slice(2);
const page_path = path.resolve(page_arg);
const J = JSON.parse(fs.readFileSync(json_arg, 'utf8'));
const failures = [];
let checks = 0;
function eq(got, want, what) {
  checks++;
  if (JSON.stringify(got) !== JSON.stringify(want))
    failures.push(what + ': got ' + JSON.stringify(got).slice(0, 300) + ', want ' + JSON.stringify(want).slice(0, 300));
}

(async () => {
  const exe = [process.env.CHROMIUM, '/usr/bin/chromium'].find(p => p && fs.existsSync(p));
  const browser = await chromium.launch({ executablePath: exe, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  const errors = [], requests = [];
  page.on('console', m => { if (m.type() === 'error' || m.type() === 'warning') errors.push(m.type() + ': ' + m.text()); });
  page.on('pageerror', e => errors.push('page error: ' + e.message));
  page.on('dialog', d => { errors.push('dialog: ' + d.message()); d.dismiss().catch(() => {}); });
  page.on('request', r => { if (r.url() !== 'file://' + page_path) requests.push(r.url()); });
  await page.goto('file://' + page_path, { waitUntil: 'load', timeout: 120000 });
  await page.waitForFunction(() => window.__vigil && (window.__vigil.ready || window.__vigil.errors.length),
                             null, { timeout: 120000 });
  eq(errors.concat(await page.evaluate(() => window.__vigil.errors)), [], 'console and page errors');
  eq(requests, [], 'requests besides the page');
  eq(await page.evaluate(() => JSON.parse(document.getElementById('vigil-data').textContent)), J,
     'the embedded data equals vigil report --shared -o json');
  const got = await page.evaluate(() => {
    const r = {};
    for (const id in window.__vigil.charts) {
      const opt = window.__vigil.charts[id].instance.getOption();
      const cv = document.querySelector('#chart-' + id + ' canvas');
      let ink = 0;
      if (cv && cv.width) {
        const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
        for (let i = 3; i < d.length; i += 28) ink += d[i] > 0;
      }
      r[id] = { series: opt.series.map(s => s.name), points: opt.series.map(s => s.data.length), ink };
    }
    return r;
  });
  const teams = J.teams.map(t => t.team), nd = J.daily.length, np = Math.min(20, J.ports.length);
  eq(Object.keys(got).sort(), ['daily', 'ports'], 'charts on the page');
  if (got.daily) {
    eq(got.daily.series, teams, 'daily: a series per team');
    eq(got.daily.points, teams.map(() => nd), 'daily: a point per day');
    checks++; if (got.daily.ink < 200) failures.push('daily is not drawn');
  }
  if (got.ports) {
    eq(got.ports.series, teams, 'ports: a series per team');
    eq(got.ports.points, teams.map(() => np), 'ports: a point per port shown');
    checks++; if (got.ports.ink < 200) failures.push('ports is not drawn');
  }
  const rows = async id => page.evaluate(i => document.querySelectorAll('#table-' + i + ' tbody tr').length, id);
  eq(await rows('teams'), J.teams.length, 'teams table rows');
  eq(await rows('ports'), np, 'ports table rows');
  eq(await rows('surges'), J.multi_team_alerts.length, 'surges table rows');
  eq(await rows('sources'), Math.min(50, J.common_sources.length), 'sources table rows');
  eq(await page.evaluate(() => document.querySelector('#table-teams tbody tr td').textContent), teams[0], 'first team named');
  await page.screenshot({ path: shot, fullPage: true });
  await browser.close();
  console.log(checks + ' checks, ' + failures.length + ' failed');
  failures.forEach(f => console.log('FAIL ' + f));
  process.exit(failures.length ? 1 : 0);
})().catch(e => { console.log('FAIL ' + (e && e.stack || e)); process.exit(1); });
