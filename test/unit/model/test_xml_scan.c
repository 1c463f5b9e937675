/* test_xml_scan.c - the XML start-tag scanner: the example deployment's
 * actors, props, parents and lines; comments, CDATA, PIs and the DOCTYPE
 * skipped; quotes, entities, value normalization, line counting; every
 * error case with its line; truncations at every byte and random byte
 * mutations of valid documents (run under ASan in test.sh). */
#include "check.h"
#include "model/xml_scan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* deployments/small_cell.xml, verbatim. */
static const char small_cell[] =
    "<?xml version='1.0'?>\n"
    "<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n"
    "<!-- small_cell.xml: who runs where in platforms/small_cell.xml.\n"
    "     base_station <prop>s are scenario knobs (listed by the list-knobs option of mecsim); the command line "
    "overrides them. -->\n"
    "<platform version=\"4.1\">\n"
    "  <actor host=\"bs\" function=\"base_station\">\n"
    "    <prop id=\"policy\" value=\"greedy\"/>              <!-- minimum expected delay per task -->\n"
    "    <prop id=\"arrivals\" value=\"slotted\"/>           <!-- one task per MD per slot -->\n"
    "    <prop id=\"slot\" value=\"1\"/>                     <!-- slot length T, s -->\n"
    "    <prop id=\"tasks_per_md\" value=\"20\"/>            <!-- tasks each MD generates -->\n"
    "    <prop id=\"task_bits\" value=\"uniform:2.4e6:4e6\"/> <!-- input data, bit (300-500 KB) -->\n"
    "    <prop id=\"task_cycles\" value=\"uniform:8e8:1.2e9\"/> <!-- CPU cycles per task -->\n"
    "    <prop id=\"bandwidth\" value=\"20e6\"/>             <!-- cell bandwidth W, Hz, split equally W/N -->\n"
    "  </actor>\n"
    "  <!-- the edge server; id is its number m (1 = the server wired to the BS) -->\n"
    "  <actor host=\"es-1\" function=\"edge_server\"><prop id=\"id\" value=\"1\"/></actor>\n"
    "  <!-- the mobile devices, numbered 0..4 in this order -->\n"
    "  <actor host=\"md-0\" function=\"mobile_device\"/>\n"
    "  <actor host=\"md-1\" function=\"mobile_device\"/>\n"
    "  <actor host=\"md-2\" function=\"mobile_device\"/>\n"
    "  <actor host=\"md-3\" function=\"mobile_device\"/>\n"
    "  <actor host=\"md-4\" function=\"mobile_device\"/>\n"
    "</platform>\n";

/* Every construct the scanner knows, with CR LF line ends in places. */
static const char everything[] =
    "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
    "<!DOCTYPE platform [\n"
    "  <!ELEMENT actor (prop*)> <!-- a ']' and a '>' in a comment --> <!ATTLIST actor host CDATA \"x>y\">\n"
    "  <?pi in subset?>\n"
    "]>\n"
    "<platform version='4.1'>\r\n"
    "  <![CDATA[ <actor host=\"cdata\"/> ]]>\n"
    "  <?target <actor host=\"pi\"/> ?>\n"
    "  text &amp; &#65; &#x42; more\n"
    "  <actor\n"
    "     host = 'md-&#48;'\n"
    "     function=\"mobile&#x5f;device\"\n"
    "  ><prop id=\"a\" value=\"&lt;&gt;&amp;&quot;&apos;\"/></actor>\n"
    "</platform >\n";

#define MAXT 64
typedef struct seen {
  int n;
  char name[MAXT][32], parent[MAXT][32], a1[MAXT][64], a2[MAXT][64];
  int line[MAXT], depth[MAXT], empty[MAXT], n_attrs[MAXT];
  int stop_at; /* return 7 from the callback on this call (1-based); 0 = never */
} seen_t;

