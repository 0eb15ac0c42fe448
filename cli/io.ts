// The CLI's contact with the outside world: reading and writing files, stdin, stdout, stderr.
// Everything else in cli/ goes through an Io, so all IO of the project's command line lives here
// (core/ does none). It owns no command logic.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Reads a file, or stdin for `-`. Throws FileError with a user-facing message. */
  read(file: string): string;
  write(file: string, text: string, executable?: boolean): void;
  /** Whether stdout is a terminal (colour and such). */
  isTty: boolean;
}

export class FileError extends Error {}

function describeFsError(file: string, e: unknown, verb: string): FileError {
  const code = (e as NodeJS.ErrnoException)?.code;
  const why =
    code === 'ENOENT' ? 'No such file or directory'
    : code === 'EISDIR' ? 'Is a directory'
    : code === 'EACCES' || code === 'EPERM' ? 'Permission denied'
    : (e as Error)?.message ?? String(e);
  return new FileError(`cannot ${verb} '${file}': ${why}`);
}

export function nodeIo(): Io {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    read(file) {
      try {
        return fs.readFileSync(file === '-' ? 0 : file, 'utf8');
      } catch (e) {
        throw describeFsError(file === '-' ? '<stdin>' : file, e, 'read');
      }
    },
    write(file, text, executable) {
      try {
        fs.writeFileSync(file, text);
        if (executable) fs.chmodSync(file, 0o755);
      } catch (e) {
        throw describeFsError(file, e, 'write');
      }
    },
    isTty: !!process.stdout.isTTY,
  };
}

/** The package version, from the package.json above this file (dist/ or out/cli/). */
export function packageVersion(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    const p = path.join(dir, 'package.json');
    try {
      const pkg = JSON.parse(fs.readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'netns-debugger' && pkg.version) return pkg.version;
    } catch {
      // not here: look one level up
    }
    dir = path.dirname(dir);
  }
  return 'unknown';
}
