/**
 * Reads an image back from the local registry over its HTTP API, as any client would: the
 * manifest (an image index from BuildKit: the image and its attestations), the config, and
 * each layer unpacked into a folder of its own.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mustRun } from '../../support/moto';

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

interface Descriptor {
  mediaType: string;
  digest: string;
  platform?: { os: string; architecture: string };
}

export interface PulledImage {
  /** The pushed tag's digest (of the index or manifest). */
  digest: string;
  config: { config?: { Env?: string[] }; history?: { created_by?: string }[] };
  /** One folder per layer, in order. */
  layerDirs: string[];
}

async function get(url: string, accept?: string): Promise<Response> {
  const response = await fetch(url, accept ? { headers: { accept } } : {});
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${await response.text()}`);
  return response;
}

export async function pullImage(registry: string, repository: string, reference: string, work: string): Promise<PulledImage> {
  const base = `http://${registry}/v2/${repository}`;
  mkdirSync(work, { recursive: true });
  const top = await get(`${base}/manifests/${reference}`, ACCEPT);
  const digest = top.headers.get('docker-content-digest') ?? '';
  let manifest = (await top.json()) as { manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] };
  if (manifest.manifests) {
    const image = manifest.manifests.find((entry) => entry.platform?.os === 'linux' && entry.platform.architecture !== 'unknown');
    if (!image) throw new Error(`${repository}:${reference}: no linux image in ${JSON.stringify(manifest.manifests)}`);
    manifest = (await (await get(`${base}/manifests/${image.digest}`, ACCEPT)).json()) as typeof manifest;
  }
  const config = (await (await get(`${base}/blobs/${manifest.config!.digest}`)).json()) as PulledImage['config'];
  const layerDirs: string[] = [];
  for (const [index, layer] of (manifest.layers ?? []).entries()) {
    const blob = join(work, `layer-${index}.tar.gz`);
    writeFileSync(blob, Buffer.from(await (await get(`${base}/blobs/${layer.digest}`)).arrayBuffer()));
    const dir = join(work, `layer-${index}`);
    mkdirSync(dir, { recursive: true });
    await mustRun('tar', ['-xzf', blob, '-C', dir, '--no-same-owner', '--no-same-permissions']);
    layerDirs.push(dir);
  }
  return { digest, config, layerDirs };
}
