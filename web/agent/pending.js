// A pause that waits (docs/pauses.md): queued under a queue's floor, or asking a supervisor's yes.
// The panel says so while it waits and, live, what became of it.

const TEXT = {
  en: {
    wait: 'Wait for my turn if a pause is not allowed now', queued: 'Pause queued: it starts by itself when the queue allows it',
    asked: 'Waiting for a supervisor', approved: 'Pause approved', denied: 'Pause denied',
  },
  pt_BR: {
    wait: 'Aguardar a minha vez se a pausa não for permitida agora', queued: 'Pausa na fila: começa sozinha quando a fila permitir',
    asked: 'Aguardando um supervisor', approved: 'Pausa aprovada', denied: 'Pausa negada',
  },
};

let asked;

/** Draws the waiting pause of `status` in `box`; a request that ended since the last draw is told in `message`. */
export function drawPending(status, box, message, lang) {
  const t = (k) => TEXT[lang]?.[k] ?? TEXT.en[k];
  const p = status.pending_pause;
  box.hidden = !p;
  if (p) box.textContent = p.approval ? `${t('asked')}: ${p.reason ?? ''}` : `${t('queued')}${p.reason ? ` (${p.reason})` : ''}`;
  if (asked && !p?.approval) {
    message.className = status.state === 'paused' ? 'message ok' : 'message';
    message.textContent = status.state === 'paused' ? t('approved') : t('denied');
  }
  asked = p?.approval ? p : undefined;
}

export function waitLabel(lang) {
  return TEXT[lang]?.wait ?? TEXT.en.wait;
}
