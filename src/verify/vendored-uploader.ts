/**
 * The uploader that create-keyless-build versions before @keyless-build/upload copied into each
 * repo (src/upload.ts with src/s3-http.ts and src/sdk-shortcut.ts): a copy that no fix reaches.
 */
import type { Repository } from './parsed-repository';
import type { Report } from './rules';

/** Each file of the copy, and a line only that file has. */
const VENDORED: readonly { name: string; marker: RegExp }[] = [
  { name: 's3-http.ts', marker: /export class ConnectionPool\b/ },
  { name: 'sdk-shortcut.ts', marker: /export function plainCredentials\(/ },
  { name: 'upload.ts', marker: /from '\.\/(s3-http|sdk-shortcut)\.js'/ },
];

export function checkVendoredUploader({ files }: Repository, report: Report): void {
  for (const [path, text] of files) {
    const vendored = VENDORED.find((file) => path.split('/').pop() === file.name && file.marker.test(text));
    if (!vendored) continue;
    const line = text.split('\n').findIndex((l) => vendored.marker.test(l)) + 1;
    report(
      path,
      line,
      'uploader-vendored',
      `${path} is part of the uploader an earlier create-keyless-build copied into the repo: a copy that the uploader's fixes never reach`,
      'depend on it instead: delete src/s3-http.ts and src/sdk-shortcut.ts, add "@keyless-build/upload" to dependencies, and make src/upload.ts the short sample that calls runUpload() with your content-type and cache-control rules (README: "Moving an existing repo to @keyless-build/upload")',
    );
  }
}
