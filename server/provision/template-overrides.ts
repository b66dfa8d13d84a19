// Operator template overrides live in the database (table template_overrides), so every node
// renders with the same ones. Each process keeps them in memory (the phone hot path renders
// without awaiting anything) and reloads them when a change for every phone ('*') arrives: the
// API announces an override change that way, other nodes hear it through the store's change
// feed (PostgreSQL NOTIFY), and a lost feed connection reports '*' as well.
//
// Files in `<data dir>/templates/<vendor>/<name>` (how overrides were made before) are imported
// at start when the database has no override of that name; afterwards the database wins and the
// file is no longer read (a log line says so when the two differ).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { join } from 'node:path';
import type { Logger } from '../log.ts';
import type { ChangeFeed } from '../service/changes.ts';
import type { Store } from '../store/types.ts';
import { templateProblem } from '../../vendors/common/templates.ts';
import { requireOperator, type Actor, type Principal } from '../auth/principal.ts';
import { recordAudit } from '../service/audit.ts';
import { invalid, notFound } from '../domain/errors.ts';
import { parseInput } from '../domain/validate.ts';

export interface OverridableTemplates {
  setOverrides(overrides: Map<string, string>): void;
  shipped(vendor: string, name: string): boolean;
}

export const MAX_TEMPLATE_BYTES = 256 * 1024;

/** Body of PUT /templates/{vendor}/{name} (checked field by field in putTemplateOverride, for its messages). */
export const templateOverrideInput = z
  .object({ source: z.string().describe(`the handlebars text, at most ${MAX_TEMPLATE_BYTES} bytes (UTF-8); it must parse`) })
  .strict();

/** The stored overrides, into `templates` (now). */
export async function loadTemplateOverrides(deps: { store: Store; templates: OverridableTemplates }): Promise<void> {
  const rows = await deps.store.templateOverrides.list();
  deps.templates.setOverrides(new Map(rows.map((o) => [`${o.vendor}/${o.name}`, o.source])));
}

/**
 * Loads the stored overrides into `templates` now, then again after every '*' change. Resolves
 * once the first load is done.
 */
export async function followTemplateOverrides(deps: {
  store: Store;
  templates: OverridableTemplates;
  changes: ChangeFeed;
  log: Pick<Logger, 'warn'>;
}): Promise<() => void> {
  let running: Promise<void> | null = null;
  let again = false;
  const load = (): Promise<void> => loadTemplateOverrides(deps);
  const reload = (): void => {
    if (running) {
      again = true; // one more load after this one: it may have read before the change committed
      return;
    }
    running = load()
      .catch((err: unknown) => deps.log.warn({ err }, 'could not reload the template overrides from the database'))
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          reload();
        }
      });
  };
  const off = deps.changes.onChange((c) => {
    if (c.macs === '*') reload();
  });
  try {
    await load();
  } catch (err) {
    off();
    throw err;
  }
  return off;
}

/**
 * Import override files from `dir` (`<vendor>/<name>`) that the database lacks. Returns what
 * was imported; files naming no shipped template or not parsing are skipped with a warning.
 */
export async function importTemplateFiles(
  store: Store,
  templates: OverridableTemplates,
  dir: string,
  log: Pick<Logger, 'info' | 'warn'>,
): Promise<string[]> {
  const imported: string[] = [];
  let vendors: string[];
  try {
    vendors = readdirSync(dir);
  } catch {
    return imported; // no directory: nothing to import
  }
  for (const vendor of vendors.sort()) {
    let names: string[];
    try {
      if (!statSync(join(dir, vendor)).isDirectory()) continue;
      names = readdirSync(join(dir, vendor));
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      const path = join(dir, vendor, name);
      let source: string;
      try {
        if (!statSync(path).isFile()) continue;
        if (statSync(path).size > MAX_TEMPLATE_BYTES) {
          log.warn({ file: path }, `template override file not imported: larger than ${MAX_TEMPLATE_BYTES} bytes`);
          continue;
        }
        source = readFileSync(path, 'utf8');
      } catch {
        continue;
      }
      if (!templates.shipped(vendor, name)) {
        log.warn({ file: path }, 'template override file not imported: no shipped template has that vendor and name');
        continue;
      }
      const problem = templateProblem(source);
      if (problem) {
        log.warn({ file: path, problem }, 'template override file not imported: it does not parse');
        continue;
      }
      if (await store.templateOverrides.putIfAbsent({ vendor, name, source })) {
        imported.push(`${vendor}/${name}`);
        log.info({ file: path }, 'template override file imported into the database (edit it through the API from now on)');
      } else if ((await store.templateOverrides.get(vendor, name))?.source !== source) {
        log.warn({ file: path }, 'template override file differs from the one in the database, which wins: the file is not read any more');
      }
    }
  }
  return imported;
}

