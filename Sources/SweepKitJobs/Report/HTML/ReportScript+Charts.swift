extension ReportScript {
    /// A chart: grid and marks on a canvas (10,000 trials draw in milliseconds), axes and labels in
    /// SVG above it, and a tooltip for the mark nearest the pointer.
    static let charts = #"""
function Chart(parent, o) {
  const width = Math.round(o.width || Math.max(280, parent.clientWidth || 640));
  const height = o.height || 300;
  const m = Object.assign({ l: 60, r: 14, t: o.title ? 26 : 10, b: 42 }, o.margin || {});
  const box = el('div', { class: 'chart', style: 'width:' + width + 'px;height:' + height + 'px' });
  parent.append(box);
  const dpr = window.devicePixelRatio || 1;
  const canvas = el('canvas', { width: Math.round(width * dpr), height: Math.round(height * dpr), style: 'width:' + width + 'px;height:' + height + 'px' });
  // Marks are blended into its pixels (`stamp`), so it is read back once per chart.
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.scale(dpr, dpr);
  const root = svg('svg', { width, height, viewBox: '0 0 ' + width + ' ' + height });
  const tip = el('div', { class: 'tip' });
  box.append(canvas, root, tip);
  // Many marks are drawn smaller and see-through, so dense regions show as dense.
  const many = o.marks || 0;
  const c = { box, canvas, ctx, svg: root, tip, width, height, m, marks: 0, opacity: many > 3000 ? 0.3 : many > 600 ? 0.55 : 1,
              r: many > 3000 ? 0.75 : 1 };
  if (o.title) svg('text', { x: m.l, y: 15, class: 'title', text: o.title }, root);
  if (o.x) { c.x = scale(o.x, m.l, width - m.r); axisX(c, o.xLabel); }
  if (o.y) { c.y = scale(o.y, height - m.b, m.t); axisY(c, o.yLabel); }
  return c;
}
function shorten(text, n) { text = String(text); return text.length > n ? text.slice(0, n - 1) + '…' : text; }
function axisX(c, label) {
  const g = svg('g', { class: 'axis' }, c.svg), y0 = c.height - c.m.b, ctx = c.ctx;
  svg('line', { x1: c.m.l, x2: c.width - c.m.r, y1: y0, y2: y0 }, g);
  let ticks = c.x.ticks(Math.max(2, Math.floor((c.width - c.m.l - c.m.r) / 80)));
  if (c.x.domain.type === 'band') {
    const every = Math.max(1, Math.ceil(44 / Math.max(c.x.step, 1)));
    ticks = ticks.filter((_, i) => i % every === 0);
  }
  ctx.strokeStyle = '#eef0f3'; ctx.lineWidth = 1;
  for (const t of ticks) {
    const x = c.x(t);
    if (x < c.m.l - 0.5 || x > c.width - c.m.r + 0.5) continue;
    ctx.beginPath(); ctx.moveTo(x, c.m.t); ctx.lineTo(x, y0); ctx.stroke();
    svg('line', { x1: x, x2: x, y1: y0, y2: y0 + 4 }, g);
    svg('text', { x, y: y0 + 16, 'text-anchor': 'middle', text: shorten(c.x.label(t), 14) }, g);
  }
  if (label) svg('text', { x: (c.m.l + c.width - c.m.r) / 2, y: c.height - 6, 'text-anchor': 'middle', text: label }, c.svg);
}
function axisY(c, label) {
  const g = svg('g', { class: 'axis' }, c.svg), x0 = c.m.l, ctx = c.ctx;
  svg('line', { x1: x0, x2: x0, y1: c.m.t, y2: c.height - c.m.b }, g);
  let ticks = c.y.ticks(Math.max(2, Math.floor((c.height - c.m.t - c.m.b) / 45)));
  if (c.y.domain.type === 'band') {
    const every = Math.max(1, Math.ceil(14 / Math.max(c.y.step, 1)));
    ticks = ticks.filter((_, i) => i % every === 0);
  }
  ctx.strokeStyle = '#eef0f3'; ctx.lineWidth = 1;
  for (const t of ticks) {
    const y = c.y(t);
    if (y < c.m.t - 0.5 || y > c.height - c.m.b + 0.5) continue;
    ctx.beginPath(); ctx.moveTo(x0, y); ctx.lineTo(c.width - c.m.r, y); ctx.stroke();
    svg('line', { x1: x0 - 4, x2: x0, y1: y, y2: y }, g);
    svg('text', { x: x0 - 7, y: y + 4, 'text-anchor': 'end', text: shorten(c.y.label(t), 9) }, g);
  }
  if (label) svg('text', { x: 12, y: (c.m.t + c.height - c.m.b) / 2, 'text-anchor': 'middle',
                           transform: 'rotate(-90 12 ' + (c.m.t + c.height - c.m.b) / 2 + ')', text: shorten(label, 40) }, c.svg);
}
// Marks: each shape is drawn once into a small alpha mask, then blended into the canvas's pixels
// at every position (source-over, as the canvas would). 60,000 marks take tens of milliseconds;
// as many drawImage or arc calls take seconds.
const masks = new Map();
function mask(shape, r, width) {
  const dpr = window.devicePixelRatio || 1, key = shape + r + ':' + width + ':' + dpr;
  let m = masks.get(key);
  if (m) return m;
  const size = Math.ceil((2 * r + 4) * dpr), mid = size / 2;
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = size;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.fillStyle = ctx.strokeStyle = '#000'; ctx.lineWidth = (width || 1.6) * dpr; ctx.beginPath();
  const R = r * dpr;
  if (shape === 'dot') { ctx.arc(mid, mid, R, 0, 2 * Math.PI); ctx.fill(); }
  else if (shape === 'triangle') { ctx.moveTo(mid, mid - R * 1.2); ctx.lineTo(mid + R * 1.1, mid + R * 0.8); ctx.lineTo(mid - R * 1.1, mid + R * 0.8); ctx.closePath(); ctx.fill(); }
  else { ctx.moveTo(mid - R, mid - R); ctx.lineTo(mid + R, mid + R); ctx.moveTo(mid + R, mid - R); ctx.lineTo(mid - R, mid + R); ctx.stroke(); }
  const data = ctx.getImageData(0, 0, size, size).data, offsets = [], alphas = [];
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const a = data[(y * size + x) * 4 + 3];
    if (a) { offsets.push([x, y]); alphas.push(a / 255); }
  }
  m = { size, offsets, alphas };
  masks.set(key, m);
  return m;
}
function rgb(color) {
  if (color[0] === '#') return [1, 3, 5].map(k => parseInt(color.slice(k, k + 2), 16));
  return color.slice(color.indexOf('(') + 1, color.indexOf(')')).split(',').map(Number);
}
function stamp(c, shape, xs, ys, r, color, width) {
  if (!xs.length) return;
  const m = mask(shape, r, width), dpr = window.devicePixelRatio || 1, [R, G, B] = rgb(color), opacity = c.opacity || 1;
  const W = c.canvas.width, H = c.canvas.height;
  if (!c.image) c.image = c.ctx.getImageData(0, 0, W, H);
  const px = c.image.data;
  const n = m.alphas.length, dx = new Int32Array(n), dy = new Int32Array(n), al = new Float32Array(m.alphas.map(a => a * opacity));
  m.offsets.forEach(([x, y], k) => { dx[k] = x; dy[k] = y; });
  for (let k = 0; k < xs.length; k++) {
    const x0 = Math.round(xs[k] * dpr - m.size / 2), y0 = Math.round(ys[k] * dpr - m.size / 2);
    for (let j = 0; j < n; j++) {
      const x = x0 + dx[j], y = y0 + dy[j];
      if (x < 0 || y < 0 || x >= W || y >= H) continue;
      const i = (y * W + x) * 4, a = al[j], da = px[i + 3] / 255 * (1 - a), oa = a + da;
      px[i] = (R * a + px[i] * da) / oa; px[i + 1] = (G * a + px[i + 1] * da) / oa; px[i + 2] = (B * a + px[i + 2] * da) / oa;
      px[i + 3] = oa * 255;
    }
  }
  c.marks += xs.length;
}
/** Writes blended marks back to the canvas; before any other drawing, and when a chart is done. */
function flush(c) {
  if (c.image) { c.ctx.putImageData(c.image, 0, 0); c.image = null; }
}
const dots = (c, xs, ys, r, color) => stamp(c, 'dot', xs, ys, r, color);
const triangles = (c, xs, ys, r, color) => stamp(c, 'triangle', xs, ys, r, color);
const crosses = (c, xs, ys, r, color, width) => stamp(c, 'cross', xs, ys, r, color, width);
function polyline(c, xs, ys, color, width, alpha) {
  polylines(c, [[xs, ys]], color, width, alpha);
}
/** Lines of one colour; overlaps darken between groups of `group` lines (one path each). */
function polylines(c, lines, color, width, alpha, group) {
  flush(c);
  const ctx = c.ctx, n = group || 1;
  ctx.globalAlpha = alpha === undefined ? 1 : alpha;
  ctx.strokeStyle = color; ctx.lineWidth = width || 1;
  for (let start = 0; start < lines.length; start += n) {
    ctx.beginPath();
    for (const [xs, ys] of lines.slice(start, start + n)) {
      for (let k = 0; k < xs.length; k++) { if (k === 0) ctx.moveTo(xs[k], ys[k]); else ctx.lineTo(xs[k], ys[k]); }
    }
    ctx.stroke();
  }
  ctx.globalAlpha = 1;
  c.marks += lines.length;
}
/** Groups marks by a key (colour, shape): key -> {xs, ys}. */
function bins() {
  const groups = new Map();
  return {
    add(key, x, y) { let g = groups.get(key); if (!g) { g = { xs: [], ys: [] }; groups.set(key, g); } g.xs.push(x); g.ys.push(y); },
    each(f) { for (const [key, g] of groups) f(key, g.xs, g.ys); },
  };
}
/** Shows `text(i)` for the point nearest the pointer (within 9 px); points are [x, y, i]. */
function hover(c, points, text) {
  flush(c);
  const xs = new Float32Array(points.length), ys = new Float32Array(points.length);
  points.forEach((p, k) => { xs[k] = p[0]; ys[k] = p[1]; });
  c.box.addEventListener('mousemove', event => {
    const r = c.box.getBoundingClientRect(), mx = event.clientX - r.left, my = event.clientY - r.top;
    let best = -1, bestD = 81;
    for (let k = 0; k < xs.length; k++) {
      const d = (xs[k] - mx) * (xs[k] - mx) + (ys[k] - my) * (ys[k] - my);
      if (d < bestD) { bestD = d; best = k; }
    }
    if (best < 0) { c.tip.style.display = 'none'; return; }
    c.tip.textContent = text(points[best][2]);
    c.tip.style.display = 'block';
    const left = xs[best] + 12 + c.tip.offsetWidth > c.width ? xs[best] - 12 - c.tip.offsetWidth : xs[best] + 12;
    c.tip.style.left = Math.max(0, left) + 'px';
    c.tip.style.top = Math.max(0, ys[best] - 10) + 'px';
  });
  c.box.addEventListener('mouseleave', () => { c.tip.style.display = 'none'; });
}
/** A trial in a tooltip: name, status, value, its parameters. */
function trialText(i) {
  const lines = [trialName(i) + ' · ' + LABELS[kind(i)], D.job.primary_metric + ' = ' + fmt(T.v[i])];
  for (let p = 0; p < P.length && p < 8; p++) if (T.p[p][i] !== null) lines.push(P[p].name + ' = ' + paramLabel(p, i));
  if (P.length > 8) lines.push('…');
  return lines.join('\n');
}
function stableJitter(i) { const x = Math.sin(i * 12.9898 + 78.233) * 43758.5453; return x - Math.floor(x) - 0.5; }
"""#
}
