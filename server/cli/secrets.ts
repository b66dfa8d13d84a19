// `cadran secrets status|rotate|new-key`: the keys that encrypt the passwords kept in the
// database (SIP, provisioning, phone admin/user, tenant provisioning). See server/store/secrets.ts.
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { rotateSecrets, secretsStatus } from '../store/rotate.ts';
import { newKeyText } from '../store/secrets.ts';

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

export function registerSecretsCommands(program: Command): void {
  const secrets = program.command('secrets').description('keys of the passwords stored encrypted in the database');

  secrets
    .command('status')
    .description('where the keys come from, and how many stored passwords each one encrypts')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const s = await secretsStatus(loadConfig());
      if (o.json) {
        process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
      } else {
        process.stdout.write(`keys from ${s.source === 'file' ? `the key file ${s.file}` : 'CADRAN_SECRET_KEY'}:\n`);
        for (const k of s.keys) process.stdout.write(`  ${k.id}${k.current ? '  (encrypts)' : ''}  ${plural(s.census[k.id] ?? 0, 'password')}\n`);
        if (s.census.plaintext) process.stdout.write(`  not encrypted: ${plural(s.census.plaintext, 'password')}\n`);
        for (const id of s.missing) process.stdout.write(`  MISSING ${id}: ${plural(s.census[id] ?? 0, 'password')} cannot be read without it\n`);
      }
      if (s.missing.length) process.exitCode = 1;
    });

  secrets
    .command('rotate')
    .description('encrypt every stored password with a new key (key file) or with the first key of CADRAN_SECRET_KEY')
    .option('--keep-old', 'keep the old key in the key file (to read backups made before); default: remove it')
    .action(async (o: { keepOld?: boolean }) => {
      const r = await rotateSecrets(loadConfig(), { keepOld: o.keepOld === true });
      process.stdout.write(`${plural(r.reencrypted, 'password')} re-encrypted with key ${r.current}\n`);
      if (r.source === 'file') {
        if (r.kept.length) process.stdout.write(`old key${r.kept.length > 1 ? 's' : ''} ${r.kept.join(', ')} kept in the key file (remove ${r.kept.length > 1 ? 'them' : 'it'} when old backups are gone)\n`);
        else if (r.retired.length) process.stdout.write(`old key${r.retired.length > 1 ? 's' : ''} ${r.retired.join(', ')} removed from the key file; database backups made before now need ${r.retired.length > 1 ? 'them' : 'it'}\n`);
      } else if (r.retired.length) {
        process.stdout.write(`no stored password uses ${r.retired.join(', ')} any more: remove ${r.retired.length > 1 ? 'them' : 'it'} from CADRAN_SECRET_KEY wherever cadran runs\n`);
      } else {
        process.stdout.write('to rotate with CADRAN_SECRET_KEY, put a new key first (`cadran secrets new-key`) and the old one after a comma, everywhere cadran runs, then run this again\n');
      }
    });

  secrets
    .command('new-key')
    .description('print a new random key (base64), e.g. for CADRAN_SECRET_KEY')
    .action(() => {
      process.stdout.write(`${newKeyText()}\n`);
    });
}