/* Records each tag; a1/a2 are the first two attributes' values ("" if none). */
static int record(const mec_xml_tag_t *t, void *ud)
{
  seen_t *s = ud;
  if (s->n < MAXT) {
    snprintf(s->name[s->n], sizeof s->name[0], "%s", t->name);
    snprintf(s->parent[s->n], sizeof s->parent[0], "%s", t->parent);
    snprintf(s->a1[s->n], sizeof s->a1[0], "%s", t->n_attrs > 0 ? t->attrs[0].value : "");
    snprintf(s->a2[s->n], sizeof s->a2[0], "%s", t->n_attrs > 1 ? t->attrs[1].value : "");
    s->line[s->n] = t->line;
    s->depth[s->n] = t->depth;
    s->empty[s->n] = t->empty;
    s->n_attrs[s->n] = t->n_attrs;
  }
  s->n++;
  return s->stop_at && s->n == s->stop_at ? 7 : 0;
}

static int scan_str(const char *text, seen_t *s, char *err, size_t errlen)
{
  memset(s, 0, sizeof *s);
  return mec_xml_scan(text, strlen(text), record, s, err, errlen);
}

static void test_small_cell(void)
{
  seen_t s;
  char err[256] = "x";
  CHECK(scan_str(small_cell, &s, err, sizeof err) == 0);
  CHECK(err[0] == '\0');
  CHECK(s.n == 16);
  CHECK(strcmp(s.name[0], "platform") == 0 && strcmp(s.parent[0], "") == 0 && s.line[0] == 5);
  CHECK(strcmp(s.a1[0], "4.1") == 0 && s.depth[0] == 0 && s.empty[0] == 0);
  /* base station with its 7 props */
  CHECK(strcmp(s.name[1], "actor") == 0 && strcmp(s.parent[1], "platform") == 0 && s.line[1] == 6);
  CHECK(strcmp(s.a1[1], "bs") == 0 && strcmp(s.a2[1], "base_station") == 0 && s.depth[1] == 1);
  static const char *keys[] = {"policy", "arrivals", "slot", "tasks_per_md", "task_bits", "task_cycles", "bandwidth"};
  static const char *vals[] = {"greedy", "slotted", "1", "20", "uniform:2.4e6:4e6", "uniform:8e8:1.2e9", "20e6"};
  for (int k = 0; k < 7; k++) {
    CHECK(strcmp(s.name[2 + k], "prop") == 0);
    CHECK(strcmp(s.parent[2 + k], "actor") == 0);
    CHECK(s.line[2 + k] == 7 + k);
    CHECK(strcmp(s.a1[2 + k], keys[k]) == 0 && strcmp(s.a2[2 + k], vals[k]) == 0);
    CHECK(s.empty[2 + k] == 1 && s.depth[2 + k] == 2);
  }
  /* edge server, its prop on the same line */
  CHECK(strcmp(s.name[9], "actor") == 0 && s.line[9] == 16);
  CHECK(strcmp(s.a1[9], "es-1") == 0 && strcmp(s.a2[9], "edge_server") == 0);
  CHECK(strcmp(s.name[10], "prop") == 0 && strcmp(s.parent[10], "actor") == 0 && s.line[10] == 16);
  CHECK(strcmp(s.a1[10], "id") == 0 && strcmp(s.a2[10], "1") == 0);
  /* five mobile devices, lines 18..22 */
  for (int k = 0; k < 5; k++) {
    char host[16];
    snprintf(host, sizeof host, "md-%d", k);
    CHECK(strcmp(s.name[11 + k], "actor") == 0 && strcmp(s.parent[11 + k], "platform") == 0);
    CHECK(s.line[11 + k] == 18 + k);
    CHECK(strcmp(s.a1[11 + k], host) == 0 && strcmp(s.a2[11 + k], "mobile_device") == 0);
  }
}

/* mec_xml_attr on a live tag. */
static int check_attr_lookup(const mec_xml_tag_t *t, void *ud)
{
  int *ok = ud;
  if (strcmp(t->name, "actor") == 0) {
    const char *h = mec_xml_attr(t, "host"), *f = mec_xml_attr(t, "function");
    *ok += h && f && strncmp(h, "md-", 3) == 0 && strcmp(f, "mobile_device") == 0 && !mec_xml_attr(t, "id") &&
           !mec_xml_attr(t, "hos") && !mec_xml_attr(t, NULL);
  }
  return 0;
}

