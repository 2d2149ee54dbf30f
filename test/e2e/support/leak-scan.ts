/**
 * Searches a saved image (every file of the archive, every file of every layer, the config and
 * its history) and a directory for given secret strings.
 */
import { lstatSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { run } from '../../support/moto';
import { podman } from './podman';

export interface Finding {
  secret: string;
  where: string;
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

function scanBytes(data: Buffer, secrets: Record<string, string>, where: string): Finding[] {
  return Object.entries(secrets)
    .filter(([, value]) => data.includes(value))
    .map(([secret]) => ({ secret, where }));
}

/** Every regular file below `dir` (symlinks are not followed), plus file names. */
export function scanDirectory(dir: string, secrets: Record<string, string>, label = dir): Finding[] {
  const findings: Finding[] = [];
  for (const file of walkFiles(dir)) {
    const name = relative(dir, file);
    findings.push(...scanBytes(Buffer.from(name), secrets, `${label}: name ${name}`));
    if (lstatSync(file).isFile()) findings.push(...scanBytes(readFileSync(file), secrets, `${label}/${name}`));
  }
  return findings;
}

export interface ImageScan {
  findings: Finding[];
  /** Counts, so a test can show the scan looked at something. */
  layers: number;
  files: number;
  historyEntries: number;
  /** Where the layers were unpacked, for reading files of the image (e.g. the upload manifest). */
  layerDirs: string[];
}

/** `podman save` as a docker-archive into `work`, unpacked down to every layer's files. */
export async function scanImage(image: string, work: string, secrets: Record<string, string>): Promise<ImageScan> {
  const archive = join(work, 'image.tar');
  const unpacked = join(work, 'archive');
  mkdirSync(unpacked, { recursive: true });
  await podman(['save', '--format', 'docker-archive', '-o', archive, image]);
  const findings = scanBytes(readFileSync(archive), secrets, 'the saved archive');
  await mustTar(['-xf', archive, '-C', unpacked]);

  const manifest = JSON.parse(readFileSync(join(unpacked, 'manifest.json'), 'utf8')) as { Config: string; Layers: string[] }[];
  if (manifest.length !== 1) throw new Error(`expected one image in the archive, found ${manifest.length}`);
  const { Config: configFile, Layers: layers } = manifest[0]!;
  const config = JSON.parse(readFileSync(join(unpacked, configFile), 'utf8')) as { history?: { created_by?: string; comment?: string }[] };
  const history = config.history ?? [];
  history.forEach((entry, index) => {
    findings.push(...scanBytes(Buffer.from(JSON.stringify(entry)), secrets, `history entry ${index}: ${entry.created_by ?? ''}`));
  });

  let files = 0;
  for (const file of walkFiles(unpacked)) {
    files++;
    findings.push(...scanBytes(readFileSync(file), secrets, `archive member ${relative(unpacked, file)}`));
  }
  const layerDirs: string[] = [];
  for (const [index, layer] of layers.entries()) {
    const dir = join(work, `layer-${index}`);
    mkdirSync(dir);
    await mustTar(['-xf', join(unpacked, layer), '-C', dir, '--no-same-owner', '--no-same-permissions']);
    const layerFindings = scanDirectory(dir, secrets, `layer ${index}`);
    files += walkFiles(dir).length;
    findings.push(...layerFindings);
    layerDirs.push(dir);
  }
  return { findings, layers: layers.length, files, historyEntries: history.length, layerDirs };
}

async function mustTar(args: string[]): Promise<void> {
  const result = await run('tar', args, { timeoutMs: 300_000 });
  if (result.code !== 0) throw new Error(`tar ${args.join(' ')} exited ${result.code}:\n${result.stderr}`);
}
