def patch_transport(s, call, extra_imports, extra_code):
    old = """        const { response } = await this.http.handle(signed as HttpRequest, { abortSignal: signal });
        const body = Buffer.from(await streamCollector(response.body)).toString('utf8');"""
    assert old in s
    s = s.replace(old, f"""        const response = await {call};
        const body = response.body as string;""")
    s = extra_imports + s + extra_code
    s = s.replace("import { NodeHttpHandler, streamCollector } from", "import { NodeHttpHandler } from")
    return s
