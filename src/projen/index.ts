export { KeylessBuild, type KeylessBuildProps } from './keyless-build';
