import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser, type Flag, type Run } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ACTIONS } from '../../../src/core/actions';
import { cloudFormationTemplate } from '../../../src/render/cloudformation';
import { resolveConfig, type KeylessBuildOptions } from '../../../src/core/config';
import { ENV, MANIFEST_FILE } from '@keyless-build/upload/settings';
import { PROJEN_FILE_MARKER, SECRET_ID, SECRET_TARGET, UPLOAD_STAGE, WORKFLOW_PATH } from '../../../src/core/constants';
import { iamDocuments } from '../../../src/render/iam';
import type { RenderedFile } from '../../../src/render/rendered-file';
import { SEED } from '../../support/parameter-sets';
import { renderFiles } from '../../support/render';


function content(files: Map<string, RenderedFile>, path: string): string {
  const file = files.get(path);
  if (!file) throw new Error(`no ${path} among ${[...files.keys()].join(', ')}`);
  return file.content;
}

type Step = { id?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string>; if?: string };
function workflow(files: Map<string, RenderedFile>) {
  return parseYaml(content(files, WORKFLOW_PATH)) as {
    on: Record<string, unknown>;
    permissions: Record<string, string>;
    jobs: { build: { permissions: Record<string, string>; environment?: string; steps: Step[] } };
  };
}

describe('snapshots of every file for the seed article\'s parameters', () => {
  const files = renderFiles();
  it.each([...files.keys()])('%s', async (path) => {
    await expect(content(files, path)).toMatchFileSnapshot(`__snapshots__/seed/${path}.snap`);
  });
  it('plain (--no-projen) package.json and tsconfig.json', async () => {
    const plain = renderFiles({}, false);
    await expect(content(plain, 'package.json')).toMatchFileSnapshot('__snapshots__/seed-plain/package.json.snap');
    await expect(content(plain, 'tsconfig.json')).toMatchFileSnapshot('__snapshots__/seed-plain/tsconfig.json.snap');
  });
});

const variants: [string, Partial<KeylessBuildOptions>][] = [
  ['seed', {}],
  ['prefix and environments', { prefix: 'site/v1', environments: ['production', 'staging'] }],
  ['China partition', { region: 'cn-north-1', bucket: 'cn-assets' }],
  ['GovCloud, several branches, tag pinning', { region: 'us-gov-west-1', branches: ['main', 'release/v2'], actionPinning: 'tag' }],
  ['immutable subjects, existing provider, bucket created', { ownerId: '42', repoId: '4242', oidcProvider: 'existing', createBucket: true, createEcrRepository: false }],
];

