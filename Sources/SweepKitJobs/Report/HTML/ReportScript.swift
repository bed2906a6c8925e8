/// The report's script, in parts (one concern each), concatenated into one IIFE by
/// `SweepReportPage`: `base` (the data, formatting, scales), `charts` (a canvas-and-SVG chart),
/// `sections` (each chart section), `table` (the trial table), `main` (renders everything, keeps
/// one failing section from hiding the others, and records what it drew for tests and benchmarks
/// in `window.sweepkitReport`). Hand-written, no library: the page must work offline.
enum ReportScript {
    static let base = #"""
(function () {
'use strict';
const started = performance.now();
const D = JSON.parse(document.getElementById('sweep-data').textContent);
const T = D.trials, job = D.job, P = D.params;
const N = T.n.length;
const maximize = job.goal !== 'minimize';
const KINDS = ['running', 'completed', 'failed', 'canceled'];
const COLORS = { completed: '#2563eb', stopped: '#d97706', failed: '#dc2626', canceled: '#9ca3af', running: '#059669', best: '#111827' };
const LABELS = { completed: 'Completed', stopped: 'Stopped early', failed: 'Failed', canceled: 'Canceled', running: 'Running' };
const STATUS_COLORS = { Running: '#059669', Completed: '#2563eb', Failed: '#dc2626', Canceled: '#6b7280', NotResponding: '#d97706', NotStarted: '#9ca3af' };
const drawn = {};

/** A trial's kind: its status, with Canceled split into stopped early (a policy decision) and canceled. */
function kind(i) {
  const k = KINDS[T.s[i]] || 'running';
  return k === 'canceled' && T.stop[i] ? 'stopped' : k;
}
const trialName = i => T.names[i] || job.name + '_' + T.n[i];
const logDir = i => T.logs[i] || D.log_root + '/' + trialName(i);
const hasValue = i => T.v[i] !== null && T.v[i] !== undefined;
const better = (a, b) => maximize ? a > b : a < b;
const bestRow = D.best === null ? -1 : T.n.indexOf(D.best);

function fmt(v) {
  if (v === null || v === undefined || (typeof v === 'number' && !isFinite(v))) return '–';
  if (typeof v !== 'number') return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-3) return v.toExponential(3).replace(/\.?0+e/, 'e');
  return String(+v.toPrecision(6));
}
function fmtDuration(ms) {
  if (ms === null || ms === undefined) return '–';
  const s = ms / 1000;
  if (s < 60) return (s < 10 ? s.toFixed(2) : s.toFixed(1)) + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min ' + Math.round(s % 60) + ' s';
  return Math.floor(s / 3600) + ' h ' + Math.round(s / 60 % 60) + ' min';
}
function fmtTime(epochMs) { return epochMs ? new Date(epochMs).toLocaleString() : '–'; }
/** A parameter's value in row i, as a label. */
function paramLabel(p, i) {
  const v = T.p[p][i];
  if (v === null || v === undefined) return '–';
  return P[p].scale === 'category' ? P[p].categories[v] : fmt(v);
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}
const SVGNS = 'http://www.w3.org/2000/svg';
function svg(tag, attrs, parent) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) { if (k === 'text') e.textContent = v; else e.setAttribute(k, v); }
  if (parent) parent.appendChild(e);
  return e;
}
function note(parent, text) { parent.append(el('p', { class: 'note', text })); }

// Scales: value -> pixel, with ticks and a label for each tick.
function niceTicks(lo, hi, n) {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  let step = Math.pow(10, Math.floor(Math.log10(span / n)));
  const err = n / span * step;
  if (err <= 0.15) step *= 10; else if (err <= 0.35) step *= 5; else if (err <= 0.75) step *= 2;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}
