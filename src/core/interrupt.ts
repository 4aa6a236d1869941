/** The part of `process` that signal handling needs: a test passes an EventEmitter. */
export interface SignalSource {
  on(event: 'SIGINT' | 'SIGTERM', fn: (sig: NodeJS.Signals) => void): unknown;
  off(event: 'SIGINT' | 'SIGTERM', fn: (sig: NodeJS.Signals) => void): unknown;
  exit(code: number): never | void;
}

/**
 * Ctrl-C, or SIGINT/SIGTERM from a cancelled job, asks the run to stop cleanly: the batch or
 * requests in flight finish and are recorded, so a rerun neither loses nor repeats them. A
 * second signal quits at once.
 */
export function interruptSignal(say: (msg: string) => void, proc: SignalSource = process): { signal: AbortSignal; dispose(): void } {
  const ctl = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (ctl.signal.aborted) {
      proc.exit(130);
      return;
    }
    say(`${sig}: stopping after the work in flight; send it again to quit now`);
    ctl.abort();
  };
  proc.on('SIGINT', onSignal);
  proc.on('SIGTERM', onSignal);
  return {
    signal: ctl.signal,
    dispose() {
      proc.off('SIGINT', onSignal);
      proc.off('SIGTERM', onSignal);
    },
  };
}
