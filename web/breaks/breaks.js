// The breaks report view (NR-17 Annex II): one line per agent and shift, each break with what falls short.
import { $, hms, reportView, say } from '/wallboard/reports/page.js';

const TEXT = {
  en: {
    title: 'Breaks report (NR-17)', pausesLink: 'Pause report', language: 'Language', from: 'From', to: 'To', tz: 'Time zone', agent: 'Agent',
    shortOnly: 'Only shifts that fall short', show: 'Show', download: 'Download CSV',
    tokenNeeded: 'This address needs an access token.', token: 'Token', useToken: 'Use token',
    loading: 'Loading…', empty: 'No shift began in this range.', failed: 'The report could not be read', badToken: 'That token was refused.',
    day: 'Day', shift: 'Shift', loggedIn: 'Logged in', worked: 'Worked', rests: 'Rest breaks', meals: 'Meal break', shortfalls: 'Falls short',
    inProgress: 'still going', none: '—', allGood: 'nothing',
    rest: 'rest break', meal: 'meal break', missing: 'missing', too_short: 'too short', too_early: 'in the first hour', too_late: 'in the last hour',
    rules: (r) => `Rules: ${r.rest_breaks} rest breaks of ${r.rest_minutes} min (${r.short_day_rest_breaks} up to ${r.short_day_minutes / 60} h of work), not in the first ${r.not_in_first_minutes} or last ${r.not_in_last_minutes} min; a ${r.meal_minutes}-min meal break past ${r.meal_over_minutes / 60} h.`,
  },
  'pt-BR': {
    title: 'Relatório de pausas NR-17', pausesLink: 'Relatório de pausas', language: 'Idioma', from: 'De', to: 'Até', tz: 'Fuso horário', agent: 'Agente',
    shortOnly: 'Só jornadas com falhas', show: 'Mostrar', download: 'Baixar CSV',
    tokenNeeded: 'Este endereço precisa de um token de acesso.', token: 'Token', useToken: 'Usar token',
    loading: 'Carregando…', empty: 'Nenhuma jornada começou neste período.', failed: 'Não foi possível ler o relatório', badToken: 'Esse token foi recusado.',
    day: 'Dia', shift: 'Jornada', loggedIn: 'Logado', worked: 'Trabalhado', rests: 'Pausas de descanso', meals: 'Intervalo de refeição', shortfalls: 'Falhas',
    inProgress: 'em andamento', none: '—', allGood: 'nenhuma',
    rest: 'pausa de descanso', meal: 'intervalo de refeição', missing: 'não concedida', too_short: 'curta demais', too_early: 'na primeira hora', too_late: 'na última hora',
    rules: (r) => `Regras: ${r.rest_breaks} pausas de ${r.rest_minutes} min (${r.short_day_rest_breaks} até ${r.short_day_minutes / 60} h de trabalho), fora da primeira hora (${r.not_in_first_minutes} min) e da última (${r.not_in_last_minutes} min); intervalo de ${r.meal_minutes} min acima de ${r.meal_over_minutes / 60} h.`,
  },
};

const { t, start } = reportView(TEXT);

function query(format) {
  const p = new URLSearchParams({ from: $('from').value, to: $('to').value, tz: $('tz').value.trim(), format });
  const agent = $('agent').value.trim();
  if (agent) p.set('agent', agent);
  return `/api/reports/breaks?${p}`;
}

/** `2026-12-07T08:00:00-03:00` → `08:00`: the report's own local time, whatever the browser's zone. */
const clock = (iso) => iso.slice(11, 16);

function breakChip(b) {
  const el = document.createElement('span');
  el.className = b.problems.length ? 'break bad' : 'break';
  const what = [`${clock(b.start)} · ${hms(b.length_s)}`];
  if (b.in_progress) what.push(t('inProgress'));
  for (const p of b.problems) what.push(t(p));
  el.textContent = what.join(' · ');
  el.title = b.reason;
  return el;
}

function cell(content, className) {
  const td = document.createElement('td');
  if (className) td.className = className;
  if (Array.isArray(content)) td.append(...(content.length ? content : [t('none')]));
  else td.textContent = String(content);
  return td;
}

function render(report) {
  const rows = $('short-only').checked ? report.rows.filter((r) => r.shortfalls.length > 0) : report.rows;
  say(rows.length ? `${report.from} — ${report.to} (${report.tz})` : t('empty'));
  $('rules').textContent = t('rules')(report.rules);
  const table = $('table');
  const tr = document.createElement('tr');
  for (const h of [t('agent'), t('day'), t('shift'), t('loggedIn'), t('worked'), t('rests'), t('meals'), t('shortfalls')]) tr.append(Object.assign(document.createElement('th'), { textContent: h }));
  table.tHead.replaceChildren(tr);
  table.tBodies[0].replaceChildren(
    ...rows.map((row) => {
      const line = document.createElement('tr');
      line.className = row.shortfalls.length ? 'short' : 'ok';
      line.dataset.agent = row.agent;
      line.dataset.day = row.day;
      const shortfalls = row.shortfalls.map((f) => Object.assign(document.createElement('span'), { className: 'shortfall', textContent: `${t(f.break)}: ${t(f.problem)}${f.at ? ` (${clock(f.at)})` : ''}` }));
      line.append(
        cell(row.name ? `${row.agent} · ${row.name}` : row.agent),
        cell(row.day),
        cell(`${clock(row.shift_start)}–${row.in_progress ? t('inProgress') : clock(row.shift_end)}`),
        cell(hms(row.logged_in_s)),
        cell(hms(row.worked_s)),
        cell(row.rest_breaks.map(breakChip), 'breaks'),
        cell(row.meal_breaks.map(breakChip), 'breaks'),
        cell(shortfalls, 'shortfalls'),
      );
      return line;
    }),
  );
  table.hidden = rows.length === 0;
}

start({
  query,
  render,
  csvName: 'breaks.csv',
  setup: (params, redraw) => {
    $('agent').value = params.get('agent') ?? '';
    $('short-only').addEventListener('change', redraw);
  },
});