describe.each(variants)('%s', (_name, options) => {
  const files = renderFiles(options);
  const config = resolveConfig({ ...SEED, ...options });

  it('every YAML and JSON file parses', () => {
    for (const [path, file] of files) {
      if (path.endsWith('.json')) expect(() => JSON.parse(file.content), path).not.toThrow();
      if (path.endsWith('.yml') || path.endsWith('.yaml')) expect(() => parseYaml(file.content), path).not.toThrow();
    }
  });

  it('the workflow holds no ${{ }} inside a run: script', () => {
    for (const step of workflow(files).jobs.build.steps) {
      if (step.run) expect(step.run).not.toContain('${{');
    }
  });

  it('the workflow has least permissions and the OIDC chain in order', () => {
    const wf = workflow(files);
    expect(wf.permissions).toEqual({});
    expect(wf.jobs.build.permissions).toEqual({ 'id-token': 'write', 'contents': 'read' });
    const uses = wf.jobs.build.steps.map((s) => s.uses?.split('@')[0] ?? s.id ?? s.run?.slice(0, 10));
    expect(uses).toEqual([
      'actions/checkout',
      'aws-actions/configure-aws-credentials',
      'aws-actions/amazon-ecr-login',
      'upload-role',
      'docker/setup-buildx-action',
      'docker/build-push-action',
      'rm -rf -- ',
    ]);
    expect(wf.jobs.build.steps[0]!.with).toEqual({ 'persist-credentials': false });
    const cleanup = wf.jobs.build.steps.at(-1)!;
    expect(cleanup.if).toBe('always()');
  });

  it('pins every action as configured', () => {
    const pinned = workflow(files).jobs.build.steps.filter((s) => s.uses).map((s) => s.uses!);
    for (const uses of pinned) {
      const [repository, ref] = uses.split('@') as [string, string];
      const action = Object.values(ACTIONS).find((a) => a.repository === repository)!;
      expect(ref).toBe(config.actionPinning === 'sha' ? action.sha : action.version);
      if (config.actionPinning === 'sha') expect(content(files, WORKFLOW_PATH)).toContain(`${uses} # ${action.version}`);
    }
  });

  it('the assume-role step writes the credentials file under RUNNER_TEMP with mode 0600 and masks the values', () => {
    const step = workflow(files).jobs.build.steps.find((s) => s.id === 'upload-role')!;
    expect(step.run).toContain('"$RUNNER_TEMP/');
    expect(step.run).toContain('chmod 600');
    expect(step.run).toContain('umask 077');
    expect(step.run).toContain('::add-mask::$secret_access_key');
    expect(step.run).toContain('::add-mask::$session_token');
    expect(step.env).toMatchObject({
      UPLOAD_ROLE_ARN: `arn:${config.partition}:iam::${config.account}:role/${config.uploadRoleName}`,
      SESSION_DURATION: String(config.sessionDuration),
    });
    expect(step.env!.SESSION_NAME).toContain('${{ github.run_id }}');
  });

  it('the workflow, the Dockerfile and the upload script agree on the secret', () => {
    const build = workflow(files).jobs.build.steps.find((s) => s.uses?.startsWith('docker/build-push-action'))!;
    const secretFiles = String(build.with!['secret-files']).trim().split('\n');
    expect(secretFiles).toEqual([`${SECRET_ID}=\${{ steps.upload-role.outputs.credentials-file }}`]);

    const dockerfile = DockerfileParser.parse(content(files, 'Dockerfile'));
    const runs = dockerfile.getInstructions().filter((i): i is Run => i.getKeyword() === 'RUN');
    const isSecretMount = (flag: Flag) => flag.getName() === 'mount' && flag.getOptions().some((o) => o.getName() === 'type' && o.getValue() === 'secret');
    const mounting = runs.filter((run) => run.getFlags().some(isSecretMount));
    expect(mounting).toHaveLength(1);
    const mount = mounting[0]!.getFlags().find(isSecretMount)!;
    const fields = Object.fromEntries(mount.getOptions().map((option) => [option.getName(), option.getValue()]));
    expect(fields).toEqual({ type: 'secret', id: SECRET_ID, target: SECRET_TARGET, required: 'true' });
    const args = mounting[0]!.getArguments().map((a) => a.getValue());
    expect(args).toContain(`AWS_SHARED_CREDENTIALS_FILE=${SECRET_TARGET}`);
    // The workflow builds with a layer cache, which keeps secrets out of its key: the stage of the
    // secret-mounted RUN must be the one it never takes from the cache.
    const stage = dockerfile.getFROMs().filter((from) => from.getRange().start.line < mounting[0]!.getRange().start.line).pop();
    expect(stage?.getBuildStage()).toBe(UPLOAD_STAGE);
    expect(build.with!['no-cache-filters']).toBe(UPLOAD_STAGE);
    // The script calls the uploader package, which takes credentials from the SDK's default chain,
    // i.e. the file the Dockerfile names: it names no credential and no secret path of its own.
    const script = content(files, 'src/upload.ts');
    expect(script).toMatch(/from '@keyless-build\/upload'/);
    expect(script).not.toMatch(/accessKeyId\s*:/);
    expect(script).not.toContain('/run/secrets/');
  });

  it("src/upload.ts is the sample of the uploader's README, which the uploader's own tests compile and run", () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', 'packages', 'upload', 'README.md'), 'utf8');
    const sample = /<!-- sample: src\/upload.ts -->\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(sample).toBeDefined();
    expect(content(files, 'src/upload.ts')).toBe(sample);
    expect(content(files, 'src/upload.ts').split('\n').length).toBeLessThanOrEqual(40);
  });

  it('the manifest the upload step writes is the one the runtime stage copies', () => {
    // The uploader writes MANIFEST_FILE by default; the Dockerfile passes no UPLOAD_MANIFEST, so that is where it is.
    expect(content(files, 'Dockerfile')).toContain(`COPY --from=upload /app/${MANIFEST_FILE} ./`);
    expect(content(files, 'Dockerfile')).not.toContain(ENV.manifest);
    // The sample app is the user's and cannot import our constant: it spells it out.
    expect(content(files, 'src/index.ts')).toContain(`'${MANIFEST_FILE}'`);
  });

  it('the Dockerfile keeps credentials out of ARG and ENV and names the base image in every stage that is not built here', () => {
    const dockerfile = DockerfileParser.parse(content(files, 'Dockerfile'));
    expect(dockerfile.getDirectives().map((d) => [d.getName(), d.getValue()])).toEqual([['syntax', 'docker/dockerfile:1']]);
    const declared = dockerfile
      .getInstructions()
      .filter((i) => ['ARG', 'ENV'].includes(i.getKeyword()))
      .map((i) => i.getArgumentsContent() ?? '');
    for (const line of declared) expect(line).not.toMatch(/KEY|SECRET|TOKEN|PASSWORD|CREDENTIAL/i);
    expect(dockerfile.getInitialARGs()).toEqual([]);
    // Literal, so that Dependabot (which does not read ARG defaults) can update it.
    expect(dockerfile.getFROMs().map((f) => f.getImage())).toEqual([config.baseImage, 'build', config.baseImage]);
  });

  it('the build args the workflow passes are the ARGs the Dockerfile declares', () => {
    const build = workflow(files).jobs.build.steps.find((s) => s.uses?.startsWith('docker/build-push-action'))!;
    const passed = String(build.with!['build-args']).trim().split('\n').map((l) => l.split('=')[0]);
    const declared = DockerfileParser.parse(content(files, 'Dockerfile'))
      .getInstructions()
      .filter((i) => i.getKeyword() === 'ARG')
      .map((i) => i.getArgumentsContent()!.split('=')[0]);
    for (const name of passed) expect(declared).toContain(name);
  });

  it('.dockerignore excludes credentials, .git, node_modules and .env files', () => {
    const lines = content(files, '.dockerignore').split('\n');
    for (const pattern of ['.git', '**/node_modules', '**/.env', '**/.env.*', '**/*credentials*.ini', '**/credentials.json']) {
      expect(lines).toContain(pattern);
    }
  });

  it('IAM documents use the partition, scope role B to the prefix and never trust sub "*"', () => {
    const docs = iamDocuments(config);
    for (const [name, doc] of Object.entries(docs)) {
      const text = JSON.stringify(doc);
      expect(JSON.parse(content(files, `iam/${name}`))).toEqual(doc);
      for (const arn of text.match(/arn:[a-z-]+:/g) ?? []) expect(arn, name).toBe(`arn:${config.partition}:`);
    }
    const put = docs['upload-role-permission-policy.json']!.Statement[0]!;
    expect(put.Resource).toBe(`arn:${config.partition}:s3:::${config.bucket}/${config.prefix}*`);
    expect(put.Action).toEqual(['s3:PutObject', 's3:AbortMultipartUpload']);
    const trust = docs['oidc-role-trust-policy.json']!.Statement[0]!;
    const conditions = JSON.stringify(trust.Condition);
    expect(conditions).not.toContain('"*"');
    expect(conditions).toContain(config.partition === 'aws-cn' ? 'sts.amazonaws.com.cn' : '"sts.amazonaws.com"');
    for (const subject of config.subjects) expect(conditions).toContain(subject);
    const ecr = docs['oidc-role-ecr-push-policy.json']!.Statement;
    expect(ecr.filter((s) => s.Resource === '*').map((s) => s.Action)).toEqual(['ecr:GetAuthorizationToken']);
    expect(docs['upload-role-trust-policy.json']!.Statement[0]!.Principal).toEqual({
      AWS: `arn:${config.partition}:iam::${config.account}:role/${config.oidcRoleName}`,
    });
  });

  it('the CloudFormation template holds exactly the IAM documents', () => {
    const template = parseYaml(content(files, 'cloudformation/keyless-build.yaml')) as ReturnType<typeof cloudFormationTemplate>;
    expect(template).toEqual(cloudFormationTemplate(config));
    const resources = template.Resources as Record<string, { Properties: Record<string, unknown> }>;
    const docs = iamDocuments(config);
    expect(resources.OidcRole!.Properties.AssumeRolePolicyDocument).toEqual(docs['oidc-role-trust-policy.json']);
    expect(resources.UploadRole!.Properties.AssumeRolePolicyDocument).toEqual(docs['upload-role-trust-policy.json']);
    expect(resources.OidcRole!.Properties.Policies).toEqual([
      { PolicyName: 'assume-upload-role', PolicyDocument: docs['oidc-role-permission-policy.json'] },
      { PolicyName: 'ecr-push', PolicyDocument: docs['oidc-role-ecr-push-policy.json'] },
    ]);
    expect(resources.UploadRole!.Properties.Policies).toEqual([{ PolicyName: 'put-objects', PolicyDocument: docs['upload-role-permission-policy.json'] }]);
    expect('GitHubOidcProvider' in resources).toBe(config.oidcProvider === 'create');
    expect('Bucket' in resources).toBe(config.createBucket);
    expect('EcrRepository' in resources).toBe(config.createEcrRepository);
    expect(Object.keys(template.Outputs as object)).toEqual(['OidcRoleArn', 'UploadRoleArn']);
  });

  it('managed files carry the marker, IAM JSON does not', () => {
    for (const [path, file] of files) {
      if (file.owner !== 'managed') continue;
      expect(file.content.includes(PROJEN_FILE_MARKER), path).toBe(!path.endsWith('.json'));
    }
  });
});