static void test_attr_lookup(void)
{
  int ok = 0;
  CHECK(mec_xml_scan(small_cell, strlen(small_cell), check_attr_lookup, &ok, NULL, 0) == 0);
  CHECK(ok == 5); /* the five mobile devices */
  CHECK(mec_xml_attr(NULL, "host") == NULL);
}

/* The real file, if the source tree is where the compiler saw it: still
 * scans, one base station. Guards against the copy above drifting. */
static int count_bs(const mec_xml_tag_t *t, void *ud)
{
  const char *f = mec_xml_attr(t, "function");
  if (strcmp(t->name, "actor") == 0 && f && strcmp(f, "base_station") == 0)
    ++*(int *)ud;
  return 0;
}

static void test_real_deployments(void)
{
  static const char *names[] = {"small_cell.xml", "dtomalb_cell.xml", "dynn_cell.xml", "wifi_cell.xml"};
  char dir[1024];
  snprintf(dir, sizeof dir, "%s", __FILE__);
  char *cut = strstr(dir, "test/unit/model/");
  if (!cut)
    return;
  *cut = '\0';
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    char path[1200];
    snprintf(path, sizeof path, "%sdeployments/%s", dir, names[i]);
    FILE *f = fopen(path, "rb");
    if (!f)
      continue;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    int bs = 0;
    char err[256];
    int rc = mec_xml_scan(buf, n, count_bs, &bs, err, sizeof err);
    if (rc != 0)
      fprintf(stderr, "  %s: %s\n", path, err);
    CHECK(rc == 0);
    CHECK(bs == 1);
  }
}

static void test_skipped_constructs(void)
{
  seen_t s;
  char err[256];
  CHECK(scan_str(everything, &s, err, sizeof err) == 0);
  if (s.n != 3)
    fprintf(stderr, "  err: %s\n", err);
  CHECK(s.n == 3); /* platform, actor, prop: not the ones in the DOCTYPE, CDATA or PI */
  CHECK(strcmp(s.name[0], "platform") == 0 && s.line[0] == 6 && strcmp(s.a1[0], "4.1") == 0);
  CHECK(strcmp(s.name[1], "actor") == 0 && s.line[1] == 10 && strcmp(s.parent[1], "platform") == 0);
  CHECK(strcmp(s.a1[1], "md-0") == 0 && strcmp(s.a2[1], "mobile_device") == 0);
  CHECK(strcmp(s.name[2], "prop") == 0 && s.line[2] == 13 && strcmp(s.parent[2], "actor") == 0);
  CHECK(strcmp(s.a2[2], "<>&\"'") == 0);

  /* comments holding fake actors, on one line and across lines */
  const char *doc = "<platform>\n"
                    "<!-- <actor host=\"fake\" function=\"x\"/> -->\n"
                    "<!--\n<actor host=\"fake2\" function=\"y\">\n</actor>\n-->\n"
                    "<!---->"
                    "<actor host=\"real\" function=\"z\"/>\n"
                    "</platform>";
  CHECK(scan_str(doc, &s, err, sizeof err) == 0);
  CHECK(s.n == 2);
  CHECK(strcmp(s.name[1], "actor") == 0 && strcmp(s.a1[1], "real") == 0 && s.line[1] == 7);
}

static void test_quotes(void)
{
  seen_t s;
  char err[256];
  CHECK(scan_str("<a x='say \"hi\"' y=\"it's\"/>", &s, err, sizeof err) == 0);
  CHECK(s.n == 1 && s.n_attrs[0] == 2);
  CHECK(strcmp(s.a1[0], "say \"hi\"") == 0);
  CHECK(strcmp(s.a2[0], "it's") == 0);
  CHECK(scan_str("<a x='' y=\"\"></a>", &s, err, sizeof err) == 0);
  CHECK(s.n == 1 && s.n_attrs[0] == 2 && s.a1[0][0] == '\0' && s.a2[0][0] == '\0');
  CHECK(scan_str("<a x\n=\n'1'\ty = \"2\"  / >", &s, err, sizeof err) == -1); /* "/ >" is not "/>" */
  CHECK(scan_str("<a x\n=\n'1'\ty = \"2\"  />", &s, err, sizeof err) == 0);
  CHECK(strcmp(s.a1[0], "1") == 0 && strcmp(s.a2[0], "2") == 0);
}

