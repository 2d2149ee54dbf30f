/**
 * Uploads UPLOAD_DIR to s3://S3_BUCKET/S3_PREFIX in the Dockerfile's upload step
 * (settings: see the README of @keyless-build/upload). Edit the rules below to suit your site:
 * they are merged over the package's defaults, yours first.
 */
import { runUpload } from '@keyless-build/upload';

void runUpload({
  // Content-Type by extension, over the package's DEFAULT_CONTENT_TYPES.
  contentTypes: {
    '.webmanifest': 'application/manifest+json',
  },
  // Cache-Control by path relative to UPLOAD_DIR, tried before DEFAULT_CACHE_CONTROL
  // (HTML: no-cache; hashed names such as app.3f2a9c1b.js: a year, immutable; the rest: 5 minutes).
  cacheControl: [
    // e.g. if your bundler puts only hashed files under assets/:
    // { test: /^assets\//, cacheControl: 'public, max-age=31536000, immutable' },
    { test: /^robots\.txt$/, cacheControl: 'public, max-age=3600' },
  ],
});
