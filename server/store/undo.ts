// The import undo journal, the same on both engines: how a journal entry's key names the row it
// puts back (the tables, the owner column and the field of the before-image naming that owner).
import type { UndoEntry } from './types.ts';

/** A contact entry of the journal: a personal contact (key: its id) or a shared one of a tenant (key: `s` + id). */
export interface ContactUndo {
  table: 'contacts' | 'tenant_contacts';
  /** Column naming the owner: the user whose contact file changes, or the tenant whose phones show it. */
  owner: 'user_number' | 'tenant_id';
  /** The same owner in the journal's before-image. */
  field: 'userNumber' | 'tenantId';
  shared: boolean;
  id: number;
}

export function contactUndo(key: UndoEntry['key']): ContactUndo {
  return key.startsWith('s')
    ? { table: 'tenant_contacts', owner: 'tenant_id', field: 'tenantId', shared: true, id: Number(key.slice(1)) }
    : { table: 'contacts', owner: 'user_number', field: 'userNumber', shared: false, id: Number(key) };
}
