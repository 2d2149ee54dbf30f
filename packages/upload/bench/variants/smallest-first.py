p='src/upload-directory.ts'; s=open(p).read()
old="""  return [...large, ...files.filter((file) => file.size <= partSize)];"""
assert old in s
s=s.replace(old,"""  const small = files.filter((file) => file.size <= partSize);
  if (large.length === 0 && small.length > 0) {
    let smallest = 0;
    small.forEach((file, index) => { if (file.size < small[smallest]!.size) smallest = index; });
    small.unshift(...small.splice(smallest, 1));
  }
  return [...large, ...small];""")
open(p,'w').write(s)
