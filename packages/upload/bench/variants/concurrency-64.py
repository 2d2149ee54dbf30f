# UPLOAD_CONCURRENCY's default 64 instead of 32: a tuning default, measured like a mechanism.
p='src/settings.cts'; s=open(p).read()
old="concurrency: { env: 'UPLOAD_CONCURRENCY', default: 32, min: 1, max: 256 },"
assert old in s
s=s.replace(old,"concurrency: { env: 'UPLOAD_CONCURRENCY', default: 64, min: 1, max: 256 },")
open(p,'w').write(s)
