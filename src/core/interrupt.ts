/** The part of `process` that signal handling needs: a test passes an EventEmitter. */
export interface SignalSource {
  on(event: 'SIGINT' | 'SIGTERM', fn: (sig: NodeJS.Signals) => void): unknown;
  off(event: 'SIGINT' | 'SIGTERM', fn: (sig: NodeJS.Signals) => void): unknown;
  exit(code: number): never | void;
}

/**
 * Ctrl-C, or SIGINT/SIGTERM from a cancelled job, asks the run to stop cleanly: the batch or
 * requests in flight finish and are recorded, so a rerun neither loses nor repeats them. At a
 * terminal a second signal quits at once; a cancelled job (`second: 'ignore'`) gets SIGTERM
 * 7.5 s after SIGINT, and quitting then would lose the ledger upload in progress, so it goes on
 * until the runner's kill 2.5 s later.
 */
export function interruptSignal(
  say: (msg: string) => void,
  proc: SignalSource = process,
  opts: { second?: 'exit' | 'ignore' } = {},
): { signal: AbortSignal; dispose(): void } {
  const ctl = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (ctl.signal.aborted) {
      if ((opts.second ?? 'exit') === 'exit') proc.exit(130);
      else say(`${sig}: still saving what was done`);
      return;
    }
    say(opts.second === 'ignore' ? `${sig}: stopping; saving what was done` : `${sig}: stopping after the work in flight; send it again to quit now`);
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
