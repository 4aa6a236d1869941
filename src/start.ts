/**
 * V8 flags the tool wants from the first instruction of the process. check makes garbage at
 * thousands of requests a second (node:http's request and response objects), and V8 answers
 * that rate by growing its young generation to ~100 MB; --optimize-for-size keeps that to a few
 * MB at no measurable cost at a store's request rates (bench row 4b). Node documents changing
 * V8 flags after start-up as unpredictable, so the entry points re-execute themselves with the
 * flags instead: process.execve replaces the process image (same pid, stdio, environment and
 * signals, nothing to forward). Where it is missing, the tool runs as it is, only larger.
 */
export const V8_FLAGS = ['--optimize-for-size'] as const;

export function startWithV8Flags(flags: readonly string[] = V8_FLAGS): void {
  const missing = flags.filter((f) => !process.execArgv.includes(f));
  if (missing.length === 0 || typeof process.execve !== 'function') return;
  try {
    process.execve(process.execPath, [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)], process.env);
  } catch {
    // Could not re-execute (a sandbox without execve): go on without the flags.
  }
}
