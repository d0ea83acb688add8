// What the report views share: the access token, reading the API, the status line, the CSV download.
export const $ = (id) => document.getElementById(id);

/** The address still has a `token=` only when the server refused it (a valid one is exchanged for the cookie). */
export const refusedToken = new URL(location.href).searchParams.has('token');

/** Fetches with the page's cookie, which the browser sends by itself; a 403 asks for a token. */
export async function get(url, t) {
  const res = await fetch(url);
  if (res.status === 403) {
    $('token-form').hidden = false;
    $('token').focus();
    throw new Error(refusedToken ? t('badToken') : t('tokenNeeded'));
  }
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    throw new Error(`${t('failed')}: ${body.error ?? res.status}${body.detail ? ` (${body.detail})` : ''}`);
  }
  return res;
}

export function say(text, error = false) {
  $('status').textContent = text;
  $('status').className = error ? 'error' : '';
}

/** Saves the CSV at `url` under the name the server gives. */
export async function download(url, t, fallback) {
  try {
    const res = await get(url, t);
    const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? fallback;
    const href = URL.createObjectURL(await res.blob());
    const a = Object.assign(document.createElement('a'), { href, download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(href), 10_000);
  } catch (err) {
    say(err.message, true);
  }
}

/**
 * The form's range from the address (or this month so far), the zones to pick from, the token form,
 * and the language picker, which calls `onLanguage` with the one chosen.
 */
export function initForm(onLanguage) {
  if (refusedToken) {
    const url = new URL(location.href);
    url.searchParams.delete('token');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
  }
  const today = new Date();
  const iso = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  const params = new URLSearchParams(location.search);
  $('from').value = params.get('from') ?? iso(new Date(today.getFullYear(), today.getMonth(), 1));
  $('to').value = params.get('to') ?? iso(today);
  $('tz').value = params.get('tz') ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (typeof Intl.supportedValuesOf === 'function') $('zones').replaceChildren(...Intl.supportedValuesOf('timeZone').map((z) => Object.assign(document.createElement('option'), { value: z })));
  $('lang').addEventListener('change', () => {
    localStorage.setItem('agentgate.lang', $('lang').value);
    onLanguage($('lang').value);
  });
  // the typed key goes to the server the way a bookmark's does: it sets the cookie and comes back without it
  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const url = new URL(location.href);
    url.searchParams.set('token', $('token').value.trim());
    location.assign(url.pathname + url.search);
  });
  return params;
}

/** The language kept from last time, else the browser's. */
export const savedLanguage = () => localStorage.getItem('agentgate.lang') || (navigator.language.toLowerCase().startsWith('pt') ? 'pt-BR' : 'en');

export const hms = (s) => `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;

/**
 * A report view: its words in each language (`text`), then, once its functions are defined,
 * `start` reads the form from the address, draws the first report and wires the form, the
 * language picker and the download. `setup(params, redraw)` adds the view's own controls.
 */
export function reportView(text) {
  let lang = savedLanguage();
  let last = null;
  const t = (key) => text[lang][key] ?? text.en[key] ?? key;
  const start = ({ query, render, csvName, setup }) => {
    const applyLanguage = () => {
      document.documentElement.lang = lang;
      $('lang').value = lang;
      for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
      document.title = `agentgate · ${t('title')}`;
      if (last) render(last);
    };
    const show = async () => {
      say(t('loading'));
      try {
        last = await (await get(query('json'), t)).json();
        render(last);
      } catch (err) {
        say(err.message, true);
      }
    };
    const params = initForm((chosen) => {
      lang = chosen;
      applyLanguage();
    });
    setup?.(params, () => last && render(last));
    $('query').addEventListener('submit', (e) => {
      e.preventDefault();
      void show();
    });
    $('download').addEventListener('click', () => void download(query('csv'), t, csvName));
    applyLanguage();
    void show();
  };
  return { t, start };
}
