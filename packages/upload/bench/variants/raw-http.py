import os, sys; sys.path.insert(0, os.environ['VARIANTS_DIR'])
from importlib import import_module
tc = import_module('transport-common')
# The generator's earlier hand-written HTTP/1.1 client (test/fixtures/vendored-uploader/src/s3-http.ts), its SigV4 half left out.
old = open(os.path.join(os.environ['REPO_ROOT'], 'test/fixtures/vendored-uploader/src/s3-http.ts')).read()
http = old[old.index('// HTTP/1.1 over keep-alive connections'):]
open('src/raw-http.ts', 'w').write("import { isIP, connect as netConnect, type Socket } from 'node:net';\n\n// " + http)
p='src/s3-requests.ts'; s=open(p).read()
s = tc.patch_transport(s, "rawSend(this.pool, signed as HttpRequest)",
"import { ConnectionPool, requestHead } from './raw-http.js';\n",
'''
async function rawSend(pool: ConnectionPool, req: HttpRequest): Promise<HttpResponse> {
  const query = Object.entries(req.query).map(([k, v]) => `${extendedEncodeURIComponent(k)}=${extendedEncodeURIComponent(String(v ?? ''))}`).join('&');
  const response = await pool.request(requestHead(req.method, query ? `${req.path}?${query}` : req.path, req.headers), (req.body as Buffer | undefined) ?? Buffer.alloc(0));
  return new HttpResponse({ statusCode: response.status, headers: response.headers, body: response.body.toString('utf8') });
}
''')
s = s.replace("  private readonly sdkSigner = new AwsSdkSigV4Signer();", "  private readonly sdkSigner = new AwsSdkSigV4Signer();\n  private pool!: ConnectionPool;")
s = s.replace("    this.retries = new StandardRetryStrategy(maxAttempts);", "    this.retries = new StandardRetryStrategy(maxAttempts);\n    this.pool = new ConnectionPool(endpoint, 60_000);")
s = s.replace("    this.http.destroy();", "    this.http.destroy();\n    this.pool.destroy();")
open(p,'w').write(s)
