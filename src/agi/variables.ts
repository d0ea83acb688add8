/** Channel variables agentgate sets; dialplans and IVRs branch on them. */
export const VARIABLES = {
  /** `success` or `error` */
  result: 'AGENTGATE_RESULT',
  /** the exact answer string of CONTRACT §2, e.g. `Login OK`, `Agent alredy paused` */
  message: 'AGENTGATE_MESSAGE',
} as const;

/** Read before the flow starts, to choose the prompts' language. */
export const CHANNEL_LANGUAGE = 'CHANNEL(language)';
