// How many CSV imports run at once in this server (API and cockpit): one per person, and a few in
// total (issue 12, finding 8: four 60 MB contacts imports in parallel took 2.8 GB). One limiter
// per installation, created by the composition root. `cadran import` runs in its own process.
import { DomainError } from '../domain/errors.ts';

export class ImportLimiter {
  readonly #running = new Map<string, number>();
  #total = 0;

  constructor(readonly o: { perPrincipal: number; total: number }) {}

  /** A slot for `who`, or 429; call the returned function when the import is over. */
  acquire(who: string): () => void {
    const mine = this.#running.get(who) ?? 0;
    if (mine >= this.o.perPrincipal) {
      throw new DomainError('too_many_requests', 'import.busy_yours');
    }
    if (this.#total >= this.o.total) {
      throw new DomainError('too_many_requests', 'import.busy_server', { count: this.#total });
    }
    this.#running.set(who, mine + 1);
    this.#total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#total--;
      const left = (this.#running.get(who) ?? 1) - 1;
      if (left > 0) this.#running.set(who, left);
      else this.#running.delete(who);
    };
  }

  get running(): number {
    return this.#total;
  }
}
