#!/usr/bin/env node
'use strict';
// Reuses compiled code across runs on Node.js 22+; a no-op where unsupported.
require('node:module').enableCompileCache?.();
require('../lib/cli.bundle.js')
  .main('keyless-build', process.argv.slice(2))
  .then((code) => { process.exitCode = code; })
  .catch((error) => { console.error(error); process.exitCode = 1; });