describe('environments', () => {
  it('runs the job in the chosen environment and offers only the trusted ones', () => {
    const wf = workflow(renderFiles({ environments: ['production', 'staging'] }));
    expect(wf.jobs.build.environment).toBe("${{ inputs.environment || 'production' }}");
    expect(wf.on.workflow_dispatch).toEqual({
      inputs: {
        environment: expect.objectContaining({ type: 'choice', options: ['production', 'staging'], default: 'production' }),
      },
    });
  });
});

describe('cloudformation: false', () => {
  it('leaves out the template, and the README and IAM documents still tell how to deploy the roles', () => {
    const withTemplate = renderFiles();
    const without = renderFiles({ cloudformation: false });
    expect([...withTemplate.keys()].filter((path) => !without.has(path))).toEqual(['cloudformation/keyless-build.yaml']);
    for (const path of Object.keys(iamDocuments(resolveConfig(SEED))).map((name) => `iam/${name}`)) {
      expect(content(without, path)).toBe(content(withTemplate, path));
      expect(content(without, 'README.md')).toContain(`\`${path}\``);
    }
    expect(content(without, 'README.md')).not.toContain('aws cloudformation deploy');
    expect(content(without, 'README.md')).toContain('audience\n`sts.amazonaws.com`');
  });
});

