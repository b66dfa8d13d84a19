// Schema version 5: more licences of the tenant registered on a phone (accounts 2…n), in order.
// A JSON array of user numbers on the device row: a short ordered list read with the device, never
// joined on except to find the phones a licence appears on (json_each). Deleting a licence removes
// it from these lists (service/users.ts), as the FK does for `user_number`.
import type { Migration } from './index.ts';

export const extraLines: Migration = {
  version: 5,
  name: 'extra lines of a phone',
  up: `
    ALTER TABLE devices ADD COLUMN extra_lines TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(extra_lines) AND json_type(extra_lines) = 'array');
  `,
};
