/** The text of the first <name> element in an S3 answer, entities decoded. */
export function xmlField(xml: string, name: string): string | undefined {
  const text = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
  return text?.replace(/&(?:(quot|apos|lt|gt|amp)|#(\d+)|#x([0-9a-f]+));/gi, (entity, named?: string, decimal?: string, hex?: string) => {
    if (named) {
      return { quot: '"', apos: "'", lt: '<', gt: '>', amp: '&' }[named.toLowerCase()] ?? entity;
    }
    return String.fromCodePoint(decimal ? Number(decimal) : Number.parseInt(hex as string, 16));
  });
}

/** Text for an XML element's content. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
