/** Renders repos in memory for the tests: the seed parameters with overrides, as create would. */
import { resolveConfig, type KeylessBuildOptions } from '../../src/core/config';
import { PROJEN_FILE_MARKER } from '../../src/core/constants';
import type { RenderedFile } from '../../src/render/rendered-file';
import { renderRepository } from '../../src/render/repository';
import { SEED } from './parameter-sets';

/** Every file of the repo for the seed parameters with `overrides`, by path; projen-managed unless told. */
export function renderFiles(overrides: Partial<KeylessBuildOptions> = {}, projen = true): Map<string, RenderedFile> {
  const config = resolveConfig({ ...SEED, ...overrides });
  const files = renderRepository(config, { projen, marker: projen ? PROJEN_FILE_MARKER : undefined, version: '0.0.0-test' });
  return new Map(files.map((file) => [file.path, file]));
}

/** The same files as path -> content. */
export function renderContents(overrides: Partial<KeylessBuildOptions> = {}, projen = true): Map<string, string> {
  return new Map([...renderFiles(overrides, projen)].map(([path, file]) => [path, file.content]));
}

/** The paths of the managed files (what `npx projen` rewrites) for the seed parameters with `overrides`. */
export function managedPaths(overrides: Partial<KeylessBuildOptions> = {}): string[] {
  return [...renderFiles(overrides)].filter(([, file]) => file.owner === 'managed').map(([path]) => path);
}
