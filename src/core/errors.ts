/**
 * Two kinds of failure, mapped to the contract's exit codes by the adapters:
 * UsageError (exit 2) is raised before anything is sent or written;
 * RunError (exit 1) means the run started and stopped, keeping partial results.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

export class RunError extends Error {
  override name = 'RunError';
}

/** Exit code for an error thrown out of a mode. */
export function exitCodeFor(err: unknown): 1 | 2 {
  return err instanceof UsageError ? 2 : 1;
}

/** One line, no stack: what an operator reads. */
export function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/\s*\n\s*/g, ' ').trim();
}
