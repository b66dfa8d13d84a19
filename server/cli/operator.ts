import type { Command } from 'commander';
import { hashPassword, randomSecret } from '../auth/passwords.ts';
import { CliError, cliTranslator, localActor, withLocalApp } from './common.ts';
import type { AppContext } from '../app-context.ts';
import { SYSTEM, type Actor } from '../auth/principal.ts';
import { recordAudit } from '../service/audit.ts';
import { userPassword } from '../domain/schemas.ts';

export async function createOperator(app: AppContext, login: string, password?: string, actor: Actor = SYSTEM): Promise<{ password: string; token: string }> {
  if (!/^[a-z][a-z0-9._-]{1,39}$/i.test(login)) throw new CliError('cli.operator.bad_login', { login: login.slice(0, 60) });
  if (/^\d{10}$/.test(login)) throw new CliError('cli.operator.numeric_login');
  if (await app.store.operators.get(login)) throw new CliError('cli.operator.exists', { login });
  // The same rule as every password of the API (8 to 200 printable characters): an operator
  // administers every tenant, and an empty one was "created" but could never log in.
  if (password !== undefined && !userPassword.safeParse(password).success) throw new CliError('cli.operator.weak_password');
  const pw = password ?? randomSecret(20);
  const passwordHash = await hashPassword(pw);
  await app.store.transaction(async (tx) => {
    if (await tx.operators.get(login)) throw new CliError('cli.operator.exists', { login });
    await tx.operators.insert({ login, passwordHash });
    await recordAudit(tx, actor, { action: 'operator.create', targetId: login, after: { login, passwordHash }, summary: { apiToken: 'issued' } });
  });
  const { token } = await app.auth.issueToken('operator', login, 'created by cadran operator create');
  return { password: pw, token };
}

export function registerOperatorCommands(program: Command): void {
  const op = program.command('operator').description('manage operators (global administrators)');
  op.command('create <login>')
    .description('create an operator; prints its password, then its API token as the last line')
    .option('--password <password>', 'set this password instead of a generated one')
    .action(async (login: string, opts: { password?: string }) => {
      await withLocalApp(async (app) => {
        const { password, token } = await createOperator(app, login, opts.password, localActor());
        const t = cliTranslator();
        process.stdout.write(`${t('cli.operator.created', { login })}\n`);
        process.stdout.write(`${t('cli.operator.password', { password })}\n`);
        // The token alone on the last line: scripts read it there.
        process.stdout.write(`${t('cli.operator.token')}\n${token}\n`);
      });
    });
}
