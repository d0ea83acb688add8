/** Base class of every error the FastAGI module raises; `instanceof AgiError` catches them all. */
export class AgiError extends Error {
  override readonly name: string = 'AgiError';
  /** The command line this error answers, when there was one (set by the session). */
  command?: string;
}

/**
 * The channel is gone: Asterisk answered `511 Command Not Permitted on a dead channel…`, or a
 * media command (GET DATA, STREAM FILE, SAY DIGITS, ANSWER) returned `result=-1`.
 */
export class AgiHangupError extends AgiError {
  override readonly name = 'AgiHangupError';
  constructor(
    message: string,
    /** 511, or 200 when a media command returned `result=-1`. */
    readonly code: number,
  ) {
    super(message);
  }
}

/** Asterisk refused the command: `510 Invalid or unknown command`, `520` (usage text), other 5xx. */
export class AgiCommandError extends AgiError {
  override readonly name = 'AgiCommandError';
  constructor(
    readonly code: number,
    /** Asterisk's text, without the code; the lines of a multi-line answer joined with `\n`. */
    readonly text: string,
  ) {
    super(`AGI ${code}: ${text}`);
  }
}

/** An argument that cannot be sent safely (CR, LF or NUL); thrown before anything is written. */
export class AgiArgumentError extends AgiError {
  override readonly name = 'AgiArgumentError';
  constructor(
    readonly verb: string,
    /** `verb`, or the argument's position (1-based) and, when the caller named it, its name. */
    readonly argument: string,
    readonly value: string,
    reason = 'contains CR, LF or NUL',
  ) {
    super(`AGI ${verb}: ${argument} ${JSON.stringify(value)} ${reason}`);
  }
}

/** No answer from Asterisk in time (environment block or one command). */
export class AgiTimeoutError extends AgiError {
  override readonly name = 'AgiTimeoutError';
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
  ) {
    super(`AGI ${what}: no answer within ${timeoutMs} ms`);
  }
}

/** The connection closed (or failed) before the command got its answer. */
export class AgiClosedError extends AgiError {
  override readonly name = 'AgiClosedError';
  constructor(message = 'AGI connection closed', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Asterisk sent something that is not FastAGI (the stream cannot be trusted any more). */
export class AgiProtocolError extends AgiError {
  override readonly name = 'AgiProtocolError';
}
