#!/usr/bin/env node
// The Dockerfile's upload step: `keyless-build-upload`, settings from the environment (see the README).
import { runUpload } from './run-upload.js';

void runUpload();
