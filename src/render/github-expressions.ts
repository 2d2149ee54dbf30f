/**
 * `${{ expr }}` is GitHub's syntax, not Handlebars': escapes it so a template prints it as written.
 * Applied to every template source before it is compiled.
 */
export function protectGitHubExpressions(source: string): string {
  return source.replace(/\$\{\{/g, '$\\{{');
}
