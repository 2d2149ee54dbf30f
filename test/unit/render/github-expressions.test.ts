import Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';
import { protectGitHubExpressions } from '../../../src/render/github-expressions';

/** Compiles like scripts/compile-templates.ts does. */
function render(source: string, context: object): string {
  return Handlebars.compile(protectGitHubExpressions(source), { strict: true, noEscape: true })(context);
}

describe('protectGitHubExpressions', () => {
  it('keeps GitHub expressions verbatim while Handlebars fills its own', () => {
    const source = 'tags: ${{ steps.ecr.outputs.registry }}/{{repository}}:${{ github.sha }}\nif: ${{ always() }}';
    expect(render(source, { repository: 'my-app' })).toBe('tags: ${{ steps.ecr.outputs.registry }}/my-app:${{ github.sha }}\nif: ${{ always() }}');
  });

  it('is needed: without it Handlebars would evaluate the expression (negative control)', () => {
    expect(() => Handlebars.compile('${{ github.sha }}', { strict: true })({})).toThrow(/not defined/);
  });

  it('prints values as given, without HTML escaping', () => {
    expect(render('{{value}}', { value: `a&b<c>"d'` })).toBe(`a&b<c>"d'`);
  });

  it('fails on a missing value instead of printing nothing (strict)', () => {
    expect(() => render('{{missing}}', {})).toThrow(/"missing" not defined/);
  });
});
