import type { Command } from 'commander';
import { hashPassword, randomSecret } from '../auth/passwords.ts';
import { CliError, withLocalApp } from './common.ts';
import type { AppContext } from '../app-context.ts';

export async function createOperator(app: AppContext, login: string, password?: string): Promise<{ password: string; token: string }> {
  if (!/^[a-z][a-z0-9._-]{1,39}$/i.test(login)) throw new CliError(`login "${login}": use 2–40 letters, digits, . _ - (starting with a letter)`);
  if (/^\d{10}$/.test(login)) throw new CliError('an operator login cannot be a 10-digit number (those are user logins)');
  if (await app.store.operators.get(login)) throw new CliError(`operator "${login}" already exists`);
  const pw = password ?? randomSecret(20);
  const passwordHash = await hashPassword(pw);
  await app.store.transaction(async (tx) => {
    if (await tx.operators.get(login)) throw new CliError(`operator "${login}" already exists`);
    await tx.operators.insert({ login, passwordHash });
  });
  const token = await app.auth.issueToken('operator', login, 'created by cadran operator create');
  return { password: pw, token };
}

export function registerOperatorCommands(program: Command): void {
  const op = program.command('operator').description('manage operators (global administrators)');
  op.command('create <login>')
    .description('create an operator; prints its password, then its API token as the last line')
    .option('--password <password>', 'set this password instead of a generated one')
    .action(async (login: string, opts: { password?: string }) => {
      await withLocalApp(async (app) => {
        const { password, token } = await createOperator(app, login, opts.password);
        process.stdout.write(`operator "${login}" created\n`);
        process.stdout.write(`password: ${password}\n`);
        process.stdout.write(`API token (use as "Authorization: Bearer <token>"):\n${token}\n`);
      });
    });
}
