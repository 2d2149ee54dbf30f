import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

export interface FileToWrite {
  readonly path: string;
  readonly content: string;
  /** Read-only, as projen leaves the files it manages. */
  readonly readonly?: boolean;
}

/** True when the directory is missing or holds nothing but a `.git` folder. */
export function isEmptyDirectory(dir: string): boolean {
  if (!existsSync(dir)) return true;
  return readdirSync(dir).every((name) => name === '.git');
}

/**
 * Writes every file or none: all files go into a staging folder beside the target first,
 * which is then renamed into place. An existing folder is kept (it may be someone's working
 * directory): the staged files are moved into it one by one, only after all were staged.
 * A failure removes the staging folder.
 */
export function writeFilesAtomically(targetDir: string, files: readonly FileToWrite[]): void {
  const target = resolve(targetDir);
  for (const file of files) {
    const full = resolve(target, file.path);
    if (!full.startsWith(target + '/')) throw new Error(`refusing to write outside ${target}: ${file.path}`);
  }
  mkdirSync(dirname(target), { recursive: true });
  const staging = mkdtempSync(join(dirname(target), `.${basename(target)}.staging-`));
  try {
    // mkdtemp creates 0700; the repo folder gets the usual mode.
    chmodSync(staging, 0o755);
    for (const file of files) {
      const full = join(staging, file.path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, file.content);
      if (file.readonly) chmodSync(full, 0o444);
    }
    if (!existsSync(target)) {
      renameSync(staging, target);
      return;
    }
    for (const file of files) {
      const destination = join(target, file.path);
      mkdirSync(dirname(destination), { recursive: true });
      // A read-only file from an earlier run would block the rename on some systems.
      if (existsSync(destination)) rmSync(destination, { force: true });
      renameSync(join(staging, file.path), destination);
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
