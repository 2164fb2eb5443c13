// Is this text JSON (RFC 8259)? A scanner that allocates nothing and throws nothing, so the emulator
// answers "not valid JSON" without paying for a thrown SyntaxError (which costs more than the whole
// unknown-run path). It only ever spares a JSON.parse: text it accepts is still parsed, and a parse
// that throws (e.g. nesting too deep) is still "not valid JSON". It must never reject valid JSON; a
// property test holds it equal to JSON.parse.

const OBJECT = 1;
const ARRAY = 2;

const isWs = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
// The one-character escapes: " \ / b f n r t
const isEscape = (c: number) => c === 0x22 || c === 0x5c || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74;

// The scan's state, module-wide so the helpers are plain functions (no closures made per call).
// The scan is synchronous, so one text at a time.
let s = '';
let n = 0;
let i = 0;

function skipWs(): void {
  while (i < n && isWs(s.charCodeAt(i))) i++;
}

function digits(): boolean {
  const start = i;
  while (isDigit(s.charCodeAt(i))) i++;
  return i > start;
}

/** At a quote: the whole string, escapes checked. */
function string(): boolean {
  i++;
  while (i < n) {
    const c = s.charCodeAt(i++);
    if (c === 0x22) return true;
    if (c < 0x20) return false;
    if (c === 0x5c) {
      const e = s.charCodeAt(i++);
      if (e === 0x75) {
        for (let k = 0; k < 4; k++) if (!isHex(s.charCodeAt(i++))) return false;
      } else if (!isEscape(e)) return false;
    }
  }
  return false;
}

function number(): boolean {
  if (s.charCodeAt(i) === 0x2d) i++;
  const c = s.charCodeAt(i);
  if (c === 0x30) i++;
  else if (!(c >= 0x31 && c <= 0x39) || !digits()) return false;
  if (s.charCodeAt(i) === 0x2e) {
    i++;
    if (!digits()) return false;
  }
  const e = s.charCodeAt(i);
  if (e === 0x65 || e === 0x45) {
    i++;
    const sign = s.charCodeAt(i);
    if (sign === 0x2b || sign === 0x2d) i++;
    if (!digits()) return false;
  }
  return true;
}

function literal(word: string): boolean {
  if (!s.startsWith(word, i)) return false;
  i += word.length;
  return true;
}

/** After `{` or `,` in an object: a key and its colon. */
function key(): boolean {
  skipWs();
  if (s.charCodeAt(i) !== 0x22 || !string()) return false;
  skipWs();
  if (s.charCodeAt(i) !== 0x3a) return false;
  i++;
  return true;
}

export function isJsonText(text: string): boolean {
  s = text;
  n = text.length;
  i = 0;
  try {
    return scan();
  } finally {
    s = ''; // hold no request body past its scan
  }
}

function scan(): boolean {
  const stack: number[] = [];

  for (;;) {
    // A value.
    skipWs();
    const c = s.charCodeAt(i);
    let scalar = true;
    if (c === 0x7b) {
      i++;
      skipWs();
      if (s.charCodeAt(i) === 0x7d) i++;
      else {
        stack.push(OBJECT);
        if (!key()) return false;
        scalar = false;
      }
    } else if (c === 0x5b) {
      i++;
      skipWs();
      if (s.charCodeAt(i) === 0x5d) i++;
      else {
        stack.push(ARRAY);
        scalar = false;
      }
    } else if (c === 0x22) {
      if (!string()) return false;
    } else if (c === 0x74) {
      if (!literal('true')) return false;
    } else if (c === 0x66) {
      if (!literal('false')) return false;
    } else if (c === 0x6e) {
      if (!literal('null')) return false;
    } else if (c === 0x2d || isDigit(c)) {
      if (!number()) return false;
    } else return false;
    if (!scalar) continue;

    // After a complete value: close containers, or go on to the next element.
    for (;;) {
      skipWs();
      if (stack.length === 0) return i === n;
      const top = stack[stack.length - 1];
      const d = s.charCodeAt(i);
      if (d === 0x2c) {
        i++;
        if (top === OBJECT && !key()) return false;
        break;
      }
      if ((top === OBJECT && d === 0x7d) || (top === ARRAY && d === 0x5d)) {
        i++;
        stack.pop();
        continue;
      }
      return false;
    }
  }
}
