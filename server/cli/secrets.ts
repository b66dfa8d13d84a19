// `cadran secrets status|rotate|new-key`: the keys that encrypt the passwords kept in the
// database (SIP, provisioning, phone admin/user, tenant provisioning). See server/store/secrets.ts.
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { rotateSecrets, secretsStatus } from '../store/rotate.ts';
import { newKeyText } from '../store/secrets.ts';
import { cliTranslator } from './common.ts';

export function registerSecretsCommands(program: Command): void {
  const secrets = program.command('secrets').description('keys of the passwords stored encrypted in the database');

  secrets
    .command('status')
    .description('where the keys come from, and how many stored passwords each one encrypts')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const s = await secretsStatus(loadConfig());
      const t = cliTranslator();
      const out = (key: string, params: Record<string, string | number> = {}) => process.stdout.write(`${t(key, params)}\n`);
      if (o.json) {
        process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
      } else {
        out(s.source === 'file' ? 'cli.secrets.keys_file' : 'cli.secrets.keys_env', { file: s.file ?? '' });
        for (const k of s.keys) out(k.current ? 'cli.secrets.key_current' : 'cli.secrets.key_other', { id: k.id, count: s.census[k.id] ?? 0 });
        if (s.census.plaintext) out('cli.secrets.plaintext', { count: s.census.plaintext });
        for (const id of s.missing) out('cli.secrets.missing', { id, count: s.census[id] ?? 0 });
      }
      if (s.missing.length) process.exitCode = 1;
    });

  secrets
    .command('rotate')
    .description('encrypt every stored password with a new key (key file) or with the first key of CADRAN_SECRET_KEY')
    .option('--keep-old', 'keep the old key in the key file (to read backups made before); default: remove it')
    .action(async (o: { keepOld?: boolean }) => {
      const r = await rotateSecrets(loadConfig(), { keepOld: o.keepOld === true });
      const t = cliTranslator();
      const out = (key: string, params: Record<string, string | number> = {}) => process.stdout.write(`${t(key, params)}\n`);
      out('cli.secrets.rotated', { count: r.reencrypted, id: r.current });
      if (r.source === 'file') {
        if (r.kept.length) out('cli.secrets.kept', { ids: r.kept.join(', ') });
        else if (r.retired.length) out('cli.secrets.retired_file', { ids: r.retired.join(', ') });
      } else if (r.retired.length) {
        out('cli.secrets.retired_env', { ids: r.retired.join(', ') });
      } else {
        out('cli.secrets.env_howto');
      }
    });

  secrets
    .command('new-key')
    .description('print a new random key (base64), e.g. for CADRAN_SECRET_KEY')
    .action(() => {
      process.stdout.write(`${newKeyText()}\n`);
    });
}
