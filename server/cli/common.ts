// Helpers shared by CLI commands: one-line errors, the app context for local commands.
import { loadConfig } from '../config.ts';
import { createAppContext } from '../app.ts';
import { silentLogger } from '../log.ts';
import type { AppContext } from '../app-context.ts';

/** An error the CLI prints as one line, exiting non-zero. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

/** Open the data directory for a one-shot command (no listeners, no logs on stdout). */
export async function withLocalApp<T>(fn: (app: AppContext) => Promise<T> | T): Promise<T> {
  const app = await createAppContext(loadConfig(), silentLogger, { oneShot: true });
  try {
    return await fn(app);
  } finally {
    await app.store.close();
  }
}

/** Where phones reach this installation, for links rendered into files by the CLI. */
export function publicRoot(app: AppContext): string {
  return app.config.publicUrl ?? `http://localhost:${app.config.httpPort}/`;
}
