/**
 * Searches what a pipeline leaves behind for given secret strings: every file below a folder
 * (the registry's storage, BuildKit's state, act's), gzip members unpacked first so that a
 * compressed layer is read as its files are, and a job log.
 */
import { lstatSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';

export interface Finding {
  secret: string;
  where: string;
}

export interface TreeScan {
  findings: Finding[];
  /** Counts, so a test can show the scan looked at something. */
  files: number;
  gzipMembers: number;
}

function walkFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...walkFiles(full));
    else if (entry.isFile()) files.push(full);
  }
  return files;
}

export function scanText(text: string | Buffer, secrets: Record<string, string>, where: string): Finding[] {
  return Object.entries(secrets)
    .filter(([, value]) => text.includes(value))
    .map(([secret]) => ({ secret, where }));
}

/** Every regular file below `dir` (symlinks are not followed) and its name; gzip files also unpacked. */
export function scanTree(dir: string, secrets: Record<string, string>, label = dir): TreeScan {
  const scan: TreeScan = { findings: [], files: 0, gzipMembers: 0 };
  for (const file of walkFiles(dir)) {
    const name = relative(dir, file);
    if (!lstatSync(file).isFile()) continue;
    scan.files++;
    scan.findings.push(...scanText(name, secrets, `${label}: name ${name}`));
    const data = readFileSync(file);
    scan.findings.push(...scanText(data, secrets, `${label}/${name}`));
    if (data[0] === 0x1f && data[1] === 0x8b) {
      scan.gzipMembers++;
      scan.findings.push(...scanText(gunzipSync(data), secrets, `${label}/${name} (unpacked)`));
    }
  }
  return scan;
}