// ---- managing overrides (operators only; the API's /templates routes) -----------------------

export interface TemplateOverrideDeps {
  store: Store;
  templates: OverridableTemplates;
  changes: ChangeFeed;
}

export interface TemplateOverrideView {
  vendor: string;
  name: string;
  source: string;
  updatedAt: string;
}

function checkTarget(deps: TemplateOverrideDeps, vendor: string, name: string): void {
  if (!deps.templates.shipped(vendor, name)) throw notFound('not_found.template', { vendor, name });
}

export async function listTemplateOverrides(deps: TemplateOverrideDeps, p: Principal): Promise<TemplateOverrideView[]> {
  requireOperator(p);
  return deps.store.templateOverrides.list();
}

export async function getTemplateOverride(deps: TemplateOverrideDeps, p: Principal, vendor: string, name: string): Promise<TemplateOverrideView> {
  requireOperator(p);
  const o = await deps.store.templateOverrides.get(vendor, name);
  if (!o) throw notFound('not_found.template_override', { vendor, name });
  return o;
}

/** Store an override of a shipped template; every node renders with it within a few seconds. */
export async function putTemplateOverride(deps: TemplateOverrideDeps, p: Actor, vendor: string, name: string, input: unknown): Promise<TemplateOverrideView> {
  requireOperator(p);
  checkTarget(deps, vendor, name);
  const source = (input as { source?: unknown } | null)?.source;
  if (typeof source !== 'string') throw invalid('source', 'validation.template_source_required');
  parseInput(templateOverrideInput, input); // any other field is refused, naming it
  if (Buffer.byteLength(source, 'utf8') > MAX_TEMPLATE_BYTES) throw invalid('source', 'validation.template_too_large', { max: MAX_TEMPLATE_BYTES });
  const problem = templateProblem(source);
  if (problem) throw invalid('source', 'validation.template_invalid', { problem });
  await deps.store.transaction(async (tx) => {
    const before = await tx.templateOverrides.get(vendor, name);
    await tx.templateOverrides.put({ vendor, name, source });
    await recordAudit(tx, p, {
      action: before ? 'template.update' : 'template.create', targetId: `${vendor}/${name}`,
      ...(before ? { before: { source: before.source } } : {}), after: { source },
    });
  });
  await loadTemplateOverrides(deps); // this node renders with it before answering
  deps.changes.devicesChanged('*', `template override ${vendor}/${name} changed`);
  return (await deps.store.templateOverrides.get(vendor, name))!;
}

/** Back to the shipped template. */
export async function deleteTemplateOverride(deps: TemplateOverrideDeps, p: Actor, vendor: string, name: string): Promise<void> {
  requireOperator(p);
  await deps.store.transaction(async (tx) => {
    const before = await tx.templateOverrides.get(vendor, name);
    if (!before || !(await tx.templateOverrides.delete(vendor, name))) throw notFound('not_found.template_override', { vendor, name });
    await recordAudit(tx, p, { action: 'template.delete', targetId: `${vendor}/${name}`, before: { source: before.source } });
  });
  await loadTemplateOverrides(deps);
  deps.changes.devicesChanged('*', `template override ${vendor}/${name} removed`);
}