function extent(values) {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) if (v !== null && v !== undefined && isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
  return lo <= hi ? [lo, hi] : null;
}
/** {type: 'linear'|'log'|'band', lo, hi, categories}: log when asked and the range is positive. */
function domain(values, opts) {
  opts = opts || {};
  let e = extent(values.concat(opts.include || []));
  if (!e) e = [0, 1];
  let [lo, hi] = e;
  if (opts.log && lo > 0) {
    if (lo === hi) { lo /= 2; hi *= 2; }
    return { type: 'log', lo: lo / Math.pow(hi / lo, 0.03), hi: hi * Math.pow(hi / lo, 0.03) };
  }
  if (lo === hi) { const d = Math.abs(lo) * 0.1 || 0.5; lo -= d; hi += d; }
  const pad = opts.pad === undefined ? 0.04 : opts.pad;
  return { type: 'linear', lo: lo - (hi - lo) * pad, hi: hi + (hi - lo) * pad, integer: !!opts.integer };
}
/** The objective's axis: log when every value is positive and they span more than 3 decades. */
function valueDomain(values) {
  const e = extent(values);
  return domain(values, { log: !!e && e[0] > 0 && e[1] / e[0] > 1000 });
}
function scale(d, r0, r1) {
  let s;
  if (d.type === 'band') {
    const k = d.categories.length, step = (r1 - r0) / Math.max(k, 1);
    s = v => r0 + step * (v + 0.5);
    s.step = step;
    s.ticks = () => d.categories.map((_, i) => i);
    s.label = i => d.categories[i];
  } else if (d.type === 'log') {
    const l0 = Math.log10(d.lo), l1 = Math.log10(d.hi);
    s = v => r0 + (Math.log10(Math.max(v, d.lo)) - l0) / (l1 - l0) * (r1 - r0);
    s.invert = p => Math.pow(10, l0 + (p - r0) / (r1 - r0) * (l1 - l0));
    s.ticks = n => {
      const out = [];
      for (let e = Math.ceil(l0); e <= Math.floor(l1); e++) out.push(Math.pow(10, e));
      if (out.length < 3) {
        const more = [];
        for (let e = Math.floor(l0); e <= Math.ceil(l1); e++) for (const m of [1, 2, 5]) {
          const v = m * Math.pow(10, e);
          if (v >= d.lo && v <= d.hi) more.push(v);
        }
        return more.length > n * 2 ? more.filter((_, i) => i % 2 === 0) : more;
      }
      return out.length > n * 1.5 ? out.filter((_, i) => i % Math.ceil(out.length / n) === 0) : out;
    };
    s.label = fmt;
  } else {
    s = v => r0 + (v - d.lo) / (d.hi - d.lo) * (r1 - r0);
    s.invert = p => d.lo + (p - r0) / (r1 - r0) * (d.hi - d.lo);
    s.ticks = n => d.integer ? niceTicks(d.lo, d.hi, Math.min(n, Math.floor(d.hi) - Math.ceil(d.lo) + 1)).filter(Number.isInteger) : niceTicks(d.lo, d.hi, n);
    s.label = fmt;
  }
  s.domain = d;
  s.r0 = r0; s.r1 = r1;
  return s;
}
// Colour by value: viridis, the better end bright.
const VIRIDIS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
function viridis(t) {
  t = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(Math.floor(t), VIRIDIS.length - 2), f = t - i, a = VIRIDIS[i], b = VIRIDIS[i + 1];
  return 'rgb(' + a.map((c, k) => Math.round(c + (b[k] - c) * f)).join(',') + ')';
}
function valueColor(d) {
  const lo = d.type === 'log' ? Math.log10(d.lo) : d.lo, hi = d.type === 'log' ? Math.log10(d.hi) : d.hi;
  return v => {
    const x = d.type === 'log' ? Math.log10(Math.max(v, d.lo)) : v;
    const t = (x - lo) / (hi - lo || 1);
    return viridis(maximize ? t : 1 - t);
  };
}
function legend(parent, items) {
  const box = el('div', { class: 'legend' });
  for (const [color, text] of items) box.append(el('span', {}, el('i', { style: 'background:' + color }), text));
  parent.append(box);
  return box;
}
"""#

    static let main = #"""
// Each section draws on its own: an error in one is shown there (and on the console) and the
// others still render. Charts are redrawn when the window's width changes.
const sections = [
  ['summary', renderSummary, false], ['history', renderHistory, true], ['parallel', renderParallel, true],
  ['importance', renderImportance, true], ['slices', renderSlices, true], ['curves', renderCurves, true],
  ['trials', renderTable, false], ['spec', renderSpec, false],
];
const failures = [], timings = {};
function renderSection(id, render) {
  const body = document.querySelector('#' + id + ' .body');
  body.textContent = '';
  const begun = performance.now();
  try { render(body); } catch (error) {
    failures.push(id + ': ' + error);
    console.error('sweep report: section ' + id + ' failed:', error);
    body.append(el('p', { class: 'error', text: 'This section could not be drawn: ' + error }));
  }
  timings[id] = Math.round(performance.now() - begun);
}
for (const [id, render] of sections) renderSection(id, render);
let lastWidth = document.documentElement.clientWidth, resizeTimer = 0;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    if (document.documentElement.clientWidth === lastWidth) return;
    lastWidth = document.documentElement.clientWidth;
    for (const [id, render, chart] of sections) if (chart) renderSection(id, render);
  }, 150);
});
const renderMs = performance.now() - started;
window.sweepkitReport = { trials: N, renderMs, drawn, failures, timings };
document.body.setAttribute('data-render-ms', renderMs.toFixed(1));
document.body.setAttribute('data-drawn', JSON.stringify(drawn));
})();
"""#
}
