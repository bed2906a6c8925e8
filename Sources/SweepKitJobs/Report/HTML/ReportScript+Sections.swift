extension ReportScript {
    /// The summary and the chart sections: optimisation history (by trial, by time), parallel
    /// coordinates with brushing, importance, slices, learning curves; and the spec.
    static let sections = #"""
function renderSummary(body) {
  const status = document.getElementById('job-status');
  status.textContent = '';
  status.append(el('span', { class: 'badge', style: 'background:' + (STATUS_COLORS[job.status] || '#6b7280'), text: job.status }));
  if (job.reason) status.append(' ', el('span', { class: 'note', text: job.reason }));
  const cards = el('div', { class: 'cards' });
  const card = (k, v, s) => cards.append(el('div', { class: 'card' }, el('div', { class: 'k', text: k }), el('div', { class: 'v', text: v }), s ? el('div', { class: 's', text: s }) : null));
  if (bestRow >= 0) {
    const params = P.map((p, k) => T.p[k][bestRow] === null ? null : p.name + ' = ' + paramLabel(k, bestRow)).filter(x => x).join(', ');
    card('Best ' + job.primary_metric + ' (' + job.goal + ')', fmt(T.v[bestRow]), trialName(bestRow) + (params ? ': ' + params : ''));
  } else {
    card('Best ' + job.primary_metric + ' (' + job.goal + ')', '–', 'no completed trial yet');
  }
  const c = D.counts;
  const parts = [[c.Completed, 'completed'], [c.Stopped, 'stopped early'], [c.Failed, 'failed'], [c.Canceled - c.Stopped, 'canceled'], [c.Running, 'running']]
    .filter(x => x[0] > 0).map(x => x[0] + ' ' + x[1]);
  card('Trials', N + (job.total ? ' of ' + job.total : ''), parts.join(', ') || 'none yet');
  const end = job.ended || job.generated;
  card('Duration', fmtDuration(end - job.origin), 'started ' + fmtTime(job.origin) + (job.ended ? '' : ' · still running at ' + fmtTime(job.generated)));
  card('Sampler', job.sampler || '–', job.limits ? Object.entries(job.limits).map(([k, v]) => k + ' ' + v).join(', ') : '');
  card('Early termination', job.policy, [job.policy_settings, c.Stopped ? c.Stopped + (c.Stopped === 1 ? ' trial' : ' trials') + ' stopped early' : ''].filter(x => x).join(' · '));
  card('Finish', job.status, job.reason || '');
  card('Experiment', job.experiment || '–', job.engine_cpu_seconds !== undefined ? 'engine CPU ' + fmt(job.engine_cpu_seconds) + ' s' : '');
  body.append(cards);
  if (job.directory) body.append(el('p', { class: 'note' }, 'Job folder: ', el('a', { href: encodeURI('file://' + job.directory), text: job.directory })));
  if (D.problems && D.problems.length) body.append(el('div', { class: 'error', text: 'Journal problems: ' + D.problems.join('; ') }));
  drawn.summary = cards.children.length;
}

const MARK_LEGEND = () => [[COLORS.completed, 'Completed'], [COLORS.stopped, 'Stopped early (▲, best value before the stop)'],
  [COLORS.failed, 'Failed (× at the bottom)'], [COLORS.canceled, 'Canceled'], [COLORS.best, 'Best so far']];

/** Each trial's value at x(i), the best so far as a step line; trials without a value as × below the axis. */
function historyChart(parent, title, xOf, xDomain, xLabel, width) {
  const rows = [];
  for (let i = 0; i < N; i++) if (xOf(i) !== null) rows.push(i);
  const values = rows.filter(hasValue).map(i => T.v[i]);
  const c = Chart(parent, { width, height: 300, title, x: xDomain, y: valueDomain(values), xLabel, yLabel: job.primary_metric, marks: rows.length });
  const points = [];
  const order = rows.slice().sort((a, b) => xOf(a) - xOf(b));
  const bx = [], by = [];
  let best = null;
  for (const i of order) {
    if (kind(i) !== 'completed' || !hasValue(i)) continue;
    if (best === null || better(T.v[i], best)) {
      if (best !== null) { bx.push(c.x(xOf(i))); by.push(c.y(best)); }
      best = T.v[i];
      bx.push(c.x(xOf(i))); by.push(c.y(best));
    }
  }
  if (bx.length) { bx.push(c.width - c.m.r); by.push(by[by.length - 1]); }
  const marks = bins();
  for (const i of rows) {
    const x = c.x(xOf(i)), k = kind(i);
    if (hasValue(i)) {
      const y = c.y(T.v[i]);
      marks.add(k === 'stopped' ? 'triangle stopped' : 'dot ' + k, x, y);
      points.push([x, y, i]);
    } else if (k === 'failed' || k === 'canceled' || k === 'stopped') {
      const y = c.height - c.m.b - 6;
      marks.add('cross ' + k, x, y);
      points.push([x, y, i]);
    }
  }
  marks.each((key, xs, ys) => {
    const [shape, k] = key.split(' ');
    if (shape === 'dot') dots(c, xs, ys, 3.2 * c.r, COLORS[k]);
    else if (shape === 'triangle') triangles(c, xs, ys, 3.6 * c.r, COLORS[k]);
    else crosses(c, xs, ys, 3.2 * c.r, COLORS[k]);
  });
  if (bx.length) polyline(c, bx, by, COLORS.best, 1.8, 0.9);
  hover(c, points, trialText);
  c.box.setAttribute('data-marks', points.length);
  c.points = points.length;
  return c;
}

function renderHistory(body) {
  if (!N) return note(body, 'No trials yet.');
  legend(body, MARK_LEGEND());
  const pair = el('div', { class: 'pair' });
  body.append(pair);
  const left = el('div'), right = el('div');
  pair.append(left, right);
  const width = pair.clientWidth >= 860 ? (pair.clientWidth - 14) / 2 : pair.clientWidth;
  const numbers = T.n;
  const byTrial = historyChart(left, 'By trial', i => T.n[i], domain(numbers, { pad: 0.02, integer: true }), 'trial number', width);
  const ends = T.t1.filter(t => t !== null);
  const span = Math.max(1, ...ends.map(t => t / 1000));
  const [unit, div] = span < 120 ? ['s', 1] : span < 7200 ? ['min', 60] : ['h', 3600];
  const byTime = historyChart(right, 'By time', i => T.t1[i] === null ? null : T.t1[i] / 1000 / div,
    domain(ends.map(t => t / 1000 / div).concat([0]), { pad: 0.02 }), 'time since the sweep started (' + unit + '), at each trial\'s end', width);
  drawn.history = byTrial.points;
  drawn.history_time = byTime.points;
}

// Parallel coordinates: one axis per parameter and one for the value; drag along an axis to select.
let brushes = {};
let brushed = null;
const selectionListeners = [];
function renderParallel(body) {
  const rows = [];
  for (let i = 0; i < N; i++) if (kind(i) !== 'running' && (hasValue(i) || kind(i) === 'failed')) rows.push(i);
  if (!rows.length) return note(body, 'No ended trials yet.');
  const values = rows.filter(hasValue).map(i => T.v[i]);
  const vd = valueDomain(values), color = valueColor(vd);
  const axes = P.map((p, k) => ({
    name: p.name, title: p.name + (p.expression ? ' · ' + p.expression : ''), get: i => T.p[k][i],
    domain: p.scale === 'category' ? { type: 'band', categories: p.categories }
      : domain(rows.map(i => T.p[k][i]), { log: p.scale === 'log', include: [p.lower, p.upper].filter(x => x !== undefined), pad: 0.02, integer: p.scale === 'integer' }),
  }));
  axes.push({ name: job.primary_metric, title: job.primary_metric + ' (' + job.goal + ')', get: i => T.v[i], domain: vd });
  const controls = el('div', { class: 'controls' });
  const count = el('span', { class: 'note' });
  const clear = el('button', { text: 'Clear selection', onclick: () => { brushes = {}; update(); drawBrushes(); } });
  controls.append(count, clear);
  body.append(controls);
  const grad = el('div', { class: 'legend' },
    el('span', { text: 'colour: ' + job.primary_metric + ' ' }),
    el('span', { style: 'display:inline-block;width:120px;height:10px;border-radius:3px;background:linear-gradient(90deg,' + [0, .25, .5, .75, 1].map(t => viridis(t)).join(',') + ')' }),
    el('span', { text: ' worse → better' }), el('span', {}, el('i', { style: 'background:' + COLORS.failed }), 'failed (no value)'));
  body.append(grad);
  const wrap = el('div', { class: 'scroll' });
  body.append(wrap);
  const width = Math.max(wrap.clientWidth || 640, 110 * axes.length);
  const c = Chart(wrap, { width, height: 380, margin: { l: 50, r: 60, t: 34, b: 20 } });
  const top = c.m.t, bottom = c.height - 48, naY = c.height - 24;
  const step = axes.length > 1 ? (c.width - c.m.l - c.m.r) / (axes.length - 1) : 0;
  axes.forEach((a, k) => { a.x = c.m.l + k * step; a.s = scale(a.domain, bottom, top); });
  // Pixel positions: rows x axes.
  const ys = new Float32Array(rows.length * axes.length);
  const missing = axes.map(() => false);
  rows.forEach((i, r) => axes.forEach((a, k) => {
    const v = a.get(i);
    const y = v === null || v === undefined ? naY : a.s(v);
    if (y === naY) missing[k] = true;
    ys[r * axes.length + k] = y;
  }));
  const g = svg('g', { class: 'axis' }, c.svg);
  axes.forEach((a, k) => {
    svg('line', { x1: a.x, x2: a.x, y1: top, y2: bottom }, g);
    let ticks = a.s.ticks(6);
    if (a.domain.type === 'band') { const every = Math.max(1, Math.ceil(14 / Math.max(Math.abs(a.s.step), 1))); ticks = ticks.filter((_, t) => t % every === 0); }
    for (const t of ticks) {
      const y = a.s(t);
      svg('line', { x1: a.x - 4, x2: a.x, y1: y, y2: y }, g);
      svg('text', { x: a.x - 6, y: y + 4, 'text-anchor': 'end', text: shorten(a.s.label(t), 10) }, g);
    }
    if (missing[k]) svg('text', { x: a.x - 6, y: naY + 4, 'text-anchor': 'end', text: 'n/a' }, g);
    const name = svg('text', { x: a.x, y: top - 12, 'text-anchor': 'middle', class: 'title', text: shorten(a.name, 16) }, g);
    svg('title', { text: a.title }, name);
  });
  const brushLayer = svg('g', {}, c.svg);
  function drawBrushes() {
    brushLayer.textContent = '';
    axes.forEach((a, k) => {
      const b = brushes[a.name];
      if (b) svg('rect', { x: a.x - 9, width: 18, y: top + b[0] * (bottom - top), height: Math.max(2, (b[1] - b[0]) * (bottom - top)), fill: '#2563eb', 'fill-opacity': 0.18, stroke: '#2563eb' }, brushLayer);
    });
  }
  // Lines: worst first, the best on top; failed trials underneath.
  const order = rows.map((_, r) => r).sort((p, q) => {
    const a = rows[p], b = rows[q];
    if (!hasValue(a) || !hasValue(b)) return hasValue(a) ? 1 : hasValue(b) ? -1 : 0;
    return better(T.v[a], T.v[b]) ? 1 : better(T.v[b], T.v[a]) ? -1 : 0;
  });
  const alpha = rows.length > 2000 ? 0.25 : rows.length > 300 ? 0.5 : 0.85;
  function selectedRow(r) {
    for (const [k, a] of axes.entries()) {
      const b = brushes[a.name];
      if (!b) continue;
      const y = ys[r * axes.length + k];
      if (y === naY || y < top + b[0] * (bottom - top) - 0.5 || y > top + b[1] * (bottom - top) + 0.5) return false;
    }
    return true;
  }
  // Colours in 64 steps, so that consecutive lines (sorted by value) share a path.
  const styleOf = i => hasValue(i) ? color(quantize(T.v[i])) : COLORS.failed;
  const vlo = vd.type === 'log' ? Math.log10(vd.lo) : vd.lo, vhi = vd.type === 'log' ? Math.log10(vd.hi) : vd.hi;
  function quantize(v) {
    const x = vd.type === 'log' ? Math.log10(Math.max(v, vd.lo)) : v;
    const t = Math.round((x - vlo) / (vhi - vlo || 1) * 63) / 63 * (vhi - vlo) + vlo;
    return vd.type === 'log' ? Math.pow(10, t) : t;
  }
  function draw(selected) {
    const ctx = c.ctx;
    ctx.clearRect(0, 0, c.width, c.height);
    c.marks = 0;
    const any = selected !== null;
    for (const pass of any ? [false, true] : [true]) {
      let style = null, path = false;
      const flush = () => { if (path) ctx.stroke(); path = false; };
      for (const r of order) {
        const i = rows[r];
        if (any && selected[i] !== (pass ? 1 : 0)) continue;
        const s = !pass ? '#9ca3af' : styleOf(i), width = i === bestRow ? 2.4 : 1;
        if (s + width !== style) {
          flush();
          style = s + width;
          ctx.globalAlpha = pass ? (i === bestRow ? 1 : alpha) : 0.12;
          ctx.strokeStyle = s; ctx.lineWidth = width;
          ctx.beginPath();
          path = true;
        }
        for (let k = 0; k < axes.length; k++) {
          const y = ys[r * axes.length + k];
          if (k === 0) ctx.moveTo(axes[k].x, y); else ctx.lineTo(axes[k].x, y);
        }
        c.marks++;
      }
      flush();
    }
    ctx.globalAlpha = 1;
  }
  function update() {
    const active = Object.keys(brushes).length > 0;
    if (active) {
      brushed = new Uint8Array(N);
      rows.forEach((i, r) => { brushed[i] = selectedRow(r) ? 1 : 0; });
    } else {
      brushed = null;
    }
    draw(brushed);
    const k = brushed ? rows.filter(i => brushed[i]).length : rows.length;
    count.textContent = (active ? 'Selected ' + k + ' of ' + rows.length : rows.length) + ' ended trials. Drag along an axis to select a range; click an axis to clear it.';
    clear.disabled = !active;
    c.box.setAttribute('data-marks', c.marks);
    c.box.setAttribute('data-selected', k);
    for (const listener of selectionListeners) listener();
  }
  // Brushing: press on an axis, drag, release; a click without a drag clears that axis.
  let dragging = null;
  const hit = svg('g', {}, c.svg);
  axes.forEach(a => {
    const r = svg('rect', { x: a.x - 12, y: top - 4, width: 24, height: bottom - top + 8, fill: 'transparent', style: 'cursor:ns-resize', 'data-axis': a.name }, hit);
    r.addEventListener('pointerdown', event => {
      const y = event.clientY - c.svg.getBoundingClientRect().top;
      dragging = { axis: a.name, y0: y, moved: false };
      r.setPointerCapture(event.pointerId);
      event.preventDefault();
    });
    r.addEventListener('pointermove', event => {
      if (!dragging || dragging.axis !== a.name) return;
      const y = event.clientY - c.svg.getBoundingClientRect().top;
      if (Math.abs(y - dragging.y0) < 3 && !dragging.moved) return;
      dragging.moved = true;
      const f = v => Math.min(1, Math.max(0, (v - top) / (bottom - top)));
      brushes[a.name] = [f(Math.min(y, dragging.y0)), f(Math.max(y, dragging.y0))];
      drawBrushes();
      if (!dragging.frame) dragging.frame = requestAnimationFrame(() => { if (dragging) dragging.frame = 0; update(); });
    });
    r.addEventListener('pointerup', () => {
      if (dragging && !dragging.moved) delete brushes[a.name];
      dragging = null;
      drawBrushes();
      update();
    });
  });
  drawBrushes();
  update();
  drawn.parallel = c.marks;
  drawn.parallel_axes = axes.length;
}

function renderImportance(body) {
  const imp = D.importance;
  if (!imp.parameters || !imp.parameters.length) {
    note(body, imp.note || 'No importance.');
    note(body, 'Method: ' + imp.method);
    drawn.importance = 0;
    return;
  }
  const ps = imp.parameters;
  const width = Math.min(body.clientWidth || 640, 900);
  const labelWidth = Math.min(220, 40 + 7 * Math.max(...ps.map(p => p.name.length)));
  const c = Chart(body, { width, height: 48 + 26 * ps.length, margin: { l: labelWidth, r: 90, t: 10, b: 38 },
    x: { type: 'linear', lo: 0, hi: Math.max(5, ...ps.map(p => Math.min(100, 100 * (p.importance + p.spread)))) },
    xLabel: '% of the variance of ' + job.primary_metric + ' explained by the parameter alone' });
  const g = svg('g', {}, c.svg);
  ps.forEach((p, k) => {
    const y = c.m.t + 6 + k * 26;
    const x0 = c.x(0), x1 = c.x(100 * p.importance);
    svg('rect', { x: x0, y, width: Math.max(1, x1 - x0), height: 16, fill: '#2563eb', rx: 2 }, g);
    const lo = c.x(Math.max(0, 100 * (p.importance - p.spread))), hi = c.x(Math.min(100, 100 * (p.importance + p.spread)));
    svg('line', { x1: lo, x2: hi, y1: y + 8, y2: y + 8, stroke: '#111827', 'stroke-width': 1.2 }, g);
    svg('text', { x: x0 - 8, y: y + 12, 'text-anchor': 'end', text: shorten(p.name, 30) }, g);
    svg('text', { x: Math.max(x1, hi) + 6, y: y + 12, text: (100 * p.importance).toFixed(1) + '% ± ' + (100 * p.spread).toFixed(1) }, g);
    c.marks++;
  });
  c.box.setAttribute('data-marks', c.marks);
  const total = ps.reduce((s, p) => s + p.importance, 0);
  note(body, 'Main effects explain ' + (100 * total).toFixed(1) + '% of the variance; the other ' + (100 * Math.max(0, 1 - total)).toFixed(1) +
    '% is interactions between parameters (and noise). Fitted to ' + imp.trials + ' completed trials, ' + imp.trees + ' trees.');
  note(body, 'Method: ' + imp.method);
  drawn.importance = c.marks;
}

function renderSlices(body) {
  const rows = [];
  for (let i = 0; i < N; i++) if (hasValue(i)) rows.push(i);
  if (!rows.length || !P.length) return note(body, rows.length ? 'The search space has no parameters.' : 'No trial has a value yet.');
  legend(body, [['#1e3a8a', 'colour: trial number (light early, dark late)'], [COLORS.stopped, '▲ stopped early']]);
  const grid = el('div', { class: 'grid' });
  body.append(grid);
  const yd = valueDomain(rows.map(i => T.v[i]));
  const maxN = Math.max(1, ...T.n);
  const shade = t => { return 'rgb(' + [191 + (30 - 191) * t, 219 + (58 - 219) * t, 254 + (138 - 254) * t].map(Math.round).join(',') + ')'; };
  let total = 0;
  P.forEach((p, k) => {
    const cell = el('div');
    grid.append(cell);
    const have = rows.filter(i => T.p[k][i] !== null);
    const xd = p.scale === 'category' ? { type: 'band', categories: p.categories }
      : domain(have.map(i => T.p[k][i]), { log: p.scale === 'log', include: [p.lower, p.upper].filter(x => x !== undefined), integer: p.scale === 'integer' });
    const c = Chart(cell, { width: cell.clientWidth || 300, height: 230, title: shorten(p.name + (p.expression ? ' · ' + p.expression : ''), 48),
      x: xd, y: yd, xLabel: p.name + (p.scale === 'log' ? ' (log scale)' : ''), yLabel: job.primary_metric, margin: { l: 54 }, marks: have.length });
    const points = [], marks = bins();
    for (const i of have) {
      let x = c.x(T.p[k][i]);
      if (p.scale === 'category') x += stableJitter(i) * c.x.step * 0.5;
      const y = c.y(T.v[i]);
      marks.add(kind(i) === 'stopped' ? -1 : Math.round(T.n[i] / maxN * 7), x, y);
      points.push([x, y, i]);
    }
    marks.each((level, xs, ys) => {
      if (level < 0) triangles(c, xs, ys, 3.4 * c.r, COLORS.stopped); else dots(c, xs, ys, 3 * c.r, shade(level / 7));
    });
    hover(c, points, trialText);
    c.box.setAttribute('data-marks', c.marks);
    total += c.marks;
  });
  drawn.slices = P.length;
  drawn.slice_points = total;
}

function renderCurves(body) {
  const rows = [];
  for (let i = 0; i < N; i++) if (T.h[i] && T.h[i].length) rows.push(i);
  if (!rows.length) return note(body, 'No learning curves yet: a curve is the primary metric as the trial logged it (one value per interval), recorded when the trial ends.');
  legend(body, [[COLORS.completed, 'Completed'], [COLORS.stopped, 'Stopped early: × where the policy stopped it, red tick at the threshold it applied'],
    [COLORS.failed, 'Failed'], [COLORS.best, 'Best trial']]);
  const all = [];
  let longest = 1;
  for (const i of rows) { for (const v of T.h[i]) all.push(v); longest = Math.max(longest, T.h[i].length); }
  for (const s of Object.values(T.stop)) if (s[2] !== null) all.push(s[2]);
  const c = Chart(body, { width: body.clientWidth || 640, height: 340, x: { type: 'linear', lo: 0.8, hi: longest + 0.2, integer: true },
    y: valueDomain(all), xLabel: 'interval (each value of ' + job.primary_metric + ' the trial reported)', yLabel: job.primary_metric });
  const alpha = Math.max(0.08, Math.min(0.8, 8 / Math.sqrt(rows.length)));
  const points = [];
  const line = i => {
    const h = T.h[i], xs = new Array(h.length), ys = new Array(h.length);
    for (let k = 0; k < h.length; k++) { xs[k] = c.x(k + 1); ys[k] = c.y(h[k]); }
    points.push([xs[h.length - 1], ys[h.length - 1], i]);
    return [xs, ys];
  };
  const byKind = {};
  for (const i of rows) if (i !== bestRow) (byKind[kind(i)] = byKind[kind(i)] || []).push(line(i));
  const group = Math.max(1, Math.floor(rows.length / 200));
  for (const [k, lines] of Object.entries(byKind)) polylines(c, lines, COLORS[k] || COLORS.completed, 1, alpha, group);
  if (bestRow >= 0 && T.h[bestRow] && T.h[bestRow].length) polylines(c, [line(bestRow)], COLORS.best, 2.2, 1);
  const stopText = {};
  let stops = 0;
  const ctx = c.ctx, xs = [], ys = [];
  const dashes = new Path2D(), ticks = new Path2D();
  for (const [row, s] of Object.entries(T.stop)) {
    const i = +row, [interval, value, threshold, policy, reason] = s;
    const x = c.x(interval), h = T.h[i] || [];
    const y = c.y(h.length >= interval ? h[interval - 1] : value);
    if (threshold !== null) {
      const ty = c.y(threshold);
      dashes.moveTo(x, y); dashes.lineTo(x, ty);
      ticks.moveTo(x - 6, ty); ticks.lineTo(x + 6, ty);
    }
    xs.push(x); ys.push(y);
    stopText[i] = trialName(i) + ' stopped at interval ' + interval + ' by ' + policy + '\nvalue ' + fmt(value) + ', threshold ' + fmt(threshold) + '\n' + reason;
    points.push([x, y, -1 - i]);
    stops++;
  }
  const faint = Math.max(0.15, Math.min(0.6, 6 / Math.sqrt(stops || 1)));
  ctx.strokeStyle = '#dc2626'; ctx.lineWidth = 1; ctx.globalAlpha = faint;
  ctx.setLineDash([3, 3]); ctx.stroke(dashes); ctx.setLineDash([]);
  ctx.lineWidth = 2; ctx.globalAlpha = Math.min(1, faint * 1.6); ctx.stroke(ticks); ctx.globalAlpha = 1;
  crosses(c, xs, ys, 4, COLORS.stopped, 2);
  hover(c, points, i => i < 0 ? stopText[-1 - i] : trialText(i) + '\n' + T.h[i].length + ' intervals');
  c.box.setAttribute('data-marks', c.marks);
  c.box.setAttribute('data-stops', stops);
  drawn.curves = rows.length;
  drawn.stops = stops;
}

function renderSpec(body) {
  body.append(el('pre', { text: JSON.stringify(D.spec, null, 2) }));
  drawn.spec = D.spec ? 1 : 0;
}
"""#
}
