// kafkajs logs through our pino logger (structured, stderr) instead of its own
// console writer, and its errors feed the status line and the error counter: a
// broker that went away shows up there as "connect ECONNREFUSED …".
import { logLevel, type logCreator } from 'kafkajs';
import type { Logger } from '../../core/log.ts';

export const CLIENT_LOG_LEVELS = { error: logLevel.ERROR, warn: logLevel.WARN, info: logLevel.INFO, debug: logLevel.DEBUG } as const;

export function clientLogCreator(log: Logger, onError: (message: string) => void): logCreator {
  const child = log.child({ module: 'kafkajs' });
  return () => (entry) => {
    const { message, timestamp: _t, logger: _l, ...extra } = entry.log as { message: string; timestamp?: string; logger?: string } & Record<string, unknown>;
    const fields = { namespace: entry.namespace, ...extra };
    switch (entry.level) {
      case logLevel.ERROR:
        onError(message);
        child.error(fields, message);
        break;
      case logLevel.WARN:
        child.warn(fields, message);
        break;
      case logLevel.INFO:
        child.info(fields, message);
        break;
      default:
        child.debug(fields, message);
    }
  };
}
