// Golden files are rewritten only on a workstation (`UPDATE_GOLDEN=1`); under CI the request is
// refused, so a golden test can never pass by rewriting what it compares against.
export function updatingGolden(env: NodeJS.ProcessEnv = process.env): boolean {
  if (!env.UPDATE_GOLDEN) return false;
  if (env.CI) throw new Error('UPDATE_GOLDEN is refused under CI: golden files are compared in CI, never rewritten');
  return env.UPDATE_GOLDEN === '1';
}
