import type { Partition } from './parameters';

/** The partition a region belongs to, or undefined for partitions GitHub's OIDC cannot reach (ISO). */
export function partitionOf(region: string): Partition | undefined {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (/^[a-z]{2}-iso/.test(region)) return undefined;
  return 'aws';
}

/** STS audience that GitHub's token must carry; China regions use their own STS domain. */
export function stsAudience(partition: Partition): string {
  return partition === 'aws-cn' ? 'sts.amazonaws.com.cn' : 'sts.amazonaws.com';
}

/** An IAM role's ARN; `name` may start with the role's path. */
export function roleArn(partition: Partition, account: string, name: string): string {
  return `arn:${partition}:iam::${account}:role/${name}`;
}

/** The DNS suffix of the partition's service endpoints. */
export function dnsSuffix(partition: Partition): string {
  return partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
}
