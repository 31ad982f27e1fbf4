#!/usr/bin/env node
/*
 * figures-svg.js - every chart of a vigil HTML report as a static SVG file
 * (and a PNG where rsvg-convert, Debian's librsvg2-bin, is installed), for
 * slides and mail. `vigil report --figures DIR` runs it on the page it has
 * just made; it can also be run by hand on any page of `vigil report --html`:
 *
 *   node figures-svg.js [--quiet] [--no-png] PAGE.html DIR
 *
 * The charts are the page's own: the options come from figures.js, the same
 * functions the page draws with, and Apache ECharts' server-side SVG
 * renderer (echarts.min.js, the bundle the page inlines) draws them. Each
 * file is named after its figure (traffic-per-day.svg, ...) and carries the
 * figure's title, the period and the seed study's slide as a footnote.
 * Nothing but node itself: no npm package, no network.
 * Exit status: 0 done, 1 a figure could not be drawn or written, 2 usage.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const ME = 'vigil report --figures';
function die(code, msg) {
  process.stderr.write(ME + ': ' + msg + '\n');
  process.exit(code);
}

const args = process.argv.slice(2);
let quiet = false, png = true;
while (args.length && args[0].startsWith('--')) {
  const a = args.shift();
  if (a === '--quiet') quiet = true;
  else if (a === '--no-png') png = false;
  else die(2, 'unknown option ' + a + ' (usage: figures-svg.js [--quiet] [--no-png] PAGE.html DIR)');
}
if (args.length !== 2) die(2, 'usage: figures-svg.js [--quiet] [--no-png] PAGE.html DIR');
const [pagePath, outDir] = args;

/* echarts.min.js and figures.js beside this script (installed: share/vigil;
 * in the source tree: lib/report, with the bundle in vendor/) */
function beside(name) {
  for (const p of [path.join(__dirname, name), path.join(__dirname, 'vendor', name)])
    if (fs.existsSync(p)) return p;
  die(2, name + ' not found beside ' + __filename);
}
const echarts = require(beside('echarts.min.js'));
const F = require(beside('figures.js'));

/* Without a canvas ECharts guesses the width of a text from a table of
 * narrow font metrics; the files are drawn with the sans-serif of a Debian
 * desktop (DejaVu Sans, wider), so lay them out with its advances (in em). */
const EM = {};
function em(chars, w) { for (const ch of chars) EM[ch] = w; }
em('0123456789', 0.636); em(' .,;:|!', 0.318); em('ilj', 0.278); em('ft', 0.37); em('r', 0.411);
em('sz', 0.523); em('c', 0.55); em('kvxy', 0.59); em('abdegnopqhu', 0.625); em('w', 0.818); em('m', 0.974);
em('ABCDEFGHKLNOPQRSTUVXYZ', 0.7); em('IJ', 0.3); em('MW', 0.9); em('-()[]{}/\\', 0.37);
em('%', 0.95); em('+=<>#~^*', 0.838); em('_', 0.5); em('"\'`', 0.4); em('@&', 0.9);
echarts.setPlatformAPI({
  measureText(text, font) {
    const m = /(\d+(?:\.\d+)?)px/.exec(font || ''), size = m ? +m[1] : 12;
    let w = 0;
    for (const ch of String(text || '')) w += EM[ch] !== undefined ? EM[ch] : 0.65;
    return { width: w * size * (/bold|[6-9]00/.test(font || '') ? 1.08 : 1) };
  }
});

/* The page's data: the two JSON blocks vigil writes into it. */
let html;
try {
  html = fs.readFileSync(pagePath, 'utf8');
} catch (e) {
  die(2, pagePath + ': ' + e.message);
}
function block(id) {
  const m = new RegExp('<script type="application/json" id="' + id + '">([\\s\\S]*?)</script>').exec(html);
  if (!m) die(2, pagePath + ': not a page of vigil report --html (no ' + id + ')');
  try {
    return JSON.parse(m[1]);
  } catch (e) {
    return die(2, pagePath + ': ' + id + ': ' + e.message);
  }
}
const D = block('vigil-data'), X = block('vigil-extra');
if (!D.daily || !X.matrix) die(2, pagePath + ': not the page of a study (vigil report --shared pages have no figures)');

