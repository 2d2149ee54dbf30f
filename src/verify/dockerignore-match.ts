/**
 * Whether a path is excluded from a Docker build context by `.dockerignore` patterns, with
 * Docker's rules: patterns are relative to the context root, `*` and `?` stay within a path
 * segment, `**` spans any number of segments, a pattern that matches a directory excludes
 * everything below it, `!` re-includes, and the last matching pattern wins.
 */
export function isDockerignored(patternsText: string, path: string): boolean {
  const target = path.replace(/^\.?\/+/, '');
  let excluded = false;
  for (const raw of patternsText.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    const pattern = clean(negated ? line.slice(1).trim() : line);
    if (pattern === '') continue;
    if (matchesSelfOrParent(pattern, target)) excluded = !negated;
  }
  return excluded;
}

function clean(pattern: string): string {
  return pattern.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\/\.\//g, '/').replace(/^\.\//, '');
}

function matchesSelfOrParent(pattern: string, path: string): boolean {
  const regex = toRegExp(pattern);
  const segments = path.split('/');
  for (let length = segments.length; length > 0; length--) {
    if (regex.test(segments.slice(0, length).join('/'))) return true;
  }
  return false;
}

function toRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '*' && pattern[i + 1] === '*') {
      // `**/` matches zero or more directories; a trailing `**` matches everything.
      if (pattern[i + 2] === '/') {
        source += '(?:.*/)?';
        i += 2;
      } else {
        source += '.*';
        i += 1;
      }
    } else if (char === '*') {
      source += '[^/]*';
    } else if (char === '?') {
      source += '[^/]';
    } else if (char === '[') {
      const close = pattern.indexOf(']', i);
      if (close < 0) {
        source += '\\[';
      } else {
        source += `[${pattern.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else {
      source += char.replace(/[.+^${}()|\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}
