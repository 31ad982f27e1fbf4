#!/usr/bin/env node
/*
 * shot.js - a picture of the top of a vigil HTML page, for the README:
 *   node tests/html/shot.js PAGE.html OUT.png [HEIGHT]
 * (Debian's Chromium through playwright-core, as check.js; 1400 px wide.)
 */
'use strict';
const path = require('path');
const { chromium } = require('playwright-core');
(async () => {
  const [page_path, out, height] = process.argv.slice(2);
  const b = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
                                    args: ['--no-sandbox', '--disable-gpu'] });
  const p = await (await b.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  await p.goto('file://' + path.resolve(page_path));
  await p.waitForFunction(() => window.__vigil && window.__vigil.ready, null, { timeout: 120000 });
  await p.screenshot({ path: out, fullPage: true, clip: { x: 0, y: 0, width: 1400, height: Number(height || 1700) } });
  await b.close();
})().catch(e => { console.error('shot.js: ' + e.message); process.exit(1); });
