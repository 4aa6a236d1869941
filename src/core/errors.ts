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

/**
 * `text` with each secret replaced by [redacted]: servers (and proxies in front of them) have
 * been seen to quote a request's Authorization header back in an error page.
 */
export function redact(text: string, ...secrets: Array<string | undefined>): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 8) out = out.split(s).join('[redacted]');
  return out;
}
