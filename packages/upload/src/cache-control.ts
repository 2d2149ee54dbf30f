import path from 'node:path';

/** Sets Cache-Control for the files whose path (relative to the upload directory, '/'-separated) matches `test`. */
export interface CacheControlRule {
  test: RegExp | ((relativePath: string) => boolean);
  cacheControl: string;
}

/**
 * A name such as `app.3f2a9c1b.js` or `chunk-0d4e5f6a7b.css` changes whenever
 * its content does, so it can be cached forever. The hash must contain a
 * letter: a digits-only segment is more often a date or a version
 * (`report-20240131.pdf`), and caching that for a year would be the costly mistake.
 */
const CONTENT_HASH = /[.-](?=[0-9a-f]*[a-f])[0-9a-f]{8,}\./i;

/** Tried after the user's rules; the first match wins. */
export const DEFAULT_CACHE_CONTROL: readonly CacheControlRule[] = [
  // Pages name the hashed assets; browsers must always revalidate them.
  { test: /\.html?$/i, cacheControl: 'no-cache' },
  { test: (file) => CONTENT_HASH.test(path.posix.basename(file)), cacheControl: 'public, max-age=31536000, immutable' },
  { test: () => true, cacheControl: 'public, max-age=300' },
];

/** The Cache-Control of `relativePath`: the user's rules first, then the defaults. */
export function cacheControlFor(relativePath: string, rules: readonly CacheControlRule[]): string {
  const matches = ({ test }: CacheControlRule): boolean => (test instanceof RegExp ? test.test(relativePath) : test(relativePath));
  return (rules.find(matches) ?? DEFAULT_CACHE_CONTROL.find(matches))?.cacheControl ?? 'no-cache';
}
