// `cadran` command line: serve, operator create, render, migrate, import, resync, token, secrets.
import { Command, CommanderError } from 'commander';
import { DomainError, describeError } from './domain/errors.ts';
import { ConfigError } from './config.ts';
import { StoreError } from './store/errors.ts';
import { CliError, cliTranslator } from './cli/common.ts';
import { registerServeCommand } from './cli/serve.ts';
import { registerOperatorCommands } from './cli/operator.ts';
import { registerRenderCommand } from './cli/render.ts';
import { registerMigrateCommand } from './cli/migrate.ts';
import { registerTokenCommands } from './cli/token.ts';
import { registerSecretsCommands } from './cli/secrets.ts';
import { cliExtensions } from './cli/extensions.ts';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('cadran')
    .description('desk-phone auto-provisioning server')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError('(run cadran --help for usage)');
  registerServeCommand(program);
  registerOperatorCommands(program);
  registerRenderCommand(program);
  registerMigrateCommand(program);
  registerTokenCommands(program);
  registerSecretsCommands(program);
  for (const register of cliExtensions) register(program);
  return program;
}

/** What went wrong, in the CLI's language: one line for a person. */
export function errorText(e: unknown): string {
  const t = cliTranslator();
  if (e instanceof DomainError) return describeError(e, t);
  if (e instanceof CliError) return t(e.key, e.params);
  // The configuration's checks name the variable or file and the value; they are not in the
  // catalogue yet (config.ts sits below the domain and says it in English).
  if (e instanceof ConfigError) return e.message;
  if (e instanceof StoreError && e.code === 'busy') return t('cli.database_busy', { detail: e.message });
  if (e instanceof StoreError) return t(`store.${e.code}`, { detail: e.message });
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'EADDRINUSE' || err.code === 'EACCES') return t('cli.cannot_listen', { detail: err.message });
  return t('cli.unexpected', { detail: err?.message ?? String(e) });
}

const oneLine = (s: string): string => s.replace(/\s*[\r\n]+\s*/g, ' ').trim();

export async function main(argv: string[]): Promise<void> {
  // `cadran export | head`: the reader went away, which ends the command quietly (as `cat` does:
  // 141 = killed by SIGPIPE), not with an unhandled 'error' stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(141);
  });
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here with exit code 0; usage errors were already printed.
      process.exitCode = e.exitCode;
      return;
    }
    // Another process holds the database (a server writing, another import): not the file's
    // fault, nothing was written; worth trying again (EX_TEMPFAIL).
    const busy = (e instanceof StoreError && e.code === 'busy') || (e instanceof DomainError && e.code === 'busy');
    process.exitCode = busy ? 75 : e instanceof CliError ? e.exitCode : 1;
    process.stderr.write(`cadran: ${oneLine(errorText(e))}\n`);
  }
}
