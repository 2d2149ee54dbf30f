p='src/s3-operations.ts'; s=open(p).read()
s=s.replace(", 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };"," };"); open(p,'w').write(s)
p='src/s3-requests.ts'; s=open(p).read()
assert "applyChecksum: false" in s
s=s.replace("applyChecksum: false","applyChecksum: true"); open(p,'w').write(s)
