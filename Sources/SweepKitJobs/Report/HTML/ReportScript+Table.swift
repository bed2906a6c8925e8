extension ReportScript {
    /// The trial table: sortable columns, a status filter, the parallel-coordinates selection as a
    /// filter, pages of 50 rows (so 10,000 trials stay quick), links to each trial's logs, CSV.
    static let table = #"""
function renderTable(body) {
  if (!N) return note(body, 'No trials yet.');
  const anyAttempts = Object.keys(T.attempts).length > 0;
  const cols = [
    { label: '#', num: true, key: i => T.n[i], cell: i => String(T.n[i]) },
    { label: 'status', key: i => LABELS[kind(i)], cell: i => el('span', { class: 'badge', style: 'background:' + COLORS[kind(i)], text: LABELS[kind(i)] }) },
    { label: job.primary_metric + (maximize ? ' ↑' : ' ↓'), num: true, key: i => T.v[i], cell: i => fmt(T.v[i]), value: true },
  ];
  P.forEach((p, k) => cols.push({ label: p.name, num: p.scale !== 'category', key: i => p.scale === 'category' ? (T.p[k][i] === null ? null : p.categories[T.p[k][i]]) : T.p[k][i], cell: i => paramLabel(k, i) }));
  D.metrics.forEach((name, k) => { if (name !== job.primary_metric) cols.push({ label: name, num: true, key: i => T.m[k][i], cell: i => fmt(T.m[k][i]) }); });
  cols.push({ label: 'duration', num: true, key: i => T.t1[i] === null ? null : T.t1[i] - T.t0[i], cell: i => fmtDuration(T.t1[i] === null ? null : T.t1[i] - T.t0[i]) });
  if (Object.keys(T.queue).length) cols.push({ label: 'queued', num: true, key: i => T.queue[i] === undefined ? null : T.queue[i], cell: i => T.queue[i] === undefined ? '–' : fmtDuration(1000 * T.queue[i]) });
  cols.push({ label: 'exit', key: i => T.x[i] === null ? null : D.exits[T.x[i]], cell: i => T.x[i] === null ? '–' : D.exits[T.x[i]] });
  if (anyAttempts) cols.push({ label: 'attempts', num: true, key: i => T.attempts[i] || 1, cell: i => String(T.attempts[i] || 1) });
  cols.push({ label: 'logs', key: null, cell: i => {
    const dir = logDir(i);
    return el('span', {}, el('a', { href: encodeURI('file://' + dir + '/stdout.txt'), text: 'stdout' }), ' ', el('a', { href: encodeURI('file://' + dir + '/stderr.txt'), text: 'stderr' }));
  } });
  cols.push({ label: 'message', key: i => T.msg[i] || null, cell: i => T.msg[i] || '', msg: true });

  let sortCol = 0, ascending = true, page = 0, only = false, status = 'all';
  const pageSize = 50;
  const controls = el('div', { class: 'controls' });
  const filter = el('select', { onchange: () => { status = filter.value; page = 0; draw(); } },
    ...[['all', 'All statuses'], ['completed', 'Completed'], ['stopped', 'Stopped early'], ['failed', 'Failed'], ['canceled', 'Canceled'], ['running', 'Running']]
      .map(([v, t]) => el('option', { value: v, text: t })));
  const onlyBox = el('input', { type: 'checkbox', onchange: () => { only = onlyBox.checked; page = 0; draw(); } });
  const onlyLabel = el('label', {}, onlyBox, ' only trials selected in the parallel coordinates');
  const prev = el('button', { text: '‹ Previous', onclick: () => { page--; draw(); } });
  const next = el('button', { text: 'Next ›', onclick: () => { page++; draw(); } });
  const info = el('span', { class: 'note' });
  const csv = el('button', { text: 'Download CSV', onclick: downloadCSV });
  controls.append(filter, onlyLabel, prev, next, info, csv);
  body.append(controls);
  const wrap = el('div', { class: 'tablewrap' });
  const tableEl = el('table', { id: 'trial-table' });
  const head = el('tr');
  cols.forEach((col, k) => head.append(el('th', { text: col.label, title: col.key ? 'Sort by ' + col.label : '', onclick: () => {
    if (!col.key) return;
    if (sortCol === k) ascending = !ascending; else { sortCol = k; ascending = !col.value || !maximize; }
    page = 0; draw();
  } })));
  const tbody = el('tbody');
  tableEl.append(el('thead', {}, head), tbody);
  wrap.append(tableEl);
  body.append(wrap);

  function rowsShown() {
    const out = [];
    for (let i = 0; i < N; i++) {
      if (status !== 'all' && kind(i) !== status) continue;
      if (only && brushed && !brushed[i]) continue;
      out.push(i);
    }
    const key = cols[sortCol].key;
    out.sort((a, b) => {
      const x = key(a), y = key(b);
      if (x === null || x === undefined) return y === null || y === undefined ? a - b : 1;
      if (y === null || y === undefined) return -1;
      const d = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return (ascending ? d : -d) || a - b;
    });
    return out;
  }
  function draw() {
    const shown = rowsShown();
    const pages = Math.max(1, Math.ceil(shown.length / pageSize));
    page = Math.min(Math.max(0, page), pages - 1);
    tbody.textContent = '';
    const slice = shown.slice(page * pageSize, (page + 1) * pageSize);
    for (const i of slice) {
      const tr = el('tr', i === bestRow ? { class: 'best', title: 'the best trial' } : {});
      for (const col of cols) {
        const content = col.cell(i);
        const td = el('td', { class: col.num ? 'num' : col.msg ? 'msg' : '' }, content);
        if (col.msg && content) td.title = content;
        tr.append(td);
      }
      tbody.append(tr);
    }
    head.querySelectorAll('th').forEach((th, k) => { th.className = k === sortCol ? 'sorted' + (ascending ? ' asc' : '') : ''; });
    info.textContent = shown.length ? 'rows ' + (page * pageSize + 1) + '–' + (page * pageSize + slice.length) + ' of ' + shown.length + (shown.length < N ? ' (of ' + N + ' trials)' : '') : 'no trial matches';
    prev.disabled = page === 0;
    next.disabled = page >= pages - 1;
    onlyBox.disabled = !brushed;
    drawn.table_rows = slice.length;
    tableEl.setAttribute('data-rows', shown.length);
  }
  function downloadCSV() {
    const quote = s => /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
    const header = ['number', 'name', 'status', 'value'].concat(P.map(p => 'params_' + p.name), ['duration_seconds', 'exit', 'message']);
    const lines = [header.map(quote).join(',')];
    for (let i = 0; i < N; i++) {
      const fields = [String(T.n[i]), trialName(i), LABELS[kind(i)], T.v[i] === null ? '' : String(T.v[i])]
        .concat(P.map((p, k) => T.p[k][i] === null ? '' : p.scale === 'category' ? p.categories[T.p[k][i]] : String(T.p[k][i])))
        .concat([T.t1[i] === null ? '' : String((T.t1[i] - T.t0[i]) / 1000), T.x[i] === null ? '' : D.exits[T.x[i]], T.msg[i] || '']);
      lines.push(fields.map(quote).join(','));
    }
    const link = el('a', { href: URL.createObjectURL(new Blob([lines.join('\r\n') + '\r\n'], { type: 'text/csv' })), download: job.name + '-trials.csv' });
    document.body.append(link);
    link.click();
    link.remove();
  }
  selectionListeners.length = 0;
  selectionListeners.push(() => { if (!brushed) { only = false; onlyBox.checked = false; } else if (!only) { only = true; onlyBox.checked = true; } page = 0; draw(); });
  draw();
}
"""#
}
