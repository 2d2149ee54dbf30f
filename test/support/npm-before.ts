/**
 * The date as of which npm resolves the dependencies of the repos that the tests generate and
 * install (npm's `before` setting), unless `npm_config_before` is already set.
 *
 * Why: the npm registry that CI reaches is a partial mirror. It can serve a version of a
 * package without the versions that its own dependencies ask for. On 2026-11-27 it
 * served @aws-sdk/credential-provider-ini 3.973.32 (published 2026-11-24), but not
 * @aws-sdk/credential-provider-env ^3.972.86, which that version requires, so every fresh
 * `npm install` of the AWS SDK failed with ETARGET. This does not change the generated
 * package.json: it only chooses which published versions the tests install.
 *
 * Move it forward when a generated dependency needs a newer version: npm then fails with
 * "No matching version found for <package> with a date before <date>".
 */
export const NPM_BEFORE = '2026-11-24T00:00:00Z';

/** The environment the vitest configs give the tests. */
export const testEnvironment = { npm_config_before: process.env.npm_config_before ?? NPM_BEFORE };