static void test_entities(void)
{
  seen_t s;
  char err[256];
  CHECK(scan_str("<a v=\"&lt;&gt;&amp;&quot;&apos;\" w='&#65;&#x42;&#xe9;&#x20AC;&#x1F600;&#128512;'/>", &s, err,
                 sizeof err) == 0);
  CHECK(strcmp(s.a1[0], "<>&\"'") == 0);
  CHECK(strcmp(s.a2[0], "AB\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF0\x9F\x98\x80") == 0);
  /* &amp;lt; decodes once */
  CHECK(scan_str("<a v='&amp;lt;'/>", &s, err, sizeof err) == 0);
  CHECK(strcmp(s.a1[0], "&lt;") == 0);
  /* literal tab/newline/CR LF become spaces; character references do not */
  CHECK(scan_str("<a v='x\ty\nz\r\nw' w='&#10;&#9;'/>", &s, err, sizeof err) == 0);
  CHECK(strcmp(s.a1[0], "x y z w") == 0);
  CHECK(strcmp(s.a2[0], "\n\t") == 0);
  /* entities in text content are checked too */
  CHECK(scan_str("<a>x &lt; y &#x3c; z</a>", &s, err, sizeof err) == 0);
  CHECK(scan_str("<a>x &nope; y</a>", &s, err, sizeof err) == -1);
  CHECK(strstr(err, "unknown entity") != NULL);
}

static void test_line_counting(void)
{
  seen_t s;
  char err[256];
  const char *doc = "<root>\n"            /* 1 */
                    "<a\n"                /* 2 */
                    "  x=\"1\"\n"         /* 3 */
                    "  y=\"2\n"           /* 4 */
                    "3\"/>\n"             /* 5 */
                    "<b/><!-- \n\n -->\n" /* 6, 7, 8 */
                    "<c/>\r\n"            /* 9 */
                    "<d/>\r"              /* 10: a lone CR is not a line end */
                    "<e/>\n"              /* 10 */
                    "</root>";
  CHECK(scan_str(doc, &s, err, sizeof err) == 0);
  CHECK(s.n == 6);
  CHECK(s.line[0] == 1 && s.line[1] == 2 && s.line[2] == 6 && s.line[3] == 9 && s.line[4] == 10 && s.line[5] == 10);
  CHECK(strcmp(s.a2[1], "2 3") == 0);
  /* an error after a multi-line tag reports its own line */
  CHECK(scan_str("<root>\n<a\n x='1'\n y='2'\n z='&bad;'/>\n</root>", &s, err, sizeof err) == -1);
  CHECK(strncmp(err, "line 5:", 7) == 0);
}

/* Expects rc -1, an error starting "line LINE:" and containing needle. */
static int fails(const char *text, size_t len, int line, const char *needle)
{
  seen_t s;
  char err[256] = "", want[32];
  memset(&s, 0, sizeof s);
  int rc = mec_xml_scan(text, len, record, &s, err, sizeof err);
  snprintf(want, sizeof want, "line %d:", line);
  int ok = rc == -1 && strncmp(err, want, strlen(want)) == 0 && strstr(err, needle) != NULL;
  if (!ok)
    fprintf(stderr, "  rc %d, err '%s' (wanted '%s ... %s') for: %.60s\n", rc, err, want, needle, text);
  return ok;
}
#define FAILS(text, line, needle) fails(text, strlen(text), line, needle)

