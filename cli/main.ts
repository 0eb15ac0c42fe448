// Entry point of the `netns-dbg` command (bundled to dist/cli.js, package.json `bin`): hands the
// arguments and the process's IO to run() and exits with its status. Nothing else lives here.
import { nodeIo } from './io';
import { run } from './run';

process.exitCode = run(process.argv.slice(2), nodeIo());
