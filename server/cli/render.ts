import type { Command } from 'commander';
import { hasMessage } from '../i18n/catalogue.ts';
import { normalizeMac, formatMac } from '../domain/mac.ts';
import { bootFilesOf, renderDeviceFile } from '../provision/render.ts';
import { deviceChecks } from '../provision/checks.ts';
import { SYSTEM } from '../auth/principal.ts';
import { effectiveProfile } from '../service/network.ts';
import { CliError, cliTranslator, publicRoot, withLocalApp } from './common.ts';

export function registerRenderCommand(program: Command): void {
  program
    .command('render <mac> [file]')
    .description(
      'print what the phone with this MAC would receive (every boot file when no file is named, then its vendor parameters and checks)',
    )
    .action(async (rawMac: string, file: string | undefined) => {
      await withLocalApp(async (app) => {
        const mac = normalizeMac(rawMac);
        const device = await app.store.devices.get(mac);
        if (!device) throw new CliError('not_found.device', { mac: formatMac(mac) });
        const files = file ? [file] : await bootFilesOf(app, mac);
        for (const name of files) {
          const out = await renderDeviceFile(app, mac, name, publicRoot(app));
          if (!out) throw new CliError('cli.render.not_served', { file: name });
          if (file) process.stdout.write(out.body);
          else {
            process.stdout.write(`===== ${cliTranslator()('cli.render.file_header', { file: name, type: out.contentType, bytes: out.body.length })} =====\n`);
            process.stdout.write(out.body);
            if (!out.body.toString('utf8').endsWith('\n')) process.stdout.write('\n');
          }
        }
        if (file) return; // one file: its bytes only
        // The raw vendor settings the files carry (after cadran's own values, which they replace),
        // then what the files cannot carry as stored. Codes are the API's (GET /devices/{mac}/checks).
        const checks = await deviceChecks(app, SYSTEM, mac, publicRoot(app));
        const profile = await effectiveProfile(app.store, mac, device.tenantId, app.defaults);
        const all = Object.entries(profile.vendorParameters?.[device.vendor] ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        const t = cliTranslator();
        process.stdout.write(`===== ${t('cli.render.parameters', { vendor: device.vendor, count: all.length })} =====\n`);
        const shadowed = new Set(checks.shadows.map((s) => s.name));
        for (const [name, value] of all) process.stdout.write(`${name} = ${JSON.stringify(value)}${shadowed.has(name) ? `  [${t('cli.render.shadows')}]` : ''}\n`);
        process.stdout.write(`===== ${t('cli.render.checks', { count: checks.problems.length })} =====\n`);
        // The code is the API's; the text the catalogue's (as on the device page), else the vendor's own.
        for (const p of checks.problems) {
          const text = p.code && hasMessage(`check.${p.code}`) ? t(`check.${p.code}`, p.params ?? {}) : p.message;
          process.stdout.write(`${p.code ?? '-'} ${p.field}: ${text}\n`);
        }
      });
    });
}
