// Job summary counts, shared by the in-memory store and any other ResyncJobStore.
import { RESYNC_STATES } from './types.ts';
import type { ResyncJob, ResyncJobSummary, ResyncState } from './types.ts';

export function summarizeJob(job: ResyncJob, states: Iterable<ResyncState>): ResyncJobSummary {
  const counts = Object.fromEntries(RESYNC_STATES.map((s) => [s, 0])) as Record<ResyncState, number>;
  let total = 0;
  for (const s of states) {
    counts[s]++;
    total++;
  }
  return { ...job, total, counts, finished: counts.queued === 0 && counts.sent === 0 };
}
