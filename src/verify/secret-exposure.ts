/**
 * A secret that leaves its mount. BuildKit mounts a secret on tmpfs for one RUN and keeps it
 * out of the layer (https://docs.docker.com/build/building/secrets/); whatever that RUN copies
 * out of the mount (a file, a git or npm configuration, a URL git stores) is written into the
 * layer, and anyone who pulls the image, or the build cache, reads it.
 */
import { mountOptions } from './dockerfile-reader';
import { lineInInstruction, type Repository } from './parsed-repository';
import type { Report } from './rules';
import { commandSegments, secretMounts, type SecretMount } from './secrets';
import { unquote } from './workflow-reader';

interface Leak {
  /** What the secret is copied into, as the message says it. */
  readonly into: string;
  /** A text of the line to point at. */
  readonly needle: string;
  /** The file written, when it is one (a later `rm` of it in the same RUN keeps it out of the layer). */
  readonly path?: string;
}

/** Commands whose output is what they were given: redirected, the secret lands in the file. */
const SECRET_WRITERS = /^(?:cat|echo|printf|base64|jq|sed|awk|tr|cut|head|tail|envsubst)\b/;

/** Commands that store what they are given in a file of the image. */
const PERSISTING_COMMANDS: readonly [RegExp, string][] = [
  [/\bgit\s+(?:-C\s+\S+\s+)?config\b(?![^|]*\s--file[=\s]+\/dev\/)/, "git's configuration (~/.gitconfig or .git/config)"],
  [/\bgit\s+(?:clone|remote\s+(?:add|set-url))\b/, 'the clone\'s .git/config (git keeps the URL, token included)'],
  [/\b(?:npm|pnpm|yarn)\s+config\s+set\b/, 'the package manager\'s configuration (~/.npmrc, ~/.yarnrc)'],
  [/\baws\s+configure\s+set\b/, 'the AWS CLI\'s files (~/.aws/credentials)'],
  [/\bpip\s+config\s+set\b/, "pip's configuration (pip.conf)"],
];

export function checkSecretExposure({ dockerfiles }: Repository, report: Report): void {
  for (const mount of secretMounts(dockerfiles)) {
    for (const leak of leaks(mount)) {
      const line = lineInInstruction(mount.dockerfile, mount.instruction, leak.needle);
      report(mount.file, line, 'secret-leaves-mount', `the secret "${mount.id}" is copied out of its mount into ${leak.into}: that is written into the image layer (and the build cache), where anyone who pulls the image can read it`, 'use the secret where it is mounted (point the tool at the mount: e.g. AWS_SHARED_CREDENTIALS_FILE, NPM_CONFIG_USERCONFIG, GIT_CONFIG_GLOBAL, or a credential helper that reads the mounted file), or remove the copy in the same RUN (&& rm -f FILE) before the layer is written');
    }
  }
}

function leaks(mount: SecretMount): Leak[] {
  const script = mount.instruction.args;
  const places = [mount.target, ...(mount.env ? [`$${mount.env}`, `\${${mount.env}}`] : [])].filter(Boolean);
  const segments = commandSegments(script);
  const found: Leak[] = [];
  segments.forEach((segment, index) => {
    if (!places.some((place) => segment.includes(place))) return;
    const later = segments.slice(index + 1);
    for (const leak of segmentLeaks(segment, places)) {
      if (leak.path && (removedLater(later, leak.path) || onTmpfs(mount, leak.path))) continue;
      found.push(leak);
    }
  });
  return found;
}

function segmentLeaks(segment: string, places: readonly string[]): Leak[] {
  const found: Leak[] = [];
  const writesSecret = SECRET_WRITERS.test(segment.replace(/^(?:\s*[A-Za-z_]\w*=("[^"]*"|\S*))+\s*/, ''));
  for (const match of writesSecret ? segment.matchAll(/(?<![<&\d])>>?(?![&>])\s*("[^"]+"|'[^']+'|[^\s;|&)]+)|\btee\s+(?:-a\s+)?("[^"]+"|'[^']+'|[^\s;|&)]+)/g) : []) {
    const path = unquote(match[1] ?? match[2]!);
    if (!path.startsWith('/dev/')) found.push({ into: `the file ${path}`, needle: match[0].trim(), path });
  }
  const copy = /^\s*(?:sudo\s+)?(cp|mv|install)\s+(.*)$/.exec(segment);
  if (copy) {
    const operands = copy[2]!.split(/\s+/).filter((word) => word && !word.startsWith('-')).map(unquote);
    const destination = operands.at(-1);
    if (destination && operands.length >= 2 && places.some((place) => operands.slice(0, -1).some((o) => o.includes(place)))) {
      found.push({ into: `the file ${destination}`, needle: copy[1]!, path: destination });
    }
  }
  for (const [command, into] of PERSISTING_COMMANDS) {
    const match = command.exec(segment);
    if (match) found.push({ into, needle: match[0] });
  }
  return found;
}

/** Whether a later command of the same RUN removes the file (or a directory holding it). */
function removedLater(segments: readonly string[], path: string): boolean {
  return segments.some((segment) => {
    const rm = /^\s*(?:sudo\s+)?(?:rm|shred)\s+(.*)$/.exec(segment);
    if (!rm) return false;
    return rm[1]!.split(/\s+/).map(unquote).filter((word) => word && !word.startsWith('-')).some((operand) => path === operand || path.startsWith(`${operand.replace(/\/+$/, '')}/`));
  });
}

/** Whether the file is on a tmpfs mounted for the same RUN, which no layer keeps. */
function onTmpfs(mount: SecretMount, path: string): boolean {
  return mount.instruction.flags.some((flag) => {
    if (flag.name !== 'mount') return false;
    const options = mountOptions(flag.value);
    const target = options.target ?? options.dst ?? options.destination;
    return options.type === 'tmpfs' && target !== undefined && path.startsWith(`${target.replace(/\/+$/, '')}/`);
  });
}
