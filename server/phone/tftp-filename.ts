// Which TFTP file names reach the provider. The provider only ever sees a bare, printable-ASCII
// name: phones that prefix a single '/' are tolerated, anything that looks like a path is refused.

import { TFTP_ERR } from './tftp-packets.ts';

export type FileNameCheck =
  | { ok: true; file: string }
  | { ok: false; code: typeof TFTP_ERR.NOT_FOUND | typeof TFTP_ERR.ACCESS; reason: string };

const MAX_NAME = 255;

export function checkTftpFileName(raw: Buffer): FileNameCheck {
  // Checked on bytes, before any decoding, so no encoding trick can hide a separator.
  for (const b of raw) {
    if (b < 0x20 || b > 0x7e) return { ok: false, code: TFTP_ERR.ACCESS, reason: 'file name contains bytes outside printable ASCII' };
  }
  let file = raw.toString('latin1');
  if (file.startsWith('/')) file = file.slice(1);
  if (file === '') return { ok: false, code: TFTP_ERR.NOT_FOUND, reason: 'empty file name' };
  if (file.length > MAX_NAME) return { ok: false, code: TFTP_ERR.NOT_FOUND, reason: `file name longer than ${MAX_NAME} characters` };
  if (file.includes('..')) return { ok: false, code: TFTP_ERR.ACCESS, reason: "file name may not contain '..'" };
  if (file.includes('/') || file.includes('\\')) return { ok: false, code: TFTP_ERR.ACCESS, reason: 'directories are not served: ask for a bare file name' };
  return { ok: true, file };
}
