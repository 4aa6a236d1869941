/**
 * Ctrl-C, or SIGINT/SIGTERM from a cancelled job, asks the run to stop cleanly: the batch or
 * requests in flight finish and are recorded, so a rerun neither loses nor repeats them. A
 * second signal quits at once.
 */
export function interruptSignal(say: (msg: string) => void): { signal: AbortSignal; dispose(): void } {
  const ctl = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (ctl.signal.aborted) process.exit(130);
    say(`${sig}: stopping after the work in flight; send it again to quit now`);
    ctl.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: ctl.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
