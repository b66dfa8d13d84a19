// Schema version 4: what the resync engine needs to send a job's NOTIFYs again after a restart
// (event, Request-URI, From domain, destination port) and which line answers a 401/407. The
// line's SIP password is not copied here: recovery joins it back from `users`.
import type { Migration } from './index.ts';

export const resyncTargets: Migration = {
  version: 4,
  name: 'resync targets: NOTIFY details, cancellation',
  up: `
    ALTER TABLE resync_jobs ADD COLUMN cancelled_at TEXT;
    ALTER TABLE resync_targets ADD COLUMN target_port INTEGER;
    ALTER TABLE resync_targets ADD COLUMN event TEXT;
    ALTER TABLE resync_targets ADD COLUMN request_uri TEXT;
    ALTER TABLE resync_targets ADD COLUMN from_domain TEXT;
    ALTER TABLE resync_targets ADD COLUMN user_number TEXT;
    CREATE INDEX resync_jobs_tenant ON resync_jobs(tenant_id, created_at);
  `,
};
