import cliProgress from 'cli-progress';
import { periodicProgress, type Reporter } from '../core/progress.ts';

/** A bar on a terminal, a line every few seconds otherwise (CI logs, pipes). Both on stderr. */
export function cliReporter(stream: NodeJS.WriteStream = process.stderr, quiet = false): Reporter {
  const info = (msg: string) => {
    if (!quiet) stream.write(msg + '\n');
  };
  const warn = (msg: string) => stream.write(`warning: ${msg}\n`);
  if (quiet) return { info, warn, start: () => ({ update() {}, stop() {} }) };
  if (!stream.isTTY) return { info, warn, ...periodicProgress(info, 5000) };
  return {
    info,
    warn,
    start(label, total) {
      const bar = new cliProgress.SingleBar(
        {
          stream,
          format: `${label} [{bar}] {percentage}% {value}/{total} {extra} eta {eta_formatted}`,
          etaBuffer: 200,
          fps: 5,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0, { extra: '' });
      return {
        update(done, counts) {
          bar.update(done, { extra: counts ? Object.entries(counts).map(([k, v]) => `${k}=${v}`).join(' ') : '' });
        },
        stop() {
          bar.stop();
        },
      };
    },
  };
}