static void test_errors(void)
{
  /* unclosed constructs, reported at their start */
  CHECK(FAILS("<r>\n<!-- x\n</r>", 2, "comment not closed"));
  CHECK(FAILS("<r>\n<!-->\n</r>", 2, "comment not closed"));
  CHECK(FAILS("<r>\n\n<![CDATA[ x ]]\n</r>", 3, "CDATA section not closed"));
  CHECK(FAILS("<?xml version='1.0'\n<r/>", 1, "processing instruction not closed"));
  CHECK(FAILS("<!DOCTYPE r [\n<!ELEMENT r ANY>\n<r/>", 1, "DOCTYPE not closed"));
  CHECK(FAILS("<!DOCTYPE r [\n<!-- ]> \n<r/>", 2, "comment not closed"));
  CHECK(FAILS("<r>\n<a x='1'", 2, "not closed"));
  CHECK(FAILS("<r>\n<a", 2, "not closed"));
  CHECK(FAILS("<r>\n<a x='1>\n", 2, "missing closing quote"));
  CHECK(FAILS("<r>\n<a x=\"1'/>\n\n", 2, "missing closing quote"));
  CHECK(FAILS("<r>\n<a x='1>\n</a></r>", 3, "value opened on line 2 (missing closing quote?"));
  CHECK(FAILS("<r>\n</r", 2, "not closed"));
  CHECK(FAILS("<r>\n<a>\n", 2, "element <a> not closed"));
  CHECK(FAILS("<r>\n", 1, "element <r> not closed"));
  CHECK(FAILS("<r>\n<", 2, "'<' at the end"));
  /* entities */
  CHECK(FAILS("<r a='&foo;'/>", 1, "unknown entity '&foo;'"));
  CHECK(FAILS("<r\na='x&amp'/>", 2, "malformed entity"));
  CHECK(FAILS("<r a='x & y'/>", 1, "malformed entity"));
  CHECK(FAILS("<r a='&'/>", 1, "malformed entity"));
  CHECK(FAILS("<r a='&#;'/>", 1, "malformed character reference"));
  CHECK(FAILS("<r a='&#xZZ;'/>", 1, "malformed character reference"));
  CHECK(FAILS("<r a='&#X41;'/>", 1, "malformed character reference"));
  CHECK(FAILS("<r a='&#0;'/>", 1, "not an XML character"));
  CHECK(FAILS("<r a='&#xD800;'/>", 1, "not an XML character"));
  CHECK(FAILS("<r a='&#x110000;'/>", 1, "not an XML character"));
  CHECK(FAILS("<r a='&#99999999999999999999999999;'/>", 1, "not an XML character"));
  CHECK(FAILS("<r a='&#65'/>", 1, "malformed character reference"));
  CHECK(FAILS("<r>\n&bogus;</r>", 2, "unknown entity"));
  /* tags */
  CHECK(FAILS("<r>\n<a>\n</b>\n</r>", 3, "</b> does not match <a> (line 2)"));
  CHECK(FAILS("<r/>\n</r>", 2, "without a start tag"));
  CHECK(FAILS("<r>\n</ r>", 2, "expected an element name after '</'"));
  CHECK(FAILS("<r>\n< a/></r>", 2, "expected an element name"));
  CHECK(FAILS("<r>\n<1a/></r>", 2, "expected an element name"));
  CHECK(FAILS("<r>\n<!ENTITY x 'y'></r>", 2, "unexpected '<!'"));
  CHECK(FAILS("<r a='1' a='2'/>", 1, "duplicate attribute 'a'"));
  CHECK(FAILS("<r a='1'b='2'/>", 1, "missing space"));
  CHECK(FAILS("<r a/>", 1, "expected '='"));
  CHECK(FAILS("<r a=1/>", 1, "expected a quoted value"));
  CHECK(FAILS("<r a='<'/>", 1, "'<' in the value"));
  CHECK(FAILS("<r \"a\"='1'/>", 1, "unexpected '\"'"));
  CHECK(FAILS("<r a='1' / >", 1, "expected '/>'"));
  /* document structure */
  CHECK(FAILS("", 1, "no root element"));
  CHECK(FAILS("  \n\n", 3, "no root element"));
  CHECK(FAILS("<?xml version='1.0'?>\n<!-- c -->\n", 3, "no root element"));
  CHECK(FAILS("<r/>\n<s/>", 2, "second root element <s>"));
  CHECK(FAILS("hello <r/>", 1, "text outside the root element"));
  CHECK(FAILS("<r/>\nx", 2, "text outside the root element"));
  CHECK(FAILS("&amp;<r/>", 1, "text outside the root element"));
  CHECK(FAILS("<![CDATA[x]]><r/>", 1, "CDATA section outside"));
  CHECK(FAILS("<r>\n<!DOCTYPE r>\n</r>", 2, "DOCTYPE after"));
  CHECK(fails(NULL, 0, 1, "no root element"));
  /* NUL bytes */
  CHECK(fails("<r>\n\0</r>", 9, 2, "NUL byte"));
  CHECK(fails("<r a='\0'/>", 10, 1, "NUL byte"));
  CHECK(fails("<r/>\n\n<!--\0-->", 14, 3, "NUL byte"));
}

