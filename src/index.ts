/**
 * The public API of create-keyless-build, for tools that render or check keyless-build repos
 * themselves. The projen component is at `create-keyless-build/projen` (it loads projen, which
 * this entry does not).
 *
 * - resolveConfig(options): applies the defaults and checks every rule; throws ConfigError
 *   listing each broken rule with its fix.
 * - renderRepository(config, options): every file of a generated repo, in memory.
 * - verifyFiles(files): the offline rules of `keyless-build verify` over a map of files.
 */
export { resolveConfig, type KeylessBuildConfig, type KeylessBuildOptions } from './core/config';
export { ConfigError, type ConfigIssue } from './core/config-error';
export { renderRepository } from './render/repository';
export type { FileOwner, RenderedFile, RenderOptions } from './render/rendered-file';
export { RULES, type Finding, type RuleId, type VerifyOptions } from './verify/rules';
export { verifyFiles } from './verify/verify-files';
