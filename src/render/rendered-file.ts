/**
 * managed: derived from the parameters, rewritten by `npx projen`.
 * sample: written once, then the user's; reads what it needs at run time.
 */
export type FileOwner = 'managed' | 'sample';

/** One file of a generated repo. */
export interface RenderedFile {
  readonly path: string;
  readonly content: string;
  readonly owner: FileOwner;
}

export interface RenderOptions {
  /** Comment line marking managed files as generated (projen's marker in a projen repo). */
  readonly marker?: string;
  /** Whether the repo is projen-managed: then projen owns package.json and tsconfig.json. */
  readonly projen: boolean;
  /** This package's version, quoted in the generated README. */
  readonly version: string;
}
