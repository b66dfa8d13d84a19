// Handlebars templates of the vendors: the shipped `templates/<vendor>/<name>`, or an operator's
// override of the same name, which wins when present: handed in by `setOverrides` (the server
// keeps them in its database, shared by every node), or a file under `overrideDir/<vendor>/`.
// Compiled templates are cached; the override file is looked at again at most once per second
// (a boot storm renders thousands of files per second), and every time an override appears,
// changes or disappears `generation()` moves on so the core can drop files rendered before.
import { statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import type { TemplateSource } from '../types.ts';

const RECHECK_MS = 1000;
const VENDOR_RE = /^[a-z0-9][a-z0-9_-]{0,39}$/;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** The repository's `templates/` directory. */
export function defaultShippedTemplatesDir(): string {
  return fileURLToPath(new URL('../../templates/', import.meta.url));
}

interface Entry {
  /** Override file state last seen: `mtimeMs:size`, or null when there was none. */
  overrideStamp: string | null;
  checkedAt: number;
  compiled: Handlebars.TemplateDelegate;
}

export class HandlebarsTemplates implements TemplateSource {
  readonly #shippedDir: string;
  readonly #overrideDir: string | undefined;
  readonly #hb = Handlebars.create();
  readonly #cache = new Map<string, Entry>();
  #generation = 0;
  #lastSweep = 0;
  #overrides = new Map<string, string>();

  constructor(opts: { shippedDir: string; overrideDir?: string }) {
    this.#shippedDir = opts.shippedDir;
    this.#overrideDir = opts.overrideDir;
  }

  /**
   * Replace the in-memory overrides (`vendor/name` → source), which win over files and shipped
   * templates. `generation()` moves on and every compiled template is dropped.
   */
  setOverrides(overrides: Map<string, string>): void {
    this.#overrides = new Map(overrides);
    this.#cache.clear();
    this.#generation++;
  }

  /** Is there a shipped template of that name (an override of anything else would never be used)? */
  shipped(vendor: string, name: string): boolean {
    if (!VENDOR_RE.test(vendor) || !NAME_RE.test(name) || name.includes('..')) return false;
    try {
      return statSync(join(this.#shippedDir, vendor, name)).isFile();
    } catch {
      return false;
    }
  }

  render(vendor: string, name: string, data: unknown): string {
    checkName(vendor, name);
    const key = `${vendor}/${name}`;
    const now = Date.now();
    let entry = this.#cache.get(key);
    if (entry && !this.#overrides.has(key) && now - entry.checkedAt >= RECHECK_MS) {
      entry.checkedAt = now;
      if (this.#overrideStamp(vendor, name) !== entry.overrideStamp) {
        this.#generation++;
        entry = undefined;
      }
    }
    if (!entry) {
      entry = this.#load(vendor, name, now);
      this.#cache.set(key, entry);
    }
    return entry.compiled(data);
  }

  /**
   * A counter that changes whenever an operator override of a template used so far appeared,
   * changed or disappeared (checked at most once per second, here or in `render`).
   */
  generation(): number {
    const now = Date.now();
    if (this.#overrideDir !== undefined && now - this.#lastSweep >= RECHECK_MS) {
      this.#lastSweep = now;
      for (const [key, entry] of this.#cache) {
        if (now - entry.checkedAt < RECHECK_MS || this.#overrides.has(key)) continue;
        entry.checkedAt = now;
        const [vendor, name] = key.split('/') as [string, string];
        if (this.#overrideStamp(vendor, name) !== entry.overrideStamp) {
          this.#generation++;
          this.#cache.delete(key);
        }
      }
    }
    return this.#generation;
  }

  #overrideStamp(vendor: string, name: string): string | null {
    if (this.#overrideDir === undefined) return null;
    try {
      const st = statSync(join(this.#overrideDir, vendor, name));
      return st.isFile() ? `${st.mtimeMs}:${st.size}` : null;
    } catch {
      return null;
    }
  }

  #load(vendor: string, name: string, now: number): Entry {
    const stored = this.#overrides.get(`${vendor}/${name}`);
    if (stored !== undefined) return { overrideStamp: 'stored', checkedAt: now, compiled: this.#compile(stored, `override ${vendor}/${name}`) };
    const overrideStamp = this.#overrideStamp(vendor, name);
    const path =
      overrideStamp !== null && this.#overrideDir !== undefined
        ? join(this.#overrideDir, vendor, name)
        : join(this.#shippedDir, vendor, name);
    let source: string;
    try {
      source = readFileSync(path, 'utf8');
    } catch {
      throw new Error(`template ${vendor}/${name} not found (looked for ${path})`);
    }
    return { overrideStamp, checkedAt: now, compiled: this.#compile(source, path) };
  }

  #compile(source: string, what: string): Handlebars.TemplateDelegate {
    try {
      // Parse now (compile is lazy) so that a broken override is reported on its first use.
      this.#hb.parse(source);
      // noEscape: values are escaped by the vendor for its own format (cfg, XML), not as HTML.
      return this.#hb.compile(source, { noEscape: true });
    } catch (e) {
      throw new Error(`template ${what} is invalid: ${(e as Error).message.split('\n')[0]}`);
    }
  }
}

/** Why `source` is not a usable template (its first parse error), or null when it parses. */
export function templateProblem(source: string): string | null {
  try {
    Handlebars.parse(source);
    return null;
  } catch (e) {
    return (e as Error).message.split('\n')[0] ?? 'does not parse';
  }
}

function checkName(vendor: string, name: string): void {
  if (!VENDOR_RE.test(vendor)) throw new Error(`invalid template vendor ${JSON.stringify(vendor)}`);
  if (!NAME_RE.test(name) || name.includes('..')) throw new Error(`invalid template name ${JSON.stringify(name)}`);
}
