/**
 * The options that fit the way platform teams own roles, accounts and keys (issue 19): each
 * rendered into every file that depends on it, and nowhere else.
 */
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { RenderedFile } from '../../../src/render/rendered-file';
import { renderFiles } from '../../support/render';

type Template = { Resources: Record<string, { Type: string; DependsOn?: string | string[]; Properties: Record<string, unknown> }>; Outputs: Record<string, unknown> };

function content(files: Map<string, RenderedFile>, path: string): string {
  const file = files.get(path);
  if (!file) throw new Error(`no ${path} among ${[...files.keys()].join(', ')}`);
  return file.content;
}

function template(files: Map<string, RenderedFile>, path = 'cloudformation/keyless-build.yaml'): Template {
  return parseYaml(content(files, path)) as Template;
}

function roles(t: Template) {
  return Object.values(t.Resources).filter((resource) => resource.Type === 'AWS::IAM::Role');
}

describe('permissionsBoundary', () => {
  const boundary = 'arn:aws:iam::111111111111:policy/ci-boundary';

  it('is set on every role the template creates, and named in the README', () => {
    const files = renderFiles({ permissionsBoundary: boundary });
    const created = roles(template(files));
    expect(created.length).toBe(2);
    for (const role of created) expect(role.Properties.PermissionsBoundary).toBe(boundary);
    expect(content(files, 'README.md')).toContain(`permissions boundary \`${boundary}\``);
  });

  it('an AWS managed policy is accepted as a boundary', () => {
    const managed = 'arn:aws:iam::aws:policy/PowerUserAccess';
    for (const role of roles(template(renderFiles({ permissionsBoundary: managed })))) expect(role.Properties.PermissionsBoundary).toBe(managed);
  });

  it('without a template, the README tells to create the roles with it', () => {
    const readme = content(renderFiles({ permissionsBoundary: boundary, cloudformation: false }), 'README.md');
    expect(readme).toContain(`--permissions-boundary ${boundary}`);
  });

  it('without it, no role has a boundary', () => {
    for (const role of roles(template(renderFiles()))) expect(role.Properties).not.toHaveProperty('PermissionsBoundary');
  });
});