function xml(s) {
  return String(s).replace(/[&<>"]/g, ch => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]);
}

/* The chart as ECharts draws it, framed: title and period above, the
 * seed's slide below, on white (a PNG has no page behind it). */
const HEAD = 52, FOOT = 26;
function render(fig) {
  const opt = fig.option();
  opt.animation = false;
  delete opt.toolbox;
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: fig.width, height: fig.height });
  let inner;
  try {
    chart.setOption(opt);
    inner = chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
  const W = fig.width, H = HEAD + fig.height + FOOT;
  const period = D.period.days ? D.period.first_day + ' .. ' + D.period.last_day + ' (' + D.period.days +
    (D.period.days > 1 ? ' days, ' : ' day, ') + D.period.tz + ')' : 'no flows';
  const sub = period + ' - ' + F.num(D.flows.merged) + ' connections - vigil ' + X.version;
  return '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" width="' + W +
    '" height="' + H + '" viewBox="0 0 ' + W + ' ' + H + '" data-vigil-figure="' + xml(fig.id) + '">\n' +
    '<title>' + xml(fig.title) + '</title>\n' +
    '<desc>' + xml(sub + (fig.footnote ? '. ' + fig.footnote : '')) + '</desc>\n' +
    '<rect width="' + W + '" height="' + H + '" fill="#ffffff"/>\n' +
    '<text x="16" y="24" style="font-size:16px;font-weight:bold;font-family:sans-serif;" fill="#1d2430" class="vigil-title">' + xml(fig.title) + '</text>\n' +
    '<text x="16" y="43" style="font-size:12px;font-family:sans-serif;" fill="#5b6576" class="vigil-sub">' + xml(sub) + '</text>\n' +
    inner.replace(/^<svg /, '<svg x="0" y="' + HEAD + '" ') + '\n' +
    (fig.footnote ? '<text x="' + (W - 16) + '" y="' + (H - 9) + '" text-anchor="end" style="font-size:11px;font-family:sans-serif;" fill="#5b6576" class="vigil-footnote">' +
      xml(fig.footnote) + '</text>\n' : '') +
    '</svg>\n';
}

function which(cmd) {
  for (const d of (process.env.PATH || '').split(':'))
    if (d && fs.existsSync(path.join(d, cmd))) return path.join(d, cmd);
  return null;
}
const rsvg = png ? which('rsvg-convert') : null;

try {
  fs.mkdirSync(outDir, { recursive: true });
} catch (e) {
  die(1, outDir + ': ' + e.message);
}
const figs = F.figures(F.context(D, X, true));
let failed = 0, pngs = 0, svgs = 0;
for (const fig of figs) {
  const svgFile = path.join(outDir, fig.file + '.svg');
  try {
    fs.writeFileSync(svgFile, render(fig));
    svgs++;
  } catch (e) {
    process.stderr.write(ME + ': ' + svgFile + ': ' + e.message + '\n');
    failed++;
    continue;
  }
  if (!rsvg) continue;
  const pngFile = path.join(outDir, fig.file + '.png');
  try {
    /* twice the size, as the page's "save as PNG" */
    execFileSync(rsvg, ['-f', 'png', '-z', '2', '-o', pngFile, svgFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    pngs++;
  } catch (e) {
    process.stderr.write(ME + ': ' + pngFile + ': rsvg-convert failed: ' + String(e.stderr || e.message).trim() + '\n');
    failed++;
  }
}
if (png && !rsvg)
  process.stderr.write(ME + ': no rsvg-convert (Debian package librsvg2-bin): wrote SVG only, no PNG\n');
if (!quiet)
  process.stderr.write(ME + ': ' + svgs + ' figures in ' + outDir + ' (SVG' + (pngs ? ' and PNG' : '') + ')\n');
/* ECharts leaves a timer behind; the files are written */
process.exit(failed ? 1 : 0);
