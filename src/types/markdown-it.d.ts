// The part of markdown-it's API the report tests use (the package ships no types): render to HTML.
declare module 'markdown-it' {
  class MarkdownIt {
    constructor(options?: { html?: boolean; linkify?: boolean });
    render(source: string): string;
  }
  export default MarkdownIt;
}
