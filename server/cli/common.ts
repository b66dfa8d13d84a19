// Helpers shared by CLI commands: one-line errors, the app context for local commands, the
// language of what the CLI prints (CADRAN_LANG, else LC_ALL / LC_MESSAGES / LANG: `en…` gives
// English, anything else French).
import { loadConfig } from '../config.ts';
import { messageForLog, type MessageParams, type Translate } from '../domain/messages.ts';
import { translator, type Lang } from '../i18n/catalogue.ts';
import { langFromEnv } from '../i18n/lang.ts';
import { createAppContext } from '../app.ts';
import { silentLogger } from '../log.ts';
import type { AppContext } from '../app-context.ts';
import { userInfo } from 'node:os';
import { cliActor, type Actor } from '../auth/principal.ts';

/** The language of this run of the CLI. */
export const cliLang = (): Lang => langFromEnv();

/** The catalogue in the CLI's language. */
export const cliTranslator = (): Translate => translator(cliLang());

/** An error the CLI prints as one line (a catalogue key with parameters), exiting non-zero. */
export class CliError extends Error {
  constructor(
    readonly key: string,
    readonly params: MessageParams = {},
    readonly exitCode = 1,
  ) {
    super(messageForLog({ key, params }));
    this.name = 'CliError';
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

/** Who acts from this command line, for the audit trail: `cli:<operating-system account>`. */
export function localActor(): Actor {
  let account: string | undefined;
  try {
    account = userInfo().username;
  } catch {
    account = process.env.USER || process.env.LOGNAME;
  }
  return cliActor((account || 'local').slice(0, 64));
}
