/* xml_scan.c - a small XML start-tag scanner (see xml_scan.h).
 *
 * One pass over [text, text + len): every loop advances the position, every
 * read is guarded by `< n`, and the only allocations are two growable
 * buffers (the current tag's strings and the stack of open element names),
 * freed on every return path. Lines are counted lazily: line_at(pos) counts
 * the newlines between the last position asked for and pos. */
#include "model/xml_scan.h"
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct buf {
  char *p;
  size_t len, cap;
} buf_t;

typedef struct scanner {
  const char *t;
  size_t n;
  size_t line_pos; /* newlines in t[0, line_pos) are counted in line */
  int line;
  char *err;
  size_t errlen;
  buf_t stack; /* names of the open elements, NUL-separated */
  size_t stack_off[MEC_XML_MAX_DEPTH];
  int stack_line[MEC_XML_MAX_DEPTH];
  int depth;
  int seen_root;
  buf_t tag; /* the current tag's name, then attribute names and values, NUL-terminated */
  size_t attr_off[MEC_XML_MAX_ATTRS][2];
  mec_xml_attr_t attrs[MEC_XML_MAX_ATTRS];
} scanner_t;

static int buf_put(buf_t *b, const char *s, size_t k)
{
  if (b->len + k + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (b->len + k + 1 > cap)
      cap *= 2;
    char *g = realloc(b->p, cap);
    if (!g)
      return -1;
    b->p = g;
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, k);
  b->len += k;
  b->p[b->len] = '\0'; /* always terminated, so a partial string is printable */
  return 0;
}

