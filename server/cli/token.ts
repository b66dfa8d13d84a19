// `cadran token create|list|revoke`: API tokens and sessions from the command line (whoever runs
// it owns the data directory, like an operator). Tokens made by `cadran operator create` and
// `cadran token create` work until revoked or until they expire (CADRAN_TOKEN_DAYS, or --days).
import type { Command } from 'commander';
import type { AppContext } from '../app-context.ts';
import type { Credential } from '../store/types.ts';
import { CliError, cliTranslator, withLocalApp } from './common.ts';

interface Who {
  operator?: string;
  user?: string;
}

function ownerOf(o: Who): { kind: 'operator' | 'user'; id: string } | undefined {
  if (o.operator !== undefined && o.user !== undefined) throw new CliError('cli.token.one_owner');
  if (o.operator !== undefined) return { kind: 'operator', id: o.operator };
  if (o.user !== undefined) return { kind: 'user', id: o.user };
  return undefined;
}

async function mustExist(app: AppContext, owner: { kind: 'operator' | 'user'; id: string }): Promise<void> {
  const found = owner.kind === 'operator' ? await app.store.operators.get(owner.id) : await app.store.users.get(owner.id);
  if (!found) throw new CliError(owner.kind === 'operator' ? 'cli.token.no_operator' : 'cli.token.no_user', { id: owner.id });
}

export function credentialsTable(list: Credential[], endsAt: (c: Credential) => string): string {
  const t = cliTranslator();
  const rows = list.map((c) => [c.id, t(`cli.token.kind_${c.kind}`), `${c.principalKind}:${c.principalId}`, c.createdAt.slice(0, 16), c.lastUsedAt.slice(0, 16), endsAt(c).slice(0, 16), c.address ?? '-', c.label ?? '']);
  const head = ['id', 'kind', 'who', 'created', 'last_used', 'expires', 'address', 'label'].map((k) => t(`cli.token.col_${k}`));
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(width[i]!))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}

export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('API tokens and sessions: create, list, revoke');

  token
    .command('create')
    .description('a new API token for an operator; prints it as the last line (shown only once)')
    .requiredOption('--operator <login>', 'the operator the token acts as')
    .option('--label <text>', 'what it is for (shown in lists)')
    .option('--days <n>', 'lifetime in days (default: CADRAN_TOKEN_DAYS, 365)')
    .action(async (o: { operator: string; label?: string; days?: string }) => {
      const days = o.days === undefined ? undefined : Number(o.days);
      if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 3650)) throw new CliError('cli.token.days');
      await withLocalApp(async (app) => {
        await mustExist(app, { kind: 'operator', id: o.operator });
        const { token: t, credential } = await app.auth.issueToken('operator', o.operator, o.label ?? 'created by cadran token create', days ? { days } : {});
        const tr = cliTranslator();
        process.stdout.write(`${tr('cli.token.created', { id: credential.id, login: o.operator, expires: credential.expiresAt })}\n`);
        process.stdout.write(`${tr('cli.token.show')}\n${t}\n`);
      });
    });

  token
    .command('list')
    .description('sessions and API tokens still valid (all, or of one operator / user)')
    .option('--operator <login>', 'only this operator')
    .option('--user <number>', 'only this user')
    .option('--json', 'print JSON')
    .action(async (o: Who & { json?: boolean }) => {
      const owner = ownerOf(o);
      await withLocalApp(async (app) => {
        if (owner) await mustExist(app, owner);
        const list = await app.auth.list(owner ? { principalKind: owner.kind, principalId: owner.id } : undefined);
        if (o.json) {
          process.stdout.write(`${JSON.stringify(list.map((c) => ({ ...c, csrfToken: undefined, expiresAt: app.auth.endsAt(c), maxExpiresAt: c.expiresAt })), null, 2)}\n`);
        } else if (list.length === 0) process.stdout.write(`${cliTranslator()('cli.token.none')}\n`);
        else process.stdout.write(credentialsTable(list, (c) => app.auth.endsAt(c)));
      });
    });

  token
    .command('revoke [id]')
    .description('revoke one session or token by its id, or every one of an operator / user')
    .option('--operator <login>', "every session and token of this operator")
    .option('--user <number>', 'every session and token of this user')
    .action(async (id: string | undefined, o: Who) => {
      const owner = ownerOf(o);
      if ((id === undefined) === (owner === undefined)) throw new CliError('cli.token.revoke_what');
      await withLocalApp(async (app) => {
        if (id !== undefined) {
          if (!(await app.auth.revoke(id))) throw new CliError('cli.token.no_such', { id });
          process.stdout.write(`${cliTranslator()('cli.token.revoked', { id })}\n`);
          return;
        }
        await mustExist(app, owner!);
        const n = await app.auth.revokeAll(owner!.kind, owner!.id);
        process.stdout.write(`${cliTranslator()('cli.token.revoked_all', { count: n, who: `${owner!.kind}:${owner!.id}` })}\n`);
      });
    });
}
