import os, sys; sys.path.insert(0, os.environ['VARIANTS_DIR'])
from importlib import import_module
tc = import_module('transport-common')
p='src/s3-requests.ts'; s=open(p).read()
s = tc.patch_transport(s, "nodeHttpSend(signed as HttpRequest, signal, this.agents)",
"import { Agent as HttpAgent, request as httpRequest } from 'node:http';\nimport { Agent as HttpsAgent, request as httpsRequest } from 'node:https';\n",
'''
function nodeHttpSend(req: HttpRequest, signal: AbortSignal | undefined, agents: { http: HttpAgent; https: HttpsAgent }): Promise<HttpResponse> {
  const https = req.protocol === 'https:';
  const query = Object.entries(req.query).map(([k, v]) => `${extendedEncodeURIComponent(k)}=${extendedEncodeURIComponent(String(v ?? ''))}`).join('&');
  return new Promise((resolve, reject) => {
    const request = (https ? httpsRequest : httpRequest)(
      { agent: https ? agents.https : agents.http, method: req.method, hostname: req.hostname, port: req.port, path: query ? `${req.path}?${query}` : req.path, headers: req.headers, signal },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve(new HttpResponse({ statusCode: res.statusCode ?? 0, headers: res.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8') })));
        res.on('error', reject);
      },
    );
    request.setTimeout(60_000, () => request.destroy(Object.assign(new Error('no answer within 60 s'), { code: 'ETIMEDOUT' })));
    request.on('error', reject);
    request.end(req.body);
  });
}
''')
s = s.replace("  private readonly sdkSigner = new AwsSdkSigV4Signer();", "  private readonly sdkSigner = new AwsSdkSigV4Signer();\n  agents = { http: new HttpAgent({ keepAlive: true, maxSockets: 32 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 32 }) };")
s = s.replace("    this.http.destroy();", "    this.http.destroy();\n    this.agents.http.destroy();\n    this.agents.https.destroy();")
open(p,'w').write(s)
