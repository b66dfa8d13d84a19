// The undo journal of imports that commit in chunks (tables import_runs / import_undo, migration
// 008). Each chunk writes its rows and their before-images in one transaction; a run that fails
// or dies is put back newest first, a chunk per transaction, and a row somebody changed since the
// import wrote it (its version moved on) is left as they made it.
import type { Contact, Device, SharedContact, Store, UndoEntry } from '../types.ts';
import type { Exec, Statements } from './store.ts';
import type { SecretBox } from '../secrets.ts';
import { journalBefore, restoredPassword } from '../secret-sites.ts';
import { contactUndo } from '../undo.ts';

type Row = Record<string, unknown>;

/** Journal entries put back per transaction (short, so other writers are not kept waiting). */
const UNDO_CHUNK = 2000;

export function sqliteImportRuns(s: Statements, x: Exec, box: SecretBox): Store['importRuns'] {
  const st = (sql: string) => s.st(sql);
  const db = s.db;

  const undoOne = (e: { entity: string; key: string; before: string | null; after_version: number }): boolean => {
    if (e.entity === 'device') {
      if (e.before === null) return st('DELETE FROM devices WHERE mac = ? AND version = ?').run(e.key, e.after_version).changes > 0;
      const d = JSON.parse(e.before) as Device;
      return st(`UPDATE devices SET tenant_id = ?, vendor = ?, model = ?, user_number = ?, label = ?, expansion_modules = ?, extra_lines = ?,
                   provisioning_username = ?, provisioning_password = ?, device_group = CASE WHEN ? THEN ? ELSE device_group END,
                   version = version + 1, updated_at = ?
                 WHERE mac = ? AND version = ?`)
        .run(d.tenantId, d.vendor, d.model, d.userNumber, d.label, d.expansionModules, JSON.stringify(d.extraLines ?? []), d.provisioningUsername,
          restoredPassword(box, d), d.group !== undefined ? 1 : 0, d.group ?? null, new Date().toISOString(), e.key, e.after_version).changes > 0;
    }
    const kind = contactUndo(e.key);
    if (e.before === null) return st(`DELETE FROM ${kind.table} WHERE id = ? AND version = ?`).run(kind.id, e.after_version).changes > 0;
    const c = JSON.parse(e.before) as Contact;
    return st(`UPDATE ${kind.table} SET name = ?, work = ?, mobile = ?, home = ?, grp = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`)
      .run(c.name, c.work, c.mobile, c.home, c.group, new Date().toISOString(), kind.id, e.after_version).changes > 0;
  };

  return {
    begin: (run) => x(() => {
      st(`INSERT INTO import_runs (id, kind, owner, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?)`)
        .run(run.id, run.kind, run.owner, run.startedAt, run.startedAt);
    }),

    journal: (runId, entries: UndoEntry[]) => x(() => {
      const next = (st('SELECT COALESCE(MAX(seq), 0) FROM import_undo WHERE run_id = ?').pluck().get(runId) as number) + 1;
      const ins = st('INSERT INTO import_undo (run_id, seq, entity, key, before, after_version) VALUES (?, ?, ?, ?, ?, ?)');
      entries.forEach((e, i) => ins.run(runId, next + i, e.entity, e.key, journalBefore(box, e), e.afterVersion));
    }),

    heartbeat: (runId, at) => x(() => {
      st('UPDATE import_runs SET heartbeat_at = ? WHERE id = ?').run(at, runId);
    }),

    finish: async (runId) => {
      // Marked done first (atomic): from then on the journal is garbage, never undone.
      await x(() => st(`UPDATE import_runs SET state = 'done' WHERE id = ?`).run(runId));
      for (;;) {
        const n = await x(() => st('DELETE FROM import_undo WHERE rowid IN (SELECT rowid FROM import_undo WHERE run_id = ? LIMIT ?)').run(runId, UNDO_CHUNK * 5).changes);
        if (n === 0) break;
      }
      await x(() => st('DELETE FROM import_runs WHERE id = ?').run(runId));
    },

    undo: async (runId) => {
      const macs = new Set<string>();
      const contactsOf = new Set<string>();
      let skipped = 0;
      const done = await x(() => st('SELECT state FROM import_runs WHERE id = ?').pluck().get(runId) as string | undefined);
      if (done === 'done') {
        await x(() => st('DELETE FROM import_runs WHERE id = ?').run(runId));
        return { macs: [], contactsOf: [], skipped: 0 };
      }
      for (;;) {
        const more = await x(() =>
          db.transaction(() => {
            const rows = st('SELECT seq, entity, key, before, after_version FROM import_undo WHERE run_id = ? ORDER BY seq DESC LIMIT ?')
              .all(runId, UNDO_CHUNK) as Array<Row & { seq: number; entity: string; key: string; before: string | null; after_version: number }>;
            for (const e of rows) {
              if (e.entity === 'device') macs.add(e.key);
              else {
                // A personal contact (its user's contact file changes), or a shared one of a
                // tenant (company directory: every phone of the tenant shows it).
                const kind = contactUndo(e.key);
                const owner = e.before
                  ? (JSON.parse(e.before) as Contact & SharedContact)[kind.field]
                  : (st(`SELECT ${kind.owner} FROM ${kind.table} WHERE id = ?`).pluck().get(kind.id) as string | undefined);
                if (owner && kind.shared) for (const mac of st('SELECT mac FROM devices WHERE tenant_id = ?').pluck().all(owner) as string[]) macs.add(mac);
                else if (owner) contactsOf.add(owner);
              }
              if (!undoOne(e)) skipped++;
            }
            if (rows.length) st('DELETE FROM import_undo WHERE run_id = ? AND seq >= ?').run(runId, rows[rows.length - 1]!.seq);
            return rows.length === UNDO_CHUNK;
          })());
        if (!more) break;
      }
      await x(() => st('DELETE FROM import_runs WHERE id = ?').run(runId));
      return { macs: [...macs], contactsOf: [...contactsOf], skipped };
    },

    list: () => x(() =>
      (st(`SELECT id, kind, owner, started_at, heartbeat_at FROM import_runs ORDER BY started_at`).all() as Row[]).map((r) => ({
        id: r.id as string, kind: r.kind as string, owner: r.owner as string, startedAt: r.started_at as string, heartbeatAt: r.heartbeat_at as string,
      }))),
  };
}
