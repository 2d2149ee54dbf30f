p='src/put-object.ts'; s=open(p).read()
s=s.replace("import { readFile } from 'node:fs/promises';","import { readFileSync } from 'node:fs';\nimport { readFile } from 'node:fs/promises';")
assert "const body = await readFile(file.absolutePath);" in s
s=s.replace("const body = await readFile(file.absolutePath);","const body = file.size <= 1024 * 1024 ? readFileSync(file.absolutePath) : await readFile(file.absolutePath);")
open(p,'w').write(s)
