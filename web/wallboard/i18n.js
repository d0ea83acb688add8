// The wallboard's words, in the languages it speaks, and the page's current language.

const TEXT = {
  en: {
    title: 'Agents', tabLive: 'Live', tabReports: 'Reports', limit: 'Default pause limit (min)', reasonLimit: "this reason's limit",
    available: 'Available', paused: 'Paused', logged_off: 'Logged off',
    loggedIn: 'logged in', noQueue: 'No queue', noReason: 'no reason', pausesByReason: 'Paused by reason',
    nobodyPaused: 'Nobody paused', connecting: 'Connecting…', live: 'Live', lost: 'Connection lost — reconnecting…',
    tokenTitle: 'Access token',
    tokenHelp: 'This address may not see the wallboard without a token. Enter an API token: this browser keeps it as a cookie that page scripts cannot read.',
    tokenButton: 'Open', tokenBad: 'Token refused', noAgents: 'No agents provisioned', overdue: 'over the limit',
    pausedIn: 'paused in', pendingFloor: 'Waiting to pause', pendingAsk: 'Asks to pause',
    restDue: 'Rest break due', restDueSince: 'due since', pbxFilter: 'PBX', allPbxes: 'All',
  },
  pt_BR: {
    title: 'Agentes', tabLive: 'Ao vivo', tabReports: 'Relatórios', limit: 'Limite padrão de pausa (min)', reasonLimit: 'limite deste motivo',
    available: 'Disponível', paused: 'Em pausa', logged_off: 'Deslogado',
    loggedIn: 'logados', noQueue: 'Sem fila', noReason: 'sem motivo', pausesByReason: 'Pausas por motivo',
    nobodyPaused: 'Ninguém em pausa', connecting: 'Conectando…', live: 'Ao vivo', lost: 'Conexão perdida — reconectando…',
    tokenTitle: 'Token de acesso',
    tokenHelp: 'Este endereço não vê o painel sem um token. Informe um token da API: o navegador o guarda num cookie que os scripts da página não leem.',
    tokenButton: 'Entrar', tokenBad: 'Token recusado', noAgents: 'Nenhum agente cadastrado', overdue: 'acima do limite',
    pausedIn: 'em pausa em', pendingFloor: 'Aguardando para pausar', pendingAsk: 'Pede pausa',
    restDue: 'Pausa de descanso devida', restDueSince: 'devida desde', pbxFilter: 'PBX', allPbxes: 'Todos',
  },
};

// Queue calls (live state from Asterisk): their words, kept apart from the rest.
const CALL_TEXT = {
  en: {
    ringing: 'Ringing', on_call: 'On a call', waiting: 'waiting', longestWait: 'longest', waitLimit: 'Wait alert (s)',
    longWait: 'callers waiting too long',
  },
  pt_BR: {
    ringing: 'Tocando', on_call: 'Em ligação', waiting: 'aguardando', longestWait: 'maior espera', waitLimit: 'Alerta de espera (s)',
    longWait: 'clientes esperando demais',
  },
};

// A supervisor's commands on the tiles. The buttons' own names stay English in every language:
// they are the names the contract fixes (CONTRACT §8), and what assistive tools and checks look for.
const ACTION_TEXT = {
  en: {
    reasonTitle: 'Pause', reasonFor: 'Pause with a reason:', reason: 'Reason', cancel: 'Cancel',
    onCallTitle: 'On a queue call', onCall: 'is on a queue call. Log off anyway?', failed: 'Not done',
  },
  pt_BR: {
    reasonTitle: 'Pausa', reasonFor: 'Pausar com o motivo:', reason: 'Motivo', cancel: 'Cancelar',
    onCallTitle: 'Em ligação da fila', onCall: 'está numa ligação da fila. Deslogar mesmo assim?', failed: 'Não feito',
  },
};

for (const lang of Object.keys(TEXT)) Object.assign(TEXT[lang], CALL_TEXT[lang], ACTION_TEXT[lang]);

export const LANG_KEY = 'agentgate.lang';

export const i18n = { lang: pickLanguage() };

export const knownLanguage = (lang) => Boolean(TEXT[lang]);

function pickLanguage() {
  const saved = localStorage.getItem(LANG_KEY);
  if (saved && TEXT[saved]) return saved;
  const wanted = navigator.languages?.[0] ?? navigator.language ?? 'en';
  return /^pt\b/i.test(wanted) ? 'pt_BR' : 'en';
}

export const t = (key) => TEXT[i18n.lang][key] ?? TEXT.en[key] ?? key;
