// Worker bootstrap: a worker thread does not inherit the TypeScript loader the CLI
// registered on the main thread, so it registers its own before loading the worker.
import { register } from 'tsx/esm/api';

register();
await import('./decode-worker.ts');
