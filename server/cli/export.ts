// `cadran export [--tenant <id>] [--format csv|excel-fr] [--contacts <number>]`: the phones (of
// every tenant, or one) or a user's personal contacts, as CSV on standard output in the imports'
// own columns, so `cadran export > f.csv && cadran import f.csv` changes nothing.
import type { Command } from 'commander';
import { contactsCsv, devicesCsv, featuresOfDevices, parseExportFormat, templatesOfDevices } from '../imports/export.ts';
import { CliError, withLocalApp } from './common.ts';

interface ExportFlags {
  tenant?: string;
  format?: string;
  contacts?: string;
}

export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description('print the phones as CSV in the columns `cadran import` reads (mac, vendor, model, tenant, user, label, group, the line settings of the phone\'s user, modele-de-touches)')
    .option('--tenant <id>', 'only the phones of this tenant')
    .option('--format <format>', 'csv (",", UTF-8) or excel-fr (";", UTF-8 with BOM, for a French Excel)', 'csv')
    .option('--contacts <number>', "a user's personal contacts (name, work, mobile, home, group) instead")
    .action(async (o: ExportFlags) => {
      if (o.contacts && o.tenant) throw new CliError('cli.import.tenant_with_contacts');
      const format = parseExportFormat(o.format);
      const out = await withLocalApp(async (app) => {
        if (o.contacts) {
          if (!/^\d{10}$/.test(o.contacts)) throw new CliError('cli.export.contacts_number', { number: o.contacts.slice(0, 40) });
          if (!(await app.store.users.get(o.contacts))) throw new CliError('not_found.user', { number: o.contacts });
          return contactsCsv(await app.store.contacts.list(o.contacts), format);
        }
        if (o.tenant && !(await app.store.tenants.get(o.tenant))) throw new CliError('not_found.tenant', { id: o.tenant.slice(0, 60) });
        const devices = await app.store.devices.list(o.tenant ? { tenantId: o.tenant } : {});
        return devicesCsv(devices, format, await featuresOfDevices(app.store, devices), await templatesOfDevices(app.store, devices));
      });
      await new Promise<void>((resolve, reject) => process.stdout.write(out, (err) => (err ? reject(err) : resolve())));
    });
}

