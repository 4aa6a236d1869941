#!/usr/bin/env node
import { startWithV8Flags } from '../start.ts';

// The flags first, then the tool: main is imported only in the process that runs it.
startWithV8Flags();
// `socorro-reprocess --help | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
