import { describe, expect, it } from 'vitest';
import { consoleSafe, mdCode, mdFence, mdText, oneLine, xmlText } from './escape.ts';

describe('escaping target bytes', () => {
  it('console: control characters visible, a workflow command defused, line feeds kept', () => {
    expect(consoleSafe('a\x1b[2Jb\rc\u0000')).toBe('a\\x1b[2Jb\\x0dc\\x00');
    expect(consoleSafe('x\n::stop-commands::t\n  ::error::y')).toBe('x\n\\::stop-commands::t\n  \\::error::y');
    expect(consoleSafe('a: ::b')).toBe('a: ::b');
  });

  it('one line: line feeds and tabs visible too', () => {
    expect(oneLine('a\nb\tc\u2028')).toBe('a\\nb\\tc\\u2028');
  });

  it('Markdown code: the fence outgrows every backtick run; padded where the text starts or ends with one', () => {
    expect(mdCode('a``b')).toBe('```a``b```');
    expect(mdCode('`x`')).toBe('`` `x` ``');
    expect(mdCode('')).toBe('`  `');
    expect(mdFence('x\n````\ny', 'sh')).toEqual(['`````sh', 'x', '````', 'y', '`````']);
  });

  it('Markdown text: every punctuation character escaped, on one line', () => {
    expect(mdText('# h\n![i](u) <b>|')).toBe('\\# h\\\\n\\!\\[i\\]\\(u\\) \\<b\\>\\|');
  });

  it('XML: markup escaped, forbidden characters visible', () => {
    expect(xmlText('<a>&"\u0001\u001b\r')).toBe('&lt;a&gt;&amp;&quot;\\u0001\\u001b\\u000d');
  });
});