describe('GitHub expressions and templates', () => {
  it('the generated README keeps text verbatim and lists the trusted subjects', () => {
    const readme = content(renderFiles({ branches: ['main', 'release'] }), 'README.md');
    expect(readme).toContain('`repo:acme/my-app:ref:refs/heads/release`');
    expect(readme).toContain('aws cloudformation deploy');
    expect(readme).toContain('sequenceDiagram');
    expect(readme).not.toContain('{{');
  });

  it('the workflow keeps ${{ }} expressions intact', () => {
    const text = content(renderFiles(), WORKFLOW_PATH);
    expect(text).toContain('${{ steps.ecr.outputs.registry }}/my-app:${{ github.sha }}');
    expect(text).toContain('${{ steps.upload-role.outputs.credentials-file }}');
  });
});

describe('hostile free text', () => {
  const hostile = ['a\nb: c', 'x"; rm -rf /', '${{ github.token }}', '# comment', '*', '../..', 'ünïcode', 'a'.repeat(5000), "it's", 'a b'];
  const freeText = [
    'prefix', 'oidcRoleName', 'uploadRoleName', 'ecrRepository', 'baseImage', 'uploadDir', 'nodeVersion', 'bucket', 'repo',
    'uploadAccount', 'oidcRoleArn', 'kmsKeyArn', 'permissionsBoundary', 'oidcIssuer', 'ghesHost',
  ] as const;
  const listText = ['branches', 'environments', 'subjects'] as const;

  it.each(freeText.flatMap((p) => hostile.map((h) => [p, h] as const)))('%s = %j is rejected or changes no structure', (parameter, value) => {
    assertRejectedOrInert({ [parameter]: value });
  });
  it.each(listText.flatMap((p) => hostile.map((h) => [p, h] as const)))('%s = [%j] is rejected or changes no structure', (parameter, value) => {
    assertRejectedOrInert({ [parameter]: [value] });
  });

  function assertRejectedOrInert(override: Partial<KeylessBuildOptions>) {
    let files: Map<string, RenderedFile>;
    try {
      files = renderFiles(override);
    } catch (error) {
      expect((error as Error).name).toBe('ConfigError');
      return;
    }
    const reference = renderFiles();
    const wf = workflow(files);
    const referenceWf = workflow(reference);
    expect(Object.keys(wf)).toEqual(Object.keys(referenceWf));
    expect(wf.jobs.build.steps.map((s) => Object.keys(s))).toEqual(referenceWf.jobs.build.steps.map((s) => Object.keys(s)));
    const keywords = (text: string) => DockerfileParser.parse(text).getInstructions().map((i) => i.getKeyword());
    expect(keywords(content(files, 'Dockerfile'))).toEqual(keywords(content(reference, 'Dockerfile')));
    expect(content(files, 'Dockerfile').split('\n').length).toBe(content(reference, 'Dockerfile').split('\n').length);
  }
});