static int line_at(scanner_t *s, size_t pos)
{
  if (pos > s->n)
    pos = s->n;
  if (pos < s->line_pos) { /* not expected (positions only grow), but stay exact */
    s->line_pos = 0;
    s->line = 1;
  }
  for (size_t k = s->line_pos; k < pos; k++)
    if (s->t[k] == '\n' && s->line < INT_MAX)
      s->line++;
  s->line_pos = pos;
  return s->line;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int fail(scanner_t *s, int line, const char *fmt, ...)
{
  if (s->err && s->errlen) {
    int k = snprintf(s->err, s->errlen, "line %d: ", line);
    if (k >= 0 && (size_t)k < s->errlen) {
      va_list ap;
      va_start(ap, fmt);
      vsnprintf(s->err + k, s->errlen - (size_t)k, fmt, ap);
      va_end(ap);
    }
  }
  return -1;
}

static int is_ws(unsigned char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_name_start(unsigned char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c >= 0x80;
}

static int is_name_char(unsigned char c)
{
  return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* First position >= from where needle starts, or n. */
static size_t find(const scanner_t *s, size_t from, const char *needle)
{
  size_t k = strlen(needle);
  if (k > s->n)
    return s->n;
  for (size_t j = from; j + k <= s->n; j++)
    if (memcmp(s->t + j, needle, k) == 0)
      return j;
  return s->n;
}

static int starts_with(const scanner_t *s, size_t pos, const char *lit)
{
  size_t k = strlen(lit);
  return pos <= s->n && s->n - pos >= k && memcmp(s->t + pos, lit, k) == 0;
}

static size_t skip_ws(const scanner_t *s, size_t j)
{
  while (j < s->n && is_ws((unsigned char)s->t[j]))
    j++;
  return j;
}

/* Length of the name at j (0 if none); -1 (after fail) when too long. */
static long name_len(scanner_t *s, size_t j)
{
  if (j >= s->n || !is_name_start((unsigned char)s->t[j]))
    return 0;
  size_t k = j;
  while (k < s->n && is_name_char((unsigned char)s->t[k])) {
    k++;
    if (k - j > MEC_XML_MAX_NAME)
      return fail(s, line_at(s, j), "name longer than %d bytes", MEC_XML_MAX_NAME);
  }
  return (long)(k - j);
}

/* A character for messages: 'c', or byte 0xNN. */
static const char *show_char(unsigned char c, char buf[16])
{
  if (c > 0x20 && c < 0x7f)
    snprintf(buf, 16, "'%c'", c);
  else
    snprintf(buf, 16, "byte 0x%02x", c);
  return buf;
}

static size_t utf8_encode(unsigned long cp, char out[4])
{
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

static int is_xml_char(unsigned long cp)
{
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
         (cp >= 0x10000 && cp <= 0x10FFFF);
}

/* Decodes the reference at *j (t[*j] == '&'), appends its bytes to out (if
 * not NULL) and moves *j past the ';'. `where` prefixes messages. */
static int decode_ref(scanner_t *s, size_t *j, buf_t *out, const char *where)
{
  size_t k = *j + 1;
  int line = line_at(s, *j);
  char bytes[4];
  size_t nb;
  if (k < s->n && s->t[k] == '#') {
    int hex = 0;
    k++;
    if (k < s->n && s->t[k] == 'x') {
      hex = 1;
      k++;
    }
    unsigned long cp = 0;
    size_t nd = 0;
    for (; k < s->n; k++, nd++) {
      unsigned char c = (unsigned char)s->t[k];
      int d;
      if (c >= '0' && c <= '9')
        d = c - '0';
      else if (hex && c >= 'a' && c <= 'f')
        d = c - 'a' + 10;
      else if (hex && c >= 'A' && c <= 'F')
        d = c - 'A' + 10;
      else
        break;
      if (cp <= 0x10FFFF) /* beyond, it stays beyond: no overflow */
        cp = cp * (hex ? 16 : 10) + (unsigned long)d;
    }
    if (nd == 0 || k >= s->n || s->t[k] != ';')
      return fail(s, line, "%smalformed character reference (expected &#N; or &#xN;)", where);
    if (!is_xml_char(cp))
      return fail(s, line, "%scharacter reference &#%s%.*s; is not an XML character", where, hex ? "x" : "",
                  (int)(nd > 16 ? 16 : nd), s->t + k - nd);
    nb = utf8_encode(cp, bytes);
  } else {
    size_t start = k;
    while (k < s->n && k - start <= 32 && is_name_char((unsigned char)s->t[k]))
      k++;
    size_t len = k - start;
    if (len == 0 || k >= s->n || s->t[k] != ';')
      return fail(s, line, "%smalformed entity reference (a literal '&' must be written &amp;)", where);
    static const struct { const char *name; char c; } ents[] = {
        {"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"quot", '"'}, {"apos", '\''}};
    nb = 0;
    for (size_t e = 0; e < sizeof ents / sizeof ents[0]; e++)
      if (strlen(ents[e].name) == len && memcmp(ents[e].name, s->t + start, len) == 0) {
        bytes[0] = ents[e].c;
        nb = 1;
      }
    if (nb == 0)
      return fail(s, line, "%sunknown entity '&%.*s;' (known: &lt; &gt; &amp; &quot; &apos; &#N; &#xN;)", where,
                  (int)len, s->t + start);
  }
  if (out && buf_put(out, bytes, nb) != 0)
    return fail(s, line, "out of memory");
  *j = k + 1;
  return 0;
}

/* Skips <!DOCTYPE ...> at i, with its internal subset; returns the position after it. */
static int skip_doctype(scanner_t *s, size_t *i, int line)
{
  size_t j = *i + 9;
  char quote = 0;
  int bracket = 0;
  while (j < s->n) {
    char c = s->t[j];
    if (quote) {
      if (c == quote)
        quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '[') {
      bracket++;
    } else if (c == ']') {
      if (bracket > 0)
        bracket--;
    } else if (bracket > 0 && starts_with(s, j, "<!--")) {
      size_t e = find(s, j + 4, "-->");
      if (e >= s->n)
        return fail(s, line_at(s, j), "comment not closed (no '-->')");
      j = e + 3;
      continue;
    } else if (bracket > 0 && starts_with(s, j, "<?")) {
      size_t e = find(s, j + 2, "?>");
      if (e >= s->n)
        return fail(s, line_at(s, j), "processing instruction not closed (no '?>')");
      j = e + 2;
      continue;
    } else if (c == '>' && bracket == 0) {
      *i = j + 1;
      return 0;
    }
    j++;
  }
  return fail(s, line, "DOCTYPE not closed (no '>')");
}

/* The start tag at *i (t[*i] == '<', t[*i + 1] a name start). */
static int start_tag(scanner_t *s, size_t *i, int line, int (*cb)(const mec_xml_tag_t *, void *), void *ud, int *cb_rc)
{
  char cbuf[16], where[128];
  size_t j = *i + 1;
  long nl = name_len(s, j);
  if (nl < 0)
    return -1;
  s->tag.len = 0;
  if (buf_put(&s->tag, s->t + j, (size_t)nl) != 0 || buf_put(&s->tag, "", 1) != 0)
    return fail(s, line, "out of memory");
  j += (size_t)nl;
#define TAGNAME (s->tag.p)
  if (s->depth == 0 && s->seen_root)
    return fail(s, line, "second root element <%s> (a document has one root element)", TAGNAME);
  if (s->depth >= MEC_XML_MAX_DEPTH)
    return fail(s, line, "<%s>: elements nested deeper than %d", TAGNAME, MEC_XML_MAX_DEPTH);
  int n_attrs = 0, empty = 0;
  for (;;) {
    size_t before = j;
    j = skip_ws(s, j);
    if (j >= s->n)
      return fail(s, line, "tag <%s> not closed (end of text)", TAGNAME);
    unsigned char c = (unsigned char)s->t[j];
    if (c == '>') {
      j++;
      break;
    }
    if (c == '/') {
      if (j + 1 < s->n && s->t[j + 1] == '>') {
        j += 2;
        empty = 1;
        break;
      }
      return fail(s, line_at(s, j), "tag <%s>: expected '/>'", TAGNAME);
    }
    if (!is_name_start(c))
      return fail(s, line_at(s, j), "tag <%s>: unexpected %s", TAGNAME, show_char(c, cbuf));
    if (j == before)
      return fail(s, line_at(s, j), "tag <%s>: missing space before attribute", TAGNAME);
    if (n_attrs >= MEC_XML_MAX_ATTRS)
      return fail(s, line_at(s, j), "tag <%s>: more than %d attributes", TAGNAME, MEC_XML_MAX_ATTRS);
    long al = name_len(s, j);
    if (al < 0)
      return -1;
    size_t name_off = s->tag.len;
    if (buf_put(&s->tag, s->t + j, (size_t)al) != 0 || buf_put(&s->tag, "", 1) != 0)
      return fail(s, line, "out of memory");
    j += (size_t)al;
    const char *aname = s->tag.p + name_off; /* valid until the next buf_put */
    for (int a = 0; a < n_attrs; a++)
      if (strcmp(s->tag.p + s->attr_off[a][0], aname) == 0)
        return fail(s, line_at(s, j), "tag <%s>: duplicate attribute '%s'", TAGNAME, aname);
    j = skip_ws(s, j);
    if (j >= s->n || s->t[j] != '=')
      return fail(s, line_at(s, j), "tag <%s>: attribute '%s': expected '='", TAGNAME, aname);
    j = skip_ws(s, j + 1);
    if (j >= s->n || (s->t[j] != '"' && s->t[j] != '\''))
      return fail(s, line_at(s, j), "tag <%s>: attribute '%s': expected a quoted value", TAGNAME, aname);
    char quote = s->t[j];
    int qline = line_at(s, j);
    snprintf(where, sizeof where, "attribute '%.40s' of <%.40s>: ", aname, TAGNAME);
    j++;
    size_t value_off = s->tag.len;
    while (j < s->n && s->t[j] != quote) {
      char ch = s->t[j];
      int rc = 0;
      if (ch == '<')
        return fail(s, line_at(s, j), "%s'<' in the value opened on line %d (missing closing quote? a literal '<' is "
                    "written &lt;)", where, qline);
      if (ch == '&') {
        rc = decode_ref(s, &j, &s->tag, where);
        if (rc != 0)
          return rc;
      } else {
        if (ch == '\r' && j + 1 < s->n && s->t[j + 1] == '\n')
          j++; /* CR LF is one line end */
        if (ch == '\r' || ch == '\n' || ch == '\t')
          ch = ' ';
        if (buf_put(&s->tag, &ch, 1) != 0)
          return fail(s, line, "out of memory");
        j++;
      }
      if (s->tag.len - value_off > MEC_XML_MAX_NAME)
        return fail(s, line_at(s, j), "%svalue longer than %d bytes", where, MEC_XML_MAX_NAME);
    }
    if (j >= s->n)
      return fail(s, qline, "%smissing closing quote", where);
    j++;
    if (buf_put(&s->tag, "", 1) != 0)
      return fail(s, line, "out of memory");
    s->attr_off[n_attrs][0] = name_off;
    s->attr_off[n_attrs][1] = value_off;
    n_attrs++;
  }
  for (int a = 0; a < n_attrs; a++) {
    s->attrs[a].name = s->tag.p + s->attr_off[a][0];
    s->attrs[a].value = s->tag.p + s->attr_off[a][1];
  }
  mec_xml_tag_t tag = {
      .name = s->tag.p,
      .parent = s->depth > 0 ? s->stack.p + s->stack_off[s->depth - 1] : "",
      .line = line,
      .depth = s->depth,
      .empty = empty,
      .n_attrs = n_attrs,
      .attrs = s->attrs,
  };
  s->seen_root = 1;
  if (cb) {
    int rc = cb(&tag, ud);
    if (rc != 0) {
      *cb_rc = rc;
      return -1;
    }
  }
  if (!empty) {
    s->stack_off[s->depth] = s->stack.len;
    s->stack_line[s->depth] = line;
    if (buf_put(&s->stack, s->tag.p, strlen(s->tag.p) + 1) != 0)
      return fail(s, line, "out of memory");
    s->depth++;
  }
  *i = j;
  return 0;
#undef TAGNAME
}

static int end_tag(scanner_t *s, size_t *i, int line)
{
  size_t j = *i + 2;
  long nl = name_len(s, j);
  if (nl < 0)
    return -1;
  if (nl == 0)
    return fail(s, line, "expected an element name after '</'");
  const char *name = s->t + j;
  j = skip_ws(s, j + (size_t)nl);
  if (j >= s->n || s->t[j] != '>')
    return fail(s, line, "end tag </%.*s> not closed (expected '>')", (int)nl, name);
  if (s->depth == 0)
    return fail(s, line, "end tag </%.*s> without a start tag", (int)nl, name);
  const char *open = s->stack.p + s->stack_off[s->depth - 1];
  if (strlen(open) != (size_t)nl || memcmp(open, name, (size_t)nl) != 0)
    return fail(s, line, "end tag </%.*s> does not match <%s> (line %d)", (int)nl, name, open,
                s->stack_line[s->depth - 1]);
  s->stack.len = s->stack_off[s->depth - 1];
  s->depth--;
  *i = j + 1;
  return 0;
}

static int scan(scanner_t *s, int (*cb)(const mec_xml_tag_t *, void *), void *ud, int *cb_rc)
{
  char cbuf[16];
  const char *nul = s->n ? memchr(s->t, '\0', s->n) : NULL;
  if (nul)
    return fail(s, line_at(s, (size_t)(nul - s->t)), "NUL byte in the text");
  size_t i = starts_with(s, 0, "\xEF\xBB\xBF") ? 3 : 0; /* UTF-8 byte order mark */
  while (i < s->n) {
    unsigned char c = (unsigned char)s->t[i];
    if (c == '&') {
      if (s->depth == 0)
        return fail(s, line_at(s, i), "text outside the root element");
      int rc = decode_ref(s, &i, NULL, "");
      if (rc != 0)
        return rc;
      continue;
    }
    if (c != '<') {
      if (s->depth == 0 && !is_ws(c))
        return fail(s, line_at(s, i), "text outside the root element (%s)", show_char(c, cbuf));
      i++;
      continue;
    }
    int line = line_at(s, i);
    if (i + 1 >= s->n)
      return fail(s, line, "'<' at the end of the text");
    unsigned char d = (unsigned char)s->t[i + 1];
    int rc = 0;
    if (d == '?') {
      size_t e = find(s, i + 2, "?>");
      if (e >= s->n)
        return fail(s, line, "processing instruction not closed (no '?>')");
      i = e + 2;
    } else if (starts_with(s, i, "<!--")) {
      size_t e = find(s, i + 4, "-->");
      if (e >= s->n)
        return fail(s, line, "comment not closed (no '-->')");
      i = e + 3;
    } else if (starts_with(s, i, "<![CDATA[")) {
      if (s->depth == 0)
        return fail(s, line, "CDATA section outside the root element");
      size_t e = find(s, i + 9, "]]>");
      if (e >= s->n)
        return fail(s, line, "CDATA section not closed (no ']]>')");
      i = e + 3;
    } else if (starts_with(s, i, "<!DOCTYPE")) {
      if (s->depth > 0 || s->seen_root)
        return fail(s, line, "DOCTYPE after the root element's start");
      rc = skip_doctype(s, &i, line);
    } else if (d == '!') {
      return fail(s, line, "unexpected '<!' (expected <!-- comment -->, <![CDATA[...]]> or <!DOCTYPE>)");
    } else if (d == '/') {
      rc = end_tag(s, &i, line);
    } else if (is_name_start(d)) {
      rc = start_tag(s, &i, line, cb, ud, cb_rc);
    } else {
      return fail(s, line, "expected an element name after '<', got %s", show_char(d, cbuf));
    }
    if (rc != 0)
      return rc;
  }
  if (s->depth > 0) {
    const char *open = s->stack.p + s->stack_off[s->depth - 1];
    return fail(s, s->stack_line[s->depth - 1], "element <%s> not closed (no </%s> before the end of the text)", open,
                open);
  }
  if (!s->seen_root)
    return fail(s, line_at(s, s->n), "no root element");
  return 0;
}

int mec_xml_scan(const char *text, size_t len, int (*cb)(const mec_xml_tag_t *tag, void *ud), void *ud, char *err,
                 size_t errlen)
{
  scanner_t *s = calloc(1, sizeof *s);
  if (err && errlen)
    err[0] = '\0';
  if (!s) {
    if (err && errlen)
      snprintf(err, errlen, "line 1: out of memory");
    return -1;
  }
  s->t = text ? text : "";
  s->n = text ? len : 0;
  s->line = 1;
  s->err = err;
  s->errlen = errlen;
  int cb_rc = 0;
  int rc = scan(s, cb, ud, &cb_rc);
  if (cb_rc != 0) {
    rc = cb_rc;
    if (err && errlen)
      err[0] = '\0';
  }
  free(s->tag.p);
  free(s->stack.p);
  free(s);
  return rc;
}

const char *mec_xml_attr(const mec_xml_tag_t *tag, const char *name)
{
  if (!tag || !name)
    return NULL;
  for (int a = 0; a < tag->n_attrs; a++)
    if (strcmp(tag->attrs[a].name, name) == 0)
      return tag->attrs[a].value;
  return NULL;
}
