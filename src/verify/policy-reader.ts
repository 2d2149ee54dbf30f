/**
 * Reads the IAM policy documents of a repository, wherever they are: JSON files, and
 * CloudFormation templates (short-form intrinsics included). verify checks their trust
 * statements; doctor quotes which principals and subjects they trust.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type ParsedNode, type Tags, type YAMLMap } from 'yaml';
import { isWorkflowPath } from './file-kinds';

/** A policy statement, with what trust checks need of it. */
export interface TrustStatement {
  readonly file: string;
  readonly line: number;
  /** Allow or Deny. */
  readonly effect: string;
  readonly actions: readonly string[];
  /** `Resource` values (ARN patterns). */
  readonly resources: readonly string[];
  /** `Principal.AWS` values: the roles and accounts a role's trust admits. */
  readonly principals: readonly string[];
  /** `:sub` condition values with their lines. */
  readonly subjects: readonly { value: string; line: number }[];
  readonly federated: readonly string[];
}

/** CloudFormation's short-form intrinsics, read as plain values so that templates parse. */
const CLOUDFORMATION_TAGS: Tags = ['Ref', 'Sub', 'GetAtt', 'Join', 'If', 'Equals', 'Select', 'Split', 'FindInMap', 'GetAZs', 'ImportValue', 'Base64', 'Cidr', 'And', 'Or', 'Not', 'Condition', 'Transform', 'ToJsonString', 'Length']
  .flatMap((name) => (['scalar', 'seq', 'map'] as const).map((collection) => ({
    tag: `!${name}`,
    collection: collection === 'scalar' ? undefined : collection,
    resolve: (value: unknown) => value,
    identify: () => false,
  }) as unknown as Tags[number]));

export interface PolicyFiles {
  readonly statements: TrustStatement[];
  readonly policyFiles: number;
  /** IAM documents and templates that do not parse, so their trust could not be checked. */
  readonly unreadable: { file: string; line: number; message: string }[];
}

/** Every policy statement of the repository's JSON documents and CloudFormation templates. */
export function readPolicies(files: ReadonlyMap<string, string>): PolicyFiles {
  const statements: TrustStatement[] = [];
  const unreadable: PolicyFiles['unreadable'] = [];
  let policyFiles = 0;
  for (const [path, text] of files) {
    const isJson = path.endsWith('.json');
    const isTemplate = /\.(ya?ml|template)$/.test(path) && /AWSTemplateFormatVersion|AWS::IAM::Role/.test(text);
    if (!isJson && !isTemplate) continue;
    if (isWorkflowPath(path)) continue;
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, customTags: CLOUDFORMATION_TAGS, uniqueKeys: false, prettyErrors: false });
    if (doc.errors.length > 0 || !doc.contents) {
      if (isTemplate || /(^|\/)iam\//.test(path)) {
        const error = doc.errors[0];
        unreadable.push({ file: path, line: error ? lineCounter.linePos(error.pos[0]).line : 1, message: error ? error.message.split('\n')[0]! : 'is empty' });
      }
      continue;
    }
    const lineOf = (node: unknown) => lineCounter.linePos((node as Node | undefined)?.range?.[0] ?? 0).line;
    let holdsPolicy = false;
    visitPolicies(doc.contents, (document) => {
      holdsPolicy = true;
      const list = document.get('Statement', true);
      for (const statement of isSeq(list) ? list.items : [list]) {
        if (!isMap(statement)) continue;
        const actions = strings(statement.get('Action', true));
        const principal = statement.get('Principal', true);
        const federated = isMap(principal) ? strings(principal.get('Federated', true)) : [];
        const principals = isMap(principal) ? strings(principal.get('AWS', true)) : [];
        const subjects: { value: string; line: number }[] = [];
        const condition = statement.get('Condition', true);
        if (isMap(condition)) {
          for (const operator of condition.items) {
            if (!isMap(operator.value)) continue;
            for (const pair of operator.value.items) {
              const key = String(isScalar(pair.key) ? pair.key.value : '');
              if (!/:sub$/.test(key)) continue;
              const values = isSeq(pair.value) ? pair.value.items : [pair.value];
              for (const value of values) {
                if (isScalar(value)) subjects.push({ value: String(value.value), line: lineOf(value) });
              }
            }
          }
        }
        const effect = strings(statement.get('Effect', true))[0] ?? 'Allow';
        statements.push({ file: path, line: lineOf(statement), effect, actions, resources: strings(statement.get('Resource', true)), principals, subjects, federated });
      }
    });
    if (holdsPolicy) policyFiles++;
  }
  return { statements, policyFiles, unreadable };
}

/** Calls back for every map that looks like a policy document (has a Statement), at any depth. */
function visitPolicies(node: unknown, onPolicy: (document: YAMLMap<unknown, unknown>) => void): void {
  if (isMap(node)) {
    if (node.has('Statement')) onPolicy(node);
    for (const pair of node.items) visitPolicies(pair.value, onPolicy);
  } else if (isSeq(node)) {
    for (const item of node.items) visitPolicies(item, onPolicy);
  }
}

function strings(node: unknown): string[] {
  if (isScalar(node)) return [String(node.value)];
  if (isSeq(node)) return node.items.filter(isScalar).map((item) => String((item as ParsedNode & { value: unknown }).value));
  return [];
}
