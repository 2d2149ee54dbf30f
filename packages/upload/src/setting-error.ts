/** A setting the user fixes by changing the build's environment (or the call's options); the bin exits 2. */
export class SettingError extends Error {
  override name = 'SettingError';
}
