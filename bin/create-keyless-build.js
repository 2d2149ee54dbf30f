#!/usr/bin/env node
'use strict';
require('../lib/cli.js')
  .main('create-keyless-build', process.argv.slice(2))
  .then((code) => { process.exitCode = code; })
  .catch((error) => { console.error(error); process.exitCode = 1; });
