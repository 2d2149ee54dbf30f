export { type CacheControlRule, DEFAULT_CACHE_CONTROL } from './cache-control.js';
export { DEFAULT_CONTENT_TYPES } from './content-types.js';
export type { SkippedFile } from './list-files.js';
export type { Manifest } from './manifest.js';
export type { UploadOptions } from './options.js';
export { runUpload, type UploadRules } from './run-upload.js';
export { SettingError } from './setting-error.js';
export type { UploadedObject } from './upload-context.js';
export { type FailedFile, uploadDirectory, type UploadReport } from './upload-directory.js';
