// The pause report view: no build step, no libraries; the chart is drawn as SVG here.
import { $, hms, reportView, say } from './page.js';
const TEXT = {
  en: {
    title: 'Pause report', language: 'Language', from: 'From', to: 'To', tz: 'Time zone', group: 'By',
    byAgent: 'agent', byReason: 'reason', byQueue: 'queue', byDay: 'day', byActor: 'who paused', byPbx: 'PBX', noActor: '(not recorded)', show: 'Show', download: 'Download CSV',
    tokenNeeded: 'This address needs an access token.', token: 'Token', useToken: 'Use token',
    loading: 'Loading…', empty: 'Nothing recorded in this range.', failed: 'The report could not be read', badToken: 'That token was refused.',
    noReason: '(no reason)', loggedIn: 'Logged in', paused: 'Paused', pauses: 'Pauses', longest: 'Longest pause', ratio: 'Paused / logged in',
    productive: 'Productive pauses', unproductiveRatio: 'Other pauses / logged in',
    callsAnswered: 'Calls answered', talk: 'Talk time', missed: 'Missed rings',
    chartTitle: 'Paused time by reason', hours: 'h', breaksLink: 'Breaks (NR-17)',
  },
  'pt-BR': {
    title: 'Relatório de pausas', language: 'Idioma', from: 'De', to: 'Até', tz: 'Fuso horário', group: 'Por',
    byAgent: 'agente', byReason: 'motivo', byQueue: 'fila', byDay: 'dia', byActor: 'quem pausou', byPbx: 'central', noActor: '(não registrado)', show: 'Mostrar', download: 'Baixar CSV',
    tokenNeeded: 'Este endereço precisa de um token de acesso.', token: 'Token', useToken: 'Usar token',
    loading: 'Carregando…', empty: 'Nada registrado neste período.', failed: 'Não foi possível ler o relatório', badToken: 'Esse token foi recusado.',
    noReason: '(sem motivo)', loggedIn: 'Logado', paused: 'Em pausa', pauses: 'Pausas', longest: 'Pausa mais longa', ratio: 'Pausa / logado',
    productive: 'Pausas produtivas', unproductiveRatio: 'Outras pausas / logado',
    callsAnswered: 'Chamadas atendidas', talk: 'Tempo falado', missed: 'Toques perdidos',
    chartTitle: 'Tempo em pausa por motivo', hours: 'h', breaksLink: 'Pausas NR-17',
  },
};
const COLORS = ['#24507a', '#d9822b', '#3a9a6b', '#b33d5b', '#7a5cb8', '#8c8c2a', '#2a8c8c', '#a0522d', '#5b6472'];

const { t, start } = reportView(TEXT);

function query(format) {
  const p = new URLSearchParams({ from: $('from').value, to: $('to').value, tz: $('tz').value.trim(), group: $('group').value, format });
  return `/api/reports/pauses?${p}`;
}

const label = (report, row) => (report.group === 'agent' ? (row.name ? `${row.agent} · ${row.name}` : row.agent) : report.group === 'reason' ? (row.reason ?? t('noReason')) : report.group === 'actor' ? (row.actor ?? t('noActor')) : row[report.group]);
const reasonName = (r) => (r === null || r === '' ? t('noReason') : r);

function svg(tag, attrs = {}, text) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

function render(report) {
  const rows = report.rows;
  say(rows.length ? `${report.from} — ${report.to} (${report.tz})` : t('empty'));
  drawChart(report);
  drawTable(report);
}

/** Horizontal stacked bars: one per row, one segment per reason, width = paused seconds. */
function drawChart(report) {
  const box = $('chart');
  box.replaceChildren();
  const rows = report.rows.filter((r) => r.paused_s > 0);
  if (!rows.length) return;
  const reasons = report.reasons.map((r) => r ?? '');
  const max = Math.max(...rows.map((r) => r.paused_s));
  const left = 180, right = 20, top = 40, bar = 18, gap = 6, width = 900;
  const plot = width - left - right;
  const height = top + rows.length * (bar + gap) + 30;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': t('chartTitle') });
  root.append(svg('text', { x: left, y: 16, 'font-weight': 'bold' }, t('chartTitle')));
  let lx = left;
  reasons.forEach((r, i) => {
    root.append(svg('rect', { x: lx, y: 24, width: 10, height: 10, fill: COLORS[i % COLORS.length] }));
    const name = reasonName(r);
    root.append(svg('text', { x: lx + 14, y: 33 }, name));
    lx += 24 + name.length * 7;
  });
  rows.forEach((row, n) => {
    const y = top + n * (bar + gap);
    root.append(svg('text', { x: left - 8, y: y + bar - 5, 'text-anchor': 'end' }, String(label(report, row))));
    let x = left;
    reasons.forEach((r, i) => {
      const s = row.paused_by_reason[r] ?? 0;
      if (!s) return;
      const w = (s / max) * plot;
      const rect = svg('rect', { x, y, width: Math.max(w, 0.5), height: bar, fill: COLORS[i % COLORS.length], 'data-reason': r, 'data-seconds': s });
      rect.append(svg('title', {}, `${label(report, row)} · ${reasonName(r)}: ${hms(s)}`));
      root.append(rect);
      x += w;
    });
    root.append(svg('text', { x: Math.min(x + 4, width - right - 40), y: y + bar - 5 }, hms(row.paused_s)));
  });
  root.append(svg('line', { x1: left, x2: left, y1: top - 4, y2: height - 24, class: 'axis' }));
  box.append(root);
}

function drawTable(report) {
  const table = $('table');
  const head = [t(`by${report.group[0].toUpperCase()}${report.group.slice(1)}`), t('loggedIn'), t('paused'), t('productive'), ...report.reasons.map(reasonName), t('pauses'), t('longest'), t('ratio'), t('unproductiveRatio'), t('callsAnswered'), t('talk'), t('missed')];
  const tr = document.createElement('tr');
  for (const h of head) tr.append(Object.assign(document.createElement('th'), { textContent: h }));
  table.tHead.replaceChildren(tr);
  table.tBodies[0].replaceChildren(
    ...report.rows.map((row) => {
      const pct = (x) => (x === null || x === undefined ? '' : `${(x * 100).toFixed(1)} %`);
      const cells = [label(report, row), hms(row.logged_in_s), hms(row.paused_s), hms(row.productive_paused_s ?? 0), ...report.reasons.map((r) => hms(row.paused_by_reason[r ?? ''] ?? 0)), row.pauses, hms(row.longest_pause_s), pct(row.paused_ratio), pct(row.unproductive_paused_ratio),
        // a call has no pause reason: null by reason
        row.calls_answered ?? '', row.talk_s === null || row.talk_s === undefined ? '' : hms(row.talk_s), row.missed_rings ?? ''];
      const line = document.createElement('tr');
      for (const c of cells) line.append(Object.assign(document.createElement('td'), { textContent: String(c) }));
      return line;
    }),
  );
  table.hidden = report.rows.length === 0;
}

start({
  query,
  render,
  csvName: 'pauses.csv',
  setup: (params) => {
    $('group').value = params.get('group') ?? 'agent';
  },
});
