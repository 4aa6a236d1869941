/**
 * How every mode reports: a log for events worth a line, and progress for long loops.
 * The CLI draws progress as a bar on a TTY; elsewhere (CI, the action) it becomes a line
 * every few seconds, never a line per id.
 */
export interface Log {
  info(msg: string): void;
  warn(msg: string): void;
}

export interface Progress {
  /** Starts a task of `total` units; `counts` are shown beside the bar (haves, havenots...). */
  start(label: string, total: number): ProgressTask;
}

export interface ProgressTask {
  update(done: number, counts?: Record<string, number>): void;
  stop(): void;
}

export interface Reporter extends Log, Progress {}

export const silentReporter: Reporter = {
  info() {},
  warn() {},
  start: () => ({ update() {}, stop() {} }),
};

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** Progress as periodic log lines with rate and ETA, for logs that are not terminals. */
export function periodicProgress(print: (line: string) => void, everyMs = 5000, now = () => Date.now()): Progress {
  return {
    start(label, total) {
      const t0 = now();
      let last = t0;
      let done = 0;
      let counts: Record<string, number> | undefined;
      const line = () => {
        const elapsed = now() - t0;
        const rate = elapsed > 0 ? (done * 1000) / elapsed : 0;
        const eta = rate > 0 && total > done ? ` eta ${formatDuration(((total - done) / rate) * 1000)}` : '';
        const extra = counts ? ' ' + Object.entries(counts).map(([k, v]) => `${k}=${v}`).join(' ') : '';
        const pct = total > 0 ? ` (${Math.floor((done * 100) / total)}%)` : '';
        print(`${label}: ${done}/${total}${pct}${extra} ${Math.round(rate)}/s${eta}`);
      };
      return {
        update(d, c) {
          done = d;
          counts = c;
          const t = now();
          if (t - last >= everyMs) {
            last = t;
            line();
          }
        },
        stop() {
          line();
        },
      };
    },
  };
}
