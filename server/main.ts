// `cadran` command line: serve, operator create, render, migrate, import, resync.
import { Command, CommanderError } from 'commander';
import { DomainError } from './domain/errors.ts';
import { ConfigError } from './config.ts';
import { StoreError } from './store/errors.ts';
import { CliError } from './cli/common.ts';
import { registerServeCommand } from './cli/serve.ts';
import { registerOperatorCommands } from './cli/operator.ts';
import { registerRenderCommand } from './cli/render.ts';
import { registerMigrateCommand } from './cli/migrate.ts';
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
  for (const register of cliExtensions) register(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here with exit code 0; usage errors were already printed.
      process.exitCode = e.exitCode;
      return;
    }
    if (e instanceof StoreError && e.code === 'busy') {
      // Another process holds the database (a server writing, another import): not the file's
      // fault, nothing was written; worth trying again (EX_TEMPFAIL).
      process.stderr.write(`cadran: the database is busy (${e.message}); nothing was changed: try again in a moment\n`);
      process.exitCode = 75;
      return;
    }
    if (e instanceof DomainError || e instanceof ConfigError || e instanceof CliError || e instanceof StoreError) {
      process.stderr.write(`cadran: ${e.message}\n`);
      process.exitCode = e instanceof CliError ? e.exitCode : 1;
      return;
    }
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE' || err.code === 'EACCES') {
      process.stderr.write(`cadran: cannot listen: ${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    process.stderr.write(`cadran: unexpected error: ${err.message ?? String(e)}\n`);
    process.exitCode = 1;
  }
}