/* A document of `depth` nested <e>, or one tag with `attrs` attributes, or
 * a name / value of `len` bytes (value made of `unit` repeated). */
static char *nested(int depth)
{
  char *d = malloc((size_t)depth * 8 + 16), *p = d;
  for (int k = 0; k < depth; k++)
    p += sprintf(p, "<e>");
  for (int k = 0; k < depth; k++)
    p += sprintf(p, "</e>");
  return d;
}

static char *many_attrs(int n)
{
  char *d = malloc((size_t)n * 16 + 16), *p = d;
  p += sprintf(p, "<r");
  for (int k = 0; k < n; k++)
    p += sprintf(p, " a%d='%d'", k, k);
  sprintf(p, "/>");
  return d;
}

static char *long_name(size_t len)
{
  char *d = malloc(2 * len + 16), *p = d;
  *p++ = '<';
  memset(p, 'n', len);
  p += len;
  *p++ = '>';
  *p++ = '<';
  *p++ = '/';
  memset(p, 'n', len);
  p += len;
  strcpy(p, ">");
  return d;
}

static char *long_value(size_t count, const char *unit)
{
  size_t u = strlen(unit);
  char *d = malloc(count * u + 16), *p = d;
  p += sprintf(p, "<r v='");
  for (size_t k = 0; k < count; k++, p += u)
    memcpy(p, unit, u);
  strcpy(p, "'/>");
  return d;
}

static int count_tags(const mec_xml_tag_t *t, void *ud)
{
  (void)t;
  ++*(int *)ud;
  return 0;
}

static int scan_ok(const char *d)
{
  char err[256];
  int n = 0;
  int rc = mec_xml_scan(d, strlen(d), count_tags, &n, err, sizeof err);
  if (rc != 0)
    fprintf(stderr, "  unexpected error: %s\n", err);
  return rc == 0 ? n : -1;
}

static void test_limits(void)
{
  char *d;
  d = nested(64);
  CHECK(scan_ok(d) == 64);
  free(d);
  d = nested(65);
  CHECK(FAILS(d, 1, "nested deeper than 64"));
  free(d);
  d = nested(100000); /* far deeper: still an error, not a stack overflow */
  CHECK(FAILS(d, 1, "nested deeper than 64"));
  free(d);
  d = many_attrs(64);
  CHECK(scan_ok(d) == 1);
  free(d);
  d = many_attrs(65);
  CHECK(FAILS(d, 1, "more than 64 attributes"));
  free(d);
  d = long_name(4096);
  CHECK(scan_ok(d) == 1);
  free(d);
  d = long_name(4097);
  CHECK(FAILS(d, 1, "name longer than 4096 bytes"));
  free(d);
  d = long_value(4096, "v");
  CHECK(scan_ok(d) == 1);
  free(d);
  d = long_value(4097, "v");
  CHECK(FAILS(d, 1, "value longer than 4096 bytes"));
  free(d);
  d = long_value(1024, "&#x1F600;"); /* 4 bytes each once decoded: exactly 4096 */
  CHECK(scan_ok(d) == 1);
  free(d);
  d = long_value(1025, "&#x1F600;");
  CHECK(FAILS(d, 1, "value longer than 4096 bytes"));
  free(d);
  /* the limit is on names of attributes too */
  d = malloc(4097 + 16);
  strcpy(d, "<r ");
  memset(d + 3, 'a', 4097);
  strcpy(d + 3 + 4097, "='1'/>");
  CHECK(FAILS(d, 1, "name longer than 4096 bytes"));
  free(d);
}

static int stopper_calls;
static int stopper(const mec_xml_tag_t *t, void *ud)
{
  (void)ud;
  stopper_calls++;
  return strcmp(t->name, "actor") == 0 ? 42 : 0;
}

