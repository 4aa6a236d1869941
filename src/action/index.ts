import { startWithV8Flags } from '../start.ts';

// The flags first, then the action: main is imported only in the process that runs it.
startWithV8Flags();
const { run } = await import('./main.ts');
await run();
