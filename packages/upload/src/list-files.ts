import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

import { SettingError } from './setting-error.js';

export interface LocalFile {
  /** Path to read from (symlinks resolved). */
  absolutePath: string;
  /** Path relative to the upload directory, '/'-separated: the key suffix. */
  relativePath: string;
  size: number;
}

/** A file left out, and why. */
export interface SkippedFile {
  relativePath: string;
  reason: string;
}

/**
 * The regular files under `dir`, sorted so that logs and the manifest are stable
 * from build to build. A directory that is missing, empty or unreadable, or a
 * symlink loop, is a SettingError naming `label` (the option or variable that gave `dir`).
 */
export async function listFiles(dir: string, label: string): Promise<{ files: LocalFile[]; skipped: SkippedFile[] }> {
  const setting = `${label}="${dir}"`;
  const absolute = path.resolve(dir);
  const info = await stat(absolute).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ELOOP') {
      throw new SettingError(`${setting} is a symlink loop (${absolute}): point ${label} at the directory itself.`);
    }
    throw new SettingError(`${setting} does not exist (resolved to ${absolute}): create it, or set ${label} to the directory to upload.`);
  });
  if (!info.isDirectory()) {
    throw new SettingError(`${setting} is not a directory: set ${label} to the directory to upload.`);
  }
  // The real path, so that symlink targets can be checked against it.
  const root = await realpath(absolute);
  const files: LocalFile[] = [];
  const skipped: SkippedFile[] = [];

  const walk = async (current: string, relativeDir: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch (error) {
      throw new SettingError(
        `${setting}: cannot read ${current} (${(error as NodeJS.ErrnoException).code}): make it readable by the user that runs the upload, or remove it.`,
      );
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const entryPath = path.join(current, entry.name);
      const relativePath = relativeDir + entry.name;
      if (entry.isDirectory()) {
        await walk(entryPath, `${relativePath}/`);
      } else if (entry.isSymbolicLink()) {
        const target = await symlinkTarget(root, entryPath, setting);
        if (typeof target === 'string') {
          files.push({ absolutePath: target, relativePath, size: (await stat(target)).size });
        } else if (target) {
          skipped.push({ relativePath, reason: target.reason });
        }
      } else if (entry.isFile()) {
        files.push({ absolutePath: entryPath, relativePath, size: (await stat(entryPath)).size });
      } else {
        // A FIFO or socket would block the read forever.
        skipped.push({ relativePath, reason: 'not a regular file' });
      }
    }
  };
  await walk(root, '');
  if (files.length === 0) {
    throw new SettingError(
      `${setting} contains no files: build the site into it before this step, or point ${label} at the output directory.`,
    );
  }
  return { files, skipped };
}

/**
 * A symlink is uploaded as the file it points to, but only when that file is
 * inside the upload directory: following links out of it could publish anything
 * in the build context. Links to directories are not followed (their target,
 * being inside, is walked anyway), which also rules out walking in circles.
 * Returns the target, a reason to skip, or undefined for a directory.
 */
async function symlinkTarget(root: string, link: string, setting: string): Promise<string | { reason: string } | undefined> {
  let target: string;
  try {
    target = await realpath(link);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') {
      throw new SettingError(`${setting}: ${link} is a symlink loop: remove it, or point it at a file.`);
    }
    return { reason: 'broken symlink' };
  }
  if (target !== root && !target.startsWith(root + path.sep)) {
    return { reason: 'symlink points outside the upload directory' };
  }
  return (await stat(target)).isDirectory() ? undefined : target;
}
