export {
  AgiArgumentError,
  AgiClosedError,
  AgiCommandError,
  AgiError,
  AgiHangupError,
  AgiProtocolError,
  AgiTimeoutError,
} from './errors.js';
export {
  type AgiEvent,
  type AgiResponse,
  AgiResponseParser,
  AgiResponseReader,
  LineSplitter,
  formatCommand,
  parseEnvLine,
  parseResult,
} from './protocol.js';
export { type AgiHandler, type AgiServer, type AgiServerOptions, createAgiServer, plainAddress } from './server.js';
export { AgiSession, type AgiSessionOptions } from './session.js';