static void test_callback_stops(void)
{
  seen_t s;
  char err[256] = "x";
  memset(&s, 0, sizeof s);
  s.stop_at = 2;
  CHECK(mec_xml_scan(small_cell, strlen(small_cell), record, &s, err, sizeof err) == 7);
  CHECK(s.n == 2 && err[0] == '\0');
  stopper_calls = 0;
  CHECK(mec_xml_scan(small_cell, strlen(small_cell), stopper, NULL, NULL, 0) == 42);
  CHECK(stopper_calls == 2); /* platform, then the first actor */
  /* no callback: just a well-formedness check */
  CHECK(mec_xml_scan(small_cell, strlen(small_cell), NULL, NULL, NULL, 0) == 0);
  /* a tiny err buffer is truncated, not overrun */
  char tiny[8];
  CHECK(mec_xml_scan("<r>", 3, NULL, NULL, tiny, sizeof tiny) == -1);
  CHECK(strlen(tiny) == sizeof tiny - 1 && strncmp(tiny, "line 1:", 7) == 0);
}

/* Every prefix of doc, in a heap block of exactly that size (so ASan sees
 * any read past it): an error with a line, or success only for prefixes
 * that end after the root's end tag. */
static void truncations(const char *doc, size_t ok_from)
{
  size_t n = strlen(doc);
  int bad = 0;
  for (size_t k = 0; k <= n; k++) {
    char *p = malloc(k ? k : 1);
    memcpy(p, doc, k);
    char err[256];
    int count = 0;
    int rc = mec_xml_scan(p, k, count_tags, &count, err, sizeof err);
    int want = k >= ok_from ? 0 : -1;
    if (rc != want || (rc == -1 && strncmp(err, "line ", 5) != 0) || count > 64) {
      if (bad++ < 3)
        fprintf(stderr, "  prefix %zu: rc %d err '%s'\n", k, rc, err);
    }
    free(p);
  }
  CHECK(bad == 0);
}

static void test_truncations(void)
{
  truncations(small_cell, strlen(small_cell) - 1); /* all but the final newline is needed */
  truncations(everything, strlen(everything) - 1);
}

/* Random byte mutations (xorshift, fixed seed): never a crash, rc 0 or -1
 * with a "line N:" message whose N is within the text. */
static uint64_t xorshift_state = 88172645463325252ULL;
static uint64_t next_random(void)
{
  uint64_t x = xorshift_state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return xorshift_state = x;
}

static void test_mutations(void)
{
#define NEXT() next_random()
  static const char alphabet[] = "<>/!?-=\"'&;#x[] \n\rDOCTYPEactor\0\xff";
  size_t n = strlen(everything);
  int bad = 0, errors = 0;
  for (int it = 0; it < 20000; it++) {
    char *p = malloc(n);
    memcpy(p, everything, n);
    int flips = 1 + (int)(NEXT() % 4);
    for (int f = 0; f < flips; f++) {
      size_t at = NEXT() % n;
      p[at] = alphabet[NEXT() % (sizeof alphabet - 1)];
    }
    size_t len = NEXT() % 8 ? n : NEXT() % (n + 1);
    char err[256];
    int count = 0;
    int rc = mec_xml_scan(p, len, count_tags, &count, err, sizeof err);
    int line = 0;
    if (rc == -1) {
      errors++;
      if (sscanf(err, "line %d:", &line) != 1 || line < 1 || line > 20)
        bad++;
    } else if (rc != 0) {
      bad++;
    }
    free(p);
  }
  CHECK(bad == 0);
  CHECK(errors > 1000); /* the mutations do break documents */
#undef NEXT
}

int main(void)
{
  RUN(test_small_cell);
  RUN(test_attr_lookup);
  RUN(test_real_deployments);
  RUN(test_skipped_constructs);
  RUN(test_quotes);
  RUN(test_entities);
  RUN(test_line_counting);
  RUN(test_errors);
  RUN(test_limits);
  RUN(test_callback_stops);
  RUN(test_truncations);
  RUN(test_mutations);
  return CHECK_DONE();
}
