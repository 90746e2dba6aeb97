// Structured JSON logs (pino) for operators; human status lines go to stdout separately.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name = 'ticketpulse'): Logger {
  // Logs go to stderr so stdout stays for status lines and query output.
  return pino({ name, level }, pino.destination(2));
}
