/** Base images on a supported Node.js release. */
import type { Repository } from './parsed-repository';
import type { Report } from './rules';
import { unquote } from './workflow-reader';

/** Node.js release lines and their end of life, from the Node.js Release working group's schedule. */
export const NODE_END_OF_LIFE: Readonly<Record<number, string>> = {
  18: '2025-04-30',
  19: '2023-06-01',
  20: '2026-04-30',
  21: '2024-06-01',
  22: '2027-04-30',
  23: '2025-06-01',
  24: '2028-04-30',
  25: '2026-06-01',
};

export function checkBaseImages({ dockerfiles, today }: Repository, report: Report): void {
  for (const dockerfile of dockerfiles) {
    const args: Record<string, string> = {};
    /** Where each ARG default is written: the line to edit when FROM takes the image from it. */
    const argLines: Record<string, number> = {};
    const reported = new Set<number>();
    const stages = new Set<string>();
    for (const instruction of dockerfile.instructions) {
      if (instruction.keyword === 'ARG' && stages.size === 0) {
        for (const match of instruction.args.matchAll(/([A-Za-z_]\w*)=("[^"]*"|\S*)/g)) {
          args[match[1]!] = unquote(match[2]!);
          argLines[match[1]!] = instruction.line;
        }
      }
      if (instruction.keyword !== 'FROM') continue;
      const [imageWord, , stage] = instruction.args.trim().split(/\s+/);
      if (stage) stages.add(stage.toLowerCase());
      const image = (imageWord ?? '').replace(/\$\{([A-Za-z_]\w*)(?::-([^}]*))?\}|\$([A-Za-z_]\w*)/g, (_, braced?: string, fallback?: string, bare?: string) => args[braced ?? bare!] ?? fallback ?? '');
      if (stages.has(image.toLowerCase()) && image !== imageWord) continue;
      // The official image, also behind a registry or mirror prefix (public.ecr.aws/docker/library/node, mirror.gcr.io/library/node).
      const node = /^(?:[\w.-]+(?::\d+)?\/)*node:(\d+)/.exec(image);
      if (!node) continue;
      const major = Number(node[1]);
      const endOfLife = NODE_END_OF_LIFE[major] ?? (major < 18 ? 'before 2025' : undefined);
      const fromArg = /\$\{?([A-Za-z_]\w*)/.exec(imageWord ?? '')?.[1];
      const line = fromArg && args[fromArg] !== undefined ? argLines[fromArg]! : instruction.line;
      if (endOfLife && (major < 18 || new Date(`${endOfLife}T00:00:00Z`) <= today) && !reported.has(line)) {
        reported.add(line);
        report(dockerfile.path, line, 'base-image-end-of-life', `${image} is Node.js ${major}, end of life since ${endOfLife}: no more security fixes`, 'use a supported release line (see https://github.com/nodejs/Release), e.g. node:24-slim or newer');
      }
    }
  }
}
