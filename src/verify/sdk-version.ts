/** The AWS SDK for JavaScript v3, not the unsupported v2. */
import type { Repository } from './parsed-repository';
import type { Report } from './rules';

export function checkSdkVersion({ files }: Repository, report: Report): void {
  for (const [path, text] of files) {
    if (path.split('/').pop() === 'package.json') {
      text.split('\n').forEach((line, index) => {
        if (/^\s*"aws-sdk"\s*:/.test(line)) {
          report(path, index + 1, 'aws-sdk-v2', 'depends on aws-sdk, the AWS SDK for JavaScript v2, which is out of support', 'replace it with the v3 clients, e.g. @aws-sdk/client-s3 and @aws-sdk/lib-storage');
        }
      });
    } else if (/\.(m?[jt]s|cjs|cts)$/.test(path)) {
      text.split('\n').forEach((line, index) => {
        if (/(require\(\s*|from\s+|import\s+)['"]aws-sdk(\/[^'"]*)?['"]/.test(line)) {
          report(path, index + 1, 'aws-sdk-v2', 'loads aws-sdk, the AWS SDK for JavaScript v2, which is out of support', 'use the v3 clients (@aws-sdk/client-s3); they read the same credentials file through the default chain');
        }
      });
    }
  }
}
